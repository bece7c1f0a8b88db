"""The transaction pipeline: one state transition for every caller, in four named steps.

1. ``check_transaction``: everything that can make the transaction impossible, checked before
   any change, in the reference client's order (nonce, EIP-3607 sender, fees against the base
   fee, blobs, EIP-7702 shape, balance, intrinsic gas and the EIP-7623 floor, EIP-3860 init
   code): a rejected transaction leaves the state untouched. The result is a ``TxPlan``.
2. ``buy_gas``: mint what a privileged transaction brings, take gas and blob gas at their
   prices up front, warm the sender, recipient, precompiles, coinbase and access list
   (EIP-2929, EIP-2930, EIP-3651).
3. ``run_message``: bump the nonce, then the creation (EIP-684/EIP-7610 collisions) or the
   call (EIP-7702 authorizations and delegation).
4. ``settle``: refunds (EIP-3529), the calldata floor (EIP-7623), the sender's change and the
   fees (``ExecutionHooks.pay_fees``), self-destructs and EIP-161 clearing.

``apply_transaction`` runs them in order. Block import, payload building, ``eth_call``,
``eth_estimateGas``, ``eth_createAccessList``, ``eth_simulateV1`` and ``debug_trace*`` all go
through it; ``TxOptions`` say how an RPC call differs from a block's transaction, and
``ExecutionHooks`` how a rollup differs from L1.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol

from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.errors import NEVER, AbortSignal
from ethrex.evm.frame import Context, Frame
from ethrex.evm.opcodes.system import (
    DELEGATION_PREFIX,
    compute_create_address,
    delegated_address,
)
from ethrex.evm.precompiles import Precompile, precompiles_for
from ethrex.evm.vm import make_context, process_create, process_message
from ethrex.execution.errors import (
    AddressCollision,
    BlobFeeCapTooLow,
    BlockGasExceeded,
    FeeCapTooLow,
    InitCodeTooLarge,
    InsufficientFunds,
    IntrinsicGasTooLow,
    NonceMax,
    NonceOverflow,
    NonceTooHigh,
    NonceTooLow,
    SenderNotEOA,
    TipAboveFeeCap,
)
from ethrex.execution.fee_market import GAS_PER_BLOB, blob_base_fee
from ethrex.execution.hooks import L1_HOOKS, ExecutionHooks, TxPlan
from ethrex.execution.overrides import AccountOverride, apply_state_overrides
from ethrex.execution.tx_validation import (
    calldata_floor_gas,
    check_blob_shape,
    check_set_code_shape,
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

NULL_ADDRESS = bytes(20)
Log = tuple[bytes, tuple[bytes, ...], bytes]


class Tracer(Protocol):
    """``debug_trace*``: an instrumented copy of the fork's opcode table, and a hook that sees
    every step (the traced interpreter loop runs every opcode through the table)."""

    def tables(self, rules: ForkRules) -> list[Callable[[Frame], None]]: ...

    def on_step(self, frame: Frame, pc: int, op: int, gas: int) -> None: ...


@dataclass(frozen=True, slots=True)
class TxOptions:
    """How a transaction is run besides the block's rules (defaults: a block transaction).

    ``check_nonce`` False skips the nonce and EIP-3607 sender checks (calls, simulations
    without validation); ``check_balance`` False lets a sender pay with money it does not
    have; ``no_base_fee`` lets a message without fee fields skip the base-fee check and pay
    nothing (the reference client's NoBaseFee); ``state_overrides`` are applied to the state
    first; ``precompiles`` replaces the fork's set (``movePrecompileToAddress``); ``tracer``
    instruments the interpreter; ``abort`` stops it from another thread (an RPC call's time
    budget: ``ExecutionAborted`` then unwinds the transaction)."""

    check_nonce: bool = True
    check_balance: bool = True
    no_base_fee: bool = False
    state_overrides: Mapping[bytes, AccountOverride] | None = None
    precompiles: Mapping[bytes, Precompile] | None = None
    tracer: Tracer | None = None
    abort: AbortSignal = NEVER


BLOCK_TX = TxOptions()
CALL = TxOptions(check_nonce=False, no_base_fee=True)


class TransactionResult(NamedTuple):
    """What a receipt and an RPC answer need: gas used (after refunds and the EIP-7623 floor),
    the logs, whether the top frame succeeded (``error`` names why not), its output, the gas
    used before refunds (at least the floor) and the address a creation made. (A named tuple,
    like ``TxPlan``: one per transaction on the hot path.)"""

    gas_used: int
    logs: tuple[Log, ...]
    succeeded: bool
    error: Exception | None = None
    blob_gas_used: int = 0
    output: bytes = b""
    max_used_gas: int = 0
    contract_address: bytes = b""


# -- 1. check ----------------------------------------------------------------------------------

def _prices(tx: Transaction, base_fee: int, rules: ForkRules,
            no_base_fee: bool) -> tuple[int, int, bool]:
    """``(price per gas, fee cap for the balance check, pays fees)`` (EIP-1559)."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        cap = tip = tx.gas_price
    else:
        cap, tip = tx.max_fee_per_gas, tx.max_priority_fee_per_gas
    if no_base_fee and cap == 0 and tip == 0:
        return 0, 0, False
    if not rules.has_base_fee:
        return cap, cap, True
    if cap < tip:
        raise TipAboveFeeCap(f"max priority fee per gas higher than max fee per gas: "
                             f"maxPriorityFeePerGas: {tip}, maxFeePerGas: {cap}")
    if cap < base_fee:
        raise FeeCapTooLow(f"max fee per gas less than block base fee: maxFeePerGas: {cap}, "
                           f"baseFee: {base_fee}")
    return min(cap, base_fee + tip), cap, True


def check_transaction(
    state: StateDB,
    env: BlockEnv,
    tx: Transaction,
    rules: ForkRules,
    sender: bytes | None = None,
    options: TxOptions = BLOCK_TX,
    hooks: ExecutionHooks = L1_HOOKS,
    recovered: bytes | None = None,
) -> TxPlan:
    """Step 1: the plan of ``tx``, or ``InvalidTransaction`` (a kind from
    ``ethrex.execution.errors``) with the state untouched.

    Without ``sender`` the transaction is signed: its static validity (``tx_validation``) is
    checked and the sender recovered (``recovered``: the address its signature was already
    found to recover, by the importer's worker). With it the transaction is a message (a
    call, a simulation) and only what a message can get wrong is checked."""
    plan = hooks.privileged_plan(state, env, tx, rules)
    if plan is not None:
        return plan
    signed = sender is None
    if sender is None:
        intrinsic, floor = validate_transaction(tx, rules, env.chain_id)
        if tx.gas > env.gas_limit:
            raise BlockGasExceeded(f"gas {tx.gas} above the block gas limit {env.gas_limit}")
        sender = recover_sender(tx) if recovered is None else recovered
    if options.check_nonce:
        nonce = state.get_nonce(sender)
        if nonce != tx.nonce or nonce >= U64_MAX:
            _nonce_error(sender, tx.nonce, nonce)
        code = state.get_code(sender)
        if code and not (rules.has_delegation and delegated_address(code) is not None):
            raise SenderNotEOA(f"sender not an eoa: address 0x{sender.hex()} (EIP-3607)")
    price, cap, pays = _prices(tx, env.base_fee_per_gas, rules, options.no_base_fee)

    blob_hashes: tuple[bytes, ...] = ()
    blob_gas = blob_cap = blob_price = 0
    if isinstance(tx, BlobTransaction):
        if not signed:
            check_blob_shape(tx)
        blob_hashes = tx.blob_versioned_hashes
        blob_gas = GAS_PER_BLOB * len(blob_hashes)
        blob_cap = tx.max_fee_per_blob_gas
    if rules.has_blobs:
        blob_price = env_blob_base_fee(env, rules)
        if blob_gas and not (options.no_base_fee and blob_cap == 0) and blob_cap < blob_price:
            raise BlobFeeCapTooLow(f"max fee per blob gas less than block blob gas fee: address "
                                   f"0x{sender.hex()} blobGasFeeCap: {blob_cap}, "
                                   f"blobBaseFee: {blob_price}")
    authorizations = None
    if isinstance(tx, SetCodeTransaction):
        if not signed:
            check_set_code_shape(tx)
        authorizations = tx.authorization_list

    if options.check_balance:
        balance = state.get_balance(sender)
        cost = tx.gas * cap + tx.value + blob_gas * blob_cap
        if balance < cost:
            raise InsufficientFunds(f"insufficient funds for gas * price + value: address "
                                    f"0x{sender.hex()} have {balance} want {cost}")
        if balance - tx.gas * price - blob_gas * blob_price < tx.value:
            # only when the blob price is not checked (a fee-less message)
            raise InsufficientFunds(f"insufficient funds for transfer: address 0x{sender.hex()}")
    if not signed:
        intrinsic = intrinsic_gas(tx, rules)
        if tx.gas < intrinsic:
            raise IntrinsicGasTooLow(f"intrinsic gas too low: have {tx.gas}, want {intrinsic}")
        floor = calldata_floor_gas(tx, rules)
        if tx.gas < floor:
            raise IntrinsicGasTooLow(f"insufficient gas for floor data gas cost: have {tx.gas}, "
                                     f"want {floor}")
        if not tx.to and rules.has_init_code_limit and len(tx.data) > rules.max_init_code_size:
            raise InitCodeTooLarge(f"max initcode size exceeded: code size {len(tx.data)} "
                                   f"limit {rules.max_init_code_size}")
    return TxPlan(
        sender, tx.to, tx.value, tx.data, tx.gas, price, intrinsic, floor,
        () if isinstance(tx, LegacyTransaction) else tx.access_list, authorizations,
        blob_hashes, blob_gas, blob_price, 0, pays,
    )


def _nonce_error(sender: bytes, tx_nonce: int, nonce: int) -> None:
    who = f"address 0x{sender.hex()}"
    if nonce < tx_nonce:
        raise NonceTooHigh(f"nonce too high: {who}, tx: {tx_nonce} state: {nonce}")
    if nonce > tx_nonce:
        raise NonceTooLow(f"nonce too low: {who}, tx: {tx_nonce} state: {nonce}")
    raise NonceMax(f"nonce has max value: {who}, nonce: {nonce}")


def env_blob_base_fee(env: BlockEnv, rules: ForkRules) -> int:
    """The block's blob gas price: the environment's own (an ``eth_simulateV1`` override),
    else from its excess blob gas (EIP-4844)."""
    if env.blob_base_fee is not None:
        return env.blob_base_fee
    return blob_base_fee(env.excess_blob_gas, rules)


# -- 2. buy gas --------------------------------------------------------------------------------

def buy_gas(state: StateDB, env: BlockEnv, plan: TxPlan, rules: ForkRules,
            options: TxOptions = BLOCK_TX) -> Context:
    """Step 2: the transaction is in. Take its gas and blob gas at their prices, warm what
    EIP-2929/2930/3651 pre-warm, and return the context its frames share."""
    state.begin_transaction()
    sender = plan.sender
    state.set_balance(sender, state.get_balance(sender) + plan.mint
                      - plan.gas * plan.gas_price - plan.blob_gas * plan.blob_price)
    ctx = make_context(state, rules, env, TxEnv(sender, plan.gas_price, plan.blob_hashes),
                       plan.blob_price)
    if rules.has_access_lists:  # EIP-2929/2930: the pre-warmed addresses and slots
        state.warm_address(sender)
        if plan.to:
            state.warm_address(plan.to)
        for address in ctx.precompiles:
            state.warm_address(address)
        if rules.has_warm_coinbase:  # EIP-3651
            state.warm_address(env.coinbase)
        for address, keys in plan.access_list:
            state.warm_address(address)
            for key in keys:
                state.warm_slot(address, int.from_bytes(key, "big"))
    if options.precompiles is not None:
        ctx.precompiles = dict(options.precompiles)
    ctx.abort = options.abort
    tracer = options.tracer
    if tracer is not None:
        ctx.opcode_table = tracer.tables(rules)
        ctx.tracer = tracer
    return ctx


# -- 3. run ------------------------------------------------------------------------------------

def apply_authorizations(state: StateDB, authorizations: tuple[Any, ...], env: BlockEnv,
                         rules: ForkRules) -> None:
    """EIP-7702: write each valid authorization's delegation designator; invalid ones are
    skipped, not fatal. Refunds authorizations to accounts that already existed."""
    for auth in authorizations:
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
        state.set_code(authority, b"" if auth.address == NULL_ADDRESS
                       else DELEGATION_PREFIX + auth.address)
        state.increment_nonce(authority)


def run_message(state: StateDB, ctx: Context, plan: TxPlan,
                rules: ForkRules) -> tuple[int, bytes, Exception | None, bytes]:
    """Step 3: the top-level creation or call. Returns ``(gas left, output, error, created
    address)``; a failed frame's changes are already reverted."""
    sender = plan.sender
    gas = plan.gas - plan.intrinsic
    nonce = state.get_nonce(sender)
    if not plan.to:
        if nonce >= U64_MAX:
            return gas, b"", NonceOverflow(), b""
        state.increment_nonce(sender)
        address = compute_create_address(sender, nonce)
        state.warm_address(address)
        if state.get_nonce(address) or state.get_code(address) or state.has_storage(address):
            return 0, b"", AddressCollision(), address  # EIP-684/7610: burns the gas
        frame = Frame(ctx, sender, address, address, plan.value, b"", plan.data, gas, 0, False)
        process_create(frame)
        return frame.gas, frame.output, frame.error, address
    if nonce < U64_MAX:
        state.increment_nonce(sender)
    else:
        state.set_nonce(sender, 0)  # a message's nonce wraps as a u64 (checks skipped)
    if plan.authorizations is not None and rules.has_delegation:
        apply_authorizations(state, plan.authorizations, ctx.block, rules)
    to = plan.to
    code = state.get_code(to)
    code_address = to
    delegate = delegated_address(code) if rules.has_delegation else None
    if delegate is not None:  # EIP-7702: run the delegate's code, precompiles off
        state.warm_address(delegate)
        code = state.get_code(delegate)
        code_address = delegate
    frame = Frame(ctx, sender, to, code_address, plan.value, plan.data, code, gas, 0, False,
                  True, delegate is not None)
    process_message(frame)
    return frame.gas, frame.output, frame.error, b""


# -- 4. settle ---------------------------------------------------------------------------------

def settle(state: StateDB, env: BlockEnv, plan: TxPlan, rules: ForkRules, gas_left: int,
           output: bytes, error: Exception | None, contract_address: bytes = b"",
           hooks: ExecutionHooks = L1_HOOKS) -> TransactionResult:
    """Step 4: refund (EIP-3529: at most 1/5 of the gas used), charge at least the EIP-7623
    floor, give the sender its change, pay the fees, end the transaction."""
    gas_used = plan.gas - gas_left
    max_used = gas_used if gas_used > plan.floor else plan.floor
    gas_used -= min(gas_used // rules.max_refund_quotient, state.refund)
    if gas_used < plan.floor:
        gas_used = plan.floor
    state.add_balance(plan.sender, (plan.gas - gas_used) * plan.gas_price)
    if plan.pays_fees:
        hooks.pay_fees(state, env, plan, gas_used, rules)
    logs = tuple(state.logs) if error is None else ()
    state.finalize_transaction(rules.has_state_clearing)
    return TransactionResult(gas_used, logs, error is None, error, plan.blob_gas, output,
                             max_used, contract_address)


def apply_transaction(state: StateDB, env: BlockEnv, tx: Transaction, rules: ForkRules,
                      sender: bytes | None = None, options: TxOptions = BLOCK_TX,
                      hooks: ExecutionHooks = L1_HOOKS,
                      recovered: bytes | None = None) -> TransactionResult:
    """Run ``tx`` on ``state`` through the four steps; raise ``InvalidTransaction`` (state
    unchanged, overrides aside) when it cannot be included. ``sender`` makes it a message
    whose signature is not checked, ``recovered`` gives a signed one's recovered sender (see
    ``check_transaction``)."""
    if options.state_overrides:
        precompiles = dict(options.precompiles if options.precompiles is not None
                           else precompiles_for(rules))
        apply_state_overrides(state, options.state_overrides, precompiles)
        options = replace(options, state_overrides=None, precompiles=precompiles)
    plan = check_transaction(state, env, tx, rules, sender, options, hooks, recovered)
    ctx = buy_gas(state, env, plan, rules, options)
    gas_left, output, error, created = run_message(state, ctx, plan, rules)
    return settle(state, env, plan, rules, gas_left, output, error, created, hooks)
