"""``eth_simulateV1``: run calls in a chain of simulated blocks on top of a stored block.

Each entry of ``blockStateCalls`` becomes a block, built by the node's block pipeline
(``BlockBuilder``, sealed with ``seal_header``): its header starts from the block overrides
(gaps in the numbers are filled with empty blocks, timestamps default to +12 s), the state
overrides are applied (``movePrecompileToAddress`` moves a precompile for that block), then
each call runs through the transaction pipeline as an unsigned transaction built the way the
reference client builds it, so that transaction hashes, receipts, state roots and block
hashes agree with it. Without
``validation`` nonces are not checked and the base fee defaults to 0; with it the base fee
follows EIP-1559 from the parent and every transaction check applies. ``traceTransfers`` adds
an ERC-7528-style ``Transfer`` log from ``0xeeee…eeee`` for every value transfer. Errors use
the execution-apis -380xx codes.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from ethrex.errors import InvalidTransaction
from ethrex.evm.env import BlockEnv
from ethrex.evm.errors import Revert
from ethrex.evm.precompiles import precompiles_for
from ethrex.execution import errors as tx_errors
from ethrex.execution.block import BlockBuilder, BlockContext, seal_header
from ethrex.execution.fee_market import blob_base_fee, compute_excess_blob_gas, next_base_fee
from ethrex.execution.overrides import InvalidOverride, apply_state_overrides
from ethrex.execution.transaction import TxOptions
from ethrex.primitives import EMPTY_LIST_HASH, keccak256
from ethrex.rpc import params as P
from ethrex.rpc.call import (
    CallArgs,
    halt_message,
    parse_call_args,
    parse_state_overrides,
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
from ethrex.rpc.server import blocking, current_abort
from ethrex.rpc.types import block_json, data, qty, transaction_json
from ethrex.state import StateDB
from ethrex.trie import EMPTY_ROOT
from ethrex.types.block import Block, encode_block
from ethrex.types.header import Header
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal

MAX_SIMULATE_BLOCKS = 256
MAX_WITHDRAWALS = 16  # per block override (execution-apis Withdrawals)
# A block without a time override comes 12 s after its parent, as the reference client and the
# rpc-compat files have it (the schema's prose says 1).
TIMESTAMP_INCREMENT = 12

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
SENDER_NOT_EOA = -38024
MAX_INIT_CODE_SIZE = -38025
CLIENT_LIMIT_EXCEEDED = -38026
VM_ERROR = -32015
REVERTED = 3


# The execution-apis code of each kind of invalid transaction (others: INTERNAL_ERROR).
TX_ERROR_CODES: tuple[tuple[type[InvalidTransaction], int], ...] = (
    (tx_errors.NonceTooLow, NONCE_TOO_LOW),
    (tx_errors.NonceTooHigh, NONCE_TOO_HIGH),
    (tx_errors.SenderNotEOA, SENDER_NOT_EOA),
    (tx_errors.FeeCapTooLow, FEE_CAP_TOO_LOW),
    (tx_errors.TipAboveFeeCap, INVALID_PARAMS),
    (tx_errors.InsufficientFunds, INSUFFICIENT_FUNDS),
    (tx_errors.IntrinsicGasTooLow, INTRINSIC_GAS),
    (tx_errors.InitCodeTooLarge, MAX_INIT_CODE_SIZE),
)

SimLog = tuple[bytes, tuple[bytes, ...], bytes, int, bool]  # ..., index in the block, transfer


class SimState(StateDB):
    """A ``StateDB`` that numbers every log across the block (reverted ones too, as the
    reference tracer does) and, with ``trace_transfers``, records each value transfer as an
    ERC-7528 ``Transfer`` log. The transfer logs stay out of ``logs`` (receipts never see
    them); a reverted frame drops its own."""

    __slots__ = ("trace_transfers", "log_count", "log_numbers", "transfers")

    def __init__(self, backend: Any, trace_transfers: bool) -> None:
        StateDB.__init__(self, backend)
        self.trace_transfers = trace_transfers
        self.log_count = 0
        self.log_numbers: list[int] = []  # the block-wide number of each entry of ``logs``
        self.transfers: list[tuple[int, SimLog]] = []  # (journal length then, log)

    def begin_transaction(self) -> None:
        StateDB.begin_transaction(self)
        self.log_numbers = []
        self.transfers = []

    def revert(self, snapshot: int) -> None:
        StateDB.revert(self, snapshot)
        del self.log_numbers[len(self.logs):]
        while self.transfers and self.transfers[-1][0] > snapshot:
            self.transfers.pop()

    def add_log(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        StateDB.add_log(self, address, topics, data)
        self.log_numbers.append(self.log_count)
        self.log_count += 1

    def transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        StateDB.transfer(self, sender, recipient, amount)
        if self.trace_transfers and amount > 0:
            topics = (TRANSFER_TOPIC, bytes(12) + sender, bytes(12) + recipient)
            log = (ETH_TRANSFER_ADDRESS, topics, amount.to_bytes(32, "big"), self.log_count, True)
            self.transfers.append((len(self.journal), log))
            self.log_count += 1

    def transaction_logs(self) -> list[SimLog]:
        """The last transaction's logs and transfer logs, in the order they happened."""
        real = [(a, t, d, n, False) for (a, t, d), n in zip(self.logs, self.log_numbers)]
        return sorted(real + [log for _, log in self.transfers], key=lambda log: log[3])


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
    logs: list[SimLog]
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
    if get("prevRandao") is not None:  # a uint256 in the schema; 32-byte data taken too
        randao = raw["prevRandao"]
        o.prev_randao = P.hash32(randao, 0) if isinstance(randao, str) and len(randao) == 66 \
            else P.quantity(randao, 0).to_bytes(32, "big")
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
        if len(items) > MAX_WITHDRAWALS:
            raise invalid_params(f"invalid argument 0: more than {MAX_WITHDRAWALS} withdrawals")
        if not all(isinstance(w, dict) for w in items):
            raise invalid_params("invalid argument 0: a withdrawal must be an object")
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
        elif o.time < prev_time:  # the schema: time increases or stays the same
            raise RpcError(BLOCK_TIMESTAMP_INVALID,
                           f"block timestamps must be in order: {o.time} < {prev_time}")
        prev_time = o.time
        out.append(block)
    return out


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
        self.state = SimState(view.state(base).backend, trace)
        self.pool = view.ctx.limits.gas_cap  # --rpc.gascap: for all the calls together
        self.chain_id = view.chain.config.chain_id
        self.base_rules = view.rules(base)
        self.hashes: dict[int, bytes] = {}  # number -> hash of the simulated blocks so far
        self.chain_hash = view.chain.block_hash_getter(base)
        self.hooks = view.chain.hooks

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
        """One simulated block through the block pipeline (``BlockBuilder``): state overrides,
        system calls, each call as an unsigned transaction, rewards, withdrawals, requests,
        then the header sealed with every commitment."""
        o = block.overrides
        number, timestamp = o.number, o.time
        if number is None or timestamp is None:
            raise RpcError(INTERNAL_ERROR, "simulated block without number or time")
        rules = self.chain.rules_at(number, timestamp, parent.hash())
        base_fee = None
        if rules.has_base_fee:
            if o.base_fee is not None:
                base_fee = o.base_fee
            elif self.validate:
                base_fee = next_base_fee(parent, rules)
            else:
                base_fee = 0
        excess = None
        beacon_root = None
        if rules.has_blobs:
            excess = 0
            if parent.excess_blob_gas is not None:
                excess = compute_excess_blob_gas(parent, rules)
            beacon_root = o.beacon_root or bytes(32)
        draft = Header(parent.hash(), EMPTY_LIST_HASH, coinbase, EMPTY_ROOT, EMPTY_ROOT,
                       EMPTY_ROOT, bytes(256), difficulty, number, gas_limit, 0, timestamp, b"",
                       o.prev_randao or bytes(32), bytes(8), base_fee_per_gas=base_fee,
                       excess_blob_gas=excess, parent_beacon_block_root=beacon_root)
        blob_price = o.blob_base_fee
        if blob_price is None:
            blob_price = blob_base_fee(excess or 0, rules) if rules.has_blobs else 0
        env = BlockEnv(
            chain_id=self.chain_id, coinbase=coinbase, number=number, timestamp=timestamp,
            gas_limit=gas_limit, difficulty=difficulty, prev_randao=draft.prev_randao,
            base_fee_per_gas=base_fee or 0, excess_blob_gas=excess or 0,
            blob_base_fee=blob_price, parent_beacon_block_root=beacon_root,
            block_hash=self._hash_getter(number),
        )
        state = self.state
        precompiles = dict(precompiles_for(self.base_rules))
        overrides = parse_state_overrides(block.state_overrides, 0)
        if overrides:
            try:
                apply_state_overrides(state, overrides, precompiles)
            except InvalidOverride as exc:
                raise server_error(str(exc)) from None
        ctx = BlockContext(self.chain_id, parent.hash(), env.block_hash, hooks=self.hooks)
        builder = BlockBuilder(state, draft, rules, ctx, env)
        builder.begin()
        options = TxOptions(check_nonce=self.validate, no_base_fee=not self.validate,
                            precompiles=precompiles, abort=current_abort())

        state.log_count = 0
        senders: list[bytes] = []
        outcomes: list[CallOutcome] = []
        for raw in block.calls:
            args = parse_call_args(raw, 0)
            raw_chain = raw.get("chainId")
            if raw_chain is not None and P.quantity(raw_chain, 0) != self.chain_id:
                raise RpcError(INTERNAL_ERROR, f"chainId does not match node's (have="
                               f"{P.quantity(raw_chain, 0)}, want={self.chain_id})")
            if args.nonce is None:
                args = replace(args, nonce=state.get_nonce(args.sender))
            gas_used = builder.gas_used
            gas = args.gas if args.gas is not None else gas_limit - gas_used
            if gas_used + gas > gas_limit:
                raise RpcError(BLOCK_GAS_LIMIT_REACHED,
                               f"block gas limit reached: {gas_used} >= {gas_limit}")
            gas = min(gas, self.pool)
            tx = build_transaction(replace(args, gas=gas), raw, self.chain_id)
            try:
                result = builder.apply(tx, args.sender, options)
            except InvalidTransaction as exc:
                code = next((c for kind, c in TX_ERROR_CODES if isinstance(exc, kind)),
                            INTERNAL_ERROR)
                raise RpcError(code, f"err: {exc} (supplied gas {gas})") from None
            self.pool -= result.gas_used
            senders.append(args.sender)
            logs = state.transaction_logs() if result.succeeded else []
            outcomes.append(CallOutcome(result.output, logs, result.gas_used,
                                        result.max_used_gas, result.error))

        withdrawals = o.withdrawals if rules.has_withdrawals else None
        # A header with difficulty is finalised the proof-of-work way: the miner's reward
        # (the reference client picks the engine by the difficulty, not the fork).
        output = builder.finish(withdrawals, (), block_reward=bool(difficulty))
        header = seal_header(draft, builder.transactions, withdrawals, output,
                             state.state_root(), rules)
        return Block(header, tuple(builder.transactions), (), withdrawals), outcomes, senders


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
        out["error"] = {"message": halt_message(outcome.error), "code": VM_ERROR}
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
