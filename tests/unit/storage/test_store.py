"""The Store facade over both engines: blocks, indices, fork choice, atomicity, archive state."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ethrex.errors import InternalError
from ethrex.primitives import keccak256
from ethrex.storage import NodeOverlay, Store
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types import Account, BlobParams, ChainConfig, Header, encode_account
from ethrex.types.transactions import transaction_hash
from tests.unit.storage.chainmaker import (
    address,
    make_block,
    make_receipts,
    make_transactions,
    put_account,
)


class Boom(Exception):
    pass


@pytest.fixture(params=["memory", "lmdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = Store.in_memory() if request.param == "memory" else Store.open(tmp_path / "db", 1 << 26)
    yield s
    s.close()


def _chain(store: Store, length: int, parent: Header | None = None, extra: bytes = b"",
           make_head: bool = True) -> list[Header]:
    """Add ``length`` blocks with two transactions each; returns their headers."""
    headers = []
    nonce = 0 if parent is None else parent.number * 2
    for _ in range(length):
        block = make_block(parent, transactions=make_transactions(nonce, 2), extra=extra)
        nonce += 2
        td = 1 if parent is None else store.get_total_difficulty(parent.hash()) or 0
        store.add_block(block, make_receipts(block), td + 1, make_head=make_head)
        parent = block.header
        headers.append(parent)
    return headers


def test_block_round_trip(store: Store) -> None:
    genesis = make_block(None)
    block = make_block(genesis.header, transactions=make_transactions(0, 3))
    receipts = make_receipts(block)
    store.add_block(genesis, [], 1, make_head=True)
    block_hash = store.add_block(block, receipts, 2, make_head=True)
    assert block_hash == block.hash()
    assert store.get_header(block_hash) == block.header
    assert store.get_block(block_hash) == block
    assert store.get_block_by_number(1) == block
    assert store.get_header_by_number(0) == genesis.header
    assert store.get_receipts(block_hash) == receipts
    assert store.get_receipts(genesis.hash()) == []
    assert store.get_total_difficulty(block_hash) == 2
    assert store.get_block_number(block_hash) == 1
    assert store.get_canonical_hash(1) == block_hash
    assert store.head() == block_hash
    assert store.head_header() == block.header
    assert store.genesis_hash() == genesis.hash()
    assert store.has_block(block_hash)
    for index, tx in enumerate(block.transactions):
        assert store.get_transaction_location(transaction_hash(tx)) == (block_hash, index)
        assert store.get_transaction(transaction_hash(tx)) == (tx, block_hash, index)


def test_canonical_blocks_for_export(store: Store) -> None:
    assert list(store.canonical_blocks()) == []
    headers = _chain(store, 4)
    assert [b.header for b in store.canonical_blocks()] == headers
    assert [b.header for b in store.canonical_blocks(1, 2)] == headers[1:3]
    assert [b.header for b in store.canonical_blocks(2, 9)] == headers[2:]


def test_missing_things_are_none(store: Store) -> None:
    unknown = keccak256(b"unknown")
    assert store.get_header(unknown) is None
    assert store.get_block(unknown) is None
    assert store.get_block_by_number(5) is None
    assert store.get_receipts(unknown) is None
    assert store.get_total_difficulty(unknown) is None
    assert store.get_transaction_location(unknown) is None
    assert store.get_code(unknown) is None
    assert store.head() is None and store.head_header() is None
    assert store.get_chain_config() is None


def test_reorg_rewrites_the_canonical_index(store: Store) -> None:
    main = _chain(store, 5)
    # A side branch from block 2, three blocks long (ends at 5 with different hashes), then
    # switch to a shorter branch from block 1 that ends at 3.
    side = _chain(store, 3, main[2], extra=b"side", make_head=False)
    assert store.head() == main[-1].hash()
    assert store.get_canonical_hash(4) == main[4].hash()
    store.set_canonical_head(side[-1].hash())
    assert [store.get_canonical_hash(n) for n in range(7)] == (
        [h.hash() for h in main[:3]] + [h.hash() for h in side] + [None]
    )
    short = _chain(store, 2, main[1], extra=b"short", make_head=False)
    store.set_forkchoice(short[-1].hash(), safe=main[1].hash(), finalized=main[0].hash())
    assert [store.get_canonical_hash(n) for n in range(6)] == (
        [h.hash() for h in main[:2]] + [h.hash() for h in short] + [None, None]
    )
    assert store.head() == short[-1].hash()
    assert store.safe() == main[1].hash() and store.finalized() == main[0].hash()
    assert store.is_canonical(main[1].hash()) and not store.is_canonical(side[0].hash())


def test_transaction_location_follows_the_canonical_chain(store: Store) -> None:
    genesis = _chain(store, 1)[0]
    txs = make_transactions(100, 1)
    a = make_block(genesis, transactions=txs, extra=b"a")
    b = make_block(genesis, transactions=txs, extra=b"b")
    store.add_block(a, make_receipts(a), 2, make_head=True)
    store.add_block(b, make_receipts(b), 2)
    tx_hash = transaction_hash(txs[0])
    assert sorted(store.get_transaction_locations(tx_hash)) == sorted([(a.hash(), 0),
                                                                       (b.hash(), 0)])
    assert store.get_transaction_location(tx_hash) == (a.hash(), 0)
    store.set_canonical_head(b.hash())
    assert store.get_transaction_location(tx_hash) == (b.hash(), 0)
    store.set_canonical_head(genesis.hash())
    assert store.get_transaction_location(tx_hash) is None


def test_set_canonical_explicit_and_drop_above(store: Store) -> None:
    headers = _chain(store, 4)
    store.set_canonical({9: b"\x09" * 32})
    assert store.get_canonical_hash(9) == b"\x09" * 32
    store.set_canonical({1: b"\x01" * 32}, drop_above=1)
    assert store.get_canonical_hash(1) == b"\x01" * 32
    assert store.get_canonical_hash(2) is None
    assert store.get_canonical_hash(9) == b"\x09" * 32  # not contiguous: the caller's business
    store.set_head(headers[0].hash())
    assert store.head() == headers[0].hash()


def test_add_block_is_atomic(store: Store) -> None:
    genesis = _chain(store, 1)[0]
    block = make_block(genesis, transactions=make_transactions(100, 2))
    with pytest.raises(Boom):
        with store.write() as tx:
            tx.add_block(block, make_receipts(block), 2, {b"n" * 32: b"node"}, [b"\x60\x00"],
                         make_head=True)
            assert store.get_header(block.hash()) == block.header  # the writer sees its writes
            raise Boom
    assert store.get_header(block.hash()) is None
    assert store.get_block(block.hash()) is None
    assert store.get_receipts(block.hash()) is None
    assert store.get_trie_node(b"n" * 32) is None
    assert store.get_code(keccak256(b"\x60\x00")) is None
    assert store.get_transaction_location(transaction_hash(block.transactions[0])) is None
    assert store.head() == genesis.hash()
    assert store.get_canonical_hash(1) is None


def test_nested_write_joins_the_outer_transaction(store: Store) -> None:
    genesis = make_block(None)
    with pytest.raises(Boom):
        with store.write():
            store.add_block(genesis, [], 1, make_head=True)  # joins; does not commit alone
            raise Boom
    assert store.head() is None
    with store.write():
        store.add_block(genesis, [], 1, make_head=True)
    assert store.head() == genesis.hash()


def test_code_and_chain_config(store: Store) -> None:
    config = ChainConfig(chain_id=1337, london_block=0, shanghai_time=0, cancun_time=0,
                         terminal_total_difficulty=0, terminal_total_difficulty_passed=True,
                         blob_schedule=(("cancun", BlobParams(3, 6, 3338477)),),
                         deposit_contract_address=b"\x42" * 20)
    genesis = make_block(None)
    with store.write() as tx:
        tx.add_genesis(genesis, config, code={keccak256(b"\x00"): b"\x00"})
        tx.put_code([b"\x60\x01"])
    assert store.get_chain_config() == config
    assert store.get_code(keccak256(b"\x00")) == b"\x00"
    assert store.get_code(keccak256(b"\x60\x01")) == b"\x60\x01"
    assert store.head() == store.safe() == store.finalized() == genesis.hash()


def test_node_view_writes_need_a_transaction(store: Store) -> None:
    trie = Trie(store.nodes, secure=True)
    trie.put(b"k", b"v" * 40)
    with pytest.raises(InternalError):
        trie.root_hash()


def test_trie_over_the_node_view_is_archived(store: Store) -> None:
    """Each block's state trie is built over ``store.nodes`` inside the block's transaction;
    the state of every block stays readable afterwards."""
    parent: Header | None = None
    roots = []
    for number in range(4):
        with store.write() as tx:
            state = Trie(store.nodes, parent.state_root if parent else EMPTY_ROOT, secure=True)
            for i in range(20):
                put_account(state, address(i), number * 100 + i)
            block = make_block(parent, state.root_hash())
            tx.add_block(block, [], number + 1, make_head=True)
        parent = block.header
        roots.append(parent.state_root)
    for number, root in enumerate(roots):
        assert store.has_state(root)
        account = store.get_account_at(root, address(7))
        assert account == Account(balance=number * 100 + 7)
    assert store.get_account_at(roots[0], address(99)) is None
    assert not store.has_state(keccak256(b"not a root"))


def test_node_overlay_then_add_block(store: Store) -> None:
    overlay = NodeOverlay(store.nodes)
    state = Trie(overlay, secure=True)
    put_account(state, address(1), 5)
    root = state.root_hash()
    assert overlay.pending and store.get_trie_node(root) is None  # nothing committed yet
    store.add_block(make_block(None, root), [], 1, trie_nodes=overlay.pending, make_head=True)
    assert store.get_account_at(root, address(1)) == Account(balance=5)


def test_flat_state_and_storage_archive(store: Store) -> None:
    a, b = address(1), address(2)
    genesis = _chain(store, 1)[0]
    with store.write() as tx:
        tx.apply_state_diff(genesis.hash(), {a: Account(1, 10), b: Account(0, 20)},
                            {a: {1: 11, 2: 22}, b: {7: 77}})
    assert store.get_account(a) == Account(1, 10)
    assert store.get_storage(a, 1) == 11 and store.get_storage(a, 3) == 0
    assert store.has_storage(a) and store.has_storage(b)
    assert store.flat_state_block() == genesis.hash()
    with store.write() as tx:
        tx.apply_state_diff(b"\x01" * 32, {b: None}, {a: {1: 0, 3: 33}}, cleared=[])
    assert store.get_account(b) is None and not store.has_storage(b)
    assert store.get_storage(a, 1) == 0 and store.get_storage(a, 3) == 33
    with store.write() as tx:
        tx.apply_state_diff(b"\x02" * 32, {}, {a: {5: 55}}, cleared=[a])
    assert store.get_storage(a, 2) == 0 and store.get_storage(a, 5) == 55

    # Storage through the tries, as an archive query would read it.
    with store.write():
        storage = Trie(store.nodes, secure=True)
        storage.put((9).to_bytes(32, "big"), b"\x81\x99")  # rlp(0x99)
        state = Trie(store.nodes, secure=True)
        state.put(a, encode_account(Account(storage_root=storage.root_hash())))
        root = state.root_hash()
    assert store.get_storage_at(root, a, 9) == 0x99
    assert store.get_storage_at(root, a, 8) == 0
    assert store.get_storage_at(root, b, 9) == 0


def test_lmdb_store_reopens_with_everything(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Store.open(path, 1 << 24) as store:
        headers = _chain(store, 3)
        with store.write():
            state = Trie(store.nodes, secure=True)
            for i in range(50):
                put_account(state, address(i), i + 1)
            root = state.root_hash()
    with Store.open(path, 1 << 24) as store:
        assert store.head() == headers[-1].hash()
        assert store.get_block_by_number(2) is not None
        reopened = Trie(store.nodes, root, secure=True)
        assert all(reopened.get(address(i)) == encode_account(Account(balance=i + 1))
                   for i in range(50))
        proof = reopened.prove(address(3))
        assert proof and keccak256(proof[0]) == root


def test_schema_version_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Store.open(path, 1 << 20) as store:
        with store.write() as tx:
            tx.put("meta", b"schema_version", b"\x63")
    with pytest.raises(InternalError):
        Store.open(path, 1 << 20)


def test_rebuild_flat_state_from_the_trie(store: Store) -> None:
    a, b = address(1), address(2)
    with store.write() as tx:
        storage = Trie(store.nodes, secure=True)
        storage.put((4).to_bytes(32, "big"), b"\x2a")  # rlp(42)
        state = Trie(store.nodes, secure=True)
        state.put(a, encode_account(Account(1, 5, storage.root_hash())))
        state.put(b, encode_account(Account(0, 9)))
        block = make_block(None, state.root_hash())
        tx.add_block(block, [], 1, make_head=True)
        tx.apply_state_diff(b"\x00" * 32, {address(3): Account(0, 1)}, {address(3): {1: 1}})
        tx.rebuild_flat_state(block.hash())
    assert store.flat_state_block() == block.hash()
    assert store.get_account(a) == Account(1, 5, storage.root_hash())
    assert store.get_account(b) == Account(0, 9)
    assert store.get_storage(a, 4) == 42
    assert store.get_account(address(3)) is None and store.get_storage(address(3), 1) == 0
