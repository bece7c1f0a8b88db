"""Trie properties against a naive reference written straight from the Yellow Paper, appendix D.

The reference builds the node structure c(J, i) recursively from the whole key set, inlines
nodes whose RLP is under 32 bytes, and hashes the root; the real trie edits nodes in place
and hashes lazily, so agreeing with it over random key sets and edit sequences is the check.
"""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.trie import (
    EMPTY_ROOT,
    InvalidProof,
    Trie,
    ordered_root,
    secure_root,
    verify_proof,
)
from ethrex.trie.nibbles import decode_hex_prefix, encode_hex_prefix
from ethrex.trie.nodes import Branch, NodeCache, _node_from_item, decode_node, node_ref

# -- reference implementation ------------------------------------------------------------------


def _nibbles(key: bytes) -> tuple[int, ...]:
    out: list[int] = []
    for byte in key:
        out += [byte >> 4, byte & 15]
    return tuple(out)


def _hp(nibbles: tuple[int, ...], leaf: bool) -> bytes:
    flag = 2 if leaf else 0
    if len(nibbles) % 2:
        nibbles = (flag + 1,) + nibbles
    else:
        nibbles = (flag, 0) + nibbles
    return bytes(16 * nibbles[i] + nibbles[i + 1] for i in range(0, len(nibbles), 2))


def _structure(entries: dict[tuple[int, ...], bytes], i: int) -> Any:
    """c(J, i): the node for keys that all share their first i nibbles."""
    if len(entries) == 1:
        ((key, value),) = entries.items()
        return [_hp(key[i:], True), value]
    shared = i
    keys = list(entries)
    while all(len(k) > shared for k in keys) and len({k[shared] for k in keys}) == 1:
        shared += 1
    if shared > i:
        return [_hp(keys[0][i:shared], False), _reference_child(entries, shared)]
    children = []
    for nibble in range(16):
        group = {k: v for k, v in entries.items() if len(k) > i and k[i] == nibble}
        children.append(_reference_child(group, i + 1) if group else b"")
    value = next((v for k, v in entries.items() if len(k) == i), b"")
    return children + [value]


def _reference_child(entries: dict[tuple[int, ...], bytes], i: int) -> Any:
    structure = _structure(entries, i)
    encoded = rlp.encode(structure)
    return structure if len(encoded) < 32 else keccak256(encoded)


def reference_root(mapping: dict[bytes, bytes]) -> bytes:
    entries = {_nibbles(k): v for k, v in mapping.items() if v}
    if not entries:
        return keccak256(rlp.encode(b""))
    return keccak256(rlp.encode(_structure(entries, 0)))


# -- strategies --------------------------------------------------------------------------------

# Few distinct byte values make shared prefixes, keys that prefix others, and the empty key.
keys = st.lists(st.sampled_from([0x00, 0x01, 0x10, 0x12, 0xFF]), max_size=4).map(bytes)
values = st.one_of(st.binary(min_size=1, max_size=4), st.binary(min_size=20, max_size=70))
mappings = st.dictionaries(keys, values, max_size=24)


def build(mapping: dict[bytes, bytes], secure: bool = False) -> Trie:
    trie = Trie(secure=secure)
    for key, value in mapping.items():
        trie.put(key, value)
    return trie


# -- tests -------------------------------------------------------------------------------------


def test_empty_root_is_hash_of_empty_string() -> None:
    assert EMPTY_ROOT == keccak256(rlp.encode(b""))
    assert EMPTY_ROOT.hex() == "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
    assert Trie().root_hash() == EMPTY_ROOT
    assert secure_root({}) == EMPTY_ROOT
    assert ordered_root([]) == EMPTY_ROOT


@given(st.lists(st.integers(0, 15), max_size=9), st.booleans())
def test_hex_prefix_round_trip(nibbles: list[int], leaf: bool) -> None:
    path = "".join("0123456789abcdef"[n] for n in nibbles)
    encoded = encode_hex_prefix(path, leaf)
    assert encoded == _hp(tuple(nibbles), leaf)
    assert decode_hex_prefix(encoded) == (path, leaf)


