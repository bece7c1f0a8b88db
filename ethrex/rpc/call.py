"""Calls without a transaction: ``eth_call``, ``eth_estimateGas``, ``eth_createAccessList``.

A call is an unsigned transaction run as a message through the transaction pipeline
(``ethrex.execution.transaction``) with the ``CALL`` options: no nonce or sender checks, and,
as in the reference client, a call without fee fields pays nothing and sees a base fee of 0.
It runs on a throw-away ``StateDB`` over the block's post-state, with optional state overrides
(balance, nonce, code, storage, precompile moves) and block overrides.
"""

from dataclasses import dataclass, replace
from typing import Any

from ethrex.errors import InvalidTransaction
from ethrex.evm.env import BlockEnv
from ethrex.evm.errors import Revert
from ethrex.evm.opcodes.system import compute_create_address
from ethrex.evm.precompiles import precompiles_for
from ethrex.blockchain.blockchain import Blockchain
from ethrex.execution.block import block_env
from ethrex.execution.overrides import AccountOverride, InvalidOverride, apply_state_overrides
from ethrex.execution.transaction import CALL, TransactionResult, TxOptions, apply_transaction
from ethrex.execution.tx_validation import calldata_floor_gas, intrinsic_gas
from ethrex.forks import ForkRules
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError, invalid_params, reverted, server_error
from ethrex.rpc.server import blocking, current_abort
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

