"""``eth_simulateV1``: run calls in a chain of simulated blocks on top of a stored block.

Each entry of ``blockStateCalls`` becomes a block: its header starts from the block overrides
(gaps in the numbers are filled with empty blocks, timestamps default to +12 s), the state
overrides are applied (``movePrecompileToAddress`` moves a precompile for that block), then
each call runs as an unsigned transaction built the way the reference client builds it, so
that transaction hashes, receipts, state roots and block hashes agree with it. Without
``validation`` nonces are not checked and the base fee defaults to 0; with it the base fee
follows EIP-1559 from the parent and every transaction check applies. ``traceTransfers`` adds
an ERC-7528-style ``Transfer`` log from ``0xeeee…eeee`` for every value transfer. Errors use
the execution-apis -380xx codes.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from ethrex import rlp
from ethrex.blockchain.validation import (
    INITIAL_BASE_FEE,
    compute_base_fee,
    compute_excess_blob_gas,
)
from ethrex.evm.env import BlockEnv, TxEnv
from ethrex.evm.errors import OutOfGas, Revert
from ethrex.evm.frame import Frame
from ethrex.evm.opcodes.system import compute_create_address, delegated_address
from ethrex.evm.precompiles import precompiles_for
from ethrex.evm.vm import make_context, process_create, process_message
from ethrex.execution import system_calls
from ethrex.execution.apply import apply_authorizations
from ethrex.execution.block import GAS_PER_BLOB, GWEI, blob_base_fee
from ethrex.execution.tx_validation import calldata_floor_gas, intrinsic_gas
from ethrex.forks import ForkRules
from ethrex.primitives import EMPTY_LIST_HASH, keccak256
from ethrex.rpc import params as P
from ethrex.rpc.call import (
    CallArgs,
    _halt_message,
    parse_call_args,
)
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    RpcError,
    invalid_params,
    reverted,
    server_error,
)
from ethrex.rpc.server import blocking
from ethrex.rpc.types import block_json, data, qty, transaction_json
from ethrex.state import StateDB
from ethrex.trie import EMPTY_ROOT, ordered_root
from ethrex.types.block import Block, encode_block
from ethrex.types.header import Header
from ethrex.types.receipt import Log, Receipt, encode_receipt, logs_bloom
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    encode_transaction,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal, withdrawal_fields

MAX_SIMULATE_BLOCKS = 256
TIMESTAMP_INCREMENT = 12
RPC_GAS_CAP = 50_000_000  # the reference client's --rpc.gascap default: a pool for all calls
U64 = 2**64

# ERC-7528: the pseudo-address that stands for ether in token-style Transfer logs.
ETH_TRANSFER_ADDRESS = b"\xee" * 20
TRANSFER_TOPIC = keccak256(b"Transfer(address,address,uint256)")

# execution-apis error codes for eth_simulateV1
NONCE_TOO_LOW = -38010
NONCE_TOO_HIGH = -38011
FEE_CAP_TOO_LOW = -38012
INTRINSIC_GAS = -38013
INSUFFICIENT_FUNDS = -38014
BLOCK_GAS_LIMIT_REACHED = -38015
BLOCK_NUMBER_INVALID = -38020
BLOCK_TIMESTAMP_INVALID = -38021
MAX_INIT_CODE_SIZE = -38025
CLIENT_LIMIT_EXCEEDED = -38026
VM_ERROR = -32015
REVERTED = 3


class _TxError(Exception):
    """A call that cannot be a transaction at all: the whole request fails with ``code``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class SimState(StateDB):
    """A ``StateDB`` that numbers every log across the block (reverted ones too, as the
    reference tracer does) and, with ``trace_transfers``, logs each value transfer."""

    __slots__ = ("trace_transfers", "log_count")

    def add_log(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        StateDB.add_log(self, address, topics, data)
        self.logs[-1] = (address, topics, data, self.log_count, False)
        self.log_count += 1

    def transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        StateDB.transfer(self, sender, recipient, amount)
        if self.trace_transfers and amount > 0:
            topics = (TRANSFER_TOPIC, bytes(12) + sender, bytes(12) + recipient)
            StateDB.add_log(self, ETH_TRANSFER_ADDRESS, topics, amount.to_bytes(32, "big"))
            self.logs[-1] = (ETH_TRANSFER_ADDRESS, topics, amount.to_bytes(32, "big"),
                             self.log_count, True)
            self.log_count += 1


@dataclass(slots=True)
class BlockOverrides:
    number: int | None = None
    time: int | None = None
    gas_limit: int | None = None
    fee_recipient: bytes | None = None
    prev_randao: bytes | None = None
    base_fee: int | None = None
    blob_base_fee: int | None = None
    beacon_root: bytes | None = None
    difficulty: int | None = None
    withdrawals: tuple[Withdrawal, ...] = ()


@dataclass(slots=True)
class SimBlock:
    overrides: BlockOverrides
    state_overrides: Any = None
    calls: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class CallOutcome:
    return_data: bytes
    logs: list[tuple[bytes, tuple[bytes, ...], bytes, int, bool]]
    gas_used: int
    max_used_gas: int
    error: Exception | None


def _parse_block_overrides(raw: Any) -> BlockOverrides:
    if raw is None:
        return BlockOverrides()
    if not isinstance(raw, dict):
        raise invalid_params("invalid argument 0: blockOverrides must be an object")
    o = BlockOverrides()
    get = raw.get
    if get("number") is not None:
        o.number = P.quantity(raw["number"], 0)
    if get("time") is not None:
        o.time = P.quantity(raw["time"], 0, 64)
    if get("gasLimit") is not None:
        o.gas_limit = P.quantity(raw["gasLimit"], 0, 64)
    if get("feeRecipient") is not None:
        o.fee_recipient = P.address(raw["feeRecipient"], 0)
    if get("prevRandao") is not None:
        o.prev_randao = P.hash32(raw["prevRandao"], 0)
    if get("baseFeePerGas") is not None:
        o.base_fee = P.quantity(raw["baseFeePerGas"], 0)
    if get("blobBaseFee") is not None:
        o.blob_base_fee = P.quantity(raw["blobBaseFee"], 0)
    if get("beaconRoot") is not None:
        o.beacon_root = P.hash32(raw["beaconRoot"], 0)
    if get("difficulty") is not None:
        o.difficulty = P.quantity(raw["difficulty"], 0)
    if get("withdrawals") is not None:
        items = raw["withdrawals"]
        if not isinstance(items, list):
            raise invalid_params("invalid argument 0: withdrawals must be an array")
        o.withdrawals = tuple(
            Withdrawal(P.quantity(w.get("index"), 0, 64), P.quantity(w.get("validatorIndex"), 0,
                                                                       64),
                       P.address(w.get("address"), 0), P.quantity(w.get("amount"), 0, 64))
            for w in items
        )
    return o


def parse_blocks(raw: Any) -> list[SimBlock]:
    if not isinstance(raw, list):
        raise invalid_params("invalid argument 0: blockStateCalls must be an array")
    blocks = []
    for item in raw:
        if not isinstance(item, dict):
            raise invalid_params("invalid argument 0: a block state call must be an object")
        calls = item.get("calls") or []
        if not isinstance(calls, list):
            raise invalid_params("invalid argument 0: calls must be an array")
        for call in calls:
            if not isinstance(call, dict):
                raise invalid_params("invalid argument 0: a call must be an object")
        overrides = item.get("stateOverrides")
        if overrides is not None and not isinstance(overrides, dict):
            raise invalid_params("invalid argument 0: stateOverrides must be an object")
        blocks.append(SimBlock(_parse_block_overrides(item.get("blockOverrides")), overrides,
                               calls))
    return blocks


def sanitize_chain(blocks: list[SimBlock], base: Header) -> list[SimBlock]:
    """Number and time every block, filling gaps in the numbers with empty blocks."""
    out: list[SimBlock] = []
    prev_number = base.number
    prev_time = base.timestamp
    for block in blocks:
        o = block.overrides
        if o.number is None:
            o.number = prev_number + 1
        if o.number <= prev_number:
            raise RpcError(BLOCK_NUMBER_INVALID,
                           f"block numbers must be in order: {o.number} <= {prev_number}")
        if o.number - base.number > MAX_SIMULATE_BLOCKS:
            raise RpcError(CLIENT_LIMIT_EXCEEDED, "too many blocks")
        for n in range(prev_number + 1, o.number):
            prev_time += TIMESTAMP_INCREMENT
            out.append(SimBlock(BlockOverrides(number=n, time=prev_time)))
        prev_number = o.number
        if o.time is None:
            o.time = prev_time + TIMESTAMP_INCREMENT
        elif o.time <= prev_time:
            raise RpcError(BLOCK_TIMESTAMP_INVALID,
                           f"block timestamps must be in order: {o.time} <= {prev_time}")
        prev_time = o.time
        out.append(block)
    return out


def apply_state_overrides(state: StateDB, overrides: Any,
                          precompiles: dict[bytes, Any]) -> None:
    """Balance, nonce, code and storage per account; a precompile address that is overridden
    stops being a precompile, and ``movePrecompileToAddress`` re-homes it (for this block)."""
    if not overrides:
        return
    parsed = [(P.address(k, 0), v) for k, v in overrides.items()]
    keys = {address for address, _ in parsed}
    moved_to: set[bytes] = set()
    state.begin_transaction()
    for address, account in parsed:
        shown = "0x" + address.hex()
        if not isinstance(account, dict):
            raise invalid_params(f"invalid argument 0: bad override for {shown}")
        if address in moved_to:
            raise server_error(f"account {shown} has already been overridden by a precompile")
        precompile = precompiles.get(address)
        destination = account.get("movePrecompileToAddress")
        if destination is not None:
            target = P.address(destination, 0)
            if precompile is None:
                raise server_error(f"account {shown} is not a precompile")
            if target in keys:
                raise server_error(f"account 0x{target.hex()} is already overridden")
            precompiles[target] = precompile
            moved_to.add(target)
        if precompile is not None:
            del precompiles[address]
        if account.get("nonce") is not None:
            nonce = P.quantity(account["nonce"], 0, 64)
            info = state.get_account(address)
            state._put(address, (nonce, 0, keccak256(b"")) if info is None
                       else (nonce, info[1], info[2]))
        if account.get("code") is not None:
            state.set_code(address, P.hex_data(account["code"], 0))
        if account.get("balance") is not None:
            state.set_balance(address, P.quantity(account["balance"], 0))
        if account.get("state") is not None and account.get("stateDiff") is not None:
            raise server_error(f"account {shown} has both 'state' and 'stateDiff'")
        for key in ("state", "stateDiff"):
            if account.get(key) is not None and not isinstance(account[key], dict):
                raise invalid_params(f"invalid argument 0: {key} of {shown} must be an object")
        if account.get("state") is not None:
            state.wipe_storage(address)
            for key, value in account["state"].items():
                state.set_storage(address, P.storage_key(key, 0),
                                  int.from_bytes(P.hash32(value, 0), "big"))
        if account.get("stateDiff") is not None:
            for key, value in account["stateDiff"].items():
                state.set_storage(address, P.storage_key(key, 0),
                                  int.from_bytes(P.hash32(value, 0), "big"))
    state.finalize_transaction(False)


def build_transaction(args: CallArgs, raw: dict[str, Any], chain_id: int) -> Transaction:
    """The unsigned transaction the call stands for (dynamic-fee unless ``gasPrice`` is given,
    blob or set-code when those fields are there)."""
    gas = args.gas or 0
    nonce = args.nonce or 0
    access = args.access_list or ()
    if args.gas_price is not None:
        return LegacyTransaction(nonce, args.gas_price, gas, args.to, args.value, args.data,
                                 0, 0, 0)
    tip = args.max_priority_fee or 0
    cap = args.max_fee or 0
    if args.authorizations is not None:
        return SetCodeTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value,
                                  args.data, access, args.authorizations, 0, 0, 0)
    if raw.get("blobVersionedHashes") is not None:
        return BlobTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value, args.data,
                               access, args.max_fee_per_blob_gas or 0, args.blob_hashes, 0, 0, 0)
    return FeeMarketTransaction(chain_id, nonce, tip, cap, gas, args.to, args.value, args.data,
                                access, 0, 0, 0)


