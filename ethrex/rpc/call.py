"""Calls without a transaction: ``eth_call``, ``eth_estimateGas``, ``eth_createAccessList``.

A call is a transaction message that skips the nonce and signature checks and runs on a
throw-away ``StateDB`` over the block's post-state, with optional state overrides (balance,
nonce, code, storage) and block overrides. With no fee fields the gas price is 0 and, as in
geth, the block's base fee is taken as 0 so the call cannot fail the EIP-1559 fee check.
"""

from dataclasses import dataclass, replace
from typing import Any

from ethrex.errors import InvalidTransaction
from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.frame import Frame
from ethrex.evm.opcodes.system import compute_create_address, delegated_address
from ethrex.evm.vm import make_context, process_create, process_message
from ethrex.execution.apply import GAS_PER_BLOB, apply_authorizations
from ethrex.execution.block import BlockContext, block_env, blob_base_fee
from ethrex.execution.tx_validation import calldata_floor_gas, intrinsic_gas
from ethrex.forks import ForkRules
from ethrex.primitives import keccak256
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError, invalid_params, reverted, server_error
from ethrex.rpc.server import blocking
from ethrex.rpc.types import data, qty
from ethrex.state import StateDB
from ethrex.types.header import Header
from ethrex.types.transactions import (
    AccessListTransaction,
    Authorization,
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
)

RPC_GAS_CAP = 50_000_000  # geth's --rpc.gascap default
ZERO_ADDRESS = bytes(20)


@dataclass(frozen=True, slots=True)
class CallArgs:
    """A ``TransactionArgs`` object, decoded."""

    sender: bytes
    to: bytes  # b"" for a creation
    gas: int | None
    gas_price: int | None
    max_fee: int | None
    max_priority_fee: int | None
    max_fee_per_blob_gas: int | None
    value: int
    data: bytes
    nonce: int | None
    access_list: tuple[tuple[bytes, tuple[bytes, ...]], ...] | None
    blob_hashes: tuple[bytes, ...]
    authorizations: tuple[Authorization, ...] | None


def _opt_qty(obj: dict[str, Any], key: str, index: int, bits: int = 256) -> int | None:
    value = obj.get(key)
    return None if value is None else P.quantity(value, index, bits)


def parse_access_list(raw: Any, index: int) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    if not isinstance(raw, list):
        raise invalid_params(f"invalid argument {index}: accessList must be an array")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid_params(f"invalid argument {index}: bad access list entry")
        keys = item.get("storageKeys") or []
        out.append((P.address(item.get("address"), index),
                    tuple(P.hash32(k, index) for k in keys)))
    return tuple(out)


def parse_call_args(obj: Any, index: int = 0) -> CallArgs:
    if not isinstance(obj, dict):
        raise invalid_params(f"invalid argument {index}: expected a transaction object")
    raw_input = obj.get("input")
    raw_data = obj.get("data")
    if raw_input is not None and raw_data is not None and raw_input != raw_data:
        raise invalid_params(f"invalid argument {index}: both \"data\" and \"input\" are set "
                             "and not equal. Please use \"input\" to pass transaction call data")
    payload = raw_input if raw_input is not None else raw_data
    auths = obj.get("authorizationList")
    authorizations = None
    if auths is not None:
        if not isinstance(auths, list):
            raise invalid_params(f"invalid argument {index}: authorizationList must be an array")
        authorizations = tuple(
            Authorization(P.quantity(a.get("chainId"), index), P.address(a.get("address"), index),
                          P.quantity(a.get("nonce"), index, 64),
                          P.quantity(a.get("yParity", a.get("v", "0x0")), index),
                          P.quantity(a.get("r"), index), P.quantity(a.get("s"), index))
            for a in auths if isinstance(a, dict)
        )
    access = obj.get("accessList")
    return CallArgs(
        sender=ZERO_ADDRESS if obj.get("from") is None else P.address(obj["from"], index),
        to=b"" if obj.get("to") is None else P.address(obj["to"], index),
        gas=_opt_qty(obj, "gas", index, 64),
        gas_price=_opt_qty(obj, "gasPrice", index),
        max_fee=_opt_qty(obj, "maxFeePerGas", index),
        max_priority_fee=_opt_qty(obj, "maxPriorityFeePerGas", index),
        max_fee_per_blob_gas=_opt_qty(obj, "maxFeePerBlobGas", index),
        value=_opt_qty(obj, "value", index) or 0,
        data=b"" if payload is None else P.hex_data(payload, index),
        nonce=_opt_qty(obj, "nonce", index, 64),
        access_list=None if access is None else parse_access_list(access, index),
        blob_hashes=tuple(P.hash32(h, index) for h in obj.get("blobVersionedHashes") or ()),
        authorizations=authorizations,
    )


