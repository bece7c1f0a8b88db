"""``apply_transaction``: one transaction's state transition, from checks against the state to
the coinbase payment, plus the system calls of EIP-4788/2935/7002/7251.

Static validity (signature shape, intrinsic gas, caps) comes from ``tx_validation``; what needs
the state (nonce, balance, EIP-3607, fees against the base fee) is checked here, before any
change, so a rejected transaction leaves the state untouched.
"""

from dataclasses import dataclass

from ethrex.errors import InvalidTransaction
from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.frame import Frame
from ethrex.evm.opcodes.system import compute_create_address, delegated_address
from ethrex.evm.vm import make_context, process_create, process_message
from ethrex.execution.block import blob_base_fee
from ethrex.execution.tx_validation import (
    calldata_floor_gas,
    intrinsic_gas,
    validate_transaction,
)
from ethrex.forks import ForkRules
from ethrex.primitives import U64_MAX
from ethrex.state import StateDB
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    recover_authority,
    recover_sender,
)

GAS_PER_BLOB = 2**17  # EIP-4844
NULL_ADDRESS = b"\x00" * 20
DELEGATION_PREFIX = b"\xef\x01\x00"  # EIP-7702
Log = tuple[bytes, tuple[bytes, ...], bytes]


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """What a receipt needs: gas used (after refunds and the EIP-7623 floor), the logs, and
    whether the top frame succeeded (``error`` names why not)."""

    gas_used: int
    logs: tuple[Log, ...]
    succeeded: bool
    error: Exception | None = None
    blob_gas_used: int = 0


def _effective_gas_price(tx: Transaction, env: BlockEnv, rules: ForkRules) -> tuple[int, int]:
    """``(price paid per gas, price cap used for the balance check)`` (EIP-1559)."""
    base_fee = env.base_fee_per_gas
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        if rules.has_base_fee and tx.gas_price < base_fee:
            raise InvalidTransaction(f"gas price {tx.gas_price} below base fee {base_fee}")
        return tx.gas_price, tx.gas_price
    if tx.max_fee_per_gas < base_fee:
        raise InvalidTransaction(f"max fee per gas {tx.max_fee_per_gas} below base fee {base_fee}")
    priority = min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)
    return base_fee + priority, tx.max_fee_per_gas


def apply_authorizations(state: StateDB, tx: SetCodeTransaction, env: BlockEnv,
                         rules: ForkRules) -> None:
    """EIP-7702: write each valid authorization's delegation designator; invalid ones are
    skipped, not fatal. Refunds authorizations to accounts that already existed."""
    for auth in tx.authorization_list:
        if auth.chain_id not in (0, env.chain_id):
            continue
        if auth.nonce >= U64_MAX:
            continue
        authority = recover_authority(auth)
        if authority is None:
            continue
        state.warm_address(authority)
        code = state.get_code(authority)
        if code and delegated_address(code) is None:
            continue
        if state.get_nonce(authority) != auth.nonce:
            continue
        if state.account_exists(authority):
            state.add_refund(rules.per_empty_account_gas - rules.per_auth_base_gas)
        state.set_code(
            authority, b"" if auth.address == NULL_ADDRESS else DELEGATION_PREFIX + auth.address
        )
        state.increment_nonce(authority)