class Simulator:
    """One ``eth_simulateV1`` request: the state over the base block, the gas pool, options."""

    def __init__(self, view: ChainView, base: Header, validate: bool, trace: bool) -> None:
        self.view = view
        self.chain = view.chain
        self.base = base
        self.validate = validate
        state = SimState(view.state(base).backend)
        state.trace_transfers = trace
        state.log_count = 0
        self.state = state
        self.pool = RPC_GAS_CAP
        self.chain_id = view.chain.config.chain_id
        self.base_rules = view.rules(base)
        self.hashes: dict[int, bytes] = {}  # number -> hash of the simulated blocks so far
        self.chain_hash = view.chain.block_hash_getter(base)
        self.deposit_contract = view.chain.block_context(base).deposit_contract

    # -- headers ---------------------------------------------------------------------------

    def _hash_getter(self, number: int) -> Any:
        hashes = self.hashes
        base_number = self.base.number
        chain_hash = self.chain_hash

        def block_hash(n: int) -> bytes | None:
            if n >= number or n < number - 256 or n < 0:
                return None
            if n > base_number:
                return hashes.get(n)
            return chain_hash(n)

        return block_hash

    def run(self, blocks: list[SimBlock]) -> list[tuple[Block, list[CallOutcome], list[bytes]]]:
        blocks = sanitize_chain(blocks, self.base)
        results = []
        parent = self.base
        coinbase = self.base.coinbase
        difficulty = self.base.difficulty
        gas_limit = self.base.gas_limit
        for block in blocks:
            o = block.overrides
            coinbase = o.fee_recipient if o.fee_recipient is not None else coinbase
            difficulty = o.difficulty if o.difficulty is not None else difficulty
            gas_limit = o.gas_limit if o.gas_limit is not None else gas_limit
            out = self.process_block(block, parent, coinbase, difficulty, gas_limit)
            results.append(out)
            parent = out[0].header
            self.hashes[parent.number] = parent.hash()
        return results

    def process_block(self, block: SimBlock, parent: Header, coinbase: bytes, difficulty: int,
                      gas_limit: int) -> tuple[Block, list[CallOutcome], list[bytes]]:
        o = block.overrides
        number, timestamp = o.number, o.time
        if number is None or timestamp is None:
            raise RpcError(INTERNAL_ERROR, "simulated block without number or time")
        draft = Header(parent.hash(), EMPTY_LIST_HASH, coinbase, EMPTY_ROOT, EMPTY_ROOT,
                       EMPTY_ROOT, bytes(256), difficulty, number, gas_limit, 0, timestamp, b"",
                       o.prev_randao or bytes(32), bytes(8))
        rules = self.chain.rules_for(draft)
        base_fee = None
        if rules.has_base_fee:
            if o.base_fee is not None:
                base_fee = o.base_fee
            elif self.validate:
                base_fee = _next_base_fee(parent)
            else:
                base_fee = 0
        excess = None
        beacon_root = None
        if rules.has_blobs:
            excess = 0
            if parent.excess_blob_gas is not None:
                excess = compute_excess_blob_gas(parent, rules)
            beacon_root = o.beacon_root or bytes(32)
        blob_price = blob_base_fee(excess or 0, rules) if rules.has_blobs else 0
        if o.blob_base_fee is not None:
            blob_price = o.blob_base_fee
        env = BlockEnv(
            chain_id=self.chain_id, coinbase=coinbase, number=number, timestamp=timestamp,
            gas_limit=gas_limit, difficulty=difficulty, prev_randao=draft.prev_randao,
            base_fee_per_gas=base_fee or 0, excess_blob_gas=excess or 0,
            parent_beacon_block_root=beacon_root, block_hash=self._hash_getter(number),
        )
        precompiles = dict(precompiles_for(self.base_rules))
        state = self.state
        apply_state_overrides(state, block.state_overrides, precompiles)
        if rules.has_history_contract:
            system_calls.process_parent_hash(state, env, rules, parent.hash())
        if rules.has_beacon_root and beacon_root is not None:
            system_calls.process_beacon_root(state, env, rules, beacon_root)

        state.log_count = 0
        txs: list[Transaction] = []
        senders: list[bytes] = []
        receipts: list[Receipt] = []
        outcomes: list[CallOutcome] = []
        gas_used = 0
        blob_gas_used = 0
        for raw in block.calls:
            args = parse_call_args(raw, 0)
            raw_chain = raw.get("chainId")
            if raw_chain is not None and P.quantity(raw_chain, 0) != self.chain_id:
                raise RpcError(INTERNAL_ERROR, f"chainId does not match node's (have="
                               f"{P.quantity(raw_chain, 0)}, want={self.chain_id})")
            if args.nonce is None:
                args = replace(args, nonce=state.get_nonce(args.sender))
            gas = args.gas if args.gas is not None else gas_limit - gas_used
            if gas_used + gas > gas_limit:
                raise RpcError(BLOCK_GAS_LIMIT_REACHED,
                               f"block gas limit reached: {gas_used} >= {gas_limit}")
            if args.gas_price is not None and (args.max_fee is not None
                                               or args.max_priority_fee is not None):
                raise invalid_params("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) "
                                     "specified")
            gas = min(gas, self.pool)
            args = replace(args, gas=gas)
            tx = build_transaction(args, raw, self.chain_id)
            try:
                outcome, used, blob_gas = self.apply_call(args, tx, env, rules, precompiles,
                                                          blob_price, base_fee)
            except _TxError as exc:
                raise RpcError(exc.code, f"err: {exc} (supplied gas {gas})") from None
            gas_used += used
            blob_gas_used += blob_gas
            txs.append(tx)
            senders.append(args.sender)
            outcomes.append(outcome)
            real = tuple(Log(a, t, d) for a, t, d, _, synthetic in outcome.logs if not synthetic)
            receipts.append(Receipt(tx.TYPE, outcome.error is None, None, gas_used,
                                    logs_bloom(real), real))

        if difficulty:
            # A header with difficulty is finalised the proof-of-work way: the miner's reward
            # (the reference client picks the engine by the difficulty, not the fork).
            state.begin_transaction()
            state.add_balance(coinbase, rules.block_reward)
            state.finalize_transaction(False)
        withdrawals = o.withdrawals if rules.has_withdrawals else None
        if withdrawals:
            state.begin_transaction()
            for w in withdrawals:
                if w.amount:
                    state.add_balance(w.address, w.amount * GWEI)
            state.finalize_transaction(False)
        requests_hash = None
        if rules.has_requests:
            requests = system_calls.process_requests(state, env, rules, receipts,
                                                     self.deposit_contract)
            requests_hash = system_calls.compute_requests_hash(requests)
        bloom = 0
        for r in receipts:
            bloom |= int.from_bytes(r.bloom, "big")
        header = replace(
            draft,
            state_root=state.state_root(),
            transactions_root=ordered_root([encode_transaction(tx) for tx in txs]),
            receipts_root=ordered_root([encode_receipt(r) for r in receipts]),
            logs_bloom=bloom.to_bytes(256, "big"),
            gas_used=gas_used,
            base_fee_per_gas=base_fee,
            withdrawals_root=None if withdrawals is None else ordered_root(
                [rlp.encode(withdrawal_fields(w)) for w in withdrawals]),
            blob_gas_used=blob_gas_used if rules.has_blobs else None,
            excess_blob_gas=excess,
            parent_beacon_block_root=beacon_root,
            requests_hash=requests_hash,
        )
        return Block(header, tuple(txs), (), withdrawals), outcomes, senders

    # -- one call ---------------------------------------------------------------------------

    def apply_call(self, args: CallArgs, tx: Transaction, env: BlockEnv, rules: ForkRules,
                   precompiles: dict[bytes, Any], blob_price: int,
                   base_fee: int | None) -> tuple[CallOutcome, int, int]:
        """Run ``args`` as a transaction message (the reference client's state transition with
        ``NoBaseFee`` unless validating); ``_TxError`` when it cannot be included."""
        state = self.state
        sender = args.sender
        gas = args.gas or 0
        # Message prices: a legacy price is all three; otherwise cap/tip, and the price paid
        # is min(tip + base fee, cap) unless both are zero.
        if args.gas_price is not None:
            gas_price = fee_cap = tip = args.gas_price
        else:
            fee_cap = args.max_fee or 0
            tip = args.max_priority_fee or 0
            gas_price = 0
            if fee_cap or tip:
                gas_price = min(tip + (base_fee or 0), fee_cap)
        state.begin_transaction()
        nonce = state.get_nonce(sender)
        if self.validate:
            if nonce < args.nonce:
                raise _TxError(NONCE_TOO_HIGH, f"nonce too high: address 0x{sender.hex()}, "
                               f"tx: {args.nonce} state: {nonce}")
            if nonce > args.nonce:
                raise _TxError(NONCE_TOO_LOW, f"nonce too low: address 0x{sender.hex()}, "
                               f"tx: {args.nonce} state: {nonce}")
            if nonce + 1 >= U64:
                raise _TxError(INTERNAL_ERROR, f"nonce has max value: address 0x{sender.hex()}, "
                               f"nonce: {nonce}")
        no_base_fee = not self.validate
        if rules.has_base_fee and not (no_base_fee and fee_cap == 0 and tip == 0):
            if fee_cap < tip:
                raise _TxError(INVALID_PARAMS, f"max priority fee per gas higher than max fee "
                               f"per gas: address 0x{sender.hex()}, maxPriorityFeePerGas: {tip}, "
                               f"maxFeePerGas: {fee_cap}")
            if fee_cap < (base_fee or 0):
                raise _TxError(FEE_CAP_TOO_LOW, f"max fee per gas less than block base fee: "
                               f"address 0x{sender.hex()}, maxFeePerGas: {fee_cap}, "
                               f"baseFee: {base_fee}")
        blob_hashes = args.blob_hashes
        blob_gas = GAS_PER_BLOB * len(blob_hashes)
        blob_cap = args.max_fee_per_blob_gas or 0
        if isinstance(tx, BlobTransaction):
            if not args.to:
                raise _TxError(INTERNAL_ERROR, "blob transaction of type create")
            if not blob_hashes:
                raise _TxError(INTERNAL_ERROR, "blob transaction missing blob hashes")
            for i, h in enumerate(blob_hashes):
                if h[:1] != b"\x01":
                    raise _TxError(INTERNAL_ERROR, f"blob {i} has invalid hash version")
        if rules.has_blobs and blob_gas and not (no_base_fee and blob_cap == 0):
            if blob_cap < blob_price:
                raise _TxError(INTERNAL_ERROR, f"max fee per blob gas less than block blob gas "
                               f"fee: address 0x{sender.hex()} blobGasFeeCap: {blob_cap}, "
                               f"blobBaseFee: {blob_price}")
        if isinstance(tx, SetCodeTransaction):
            if not args.to:
                raise _TxError(INTERNAL_ERROR, "set code transaction of type create")
            if not tx.authorization_list:
                raise _TxError(INTERNAL_ERROR, "empty authorization list")
        # Buy the gas.
        balance = state.get_balance(sender)
        want = gas * fee_cap + args.value + blob_gas * blob_cap
        if balance < want:
            raise _TxError(INSUFFICIENT_FUNDS, f"insufficient funds for gas * price + value: "
                           f"address 0x{sender.hex()} have {balance} want {want}")
        if gas > self.pool:
            raise _TxError(INTERNAL_ERROR, "gas limit reached")
        self.pool -= gas
        state.set_balance(sender, balance - gas * gas_price - blob_gas * blob_price)
        intrinsic = intrinsic_gas(tx, rules)
        if gas < intrinsic:
            raise _TxError(INTRINSIC_GAS, f"intrinsic gas too low: have {gas}, want {intrinsic}")
        floor = calldata_floor_gas(tx, rules)
        if gas < floor:
            raise _TxError(INTRINSIC_GAS, f"insufficient gas for floor data gas cost: have "
                           f"{gas}, want {floor}")
        if args.value and state.get_balance(sender) < args.value:
            raise _TxError(INSUFFICIENT_FUNDS, f"insufficient funds for transfer: address "
                           f"0x{sender.hex()}")
        if not args.to and rules.has_init_code_limit and len(args.data) > rules.max_init_code_size:
            raise _TxError(MAX_INIT_CODE_SIZE, f"max initcode size exceeded: code size "
                           f"{len(args.data)} limit {rules.max_init_code_size}")

        ctx = make_context(state, rules, env, TxEnv(sender, gas_price, blob_hashes), blob_price)
        standard = ctx.precompiles
        ctx.precompiles = precompiles
        if rules.has_access_lists:
            state.warm_address(sender)
            if args.to:
                state.warm_address(args.to)
            for address in standard:
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
            if nonce + 1 >= U64:
                frame = None
                error: Exception | None = OutOfGas("nonce uint64 overflow")
                output = b""
            elif state.get_nonce(address) or state.get_code(address) or \
                    state.has_storage(address):
                state.increment_nonce(sender)
                frame, error, output, left = None, OutOfGas("contract address collision"), b"", 0
            else:
                state.increment_nonce(sender)
                frame = Frame(ctx, sender, address, address, args.value, b"", args.data, left, 0,
                              False)
                process_create(frame)
        else:
            info = state.get_account(sender)
            state._put(sender, ((nonce + 1) % U64, info[1] if info else 0,
                                info[2] if info else keccak256(b"")))
            if isinstance(tx, SetCodeTransaction) and rules.has_delegation:
                apply_authorizations(state, tx, env, rules)
            code = state.get_code(args.to)
            code_address = args.to
            delegate = delegated_address(code) if rules.has_delegation else None
            if delegate is not None:
                state.warm_address(delegate)
                code = state.get_code(delegate)
                code_address = delegate
            frame = Frame(ctx, sender, args.to, code_address, args.value, args.data, code, left,
                          0, False, True, delegate is not None)
            process_message(frame)
        if frame is not None:
            left, error, output = frame.gas, frame.error, frame.output
        used = gas - left
        peak = used
        used -= min(used // rules.max_refund_quotient, state.refund)
        if used < floor:
            used = floor
        peak = max(peak, floor)
        self.pool += gas - used
        state.add_balance(sender, (gas - used) * gas_price)
        if not (no_base_fee and fee_cap == 0 and tip == 0):
            priority = gas_price - (base_fee or 0) if rules.has_base_fee else gas_price
            state.add_balance(env.coinbase, used * max(priority, 0))
            state.touch(env.coinbase)
        logs = list(state.logs) if error is None else []
        state.finalize_transaction(rules.has_state_clearing)
        return CallOutcome(output, logs, used, peak, error), used, blob_gas


def _next_base_fee(parent: Header) -> int:
    """EIP-1559 base fee of the child (the London block starts at the initial base fee)."""
    if parent.base_fee_per_gas is None:
        return INITIAL_BASE_FEE
    return compute_base_fee(parent.gas_limit, parent.gas_used, parent.base_fee_per_gas)


def _log_json(log: tuple[Any, ...], header: Header, block_hash: bytes, tx_hash: bytes,
              index: int) -> dict[str, Any]:
    address, topics, payload, log_index, _ = log
    return {
        "address": data(address), "topics": [data(t) for t in topics], "data": data(payload),
        "blockNumber": qty(header.number), "transactionHash": data(tx_hash),
        "transactionIndex": qty(index), "blockHash": data(block_hash),
        "blockTimestamp": qty(header.timestamp), "logIndex": qty(log_index), "removed": False,
    }


def _call_json(outcome: CallOutcome, header: Header, block_hash: bytes, tx_hash: bytes,
               index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "returnData": data(outcome.return_data),
        "logs": [_log_json(log, header, block_hash, tx_hash, index) for log in outcome.logs],
        "gasUsed": qty(outcome.gas_used),
        "maxUsedGas": qty(outcome.max_used_gas),
        "status": qty(1 if outcome.error is None else 0),
    }
    if isinstance(outcome.error, Revert):
        err = reverted(outcome.return_data)
        out["error"] = {"message": err.message, "code": REVERTED, "data": err.data}
    elif outcome.error is not None:
        out["error"] = {"message": _halt_message(outcome.error), "code": VM_ERROR}
    return out


def block_result(block: Block, outcomes: list[CallOutcome], senders: list[bytes],
                 full: bool) -> dict[str, Any]:
    header = block.header
    block_hash = header.hash()
    out = block_json(block, False, len(encode_block(block)))
    hashes = [transaction_hash(tx) for tx in block.transactions]
    if full:
        out["transactions"] = [transaction_json(tx, header, block_hash, i, senders[i])
                               for i, tx in enumerate(block.transactions)]
    out["calls"] = [_call_json(o, header, block_hash, hashes[i], i)
                    for i, o in enumerate(outcomes)]
    return out


class SimulateHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view

    def table(self) -> dict[str, Any]:
        return {"eth_simulateV1": self.simulate}

    @blocking
    def simulate(self, opts: Any, block: Any = None) -> list[dict[str, Any]]:
        if not isinstance(opts, dict):
            raise invalid_params("invalid argument 0: expected a simulation object")
        raw_blocks = opts.get("blockStateCalls")
        if not raw_blocks:
            raise invalid_params("empty input")
        if not isinstance(raw_blocks, list):
            raise invalid_params("invalid argument 0: blockStateCalls must be an array")
        if len(raw_blocks) > MAX_SIMULATE_BLOCKS:
            raise RpcError(CLIENT_LIMIT_EXCEEDED, "too many blocks")
        flags = {}
        for key in ("traceTransfers", "validation", "returnFullTransactions"):
            value = opts.get(key, False)
            flags[key] = False if value is None else P.boolean(value, 0)
        blocks = parse_blocks(raw_blocks)
        base = self.view.require_header(P.block_id(block if block is not None else "latest", 1))
        sim = Simulator(self.view, base, flags["validation"], flags["traceTransfers"])
        results = sim.run(blocks)
        full = flags["returnFullTransactions"]
        return [block_result(b, outcomes, senders, full) for b, outcomes, senders in results]


__all__ = ["SimulateHandlers", "Simulator", "sanitize_chain"]