def apply_state_overrides(state: StateDB, overrides: Any, index: int) -> None:
    """geth's ``StateOverride``: balance, nonce, code, and ``state`` (replace all storage) or
    ``stateDiff`` (patch slots) per account."""
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        raise invalid_params(f"invalid argument {index}: state overrides must be an object")
    for raw_address, account in overrides.items():
        address = P.address(raw_address, index)
        if not isinstance(account, dict):
            raise invalid_params(f"invalid argument {index}: bad override for {raw_address}")
        if account.get("state") is not None and account.get("stateDiff") is not None:
            raise invalid_params(f"account {raw_address} has both 'state' and 'stateDiff'")
        for key in ("state", "stateDiff"):
            if account.get(key) is not None and not isinstance(account[key], dict):
                raise invalid_params(f"invalid argument {index}: {key} of {raw_address} must "
                                     "be an object")
        if account.get("nonce") is not None:
            nonce = P.quantity(account["nonce"], index, 64)
            info = state.get_account(address)
            state._put(address, (nonce, 0 if info is None else info[1],
                                 keccak256(b"") if info is None else info[2]))
        if account.get("balance") is not None:
            state.set_balance(address, P.quantity(account["balance"], index))
        if account.get("code") is not None:
            state.set_code(address, P.hex_data(account["code"], index))
        if account.get("state") is not None:
            state.wipe_storage(address)
            for key, value in account["state"].items():
                state.set_storage(address, P.storage_key(key, index),
                                  int.from_bytes(P.hash32(value, index), "big"))
        if account.get("stateDiff") is not None:
            for key, value in account["stateDiff"].items():
                state.set_storage(address, P.storage_key(key, index),
                                  int.from_bytes(P.hash32(value, index), "big"))
    state.finalize_transaction(False)


def apply_block_overrides(env: BlockEnv, overrides: Any, index: int) -> BlockEnv:
    if overrides is None:
        return env
    if not isinstance(overrides, dict):
        raise invalid_params(f"invalid argument {index}: block overrides must be an object")
    changes: dict[str, Any] = {}
    for key, field, kind in (
        ("number", "number", "q"), ("time", "timestamp", "q"), ("gasLimit", "gas_limit", "q"),
        ("feeRecipient", "coinbase", "a"), ("coinbase", "coinbase", "a"),
        ("prevRandao", "prev_randao", "h"), ("random", "prev_randao", "h"),
        ("baseFeePerGas", "base_fee_per_gas", "q"), ("baseFee", "base_fee_per_gas", "q"),
        ("difficulty", "difficulty", "q"),
    ):
        value = overrides.get(key)
        if value is None:
            continue
        if kind == "q":
            changes[field] = P.quantity(value, index)
        elif kind == "a":
            changes[field] = P.address(value, index)
        else:
            changes[field] = P.hash32(value, index)
    return replace(env, **changes)


@dataclass(slots=True)
class CallResult:
    gas_used: int
    output: bytes
    error: Exception | None
    logs: tuple[tuple[bytes, tuple[bytes, ...], bytes], ...]
    reverted: bool
    state: StateDB


