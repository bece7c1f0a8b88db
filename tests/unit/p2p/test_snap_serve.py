"""snap serving checked by the client side's own verification: every account range and
storage range served verifies against the state root, byte limits and edge cases behave as
go-ethereum's, and roots outside the last 128 blocks are not served."""

from ethrex.p2p.snap import protocol as snap
from ethrex.p2p.snap.serve import (
    ServedRoots,
    account_range,
    byte_codes,
    compact_to_nibbles,
    storage_ranges,
    trie_nodes,
)
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.rlp import decode
from ethrex.trie import EMPTY_ROOT
from ethrex.trie.ranges import verify_range_proof
from ethrex.types.account import decode_account
from tests.unit.p2p.chain import small_chain

MAX = b"\xff" * 32


def full_leaves(accounts: list[tuple[bytes, bytes]]) -> list[bytes]:
    return [snap.leaf_of(snap.full_from_slim(decode(body))) for _, body in accounts]


def test_account_ranges_verify_and_cover_the_state() -> None:
    chain, _ = small_chain()
    store = chain.store
    root = chain.head_header().state_root
    served = ServedRoots(store)
    origin, seen = bytes(32), []
    while True:
        accounts, proof = account_range(store, served, root, origin, MAX, 2000)
        more = verify_range_proof(root, origin, [k for k, _ in accounts],
                                  full_leaves(accounts), proof)
        seen.extend(k for k, _ in accounts)
        if not more:
            break
        origin = (int.from_bytes(accounts[-1][0], "big") + 1).to_bytes(32, "big")
    everything, proof = account_range(store, served, root, bytes(32), MAX, 10**7)
    assert seen == [k for k, _ in everything] and len(seen) > 100
    assert len(account_range(store, served, root, bytes(32), MAX, 0)[0]) == 1
    genesis_root = store.get_header_by_number(0).state_root
    assert chain.head_header().number < snap.SERVED_STATES  # genesis is within reach here
    assert account_range(store, served, b"\x13" * 32, bytes(32), MAX, 4000) == ([], [])
    assert account_range(store, served, genesis_root, bytes(32), MAX, 4000)[0]


def test_storage_ranges_and_codes() -> None:
    chain, _ = small_chain()
    store = chain.store
    root = chain.head_header().state_root
    served = ServedRoots(store)
    accounts, _ = account_range(store, served, root, bytes(32), MAX, 10**7)
    with_storage = [(k, decode_account(leaf).storage_root) for k, leaf in
                    zip((k for k, _ in accounts), full_leaves(accounts))
                    if decode_account(leaf).storage_root != EMPTY_ROOT]
    hashes = [k for k, _ in with_storage]
    slots, proof = storage_ranges(store, served, root, hashes, b"", b"", 10**6)
    assert proof == [] and len(slots) == len(hashes)
    for (account, storage_root), entries in zip(with_storage, slots):
        assert verify_range_proof(storage_root, bytes(32), [k for k, _ in entries],
                                  [v for _, v in entries], []) is False
    big = max(with_storage, key=lambda a: len(slots[hashes.index(a[0])]))
    part, proof = storage_ranges(store, served, root, [big[0]], b"", b"", 200)
    assert proof and len(part) == 1
    assert verify_range_proof(big[1], bytes(32), [k for k, _ in part[0]],
                              [v for _, v in part[0]], proof) is True
    codes = {decode_account(leaf).code_hash for leaf in full_leaves(accounts)} - {EMPTY_HASH}
    served_codes = byte_codes(store, sorted(codes) + [EMPTY_HASH, b"\x55" * 32], 10**6)
    assert {keccak256(c) for c in served_codes} == codes | {EMPTY_HASH}


def test_trie_nodes_by_path() -> None:
    chain, _ = small_chain()
    store = chain.store
    root = chain.head_header().state_root
    served = ServedRoots(store)
    nodes = trie_nodes(store, served, root, [[b"\x00"], [b"\x01", b"\x00"]], 5000)
    assert [keccak256(n) for n in nodes] == [root]  # the second set names no account
    long_path = bytes(range(9)) * 6
    assert trie_nodes(store, served, root, [[long_path]], 5000) == [b""]
    assert compact_to_nibbles(b"\x1b") == "b" and compact_to_nibbles(b"\x00\xab") == "ab"
