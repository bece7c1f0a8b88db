"""The transaction pool: transactions waiting for a block, checked against the head state.

A transaction is admitted when it is statically valid for the next block's fork
(``tx_validation``), its signature recovers, its nonce is not used yet, the sender can pay
``gas * max fee + value (+ blob gas * max blob fee)`` on top of its pooled transactions with
lower nonces, its fee caps are sane and it is not too big. Per sender the pool keeps
transactions by nonce: those contiguous from the account's nonce are *pending* (executable
now), those after a gap are *queued*.

Same sender and nonce again is a replacement: it must raise both fee caps by at least
``price_bump`` percent (EIP-1559 pools' rule; the blob fee too for blob transactions). When a
sender or the whole pool is full, the cheapest highest-nonce transaction of another sender makes
room, or the newcomer is refused.

Blob transactions keep their sidecar (EIP-4844 network form, Cancun proofs or EIP-7594 cell
proofs), verified on entry, to be served by getBlobs and put in payloads. New heads remove what
the chain included; a reorg gives the abandoned blocks' transactions back.

Synchronous and thread-safe (one lock): RPC threads add, the block-execution thread reads.
"""

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.crypto import kzg
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.evm.opcodes.system import delegated_address
from ethrex.execution.fee_market import GAS_PER_BLOB
from ethrex.execution.tx_validation import validate_transaction
from ethrex.forks import Fork, ForkRules
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.network_transactions import (
    BlobTransactionNetwork,
    decode_network_transaction,
    encode_network_transaction,
)
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    Transaction,
    encode_transaction,
    recover_sender,
    transaction_hash,
)

MAX_TX_SIZE = 128 * 1024  # bytes of a transaction without blobs (geth's txMaxSize)


class PoolError(InvalidTransaction):
    """A transaction the pool refuses (the message says why, as eth_sendRawTransaction
    reports it)."""


