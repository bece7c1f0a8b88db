"""Header rules: everything a header must satisfy given its parent, checked before execution.

Gas limit bounds, the EIP-1559 base fee, EIP-4844 excess blob gas (with EIP-7918's reserve
price), proof-of-work difficulty before the merge and the EIP-3675 constants after it, the DAO
extra-data rule (EIP-779) and the presence of each fork's optional header fields. Ommers need
the ancestry and are checked in ``ethrex.blockchain.ommers``.
"""

from ethrex.blockchain.difficulty import compute_difficulty
from ethrex.errors import InvalidBlock
from ethrex.execution.fee_market import (
    ELASTICITY_MULTIPLIER,
    GAS_PER_BLOB,
    compute_excess_blob_gas,
    next_base_fee,
)
from ethrex.forks import ForkRules
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.types.header import Header

GAS_LIMIT_ADJUSTMENT_FACTOR = 1024
GAS_LIMIT_MINIMUM = 5000
GAS_LIMIT_MAXIMUM = 2**63 - 1  # clients store it as a signed 64-bit number
MAX_EXTRA_DATA_SIZE = 32
DAO_EXTRA_DATA = b"dao-hard-fork"  # EIP-779
DAO_EXTRA_DATA_BLOCKS = 10  # EIP-779: the fork block and the nine after it carry it


def is_gas_limit_valid(gas_limit: int, parent_gas_limit: int) -> bool:
    """A gas limit may move by less than 1/1024 of the parent's and never below 5000."""
    delta = parent_gas_limit // GAS_LIMIT_ADJUSTMENT_FACTOR
    return (
        parent_gas_limit - delta < gas_limit < parent_gas_limit + delta
        and GAS_LIMIT_MINIMUM <= gas_limit <= GAS_LIMIT_MAXIMUM
    )


def _check_fields_present(header: Header, rules: ForkRules) -> None:
    """Each fork's optional fields are there exactly from that fork on."""
    for name, value, wanted in (
        ("base_fee_per_gas", header.base_fee_per_gas, rules.has_base_fee),  # EIP-1559
        ("withdrawals_root", header.withdrawals_root, rules.has_withdrawals),  # EIP-4895
        ("blob_gas_used", header.blob_gas_used, rules.has_blobs),  # EIP-4844
        ("excess_blob_gas", header.excess_blob_gas, rules.has_blobs),  # EIP-4844
        ("parent_beacon_block_root", header.parent_beacon_block_root, rules.has_beacon_root),
        ("requests_hash", header.requests_hash, rules.has_requests),  # EIP-7685
    ):
        if (value is not None) != wanted:
            state = "missing" if wanted else "not allowed"
            raise InvalidBlock(f"header field {name} {state} in {rules.fork.name}")


def validate_header(
    header: Header,
    parent: Header,
    rules: ForkRules,
    parent_rules: ForkRules,
    dao_fork_block: int | None = None,
) -> None:
    """Check ``header`` against its ``parent``; raise ``InvalidBlock`` naming the broken rule.

    ``rules`` are the header's fork rules (proof of stake when ``rules.is_pos``); the chain
    decides that from the total difficulty. Proof-of-work seals are not verified here.
    """
    _check_fields_present(header, rules)
    if header.number != parent.number + 1:
        raise InvalidBlock(f"number {header.number} is not parent's {parent.number} + 1")
    if header.gas_used > header.gas_limit:
        raise InvalidBlock(f"gas_used {header.gas_used} above gas_limit {header.gas_limit}")
    parent_gas_limit = parent.gas_limit
    if rules.has_base_fee and not parent_rules.has_base_fee:
        parent_gas_limit *= ELASTICITY_MULTIPLIER  # EIP-1559: the target stays where it was
    if not is_gas_limit_valid(header.gas_limit, parent_gas_limit):
        raise InvalidBlock(
            f"gas_limit {header.gas_limit} out of bounds for parent gas limit {parent_gas_limit}"
        )
    if rules.has_base_fee:
        expected = next_base_fee(parent, rules)  # EIP-1559
        if header.base_fee_per_gas != expected:
            raise InvalidBlock(f"base_fee_per_gas {header.base_fee_per_gas} != {expected}")
    if header.timestamp <= parent.timestamp:
        raise InvalidBlock(f"timestamp {header.timestamp} not after parent's {parent.timestamp}")
    if len(header.extra_data) > MAX_EXTRA_DATA_SIZE:
        raise InvalidBlock(f"extra_data of {len(header.extra_data)} bytes, at most 32 allowed")
    if rules.is_pos:
        # EIP-3675: proof-of-work fields are constants after the merge.
        if header.difficulty != 0:
            raise InvalidBlock(f"difficulty {header.difficulty} after the merge")
        if header.nonce != b"\x00" * 8:
            raise InvalidBlock(f"nonce {header.nonce.hex()} after the merge")
        if header.ommers_hash != EMPTY_LIST_HASH:
            raise InvalidBlock("ommers after the merge")
    else:
        expected = compute_difficulty(
            rules,
            header.number,
            header.timestamp,
            parent.timestamp,
            parent.difficulty,
            parent.ommers_hash != EMPTY_LIST_HASH,
        )
        if header.difficulty != expected:
            raise InvalidBlock(f"difficulty {header.difficulty} != {expected}")
    if (
        dao_fork_block is not None
        and dao_fork_block <= header.number < dao_fork_block + DAO_EXTRA_DATA_BLOCKS
        and header.extra_data != DAO_EXTRA_DATA
    ):
        raise InvalidBlock(f"block {header.number} must carry the DAO fork extra data")  # EIP-779
    if rules.has_blobs:
        blob_gas_used = header.blob_gas_used or 0
        if blob_gas_used % GAS_PER_BLOB:
            raise InvalidBlock(f"blob_gas_used {blob_gas_used} is not a whole number of blobs")
        if blob_gas_used > rules.blob_max * GAS_PER_BLOB:
            raise InvalidBlock(f"blob_gas_used {blob_gas_used} above the block maximum")
        expected = compute_excess_blob_gas(parent, rules)
        if header.excess_blob_gas != expected:
            raise InvalidBlock(f"excess_blob_gas {header.excess_blob_gas} != {expected}")