def message_tx(args: CallArgs, gas: int, chain_id: int) -> Transaction:
    """An unsigned transaction with the call's fields (for intrinsic gas and tracing)."""
    access = args.access_list or ()
    if args.authorizations is not None:
        return SetCodeTransaction(chain_id, args.nonce or 0, args.max_priority_fee or 0,
                                  args.max_fee or 0, gas, args.to, args.value, args.data,
                                  access, args.authorizations, 0, 0, 0)
    if args.blob_hashes:
        return BlobTransaction(chain_id, args.nonce or 0, args.max_priority_fee or 0,
                               args.max_fee or 0, gas, args.to, args.value, args.data, access,
                               args.max_fee_per_blob_gas or 0, args.blob_hashes, 0, 0, 0)
    if args.max_fee is not None or args.max_priority_fee is not None:
        return FeeMarketTransaction(chain_id, args.nonce or 0, args.max_priority_fee or 0,
                                    args.max_fee or 0, gas, args.to, args.value, args.data,
                                    access, 0, 0, 0)
    if access:
        return AccessListTransaction(chain_id, args.nonce or 0, args.gas_price or 0, gas,
                                     args.to, args.value, args.data, access, 0, 0, 0)
    return LegacyTransaction(args.nonce or 0, args.gas_price or 0, gas, args.to, args.value,
                             args.data, 0, 0, 0)


def gas_price_of(args: CallArgs, base_fee: int, rules: ForkRules) -> tuple[int, int]:
    """``(effective gas price, fee cap)``; zero when no fee field is given."""
    if args.gas_price is not None:
        if args.max_fee is not None or args.max_priority_fee is not None:
            raise invalid_params("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) "
                                 "specified")
        return args.gas_price, args.gas_price
    if args.max_fee is None and args.max_priority_fee is None:
        return 0, 0
    cap = args.max_fee if args.max_fee is not None else base_fee + (args.max_priority_fee or 0)
    tip = args.max_priority_fee or 0
    if tip > cap:
        raise server_error(f"maxFeePerGas ({cap}) < maxPriorityFeePerGas ({tip})")
    if not rules.has_base_fee:
        return cap, cap
    return min(cap, base_fee + tip), cap


class _EveryStep:
    """A tracer hook that does nothing itself: it only selects the interpreter loop that runs
    every opcode through the (wrapped) table."""

    @staticmethod
    def on_step(frame: Any, pc: int, op: int, gas: int) -> None:
        pass


_EVERY_STEP = _EveryStep()


