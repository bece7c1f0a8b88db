"""The fee market: the EIP-1559 base fee and the EIP-4844 blob gas price, from the parent block.

Header validation, payload building, the transaction pipeline and the fee RPC methods all read
these numbers here, so that the first London block's initial base fee or the EIP-7918 reserve
price is written once.
"""

from ethrex.forks import ForkRules
from ethrex.types.header import Header

GAS_PER_BLOB = 2**17  # EIP-4844
MIN_BLOB_BASE_FEE = 1  # EIP-4844
BLOB_BASE_COST = 2**13  # EIP-7918
INITIAL_BASE_FEE = 1_000_000_000  # EIP-1559: the base fee of the first London block
ELASTICITY_MULTIPLIER = 2  # EIP-1559
BASE_FEE_MAX_CHANGE_DENOMINATOR = 8  # EIP-1559


def compute_base_fee(parent_gas_limit: int, parent_gas_used: int, parent_base_fee: int) -> int:
    """EIP-1559: move the base fee by at most 1/8 towards the parent's gas target."""
    target = parent_gas_limit // ELASTICITY_MULTIPLIER
    if parent_gas_used == target:
        return parent_base_fee
    if parent_gas_used > target:
        delta = parent_base_fee * (parent_gas_used - target) // target
        return parent_base_fee + max(delta // BASE_FEE_MAX_CHANGE_DENOMINATOR, 1)
    delta = parent_base_fee * (target - parent_gas_used) // target
    return parent_base_fee - delta // BASE_FEE_MAX_CHANGE_DENOMINATOR


def next_base_fee(parent: Header, rules: ForkRules) -> int | None:
    """The base fee of a child of ``parent`` under the child's ``rules``: None before London,
    ``INITIAL_BASE_FEE`` for the first London block (its parent has none), else EIP-1559."""
    if not rules.has_base_fee:
        return None
    if parent.base_fee_per_gas is None:
        return INITIAL_BASE_FEE
    return compute_base_fee(parent.gas_limit, parent.gas_used, parent.base_fee_per_gas)


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844: integer approximation of ``factor * e ** (numerator / denominator)``."""
    i = 1
    output = 0
    accumulator = factor * denominator
    while accumulator > 0:
        output += accumulator
        accumulator = accumulator * numerator // (denominator * i)
        i += 1
    return output // denominator


def blob_base_fee(excess_blob_gas: int, rules: ForkRules) -> int:
    """EIP-4844: the price of one unit of blob gas given the block's excess blob gas."""
    return fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas,
                            rules.blob_base_fee_update_fraction)


def compute_excess_blob_gas(parent: Header, rules: ForkRules) -> int:
    """EIP-4844 excess blob gas of the child of ``parent`` under the child's ``rules``; from
    Osaka, EIP-7918 keeps the blob base fee from falling below its execution-cost reserve."""
    parent_excess = parent.excess_blob_gas or 0
    parent_used = parent.blob_gas_used or 0
    target_gas = rules.blob_target * GAS_PER_BLOB
    if parent_excess + parent_used < target_gas:
        return 0
    if rules.has_blob_reserve_price and BLOB_BASE_COST * (
        parent.base_fee_per_gas or 0
    ) > GAS_PER_BLOB * blob_base_fee(parent_excess, rules):
        return parent_excess + parent_used * (rules.blob_max - rules.blob_target) // rules.blob_max
    return parent_excess + parent_used - target_gas