@given(mappings)
def test_root_matches_reference(mapping: dict[bytes, bytes]) -> None:
    trie = build(mapping)
    assert trie.root_hash() == reference_root(mapping)
    for key, value in mapping.items():
        assert trie.get(key) == value
    assert list(trie.items()) == sorted(mapping.items())


@given(st.lists(st.tuples(keys, values), max_size=24, unique_by=lambda kv: kv[0]), st.randoms())
def test_root_does_not_depend_on_insertion_order(
    pairs: list[tuple[bytes, bytes]], rng: Any
) -> None:
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    assert build(dict(pairs)).root_hash() == build(dict(shuffled)).root_hash()


@given(mappings, st.data())
def test_delete_gives_the_root_without_the_key(mapping: dict[bytes, bytes], data: Any) -> None:
    trie = build(mapping)
    trie.root_hash()  # cache every node's reference first: deletion must invalidate them
    victims = data.draw(st.lists(st.sampled_from(sorted(mapping)) if mapping else keys))
    remaining = dict(mapping)
    for key in victims:
        trie.delete(key)
        remaining.pop(key, None)
        assert trie.get(key) is None
    assert trie.root_hash() == build(remaining).root_hash() == reference_root(remaining)


@given(mappings, keys)
def test_deleting_an_absent_key_changes_nothing(mapping: dict[bytes, bytes], key: bytes) -> None:
    mapping.pop(key, None)
    trie = build(mapping)
    before = trie.root_hash()
    trie.delete(key)
    trie.put(key, b"")  # an empty value deletes too
    assert trie.root_hash() == before


operations = st.lists(st.tuples(keys, st.one_of(st.just(b""), values), st.booleans()), max_size=40)


@given(operations)
def test_edit_sequence_matches_reference(ops: list[tuple[bytes, bytes, bool]]) -> None:
    """Puts, deletes (empty values) and root_hash calls interleaved, as a block does."""
    trie = Trie()
    expected: dict[bytes, bytes] = {}
    for key, value, take_root in ops:
        trie.put(key, value)
        if value:
            expected[key] = value
        else:
            expected.pop(key, None)
        if take_root:
            assert trie.root_hash() == reference_root(expected)
    assert trie.root_hash() == reference_root(expected)


@given(mappings, operations)
def test_reopened_from_the_store(mapping: dict[bytes, bytes], ops: list[Any]) -> None:
    """Edits on a trie loaded lazily from its store (hashed children, collapses onto them)."""
    first = build(mapping)
    root = first.root_hash()
    trie = Trie(first.db, root)
    expected = dict(mapping)
    for key, value, _ in ops:
        trie.put(key, value)
        if value:
            expected[key] = value
        else:
            expected.pop(key, None)
    assert trie.root_hash() == reference_root(expected)
    assert Trie(first.db, root).root_hash() == root
    fresh = Trie(first.db, trie.root_hash())
    assert all(fresh.get(key) == value for key, value in expected.items())


@given(mappings, keys)
def test_proofs_of_presence_and_absence(mapping: dict[bytes, bytes], probe: bytes) -> None:
    trie = build(mapping)
    root = trie.root_hash()
    for key, value in mapping.items():
        assert verify_proof(root, key, trie.prove(key)) == value
    assert verify_proof(root, probe, trie.prove(probe)) == mapping.get(probe)
    # A proof taken from a reopened trie (nodes only in the store) is the same proof.
    assert Trie(trie.db, root).prove(probe) == trie.prove(probe)


@given(mappings, keys, st.data())
def test_tampered_proofs_fail(mapping: dict[bytes, bytes], probe: bytes, data: Any) -> None:
    trie = build(mapping)
    root = trie.root_hash()
    proof = trie.prove(probe)
    if not proof:
        return  # the empty trie proves absence with no node at all
    index = data.draw(st.integers(0, len(proof) - 1))
    node = bytearray(proof[index])
    position = data.draw(st.integers(0, len(node) - 1))
    node[position] ^= data.draw(st.integers(1, 255))
    tampered = proof[:index] + [bytes(node)] + proof[index + 1 :]
    try:
        verify_proof(root, probe, tampered)
    except InvalidProof:
        pass
    else:
        raise AssertionError("a tampered proof verified")
    try:
        verify_proof(root, probe, proof[:-1])
    except InvalidProof:
        pass
    else:
        raise AssertionError("a truncated proof verified")


