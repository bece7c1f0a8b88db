"""``StoreBackend``: the state at a stored root reads and re-roots exactly like the dict
backend, from the tries or from the flat tables, and its new nodes are all a reader needs."""

import random

from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.state import DictBackend, StateDB
from ethrex.state.backend import AccountInfo
from ethrex.state.store_backend import StoreBackend
from ethrex.storage import Store
from ethrex.storage.schema import FLAT_ACCOUNTS
from ethrex.trie import EMPTY_ROOT


def _random_state(rng: random.Random) -> DictBackend:
    state = DictBackend()
    for i in range(30):
        slots = {rng.randrange(8): rng.randrange(1, 1000) for _ in range(rng.randrange(4))}
        code = bytes([i, 0x00]) if i % 3 == 0 else b""
        state.set_account(bytes([i]) * 20, i, rng.randrange(10**20), code, slots)
    return state


def _store_of(state: DictBackend) -> tuple[Store, bytes]:
    """A store holding ``state`` as tries and as the flat state of a made-up block."""
    store = Store.in_memory()
    backend = StoreBackend(store, EMPTY_ROOT)
    accounts: dict[bytes, AccountInfo | None] = dict(state.accounts)
    for address in accounts:
        backend.get_record(address)
    root = backend.compute_state_root(accounts, {a: dict(s) for a, s in state.storage.items()},
                                      set())
    with store.write() as tx:
        tx.put_trie_nodes(backend.pending_nodes)
        tx.put_code({h: c for h, c in state.codes.items() if h != EMPTY_HASH})
        diff = backend.pending_diff
        tx.apply_state_diff(b"\xb1" * 32, diff.accounts, diff.storage)
    return store, root


def test_roots_match_the_dict_backend() -> None:
    rng = random.Random(5)
    for _ in range(10):
        state = _random_state(rng)
        store, root = _store_of(state)
        assert root == state.compute_state_root({}, {}, set())
        for flat in (None, b"\xb1" * 32):
            backend = StoreBackend(store, root, flat)
            db_store, db_dict = StateDB(backend), StateDB(state)
            seed = rng.random()
            for db in (db_store, db_dict):
                r = random.Random(seed)
                for _ in range(40):
                    address = bytes([r.randrange(34)]) * 20
                    op = r.randrange(5)
                    if op == 0:
                        db.set_storage(address, r.randrange(8), r.choice([0, r.randrange(99)]))
                    elif op == 1:
                        db.add_balance(address, r.randrange(100))
                    elif op == 2:
                        db.destroy_account(address)
                    elif op == 3:
                        db.wipe_storage(address)
                        db.set_storage(address, 1, 5)
                        db.increment_nonce(address)
                    else:
                        db.get_storage(address, r.randrange(8))  # a read changes nothing
            assert db_store.state_root() == db_dict.state_root()
            # The new nodes and the old ones are all it takes to read the new state.
            with store.write() as tx:
                tx.put_trie_nodes(backend.pending_nodes)
            after = StoreBackend(store, db_store.state_root())
            for address in {bytes([i]) * 20 for i in range(34)}:
                assert after.get_account(address) == db_dict.get_account(address)
                for key in range(8):
                    if db_dict.get_account(address) is not None:
                        assert after.get_storage(address, key) == db_dict.get_storage(address, key)


def test_flat_reads_fall_back_when_the_flat_state_moves() -> None:
    state = _random_state(random.Random(1))
    store, root = _store_of(state)
    address = bytes([3]) * 20
    backend = StoreBackend(store, root, b"\xb1" * 32)
    with store.write() as tx:  # another head: the flat tables now hold something else
        tx.put(FLAT_ACCOUNTS, keccak256(address), b"\xc0")
        tx.apply_state_diff(b"\xb2" * 32, {}, {})
    assert backend.get_account(address) == state.get_account(address)
    assert backend.flat_block is None