def execute_call(
    state: StateDB,
    env: BlockEnv,
    rules: ForkRules,
    args: CallArgs,
    gas: int,
    tables: Any = None,
    check_base_fee: bool = False,
) -> CallResult:
    """Run the message ``args`` with ``gas`` on ``state`` (changes stay in ``state``).

    Raises ``RpcError`` (-32000) when the message could not be a transaction at all
    (insufficient funds, intrinsic gas too low, fee below the base fee with ``check_base_fee``).
    """
    sender = args.sender
    gas_price, fee_cap = gas_price_of(args, env.base_fee_per_gas, rules)
    if check_base_fee and rules.has_base_fee and (gas_price or fee_cap) and \
            fee_cap < env.base_fee_per_gas:
        raise server_error(f"max fee per gas less than block base fee: address 0x{sender.hex()},"
                           f" maxFeePerGas: {fee_cap}, baseFee: {env.base_fee_per_gas}")
    if gas_price == 0 and not check_base_fee:
        env = replace(env, base_fee_per_gas=0)  # geth: BASEFEE reads 0 in a fee-less call
    tx = message_tx(args, gas, env.chain_id)
    intrinsic = intrinsic_gas(tx, rules)
    floor = calldata_floor_gas(tx, rules)
    if gas < max(intrinsic, floor):
        raise server_error(f"intrinsic gas too low: have {gas}, want {max(intrinsic, floor)}")
    blob_price = blob_base_fee(env.excess_blob_gas, rules) if rules.has_blobs else 0
    blob_gas = GAS_PER_BLOB * len(args.blob_hashes)

    state.begin_transaction()
    balance = state.get_balance(sender)
    cost = gas * fee_cap + args.value + blob_gas * (args.max_fee_per_blob_gas or 0)
    if balance < cost:
        raise server_error(f"insufficient funds for gas * price + value: address "
                           f"0x{sender.hex()} have {balance} want {cost}")
    nonce = state.get_nonce(sender)
    state.increment_nonce(sender)
    state.set_balance(sender, balance - gas * gas_price - blob_gas * blob_price)
    ctx = make_context(state, rules, env, TxEnv(sender, gas_price, args.blob_hashes), blob_price)
    if tables is not None:
        # Instrumented handlers must see every opcode: the traced loop inlines none.
        ctx.opcode_table = tables
        ctx.tracer = _EVERY_STEP
    if rules.has_access_lists:
        state.warm_address(sender)
        if args.to:
            state.warm_address(args.to)
        for address in ctx.precompiles:
            state.warm_address(address)
        if rules.has_warm_coinbase:
            state.warm_address(env.coinbase)
        for address, keys in args.access_list or ():
            state.warm_address(address)
            for key in keys:
                state.warm_slot(address, int.from_bytes(key, "big"))
    left = gas - intrinsic
    if not args.to:
        address = compute_create_address(sender, nonce)
        state.warm_address(address)
        frame = Frame(ctx, sender, address, address, args.value, b"", args.data, left, 0, False)
        process_create(frame)
    else:
        if isinstance(tx, SetCodeTransaction) and rules.has_delegation:
            apply_authorizations(state, tx, env, rules)
        code = state.get_code(args.to)
        code_address = args.to
        delegate = delegated_address(code) if rules.has_delegation else None
        if delegate is not None:
            state.warm_address(delegate)
            code = state.get_code(delegate)
            code_address = delegate
        frame = Frame(ctx, sender, args.to, code_address, args.value, args.data, code, left, 0,
                      False, True, delegate is not None)
        process_message(frame)
    used = gas - frame.gas
    used -= min(used // rules.max_refund_quotient, state.refund)
    used = max(used, floor)
    state.add_balance(sender, (gas - used) * gas_price)
    priority = gas_price - env.base_fee_per_gas if rules.has_base_fee else gas_price
    if priority > 0:
        state.add_balance(env.coinbase, used * priority)
    error = frame.error
    logs = tuple(state.logs) if error is None else ()
    from ethrex.evm.errors import Revert

    state.finalize_transaction(rules.has_state_clearing)
    return CallResult(used, frame.output, error, logs, isinstance(error, Revert), state)


class CallHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view

    def table(self) -> dict[str, Any]:
        return {
            "eth_call": self.call,
            "eth_estimateGas": self.estimate_gas,
            "eth_createAccessList": self.create_access_list,
        }

    def prepare(self, block: Any, index: int) -> tuple[Header, StateDB, BlockEnv, ForkRules]:
        """The state after ``block`` and the environment of a call "in" it (geth runs calls
        on top of the block, with the block's own header as the environment)."""
        view = self.view
        header = view.require_header(P.block_id(block, index))
        state = view.state(header)
        ctx: BlockContext = view.chain.block_context(header)
        env = block_env(header, ctx)
        # BLOCKHASH of the block itself is known to a call made on top of it.
        getter = ctx.block_hash
        block_hash = header.hash()
        number = header.number
        env = replace(env, block_hash=lambda n: block_hash if n == number else getter(n))
        return header, state, env, view.rules(header)

    def _gas(self, args: CallArgs, env: BlockEnv) -> int:
        return args.gas if args.gas is not None else min(env.gas_limit, RPC_GAS_CAP)

    @blocking
    def call(self, tx: Any, block: Any = None, state_overrides: Any = None,
             block_overrides: Any = None) -> str:
        args = parse_call_args(tx, 0)
        _, state, env, rules = self.prepare(block, 1)
        apply_state_overrides(state, state_overrides, 2)
        env = apply_block_overrides(env, block_overrides, 3)
        result = execute_call(state, env, rules, args, min(self._gas(args, env), RPC_GAS_CAP))
        if result.reverted:
            raise reverted(result.output)
        if result.error is not None:
            raise server_error(_halt_message(result.error))
        return data(result.output)

    @blocking
    def estimate_gas(self, tx: Any, block: Any = None, state_overrides: Any = None) -> str:
        """The least gas with which the call succeeds: one run at the cap, then a binary
        search (geth's estimator, with its 64/63 first guess)."""
        args = parse_call_args(tx, 0)
        header, state0, env, rules = self.prepare(block if block is not None else "latest", 1)
        apply_state_overrides(state0, state_overrides, 2)
        backend = state0
        hi = self._gas(args, env)
        fee_cap = args.gas_price or args.max_fee or 0
        if fee_cap:
            available = backend.get_balance(args.sender) - args.value
            if available < 0:
                raise server_error("insufficient funds for transfer")
            hi = min(hi, available // fee_cap)

        def attempt(gas: int) -> CallResult | None:
            state = _fork(state0)
            try:
                return execute_call(state, env, rules, args, gas)
            except RpcError:
                return None

        top = attempt(hi)
        if top is None:
            execute_call(_fork(state0), env, rules, args, hi)  # raises the reason
            raise server_error("gas required exceeds allowance")
        if top.error is not None:
            if top.reverted:
                raise reverted(top.output)
            raise server_error(f"gas required exceeds allowance ({hi})")
        tx = message_tx(args, hi, env.chain_id)
        lo = max(intrinsic_gas(tx, rules), calldata_floor_gas(tx, rules)) - 1
        guess = min(hi, (top.gas_used + 2300) * 64 // 63)
        result = attempt(guess)
        if result is not None and result.error is None:
            hi = guess
        else:
            lo = max(lo, guess)
        while lo + 1 < hi:
            if (hi - lo) * 1000 < hi * 15:  # within 1.5%: good enough (geth)
                break
            mid = (lo + hi) // 2
            result = attempt(mid)
            if result is not None and result.error is None:
                hi = mid
            else:
                lo = mid
        return qty(hi)

    @blocking
    def create_access_list(self, tx: Any, block: Any = None,
                           state_overrides: Any = None) -> dict[str, Any]:
        """The slots and addresses the call touches (sender, recipient and precompiles
        excluded), re-run with that list until it is stable (EIP-2930)."""
        args = parse_call_args(tx, 0)
        _, state0, env, rules = self.prepare(block, 1)
        apply_state_overrides(state0, state_overrides, 2)
        gas = self._gas(args, env)
        from ethrex.evm.vm import _precompiles

        excluded = {args.sender, env.coinbase, *_precompiles(rules)}
        if args.to:
            excluded.add(args.to)
        else:
            excluded.add(compute_create_address(args.sender, state0.get_nonce(args.sender)))
        access: tuple[tuple[bytes, tuple[bytes, ...]], ...] = args.access_list or ()
        for _ in range(8):
            state = _fork(state0)
            current = replace(args, access_list=access)
            warm: dict[bytes, set[int]] = {}
            result = _run_capturing(state, env, rules, current, gas, warm)
            found = tuple(
                (address, tuple(sorted(k.to_bytes(32, "big") for k in keys)))
                for address, keys in warm.items() if address not in excluded or keys
            )
            if found == access:
                break
            access = found
        out: dict[str, Any] = {
            "accessList": [{"address": data(a), "storageKeys": [data(k) for k in keys]}
                           for a, keys in access],
            "gasUsed": qty(result.gas_used),
        }
        if result.error is not None:
            out["error"] = "execution reverted" if result.reverted else _halt_message(
                result.error)
        return out


class _RecordingState(StateDB):
    """A ``StateDB`` that notes every address and slot the EIP-2929 logic warms."""

    __slots__ = ("record",)

    def warm_address(self, address: bytes) -> bool:
        self.record.setdefault(address, set())
        return StateDB.warm_address(self, address)

    def warm_slot(self, address: bytes, key: int) -> bool:
        self.record.setdefault(address, set()).add(key)
        return StateDB.warm_slot(self, address, key)


def _run_capturing(state: StateDB, env: BlockEnv, rules: ForkRules, args: CallArgs, gas: int,
                   warm: dict[bytes, set[int]]) -> CallResult:
    """``execute_call`` recording every address and slot warmed, in first-touch order."""
    recorder = _fork(state, _RecordingState)
    recorder.record = warm
    result = execute_call(recorder, env, rules, args, gas)
    warm.pop(args.sender, None)
    return result


def _fork(state: StateDB, cls: type = StateDB) -> Any:
    """A copy of ``state``'s uncommitted changes over the same backend (for re-runs)."""
    copy = cls(state.backend)
    copy.accounts = dict(state.accounts)
    copy.storage = {a: dict(s) for a, s in state.storage.items()}
    copy.cleared = set(state.cleared)
    copy.codes = dict(state.codes)
    return copy


def _halt_message(error: Exception) -> str:
    name = type(error).__name__
    text = str(error)
    if name == "OutOfGas":
        return "out of gas"
    return text or name


__all__ = ["CallArgs", "CallHandlers", "InvalidTransaction", "execute_call", "parse_call_args"]
