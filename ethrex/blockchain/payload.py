"""Payload building: a block on top of a parent from the consensus layer's attributes and the
mempool's transactions (execution-apis paris.md "Payload building").

Transactions go in by effective tip, each sender's in nonce order, while they fit the gas and
blob limits; a sender whose next transaction cannot be included is dropped for this block (its
later nonces could not run either). The block then gets the withdrawals (EIP-4895), the
system calls (EIP-4788, EIP-2935) and the requests (EIP-7685) through the block pipeline
(``ethrex.execution.block.BlockBuilder``) that import replays them with. The block value is
what the fee recipient earns in priority fees.

A ``PayloadJob`` keeps the best payload of one build process and rebuilds it when asked
(the engine asks whenever the mempool changed, until getPayload).
"""

import hashlib
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ethrex import rlp
from ethrex.blockchain.validation import GAS_LIMIT_ADJUSTMENT_FACTOR, GAS_LIMIT_MINIMUM
from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.execution.block import BlockBuilder, BlockContext, BlockOutput, seal_header
from ethrex.execution.fee_market import compute_excess_blob_gas, next_base_fee
from ethrex.forks import ForkRules
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.state import StateDB
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.network_transactions import BlobTransactionNetwork
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    Transaction,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal, withdrawal_fields

TX_BASE_GAS = 21000  # no transaction fits in less


@dataclass(frozen=True, slots=True)
class PayloadAttributes:
    """PayloadAttributes V1-V3: what the consensus layer fixes in the block it asks for."""

    timestamp: int
    prev_randao: bytes
    fee_recipient: bytes
    withdrawals: tuple[Withdrawal, ...] | None = None  # V2, Shanghai
    parent_beacon_block_root: bytes | None = None  # V3, Cancun


@dataclass(frozen=True, slots=True)
class BuiltPayload:
    """A sealed block with what getPayload returns besides it."""

    block: Block
    block_value: int  # wei to the fee recipient (priority fees)
    sidecars: tuple[BlobTransactionNetwork, ...]  # of the block's blob transactions, in order
    requests: tuple[bytes, ...] | None  # EIP-7685, None before Prague
    receipts: tuple[Receipt, ...]


def compute_payload_id(parent_hash: bytes, attrs: PayloadAttributes, version: int = 0) -> bytes:
    """8 bytes that identify (parent, attributes, engine version): the same request gets the
    same id, any different one a new id."""
    fields: list[object] = [
        parent_hash, attrs.timestamp, attrs.prev_randao, attrs.fee_recipient,
        [] if attrs.withdrawals is None else [withdrawal_fields(w) for w in attrs.withdrawals],
        attrs.parent_beacon_block_root or b"", version,
    ]
    return hashlib.sha256(rlp.encode(fields)).digest()[:8]


def effective_tip(tx: Transaction, base_fee: int) -> int:
    """Priority fee per gas the transaction pays at ``base_fee`` (negative: not includable)."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        return tx.gas_price - base_fee
    return min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)


def next_gas_limit(parent_gas_limit: int, desired: int | None) -> int:
    """Move towards ``desired`` by less than 1/1024 of the parent's limit (the header rule)."""
    if desired is None:
        return parent_gas_limit
    step = parent_gas_limit // GAS_LIMIT_ADJUSTMENT_FACTOR - 1
    if desired > parent_gas_limit:
        return min(desired, parent_gas_limit + step)
    return max(desired, parent_gas_limit - step, GAS_LIMIT_MINIMUM)


class ChainView(Protocol):
    """What the builder needs of ``ethrex.blockchain.blockchain.Blockchain``."""

    def rules_at(self, number: int, timestamp: int, parent_hash: bytes | None) -> ForkRules: ...
    def state_at(self, block_hash: bytes) -> Any: ...
    def block_context(self, parent: Header) -> BlockContext: ...