def apply_transaction(
    state: StateDB, env: BlockEnv, tx: Transaction, rules: ForkRules
) -> TransactionResult:
    """Run ``tx`` on ``state``; raise ``InvalidTransaction`` (state unchanged) when it cannot be
    included."""
    validate_transaction(tx, rules, env.chain_id)
    if tx.gas > env.gas_limit:
        raise InvalidTransaction(f"gas {tx.gas} above the block gas limit {env.gas_limit}")
    sender = recover_sender(tx)
    gas_price, max_gas_price = _effective_gas_price(tx, env, rules)

    blob_fee = max_blob_fee = blob_gas = 0
    blob_price = blob_base_fee(env.excess_blob_gas, rules) if rules.has_blobs else 0
    blob_hashes: tuple[bytes, ...] = ()
    if isinstance(tx, BlobTransaction):
        if tx.max_fee_per_blob_gas < blob_price:
            raise InvalidTransaction(
                f"max fee per blob gas {tx.max_fee_per_blob_gas} below blob base fee {blob_price}"
            )
        blob_hashes = tx.blob_versioned_hashes
        blob_gas = GAS_PER_BLOB * len(blob_hashes)
        blob_fee = blob_gas * blob_price
        max_blob_fee = blob_gas * tx.max_fee_per_blob_gas

    state.begin_transaction()
    balance = state.get_balance(sender)
    cost = tx.gas * max_gas_price + max_blob_fee + tx.value
    if balance < cost:
        raise InvalidTransaction(f"sender balance {balance} below gas * price + value {cost}")
    nonce = state.get_nonce(sender)
    if nonce != tx.nonce:
        raise InvalidTransaction(f"nonce {tx.nonce} but the sender's nonce is {nonce}")
    code = state.get_code(sender)
    if code and not (rules.has_delegation and delegated_address(code) is not None):
        raise InvalidTransaction("sender has code (EIP-3607)")

    # From here on the transaction is included: buy the gas.
    state.increment_nonce(sender)
    state.set_balance(sender, balance - tx.gas * gas_price - blob_fee)
    gas = tx.gas - intrinsic_gas(tx, rules)
    floor = calldata_floor_gas(tx, rules)
    ctx = make_context(state, rules, env, TxEnv(sender, gas_price, blob_hashes), blob_price)

    if rules.has_access_lists:  # EIP-2929/2930: the pre-warmed addresses and slots
        state.warm_address(sender)
        if tx.to:
            state.warm_address(tx.to)
        for address in ctx.precompiles:
            state.warm_address(address)
        if rules.has_warm_coinbase:  # EIP-3651
            state.warm_address(env.coinbase)
        if not isinstance(tx, LegacyTransaction):
            for address, keys in tx.access_list:
                state.warm_address(address)
                for key in keys:
                    state.warm_slot(address, int.from_bytes(key, "big"))

    if not tx.to:
        address = compute_create_address(sender, tx.nonce)
        state.warm_address(address)
        if state.get_nonce(address) or state.get_code(address) or state.has_storage(address):
            # EIP-684/7610: creating over an existing account fails and burns the gas.
            gas_left, error = 0, InvalidTransaction("address collision")
        else:
            frame = Frame(ctx, sender, address, address, tx.value, b"", tx.data, gas, 0, False)
            process_create(frame)
            gas_left, error = frame.gas, frame.error
    else:
        if isinstance(tx, SetCodeTransaction):
            apply_authorizations(state, tx, env, rules)
        to = tx.to
        code = state.get_code(to)
        code_address = to
        delegate = delegated_address(code) if rules.has_delegation else None
        if delegate is not None:  # EIP-7702: run the delegate's code, precompiles off
            state.warm_address(delegate)
            code = state.get_code(delegate)
            code_address = delegate
        frame = Frame(ctx, sender, to, code_address, tx.value, tx.data, code, gas, 0, False,
                      True, delegate is not None)
        process_message(frame)
        gas_left, error = frame.gas, frame.error

    gas_used = tx.gas - gas_left
    refund = min(gas_used // rules.max_refund_quotient, state.refund)  # EIP-3529: 1/5
    gas_used -= refund
    if gas_used < floor:  # EIP-7623
        gas_used = floor
    state.add_balance(sender, (tx.gas - gas_used) * gas_price)
    priority = gas_price - env.base_fee_per_gas if rules.has_base_fee else gas_price
    fee = gas_used * priority
    if fee or not rules.has_state_clearing:
        state.add_balance(env.coinbase, fee)
    else:
        state.touch(env.coinbase)  # EIP-161: an empty coinbase paid nothing is cleared
    logs = tuple(state.logs) if error is None else ()
    state.finalize_transaction(rules.has_state_clearing)
    return TransactionResult(gas_used, logs, error is None, error, blob_gas)


def system_message_call(
    state: StateDB,
    env: BlockEnv,
    rules: ForkRules,
    caller: bytes,
    target: bytes,
    data: bytes,
    gas: int,
) -> tuple[bool, bytes]:
    """A call from the system address (EIP-4788/2935/7002/7251): no fee, no nonce, no value
    transfer; its changes are committed. Returns ``(success, output)``."""
    state.begin_transaction()
    ctx = make_context(state, rules, env, TxEnv(caller, 0))
    frame = Frame(ctx, caller, target, target, 0, data, state.get_code(target), gas, 0, False,
                  False)
    process_message(frame)
    state.finalize_transaction(False)
    return frame.error is None, frame.output
