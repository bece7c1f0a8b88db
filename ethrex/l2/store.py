"""What the sequencer keeps besides the chain, in the chain's own store (the ``meta`` table,
keys under ``l2/``), so that it commits in the same store transactions as blocks.

| key                     | value                                                       |
|-------------------------|-------------------------------------------------------------|
| ``l2/l1_cursor``        | rlp([L1 block number, its hash]): the last L1 block scanned  |
| ``l2/deposit/`` + id    | rlp([privileged tx, L1 block, L1 tx hash]) by 8-byte id     |
| ``l2/next_deposit``     | the id of the first deposit no L2 block included yet        |
| ``l2/batch/`` + number  | rlp(batch record, see ``BatchRecord``) by 8-byte number     |
| ``l2/last_batch``       | the number of the last sealed batch                         |
| ``l2/proof/`` + number + type | a batch's proof of one type (``ethrex.l2.prover.backends``) |

The L1 watcher stores deposits and moves the cursor in one transaction; the block producer
stores a block and moves ``next_deposit`` in one; the committer seals a batch in one. So after
a crash (``kill -9``) every deposit read from L1 is stored or will be read again, and every
stored block is counted. Writes happen on the node's executor thread (the store's writer).
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ethrex import rlp
from ethrex.errors import InternalError
from ethrex.l2.rollup.batch import BatchCommitment
from ethrex.storage import Store, StoreWriter
from ethrex.storage.schema import META
from ethrex.types.transactions import (
    PrivilegedL2Transaction,
    decode_transaction,
    encode_transaction,
)

L1_CURSOR = b"l2/l1_cursor"
DEPOSIT = b"l2/deposit/"
NEXT_DEPOSIT = b"l2/next_deposit"
BATCH = b"l2/batch/"
LAST_BATCH = b"l2/last_batch"
PROOF = b"l2/proof/"

SEALED, COMMITTED, VERIFIED = 0, 1, 2
STATUS_NAMES = ("sealed", "committed", "verified")


@dataclass(frozen=True, slots=True)
class Deposit:
    """A privileged transaction read from the L1 bridge's logs."""

    tx: PrivilegedL2Transaction
    l1_block: int
    l1_tx_hash: bytes


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A sealed batch: its commitment, how many transactions it holds, and how far it got on
    L1 (``status``, the commit and verify transactions and the commit's gas)."""

    commitment: BatchCommitment
    tx_count: int
    status: int = SEALED
    commit_tx: bytes = b""
    commit_gas: int = 0
    verify_tx: bytes = b""


def _number(n: int) -> bytes:
    return n.to_bytes(8, "big")


def _int(item: object) -> int:
    return rlp.decode_int(item)  # type: ignore[arg-type]


def _fields(data: bytes, count: int, what: str) -> list[Any]:
    fields = rlp.decode(data)
    if not isinstance(fields, list) or len(fields) != count:
        raise InternalError(f"the store's {what} record is not {count} fields")
    return fields


def encode_batch(record: BatchRecord) -> bytes:
    c = record.commitment
    return rlp.encode([
        c.number, c.first_block, c.last_block, c.state_root, c.messages_root,
        c.privileged_count, c.privileged_rolling_hash, c.last_block_hash,
        record.tx_count, record.status, record.commit_tx, record.commit_gas, record.verify_tx,
    ])


def decode_batch(data: bytes) -> BatchRecord:
    f = _fields(data, 13, "batch")
    commitment = BatchCommitment(_int(f[0]), _int(f[1]), _int(f[2]), f[3], f[4], _int(f[5]),
                                 f[6], f[7])
    return BatchRecord(commitment, _int(f[8]), _int(f[9]), f[10], _int(f[11]), f[12])


class RollupStore:
    """The sequencer's records in ``store`` (see the module docstring)."""

    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def _get(self, key: bytes) -> bytes | None:
        writer = self.store.current_writer()
        if writer is not None:
            return writer.get(META, key)
        return self.store.backend.get(META, key)

    def _get_int(self, key: bytes, default: int) -> int:
        value = self._get(key)
        return default if value is None else int.from_bytes(value, "big")

    # -- the L1 watcher ----------------------------------------------------------------------

    def l1_cursor(self) -> tuple[int, bytes] | None:
        """The last L1 block whose logs are stored, with its hash (None: never scanned)."""
        value = self._get(L1_CURSOR)
        if value is None:
            return None
        number, block_hash = _fields(value, 2, "L1 cursor")
        return _int(number), block_hash

    def get_deposit(self, deposit_id: int) -> Deposit | None:
        value = self._get(DEPOSIT + _number(deposit_id))
        if value is None:
            return None
        raw, l1_block, l1_tx = _fields(value, 3, "deposit")
        tx = decode_transaction(raw)
        if not isinstance(tx, PrivilegedL2Transaction):
            raise InternalError(f"deposit {deposit_id} is stored as a type {tx.TYPE} transaction")
        return Deposit(tx, _int(l1_block), l1_tx)

    def deposit_count(self) -> int:
        """The id after the last stored deposit (ids are contiguous from 0)."""
        count = self._get_int(NEXT_DEPOSIT, 0)
        while self._get(DEPOSIT + _number(count)) is not None:
            count += 1
        return count

    def store_deposits(self, deposits: list[Deposit], cursor: tuple[int, bytes]) -> None:
        """Deposits read from L1 blocks up to ``cursor``, and the cursor, in one write."""
        with self.store.write() as tx:
            for d in deposits:
                tx.put(META, DEPOSIT + _number(d.tx.nonce),
                       rlp.encode([encode_transaction(d.tx), d.l1_block, d.l1_tx_hash]))
            tx.put(META, L1_CURSOR, rlp.encode([cursor[0], cursor[1]]))

    # -- the block producer ------------------------------------------------------------------

    def next_deposit(self) -> int:
        """The id of the first deposit that no L2 block included yet."""
        return self._get_int(NEXT_DEPOSIT, 0)

    def deposits_from(self, first: int, limit: int) -> list[PrivilegedL2Transaction]:
        """Up to ``limit`` stored deposits with consecutive ids from ``first``."""
        out = []
        for deposit_id in range(first, first + limit):
            deposit = self.get_deposit(deposit_id)
            if deposit is None:
                break
            out.append(deposit.tx)
        return out

    @staticmethod
    def set_next_deposit(tx: StoreWriter, deposit_id: int) -> None:
        tx.put(META, NEXT_DEPOSIT, _number(deposit_id))

    # -- batches -----------------------------------------------------------------------------

    def last_batch(self) -> int:
        """The number of the last sealed batch (0: none; batch 0 is the genesis)."""
        return self._get_int(LAST_BATCH, 0)

    def get_batch(self, number: int) -> BatchRecord | None:
        value = self._get(BATCH + _number(number))
        return None if value is None else decode_batch(value)

    def put_batch(self, record: BatchRecord) -> None:
        """Seal a new batch (the next number) or update a sealed one's L1 progress."""
        number = record.commitment.number
        with self.store.write() as tx:
            tx.put(META, BATCH + _number(number), encode_batch(record))
            if number > self.last_batch():
                tx.put(META, LAST_BATCH, _number(number))

    def mark(self, number: int, **changes: object) -> BatchRecord:
        """Record L1 progress of batch ``number`` (status, commit_tx, commit_gas, verify_tx)."""
        record = self.get_batch(number)
        if record is None:
            raise KeyError(f"batch {number} is not sealed")
        record = replace(record, **changes)  # type: ignore[arg-type]
        self.put_batch(record)
        return record

    def reopen(self, first: int, last: int, status: int) -> None:
        """Lower the status of batches ``first``..``last`` to ``status`` (L1 lost their
        commits or verifications in a reorg), in one write."""
        with self.store.write():
            for number in range(first, last + 1):
                record = self.get_batch(number)
                if record is not None and record.status > status:
                    self.put_batch(replace(record, status=status))

    # -- proofs -------------------------------------------------------------------------------

    def put_proof(self, number: int, proof_type: int, proof: bytes) -> None:
        """Store batch ``number``'s proof of ``proof_type`` (durable before a prover hears it
        was taken)."""
        with self.store.write() as tx:
            tx.put(META, PROOF + _number(number) + bytes([proof_type]), proof)

    def get_proof(self, number: int, proof_type: int) -> bytes | None:
        return self._get(PROOF + _number(number) + bytes([proof_type]))

    def batches(self, first: int = 1) -> Iterator[BatchRecord]:
        number = first
        while (record := self.get_batch(number)) is not None:
            yield record
            number += 1

    def batch_of_block(self, block_number: int) -> BatchRecord | None:
        """The sealed batch holding L2 block ``block_number`` (binary search by range)."""
        low, high = 1, self.last_batch()
        while low <= high:
            mid = (low + high) // 2
            record = self.get_batch(mid)
            if record is None:
                return None
            c = record.commitment
            if block_number < c.first_block:
                high = mid - 1
            elif block_number > c.last_block:
                low = mid + 1
            else:
                return record
        return None