class OpenBlock:
    """A block being assembled on ``parent`` from ``attrs``: the builder (``BlockBuilder``) over
    the parent's state with the system calls done, and the withdrawals it will pay. Payload
    building fills it from the mempool; dev mode's pending block (eth-tester) one transaction
    at a time."""

    __slots__ = ("builder", "withdrawals")

    def __init__(self, chain: ChainView, parent: Header, attrs: PayloadAttributes,
                 extra_data: bytes = b"", gas_limit: int | None = None) -> None:
        parent_hash = parent.hash()
        number = parent.number + 1
        rules = chain.rules_at(number, attrs.timestamp, parent_hash)
        if not rules.is_pos:
            raise InvalidBlock("payloads are built only after the merge")
        self.withdrawals = None
        if rules.has_withdrawals:  # EIP-4895
            self.withdrawals = attrs.withdrawals or ()
        template = Header(
            parent_hash=parent_hash, ommers_hash=EMPTY_LIST_HASH, coinbase=attrs.fee_recipient,
            state_root=bytes(32), transactions_root=bytes(32), receipts_root=bytes(32),
            logs_bloom=bytes(256), difficulty=0, number=number,
            gas_limit=next_gas_limit(parent.gas_limit, gas_limit), gas_used=0,
            timestamp=attrs.timestamp, extra_data=extra_data, prev_randao=attrs.prev_randao,
            nonce=bytes(8), base_fee_per_gas=next_base_fee(parent, rules),
            excess_blob_gas=compute_excess_blob_gas(parent, rules) if rules.has_blobs else None,
            parent_beacon_block_root=attrs.parent_beacon_block_root if rules.has_beacon_root
            else None,
        )
        state = StateDB(chain.state_at(parent_hash))
        self.builder = BlockBuilder(state, template, rules, chain.block_context(parent))
        self.builder.begin()

    def seal(self) -> tuple[Block, BlockOutput]:
        """The block with every commitment filled in, and its execution output."""
        builder = self.builder
        output = builder.finish(self.withdrawals)
        header = seal_header(builder.header, builder.transactions, self.withdrawals, output,
                             builder.state.state_root(), builder.rules)
        return Block(header, tuple(builder.transactions), (), self.withdrawals), output


def build_payload(
    chain: ChainView,
    parent: Header,
    attrs: PayloadAttributes,
    pending: Mapping[bytes, Sequence[Transaction]] = {},
    *,
    sidecars: Callable[[bytes], BlobTransactionNetwork | None] | None = None,
    forced: Sequence[Transaction] | None = None,
    privileged: Sequence[Transaction] = (),
    extra_data: bytes = b"",
    gas_limit: int | None = None,
) -> BuiltPayload:
    """Build a block on ``parent`` through the block pipeline (``BlockBuilder``), exactly as
    import replays it.

    ``pending`` maps each sender to its executable transactions in nonce order (the
    mempool's view). ``forced`` (testing_buildBlockV1) replaces it: every transaction goes in,
    in the given order, and one that cannot is an ``InvalidTransaction``. ``privileged`` (a
    rollup's L1-to-L2 transactions) go in first, in their order, until one does not fit: the
    rest wait for a later block; the block's transactions say how many went in.
    """
    block = OpenBlock(chain, parent, attrs, extra_data, gas_limit)
    builder = block.builder
    selection = _Selection(builder, builder.header.base_fee_per_gas or 0, sidecars)
    for tx in privileged:
        try:
            builder.apply(tx)  # pays no fee: no block value
        except InvalidTransaction:
            break  # no room left; the order must hold, so the rest wait too
    if forced is not None:
        for tx in forced:
            selection.include(tx, strict=True)
    else:
        selection.fill(pending)
    sealed, output = block.seal()
    return BuiltPayload(sealed, selection.value, tuple(selection.sidecars), output.requests,
                        output.receipts)