@given(st.dictionaries(st.binary(max_size=20), values, max_size=30), st.binary(max_size=20))
def test_secure_trie(mapping: dict[bytes, bytes], probe: bytes) -> None:
    trie = build(mapping, secure=True)
    root = trie.root_hash()
    assert root == secure_root(mapping)
    assert root == reference_root({keccak256(k): v for k, v in mapping.items()})
    assert all(trie.get(k) == v for k, v in mapping.items())
    assert verify_proof(root, probe, trie.prove(probe), secure=True) == mapping.get(probe)


@settings(max_examples=30)
@given(st.lists(values, max_size=300))
def test_ordered_root(items: list[bytes]) -> None:
    trie = Trie()
    for index, value in enumerate(items):
        trie.put(rlp.encode(index), value)
    assert ordered_root(items) == trie.root_hash()
    if len(items) < 40:
        assert ordered_root(items) == reference_root(
            {rlp.encode(i): v for i, v in enumerate(items)}
        )


class CachedStore(dict):  # type: ignore[type-arg]
    """A node store with a shared decoded-node cache, as ``store.nodes`` has."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.cache = NodeCache(capacity)


@settings(max_examples=60)
@given(mappings, operations, operations, st.integers(min_value=1, max_value=64))
def test_tries_sharing_a_node_cache_never_see_each_others_edits(
    mapping: dict[bytes, bytes], ops_a: list[Any], ops_b: list[Any], capacity: int
) -> None:
    """Clean nodes are shared through the cache: two tries editing the same root (two blocks
    on one parent), and a reader of that root, each see exactly their own keys, whatever the
    cache keeps."""
    store = CachedStore(capacity)
    base = Trie(store, secure=True)
    for key, value in mapping.items():
        base.put(key, value)
    root = base.root_hash()
    results = []
    for ops in (ops_a, ops_b):
        trie = Trie(store, root, secure=True)
        expected = {keccak256(k): v for k, v in mapping.items()}
        for key, value, take_root in ops:
            trie.put(key, value)
            if value:
                expected[keccak256(key)] = value
            else:
                expected.pop(keccak256(key), None)
            if take_root:
                trie.root_hash()
        assert trie.root_hash() == reference_root(expected)
        results.append((trie.root_hash(), expected))
    reader = Trie(store, root, secure=True)
    assert all(reader.get(key) == value for key, value in mapping.items())
    assert reader.root_hash() == root
    for new_root, expected in results:
        assert sorted(Trie(store, new_root).items()) == sorted(expected.items())


def test_stored_node_decoder_agrees_with_the_general_rlp_decoder() -> None:
    """The fast path for stored nodes builds what the strict path builds, and hands anything
    unusual (inlined children, non-canonical lengths, truncation) to the strict path."""
    import random

    rng = random.Random(3)
    mapping = {rng.randbytes(rng.randrange(1, 40)): rng.randbytes(rng.randrange(1, 90))
               for _ in range(300)}
    trie = build(mapping)
    trie.root_hash()
    for digest, encoded in trie.db.items():
        fast = decode_node(encoded, digest)
        slow = _node_from_item(rlp.decode(encoded))
        assert type(fast) is type(slow)
        if isinstance(fast, Branch):
            assert fast.value == slow.value
            for a, b in zip(fast.children, slow.children):
                assert (a is None and b is None) or isinstance(a, bytes) and a == b \
                    or node_ref(a, None) == node_ref(b, None)
        else:
            assert fast.path == slow.path  # type: ignore[union-attr]
            assert getattr(fast, "value", None) == getattr(slow, "value", None)
    branch = next(e for e in trie.db.values() if len(rlp.decode(e)) == 17)
    for bad in (branch[:-1], branch + b"\x80", b"\xf9\x00" + branch[3:]):
        with pytest.raises(RLPDecodingError):
            decode_node(bad)