def _fee_caps(tx: Transaction) -> tuple[int, int]:
    """(max fee per gas, max priority fee per gas); a legacy price is both."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        return tx.gas_price, tx.gas_price
    return tx.max_fee_per_gas, tx.max_priority_fee_per_gas


def _max_cost(tx: Transaction) -> int:
    """The most the transaction can take from its sender: gas and blob gas at their caps, plus
    the value."""
    cost = tx.gas * _fee_caps(tx)[0] + tx.value
    if isinstance(tx, BlobTransaction):
        cost += GAS_PER_BLOB * len(tx.blob_versioned_hashes) * tx.max_fee_per_blob_gas
    return cost


class PoolEntry:
    """One pooled transaction with what the pool needs to know about it."""

    __slots__ = ("tx", "hash", "sender", "sidecar", "size", "added", "cost")

    def __init__(self, tx: Transaction, tx_hash: bytes, sender: bytes,
                 sidecar: BlobTransactionNetwork | None, size: int) -> None:
        self.tx = tx
        self.hash = tx_hash
        self.sender = sender
        self.sidecar = sidecar
        self.size = size
        self.added = time.monotonic()
        self.cost = _max_cost(tx)


class Mempool:
    """Pending and queued transactions per sender, over ``chain``'s head state."""

    def __init__(self, chain: Blockchain, max_per_account: int = 4096, max_total: int = 16384,
                 price_bump: int = 10, min_tip: int = 0, max_blob_txs: int = 512) -> None:
        self.chain = chain
        self.max_per_account = max_per_account
        self.max_total = max_total
        self.price_bump = price_bump
        self.min_tip = min_tip
        self.max_blob_txs = max_blob_txs
        self.lock = threading.RLock()
        self.by_hash: dict[bytes, PoolEntry] = {}
        self.by_sender: dict[bytes, dict[int, PoolEntry]] = {}
        self.blobs: dict[bytes, tuple[BlobTransactionNetwork, int]] = {}  # versioned hash
        self.version = 0  # bumped on every change; payload jobs rebuild when it moves
        self.listeners: list[Callable[[bytes], None]] = []  # called with each new tx hash
        # Sidecars of recently included blob transactions: a reorg gives them back, and
        # getBlobs still serves their blobs (a consensus client asks for the blobs of a block
        # it has just seen, which may already be our head).
        self.included_sidecars: dict[bytes, BlobTransactionNetwork] = {}
        self.included_blobs: dict[bytes, tuple[BlobTransactionNetwork, int]] = {}
        self._head: tuple[bytes, Header, Any] | None = None  # (hash, header, state)
        self._rules: tuple[tuple[int, bytes, int], ForkRules] | None = None

    # -- reads -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.by_hash)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self.by_hash

    def get(self, tx_hash: bytes) -> Transaction | None:
        entry = self.by_hash.get(tx_hash)
        return None if entry is None else entry.tx

    def get_sidecar(self, tx_hash: bytes) -> BlobTransactionNetwork | None:
        entry = self.by_hash.get(tx_hash)
        return None if entry is None else entry.sidecar

    def get_blob(self, versioned_hash: bytes) -> tuple[BlobTransactionNetwork, int] | None:
        """The sidecar holding a blob and the blob's index in it (engine_getBlobs): pooled or
        recently included."""
        found = self.blobs.get(versioned_hash)
        return found if found is not None else self.included_blobs.get(versioned_hash)

    def _head_state(self) -> tuple[Header, Any]:
        """The head header and its state, kept while the head stays (every admission needs
        them; decoding and hashing the header each time cost more than the checks)."""
        cached = self._head
        if cached is not None and cached[0] == self.chain.store.head():
            return cached[1], cached[2]
        head = self.chain.head_header()
        head_hash = head.hash()
        state = self.chain.state_at(head_hash)
        self._head = (head_hash, head, state)
        return head, state

    @staticmethod
    def _nonce(state: Any, address: bytes) -> int:
        account = state.get_account(address)
        return 0 if account is None else account[0]

    def _split(self, state: Any) -> Iterator[tuple[bytes, list[PoolEntry], list[PoolEntry]]]:
        """Per sender: (pending entries from the state nonce on, queued entries after a gap)."""
        for sender, slots in self.by_sender.items():
            nonce = self._nonce(state, sender)
            pending: list[PoolEntry] = []
            while nonce in slots:
                pending.append(slots[nonce])
                nonce += 1
            queued = [slots[n] for n in sorted(slots) if n > nonce]
            yield sender, pending, queued

    def pending(self, base_fee: int | None = None) -> dict[bytes, list[Transaction]]:
        """Executable transactions per sender, in nonce order; with ``base_fee``, each run stops
        at the first one whose fee cap is below it (nothing after can go in before it)."""
        with self.lock:
            _, state = self._head_state()
            out: dict[bytes, list[Transaction]] = {}
            for sender, pending, _ in self._split(state):
                txs = []
                for entry in pending:
                    if base_fee is not None and _fee_caps(entry.tx)[0] < base_fee:
                        break
                    txs.append(entry.tx)
                if txs:
                    out[sender] = txs
            return out

    def queued(self) -> dict[bytes, list[Transaction]]:
        """Transactions waiting behind a nonce gap, per sender."""
        with self.lock:
            _, state = self._head_state()
            return {s: [e.tx for e in q] for s, _, q in self._split(state) if q}

    def pending_hashes(self) -> list[bytes]:
        with self.lock:
            _, state = self._head_state()
            return [e.hash for _, pending, _ in self._split(state) for e in pending]

    def pending_nonce(self, address: bytes) -> int | None:
        """The next nonce after the sender's pending run (eth_getTransactionCount "pending")."""
        with self.lock:
            slots = self.by_sender.get(address)
            if not slots:
                return None
            _, state = self._head_state()
            nonce = self._nonce(state, address)
            while nonce in slots:
                nonce += 1
            return nonce

    # -- admission ---------------------------------------------------------------------------

    def add_raw(self, data: bytes) -> bytes:
        """Decode the network form (blob transactions with their sidecar) and add it."""
        try:
            tx = decode_network_transaction(data)
        except RLPDecodingError as exc:
            raise PoolError(f"undecodable transaction: {exc}") from exc
        return self.add(tx)

    def add(self, item: Transaction | BlobTransactionNetwork, sender: bytes | None = None) -> bytes:
        """Validate and admit a transaction; return its hash. Raises ``InvalidTransaction``
        (a ``PoolError`` for pool rules) saying why it was refused. ``sender`` is for dev
        mode's impersonated accounts only: the transaction's signature is a placeholder."""
        sidecar = item if isinstance(item, BlobTransactionNetwork) else None
        tx: Transaction = item.tx if isinstance(item, BlobTransactionNetwork) else item
        encoded = encode_transaction(tx)  # once: the hash (EIP-2718) and the size
        tx_hash = keccak256(encoded)
        with self.lock:
            if tx_hash in self.by_hash:
                raise PoolError(f"already known: {tx_hash.hex()}")
            entry = self._validate(tx, tx_hash, sidecar, len(encoded), sender)
            self._insert(entry)
            listeners = list(self.listeners)
        for listener in listeners:
            listener(tx_hash)
        return tx_hash

    def _next_rules(self, head: Header) -> ForkRules:
        """The rules of a block on ``head`` made now (cached for the second: forks switch on
        timestamps)."""
        timestamp = max(int(time.time()), head.timestamp + 1)
        key = (head.number, head.state_root, timestamp)
        cached = self._rules
        if cached is not None and cached[0] == key:
            return cached[1]
        rules: ForkRules = self.chain.rules_at(head.number + 1, timestamp, head.hash())
        self._rules = (key, rules)
        return rules

    def _validate(self, tx: Transaction, tx_hash: bytes, sidecar: BlobTransactionNetwork | None,
                  size: int | None = None, sender: bytes | None = None) -> PoolEntry:
        head, state = self._head_state()
        rules = self._next_rules(head)
        if size is None:
            size = len(encode_transaction(tx))
        if size > MAX_TX_SIZE:
            raise PoolError(f"oversized data: {size} bytes, the limit is {MAX_TX_SIZE}")
        validate_transaction(tx, rules, self.chain.config.chain_id)
        if tx.gas > head.gas_limit:
            raise PoolError(f"exceeds block gas limit: gas {tx.gas} > {head.gas_limit}")
        max_fee, tip = _fee_caps(tx)
        if tip < self.min_tip:
            raise PoolError(f"transaction underpriced: tip {tip} below {self.min_tip}")
        if isinstance(tx, BlobTransaction):
            self._check_sidecar(tx, sidecar, rules)
        elif sidecar is not None:
            raise PoolError("a sidecar on a transaction without blobs")
        if sender is None:
            sender = recover_sender(tx)
        account = state.get_account(sender)
        nonce, balance, code_hash = account if account is not None else (0, 0, EMPTY_HASH)
        if tx.nonce < nonce:
            raise PoolError(f"nonce too low: next nonce {nonce}, tx nonce {tx.nonce}")
        if tx.nonce >= nonce + self.max_per_account:
            raise PoolError(f"nonce too high: {tx.nonce} is more than {self.max_per_account} "
                            f"ahead of the account's {nonce}")
        if code_hash != EMPTY_HASH:  # EIP-3607, except EIP-7702 delegations
            code = state.get_code(code_hash)
            if not (rules.has_delegation and delegated_address(code) is not None):
                raise PoolError("sender not an eoa (EIP-3607)")
        cost = _max_cost(tx)
        if balance < cost:
            raise PoolError(f"insufficient funds for gas * price + value: balance {balance}, "
                            f"tx cost {cost}")
        # The sender's pooled transactions with lower nonces run first: the balance must
        # cover them too (geth's "overshot" rule), else this one could never be included.
        slots = self.by_sender.get(sender)
        if slots:
            before = sum(e.cost for n, e in slots.items() if n < tx.nonce)
            if balance < before + cost:
                raise PoolError(f"insufficient funds for gas * price + value: balance {balance}, "
                                f"tx cost {cost}, overshot by the pooled transactions "
                                f"before it ({before})")
        if sidecar is not None:
            size += sum(len(b) for b in sidecar.blobs)
        return PoolEntry(tx, tx_hash, sender, sidecar, size)

    @staticmethod
    def _check_sidecar(tx: BlobTransaction, sidecar: BlobTransactionNetwork | None,
                       rules: ForkRules) -> None:
        """EIP-4844 blobs must come with commitments and valid proofs: one per blob before
        Osaka, the cell proofs of EIP-7594 from Osaka on."""
        if sidecar is None:
            raise PoolError("blob transaction without its blobs (send the network form)")
        osaka = rules.fork >= Fork.OSAKA
        if osaka and sidecar.wrapper_version != 1:
            raise PoolError("blob sidecar with per-blob proofs after Osaka (EIP-7594 needs "
                            "cell proofs)")
        if not osaka and sidecar.wrapper_version != 0:
            raise PoolError("blob sidecar with cell proofs before Osaka")
        if sidecar.wrapper_version == 0:
            ok = kzg.verify_blob_proof_batch(list(sidecar.blobs), list(sidecar.commitments),
                                             list(sidecar.proofs))
        else:
            cells_per_blob = kzg.CELLS_PER_EXT_BLOB
            cells: list[bytes] = []
            commitments: list[bytes] = []
            for blob, commitment in zip(sidecar.blobs, sidecar.commitments):
                cells.extend(kzg.compute_cells(blob))
                commitments.extend([commitment] * cells_per_blob)
            indices = list(range(cells_per_blob)) * len(sidecar.blobs)
            ok = kzg.verify_cell_kzg_proof_batch(commitments, indices, cells,
                                                 list(sidecar.proofs))
        if not ok:
            raise PoolError("invalid blob proofs")

    def _insert(self, entry: PoolEntry) -> None:
        tx = entry.tx
        slots = self.by_sender.setdefault(entry.sender, {})
        old = slots.get(tx.nonce)
        if old is not None:
            self._check_replacement(old.tx, tx)
            self._remove_entry(old)
            slots = self.by_sender.setdefault(entry.sender, {})
        else:
            if len(slots) >= self.max_per_account:
                highest = max(slots)
                if tx.nonce > highest:
                    raise PoolError(f"account limit: {len(slots)} transactions pooled")
                self._remove_entry(slots[highest])  # a lower nonce is worth more
                slots = self.by_sender.setdefault(entry.sender, {})
            if len(self.by_hash) >= self.max_total:
                self._evict_for(entry)
            if isinstance(tx, BlobTransaction):
                blob_txs = sum(1 for e in self.by_hash.values() if e.sidecar is not None)
                if blob_txs >= self.max_blob_txs:
                    raise PoolError("blob pool is full")
        slots[tx.nonce] = entry
        self.by_hash[entry.hash] = entry
        if entry.sidecar is not None:
            for i, vh in enumerate(entry.sidecar.tx.blob_versioned_hashes):
                self.blobs[vh] = (entry.sidecar, i)
        self.version += 1

    def _check_replacement(self, old: Transaction, new: Transaction) -> None:
        """Both fee caps (and the blob fee cap) must rise by ``price_bump`` percent."""
        bump = 100 + self.price_bump
        old_fee, old_tip = _fee_caps(old)
        new_fee, new_tip = _fee_caps(new)
        underpriced = new_fee * 100 < old_fee * bump or new_tip * 100 < old_tip * bump
        if isinstance(old, BlobTransaction):
            if not isinstance(new, BlobTransaction):
                raise PoolError("a blob transaction can only be replaced by a blob transaction")
            underpriced |= new.max_fee_per_blob_gas * 100 < old.max_fee_per_blob_gas * bump
        if underpriced:
            raise PoolError(f"replacement transaction underpriced: fees must rise by "
                            f"{self.price_bump}%")

    def _evict_for(self, entry: PoolEntry) -> None:
        """Make room in a full pool: drop the lowest-tip highest-nonce transaction of another
        sender if it pays less than the newcomer, else refuse the newcomer."""
        victim: PoolEntry | None = None
        for sender, slots in self.by_sender.items():
            if sender == entry.sender or not slots:
                continue
            last = slots[max(slots)]
            if victim is None or _fee_caps(last.tx)[1] < _fee_caps(victim.tx)[1]:
                victim = last
        if victim is None or _fee_caps(victim.tx)[1] >= _fee_caps(entry.tx)[1]:
            raise PoolError("txpool is full")
        self._remove_entry(victim)

    def _remove_entry(self, entry: PoolEntry) -> None:
        if self.by_hash.pop(entry.hash, None) is None:
            return
        slots = self.by_sender.get(entry.sender)
        if slots is not None and slots.get(entry.tx.nonce) is entry:
            del slots[entry.tx.nonce]
            if not slots:
                del self.by_sender[entry.sender]
        if entry.sidecar is not None:
            for vh in entry.sidecar.tx.blob_versioned_hashes:
                if self.blobs.get(vh, (None,))[0] is entry.sidecar:
                    del self.blobs[vh]
        self.version += 1

    def remove(self, hashes: Iterable[bytes]) -> None:
        with self.lock:
            for h in hashes:
                entry = self.by_hash.get(h)
                if entry is not None:
                    self._remove_entry(entry)

    # -- chain events ------------------------------------------------------------------------

    def on_new_head(self, chain: Blockchain, added: Iterable[Block], removed: Iterable[Block]) -> None:
        """The head moved: forget what ``added`` blocks included, every transaction whose
        nonce the new state has used and every one its sender can no longer pay for or the
        block gas limit no longer fits (later nonces of that sender wait behind the gap, as
        queued); offer the transactions of ``removed`` blocks (a reorg) again. A blob
        transaction comes back only while its sidecar is still known."""
        with self.lock:
            self._head = None  # the same head may have a new state (dev mode's edits)
            included = {transaction_hash(tx) for block in added for tx in block.transactions}
            for h in included:
                entry = self.by_hash.get(h)
                if entry is not None:
                    if entry.sidecar is not None:
                        self._remember_sidecar(h, entry.sidecar)
                    self._remove_entry(entry)
            head, state = self._head_state()
            for sender in list(self.by_sender):
                account = state.get_account(sender)
                nonce, balance = (account[0], account[1]) if account is not None else (0, 0)
                # Unpayable ones would otherwise stay pending for ever: every payload build
                # would try them and fail (and dev mode would keep making empty blocks).
                stale = [e for n, e in self.by_sender[sender].items()
                         if n < nonce or e.cost > balance or e.tx.gas > head.gas_limit]
                for entry in stale:
                    self._remove_entry(entry)
            for block in removed:
                for tx in block.transactions:
                    h = transaction_hash(tx)
                    if h in included or h in self.by_hash:
                        continue
                    sidecar = self.included_sidecars.get(h)
                    if isinstance(tx, BlobTransaction) and sidecar is None:
                        continue  # its blobs are gone: it cannot be served or proposed
                    try:
                        self._insert(self._validate(tx, h, sidecar,
                                                    sender=chain.unsigned_senders.get(h)))
                    except InvalidTransaction:
                        pass  # no longer valid on the new chain
            self.version += 1

    def _remember_sidecar(self, tx_hash: bytes, sidecar: BlobTransactionNetwork) -> None:
        if len(self.included_sidecars) >= self.max_blob_txs:
            oldest = self.included_sidecars.pop(next(iter(self.included_sidecars)))
            for vh in oldest.tx.blob_versioned_hashes:
                if self.included_blobs.get(vh, (None,))[0] is oldest:
                    del self.included_blobs[vh]
        self.included_sidecars[tx_hash] = sidecar
        for i, vh in enumerate(sidecar.tx.blob_versioned_hashes):
            self.included_blobs[vh] = (sidecar, i)


def encode_pooled(entry: PoolEntry) -> bytes:
    """The network form of a pooled transaction (with its sidecar when it has one)."""
    return encode_network_transaction(entry.sidecar if entry.sidecar is not None else entry.tx)