class _Selection:
    """Which transactions go in: block value and sidecars of those the builder took."""

    __slots__ = ("builder", "base_fee", "sidecar_of", "sidecars", "value")

    def __init__(self, builder: BlockBuilder, base_fee: int,
                 sidecar_of: Callable[[bytes], BlobTransactionNetwork | None] | None) -> None:
        self.builder = builder
        self.base_fee = base_fee
        self.sidecar_of = sidecar_of
        self.sidecars: list[BlobTransactionNetwork] = []
        self.value = 0

    def include(self, tx: Transaction, strict: bool = False) -> bool:
        """Run ``tx``; True when it is in the block. With ``strict`` a transaction that does not
        fit raises ``InvalidTransaction`` instead of returning False."""
        sidecar = None
        if isinstance(tx, BlobTransaction) and self.sidecar_of is not None:
            sidecar = self.sidecar_of(transaction_hash(tx))
            if sidecar is None and not strict:
                return False  # a blob transaction whose blobs we cannot hand out stays out
        try:
            result = self.builder.apply(tx)
        except InvalidTransaction:
            if strict:
                raise
            return False
        self.value += result.gas_used * effective_tip(tx, self.base_fee)
        if sidecar is not None:
            self.sidecars.append(sidecar)
        return True

    def fill(self, pending: Mapping[bytes, Sequence[Transaction]]) -> None:
        """Best effective tip first, each sender's transactions in nonce order."""
        base_fee = self.base_fee
        builder = self.builder
        heap: list[tuple[int, int, bytes]] = []
        position: dict[bytes, int] = {}
        for seq, (sender, txs) in enumerate(pending.items()):
            if txs:
                position[sender] = 0
                heap.append((-effective_tip(txs[0], base_fee), seq, sender))
        heapq.heapify(heap)
        while heap and builder.header.gas_limit - builder.gas_used >= TX_BASE_GAS:
            neg_tip, seq, sender = heapq.heappop(heap)
            if neg_tip > 0:
                break  # the best remaining tip is negative: nothing else pays the base fee
            txs = pending[sender]
            i = position[sender]
            if not self.include(txs[i]):
                continue  # drop the sender: its later nonces cannot run without this one
            i += 1
            if i < len(txs):
                position[sender] = i
                heapq.heappush(heap, (-effective_tip(txs[i], base_fee), seq, sender))


class PayloadJob:
    """One build process (a payload id): the best payload so far, rebuilt on request."""

    __slots__ = ("chain", "parent", "attrs", "version", "extra_data", "gas_limit", "best",
                 "built_at")

    def __init__(self, chain: ChainView, parent: Header, attrs: PayloadAttributes,
                 version: int, extra_data: bytes = b"", gas_limit: int | None = None) -> None:
        self.chain = chain
        self.parent = parent
        self.attrs = attrs
        self.version = version
        self.extra_data = extra_data
        self.gas_limit = gas_limit
        self.best: BuiltPayload | None = None
        self.built_at = -1  # the mempool version the best payload saw

    def improve(self, pending: Mapping[bytes, Sequence[Transaction]],
                sidecars: Callable[[bytes], BlobTransactionNetwork | None] | None,
                mempool_version: int) -> BuiltPayload:
        """Rebuild from the current mempool unless it is unchanged; keep the better payload
        (the first build always counts, a later one must not earn less)."""
        if self.best is not None and mempool_version == self.built_at:
            return self.best
        built = build_payload(self.chain, self.parent, self.attrs, pending, sidecars=sidecars,
                              extra_data=self.extra_data, gas_limit=self.gas_limit)
        if self.best is None or built.block_value >= self.best.block_value:
            self.best = built
        self.built_at = mempool_version
        return self.best


def senders_in_order(txs: Iterable[tuple[bytes, Transaction]]) -> dict[bytes, list[Transaction]]:
    """Group ``(sender, tx)`` pairs by sender, nonces ascending (for callers without a pool)."""
    out: dict[bytes, list[Transaction]] = {}
    for sender, tx in txs:
        out.setdefault(sender, []).append(tx)
    for group in out.values():
        group.sort(key=lambda t: t.nonce)
    return out
