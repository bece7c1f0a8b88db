"""StateDB: reads through the backend, one journal undoing every kind of change, EIP-161 and
the root."""

from ethrex import rlp
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.state import DictBackend, StateDB
from ethrex.state.statedb import RIPEMD160_ADDRESS
from ethrex.trie import EMPTY_ROOT, Trie

A = b"\xaa" * 20
B = b"\xbb" * 20


def make_state() -> StateDB:
    backend = DictBackend()
    backend.set_account(A, 1, 100, b"\x60\x00", {1: 5})
    state = StateDB(backend)
    state.begin_transaction()
    return state


def test_reads_come_from_the_backend() -> None:
    state = make_state()
    assert state.get_nonce(A) == 1 and state.get_balance(A) == 100
    assert state.get_code(A) == b"\x60\x00"
    assert state.get_storage(A, 1) == 5 and state.get_storage(A, 2) == 0
    assert not state.account_exists(B) and state.is_empty(B)


def test_revert_undoes_everything_after_the_snapshot() -> None:
    state = make_state()
    state.set_balance(A, 1)
    snapshot = state.snapshot()
    state.set_balance(A, 7)
    state.increment_nonce(B)
    state.set_storage(A, 1, 9)
    state.set_transient(A, 1, 3)
    state.warm_address(B)
    state.warm_slot(A, 1)
    state.add_refund(4800)
    state.add_log(A, (), b"x")
    state.touch(B)
    state.mark_created(B)
    state.mark_destructed(A)
    state.set_code(A, b"\x00")
    state.wipe_storage(A)
    state.revert(snapshot)
    assert state.get_balance(A) == 1  # the change before the snapshot stays
    assert not state.account_exists(B)
    assert state.get_storage(A, 1) == 5
    assert state.get_transient(A, 1) == 0
    assert B not in state.warm_addresses and (A, 1) not in state.warm_slots
    assert state.refund == 0 and state.logs == []
    assert B not in state.touched and B not in state.created and A not in state.destructed
    assert state.get_code(A) == b"\x60\x00"


def test_ripemd_stays_touched_after_revert() -> None:
    state = make_state()
    snapshot = state.snapshot()
    state.touch(RIPEMD160_ADDRESS)
    state.revert(snapshot)
    assert RIPEMD160_ADDRESS in state.touched


def test_original_storage_is_the_value_at_transaction_start() -> None:
    state = make_state()
    state.set_storage(A, 1, 6)
    state.set_storage(A, 1, 7)
    assert state.get_original_storage(A, 1) == 5
    state.begin_transaction()
    assert state.get_original_storage(A, 1) == 7


def test_finalize_clears_touched_empty_and_destructed_accounts() -> None:
    state = make_state()
    state.set_balance(B, 0)  # creates an empty account
    state.touch(B)
    state.mark_destructed(A)
    state.finalize_transaction(clear_empty=True)
    assert not state.account_exists(A) and not state.account_exists(B)
    assert state.get_storage(A, 1) == 0


def test_state_root_matches_a_trie_built_by_hand() -> None:
    state = make_state()
    state.set_storage(A, 2, 8)
    state.set_balance(B, 3)
    storage = Trie(secure=True)
    storage.put((1).to_bytes(32, "big"), rlp.encode(5))
    storage.put((2).to_bytes(32, "big"), rlp.encode(8))
    accounts = Trie(secure=True)
    accounts.put(A, rlp.encode([1, 100, storage.root_hash(), keccak256(b"\x60\x00")]))
    accounts.put(B, rlp.encode([0, 3, EMPTY_ROOT, EMPTY_HASH]))
    assert state.state_root() == accounts.root_hash()
