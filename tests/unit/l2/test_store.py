"""The sequencer's records in the chain store, and the L2 pool's journal surviving a kill."""

from pathlib import Path

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.mempool import Mempool
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.l2.genesis import l2_genesis
from ethrex.l2.journal import TxJournal
from ethrex.l2.rollup.batch import BatchCommitment
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.store import (
    COMMITTED,
    VERIFIED,
    BatchRecord,
    Deposit,
    RollupStore,
    decode_batch,
    encode_batch,
)
from ethrex.primitives import keccak256
from ethrex.storage import Store
from ethrex.types.genesis import GenesisAccount
from ethrex.types.transactions import (
    FeeMarketTransaction,
    PrivilegedL2Transaction,
    encode_transaction,
    sign_transaction,
)

BRIDGE = bytes(18) + b"\xff\xff"


def _deposit(i: int) -> Deposit:
    tx = PrivilegedL2Transaction(1, i, 0, 0, 100_000, BRIDGE, i + 1, b"", (), BRIDGE)
    return Deposit(tx, 100 + i, keccak256(bytes([i])))


def _record(number: int, first: int, last: int) -> BatchRecord:
    c = BatchCommitment(number, first, last, b"\x01" * 32, bytes(32), 2, b"\x02" * 32,
                        b"\x03" * 32)
    return BatchRecord(c, 5)


def test_deposits_and_the_cursor() -> None:
    rollup = RollupStore(Store.in_memory())
    assert rollup.l1_cursor() is None and rollup.deposit_count() == 0
    rollup.store_deposits([_deposit(0), _deposit(1), _deposit(2)], (120, b"\xaa" * 32))
    assert rollup.l1_cursor() == (120, b"\xaa" * 32)
    assert rollup.get_deposit(1) == _deposit(1) and rollup.get_deposit(3) is None
    assert rollup.deposit_count() == 3
    assert [tx.nonce for tx in rollup.deposits_from(1, 10)] == [1, 2]
    with rollup.store.write() as tx:
        rollup.set_next_deposit(tx, 2)
    assert rollup.next_deposit() == 2 and rollup.deposit_count() == 3


def test_batches() -> None:
    rollup = RollupStore(Store.in_memory())
    record = _record(1, 1, 10)
    assert decode_batch(encode_batch(record)) == record
    rollup.put_batch(record)
    rollup.put_batch(_record(2, 11, 11))
    rollup.put_batch(_record(3, 12, 40))
    assert rollup.last_batch() == 3
    marked = rollup.mark(2, status=COMMITTED, commit_tx=b"\x09" * 32, commit_gas=150_000)
    assert rollup.get_batch(2) == marked and marked.status == COMMITTED
    rollup.mark(2, status=VERIFIED, verify_tx=b"\x08" * 32)
    assert rollup.get_batch(2).commit_gas == 150_000  # type: ignore[union-attr]
    assert [r.commitment.number for r in rollup.batches()] == [1, 2, 3]
    for block, batch in ((1, 1), (10, 1), (11, 2), (12, 3), (40, 3)):
        assert rollup.batch_of_block(block).commitment.number == batch  # type: ignore
    assert rollup.batch_of_block(41) is None and rollup.batch_of_block(0) is None


def test_the_journal_gives_back_what_a_kill_would_lose(tmp_path: Path) -> None:
    key = keccak256(b"rich")
    genesis = l2_genesis(7)  # it funds nobody: this test's sender gets a balance
    genesis.alloc[private_key_to_address(key)] = GenesisAccount(balance=10**18)
    chain = Blockchain.open(Store.in_memory(), genesis, hooks=L2Hooks())
    txs = [sign_transaction(FeeMarketTransaction(7, n, 1, 10**10, 21000, b"\x01" * 20, 1, b"",
                                                 (), 0, 0, 0), key) for n in range(3)]
    path = tmp_path / "journal"
    pool = Mempool(chain)
    journal = TxJournal(path, pool)
    assert journal.restore() == 0
    for tx in txs:
        pool.add(tx)
    # the kill: the process is gone, the pool with it; a torn write at the end of the file
    journal.close()
    with open(path, "ab") as out:
        out.write((500).to_bytes(4, "big") + b"\x02\xf8")
    again = Mempool(chain)
    assert TxJournal(path, again).restore() == 3
    assert [again.get(keccak256(encode_transaction(tx))) for tx in txs] == txs