TX_BASE_GAS = 21000  # a plain transfer
CALL_STIPEND = 2300  # gas a value-bearing CALL gives its callee for free
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
    args = CallArgs(
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
    if args.gas_price is not None and (args.max_fee is not None
                                       or args.max_priority_fee is not None):
        raise invalid_params("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) "
                             "specified")
    return args


def _slots(raw: Any, index: int, key: str, shown: str) -> dict[int, int] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_params(f"invalid argument {index}: {key} of {shown} must be an object")
    return {P.storage_key(k, index): int.from_bytes(P.hash32(v, index), "big")
            for k, v in raw.items()}


def parse_state_overrides(raw: Any, index: int) -> dict[bytes, AccountOverride] | None:
    """The reference client's ``StateOverride`` object: ``address -> {balance, nonce, code,
    state | stateDiff, movePrecompileToAddress}``."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_params(f"invalid argument {index}: state overrides must be an object")
    out: dict[bytes, AccountOverride] = {}
    for raw_address, account in raw.items():
        address = P.address(raw_address, index)
        if not isinstance(account, dict):
            raise invalid_params(f"invalid argument {index}: bad override for {raw_address}")
        get = account.get
        out[address] = AccountOverride(
            balance=None if get("balance") is None else P.quantity(account["balance"], index),
            nonce=None if get("nonce") is None else P.quantity(account["nonce"], index, 64),
            code=None if get("code") is None else P.hex_data(account["code"], index),
            state=_slots(get("state"), index, "state", raw_address),
            state_diff=_slots(get("stateDiff"), index, "stateDiff", raw_address),
            move_precompile_to=None if get("movePrecompileToAddress") is None
            else P.address(account["movePrecompileToAddress"], index),
        )
    return out


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


def message_tx(args: CallArgs, gas: int, chain_id: int, base_fee: int) -> Transaction:
    """The unsigned transaction a call stands for: its type follows the fields given; without
    ``maxFeePerGas`` a tip alone caps the fee at the base fee plus the tip."""
    access = args.access_list or ()
    nonce = args.nonce or 0
    if args.gas_price is not None:
        tip = cap = args.gas_price
    else:
        tip = args.max_priority_fee or 0
        cap = args.max_fee if args.max_fee is not None else \
            (base_fee + tip if args.max_priority_fee is not None else 0)
    if args.authorizations is not None:
        return SetCodeTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value, args.data,
                                  access, args.authorizations, 0, 0, 0)
    if args.blob_hashes:
        return BlobTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value, args.data,
                               access, args.max_fee_per_blob_gas or 0, args.blob_hashes, 0, 0, 0)
    if args.max_fee is not None or args.max_priority_fee is not None:
        return FeeMarketTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value,
                                    args.data, access, 0, 0, 0)
    if args.access_list is not None:  # even an empty list makes it EIP-2930 (geth)
        return AccessListTransaction(chain_id, nonce, cap, gas, args.to, args.value, args.data,
                                     access, 0, 0, 0)
    return LegacyTransaction(nonce, cap, gas, args.to, args.value, args.data, 0, 0, 0)


def run_call(state: StateDB, env: BlockEnv, rules: ForkRules, args: CallArgs, gas: int,
             options: TxOptions = CALL) -> TransactionResult:
    """Run the message ``args`` with ``gas`` on ``state`` (changes stay in ``state``), under
    the current RPC call's time budget (``current_abort``).

    Raises ``RpcError`` (-32000) when the message could not be a transaction at all
    (insufficient funds, intrinsic gas too low, fee below the base fee, a bad override)."""
    options = replace(options, abort=current_abort())
    tx = message_tx(args, gas, env.chain_id, env.base_fee_per_gas)
    if options.no_base_fee and args.gas_price in (None, 0) and not args.max_fee \
            and not args.max_priority_fee:
        env = replace(env, base_fee_per_gas=0)  # the reference client: BASEFEE reads 0
    try:
        return apply_transaction(state, env, tx, rules, args.sender, options)
    except (InvalidTransaction, InvalidOverride) as exc:
        raise server_error(str(exc)) from None


def overridden(state: StateDB, rules: ForkRules,
               overrides: dict[bytes, AccountOverride] | None) -> TxOptions:
    """Apply ``overrides`` to ``state`` once, for a method that runs the call several times
    on copies of it; the options carry the precompiles the overrides moved."""
    if not overrides:
        return CALL
    precompiles = dict(precompiles_for(rules))
    try:
        apply_state_overrides(state, overrides, precompiles)
    except InvalidOverride as exc:
        raise server_error(str(exc)) from None
    return replace(CALL, precompiles=precompiles)


def halt_message(error: Exception) -> str:
    """How the reference client names a failed frame's error."""
    if type(error).__name__ == "OutOfGas":
        return "out of gas"
    return str(error) or type(error).__name__


def call_env(chain: Blockchain, header: Header) -> BlockEnv:
    """The environment of a call made on top of ``header``'s block: the block's own header
    (as geth runs calls), with the block's own hash known to BLOCKHASH."""
    ctx = chain.block_context(header)
    getter = ctx.block_hash
    block_hash = header.hash()
    number = header.number
    return replace(block_env(header, ctx),
                   block_hash=lambda n: block_hash if n == number else getter(n))


def estimate_gas(state: StateDB, env: BlockEnv, rules: ForkRules, args: CallArgs, hi: int,
                 options: TxOptions = CALL) -> int:
    """The least gas limit with which the message ``args`` succeeds on ``state`` (left
    unchanged), at most ``hi``: a plain transfer to an account without code is tried at 21000
    first; otherwise one run at ``hi`` (its failure is the answer: the revert, or "gas required
    exceeds allowance"), a guess from the gas it used, then a binary search down to the
    intrinsic gas (geth's estimator with no error ratio). Raises ``RpcError``."""

    def succeeds(gas: int) -> TransactionResult | None:
        try:
            result = run_call(state.copy(), env, rules, args, gas, options)
        except RpcError:
            return None
        return result if result.error is None else None

    if args.to and not args.data and not state.get_code(args.to) and hi >= TX_BASE_GAS \
            and succeeds(TX_BASE_GAS) is not None:
        return TX_BASE_GAS
    top = run_call(state.copy(), env, rules, args, hi, options)  # raises why it cannot run
    if top.error is not None:
        if isinstance(top.error, Revert):
            raise reverted(top.output)
        raise server_error(f"gas required exceeds allowance ({hi})")
    tx = message_tx(args, hi, env.chain_id, env.base_fee_per_gas)
    lo = max(intrinsic_gas(tx, rules), calldata_floor_gas(tx, rules)) - 1
    guess = (top.max_used_gas + CALL_STIPEND) * 64 // 63  # EIP-150: the 63/64 withheld
    if guess < hi:
        if succeeds(guess) is not None:
            hi = guess
        else:
            lo = guess
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if mid > lo * 2:
            mid = lo * 2  # most messages need little more than they used: look low first
        if succeeds(mid) is not None:
            hi = mid
        else:
            lo = mid
    return hi


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
        return header, view.state(header), call_env(view.chain, header), view.rules(header)

    def gas_for(self, args: CallArgs, env: BlockEnv) -> int:
        """The gas a call runs with: what it asks, else the block's gas limit, never more than
        the node's ``--rpc.gascap`` (geth caps a given ``gas`` too)."""
        cap = self.view.ctx.limits.gas_cap
        return min(args.gas if args.gas is not None else env.gas_limit, cap)

    @blocking
    def call(self, tx: Any, block: Any = None, state_overrides: Any = None,
             block_overrides: Any = None) -> str:
        args = parse_call_args(tx, 0)
        _, state, env, rules = self.prepare(block, 1)
        options = replace(CALL, state_overrides=parse_state_overrides(state_overrides, 2))
        env = apply_block_overrides(env, block_overrides, 3)
        result = run_call(state, env, rules, args, self.gas_for(args, env), options)
        if isinstance(result.error, Revert):
            raise reverted(result.output)
        if result.error is not None:
            raise server_error(halt_message(result.error))
        return data(result.output)

    @blocking
    def estimate_gas(self, tx: Any, block: Any = None, state_overrides: Any = None) -> str:
        """The least gas with which the call succeeds (``estimate_gas``), capped by the
        sender's balance at its fee cap."""
        args = parse_call_args(tx, 0)
        _, state0, env, rules = self.prepare(block if block is not None else "latest", 1)
        options = overridden(state0, rules, parse_state_overrides(state_overrides, 2))
        hi = self.gas_for(args, env)
        fee_cap = args.gas_price or args.max_fee or 0
        if fee_cap:
            available = state0.get_balance(args.sender) - args.value
            if available < 0:
                raise server_error("insufficient funds for transfer")
            hi = min(hi, available // fee_cap)
        return qty(estimate_gas(state0, env, rules, args, hi, options))

    @blocking
    def create_access_list(self, tx: Any, block: Any = None,
                           state_overrides: Any = None) -> dict[str, Any]:
        """The slots and addresses the call touches (sender, recipient and precompiles
        excluded), re-run with that list until it is stable (EIP-2930)."""
        args = parse_call_args(tx, 0)
        _, state0, env, rules = self.prepare(block, 1)
        options = overridden(state0, rules, parse_state_overrides(state_overrides, 2))
        gas = self.gas_for(args, env)
        excluded = {args.sender, env.coinbase, *precompiles_for(rules)}
        if args.to:
            excluded.add(args.to)
        else:
            excluded.add(compute_create_address(args.sender, state0.get_nonce(args.sender)))
        access: tuple[tuple[bytes, tuple[bytes, ...]], ...] = args.access_list or ()
        for _ in range(8):
            current = replace(args, access_list=access)
            recorder = state0.copy(_RecordingState)
            recorder.record = {}
            result = run_call(recorder, env, rules, current, gas, options)
            recorder.record.pop(args.sender, None)
            found = tuple(
                (address, tuple(sorted(k.to_bytes(32, "big") for k in keys)))
                for address, keys in recorder.record.items() if address not in excluded or keys
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
            out["error"] = "execution reverted" if isinstance(result.error, Revert) \
                else halt_message(result.error)
        return out


class _RecordingState(StateDB):
    """A ``StateDB`` that notes every address and slot the EIP-2929 logic warms, in first-touch
    order (reverted frames included, as the reference client's access-list tracer does)."""

    __slots__ = ("record",)

    def warm_address(self, address: bytes) -> bool:
        self.record.setdefault(address, set())
        return StateDB.warm_address(self, address)

    def warm_slot(self, address: bytes, key: int) -> bool:
        self.record.setdefault(address, set()).add(key)
        return StateDB.warm_slot(self, address, key)


__all__ = ["CallArgs", "CallHandlers", "call_env", "estimate_gas", "parse_call_args", "parse_state_overrides",
           "run_call"]
