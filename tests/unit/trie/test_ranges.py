"""Trie key ranges: ordered walks from a key, nodes by path, and range proofs (accepted when
honest, refused when a leaf is dropped, added or altered)."""

import random

import pytest

from ethrex.primitives import keccak256
from ethrex.trie import Trie
from ethrex.trie.proof import InvalidProof
from ethrex.trie.ranges import iter_from, node_at_path, verify_range_proof


def make_trie(count: int, seed: int = 1) -> tuple[dict[bytes, bytes], bytes, list[tuple[bytes, bytes]]]:
    rng = random.Random(seed)
    db: dict[bytes, bytes] = {}
    trie = Trie(db)
    items = {}
    for _ in range(count):
        key = keccak256(rng.randbytes(8))
        value = rng.randbytes(rng.choice((1, 5, 40, 100)))
        trie.put(key, value)
        items[key] = value
    return db, trie.root_hash(), sorted(items.items())


@pytest.mark.parametrize("count", [1, 2, 17, 300])
def test_iter_from_matches_sorted_items(count: int) -> None:
    db, root, items = make_trie(count)
    assert list(iter_from(db, root, bytes(32))) == items
    rng = random.Random(count)
    for _ in range(20):
        start = rng.randbytes(32)
        assert list(iter_from(db, root, start)) == [kv for kv in items if kv[0] >= start]
    assert list(iter_from(db, root, items[-1][0])) == items[-1:]


def test_node_at_path() -> None:
    db, root, _ = make_trie(300)
    assert node_at_path(db, root, "") == db[root]
    assert node_at_path(db, root, "0" * 70) is None  # longer than any path


def _proof(db: dict[bytes, bytes], root: bytes, *keys: bytes) -> list[bytes]:
    trie = Trie(db, root)
    seen: dict[bytes, None] = {}
    for key in keys:
        for node in trie.prove(key):
            seen[node] = None
    return list(seen)


@pytest.mark.parametrize("count", [3, 50, 400])
def test_range_proofs(count: int) -> None:
    db, root, items = make_trie(count, seed=count)
    rng = random.Random(7)
    for _ in range(30):
        i = rng.randrange(len(items))
        j = rng.randrange(i, min(len(items), i + 40))
        first = items[i][0] if rng.random() < 0.5 else bytes(32)
        if first == bytes(32):
            i = 0
        keys = [k for k, _ in items[i:j + 1]]
        values = [v for _, v in items[i:j + 1]]
        proof = _proof(db, root, first, keys[-1])
        more = verify_range_proof(root, first, keys, values, proof)
        assert more == (j + 1 < len(items))
        if len(keys) > 2:  # a leaf left out of the middle
            with pytest.raises(InvalidProof):
                verify_range_proof(root, first, keys[:1] + keys[2:], values[:1] + values[2:],
                                   proof)
        bad = values[:-1] + [values[-1] + b"x"]
        with pytest.raises(InvalidProof):
            verify_range_proof(root, first, keys, bad, proof)


def test_whole_trie_without_proof_and_empty_tail() -> None:
    db, root, items = make_trie(60)
    keys, values = [k for k, _ in items], [v for _, v in items]
    assert verify_range_proof(root, bytes(32), keys, values, []) is False
    with pytest.raises(InvalidProof):
        verify_range_proof(root, bytes(32), keys[1:], values[1:], [])
    after = (int.from_bytes(keys[-1], "big") + 1).to_bytes(32, "big")
    assert verify_range_proof(root, after, [], [], _proof(db, root, after)) is False
    with pytest.raises(InvalidProof):  # the leaf at the origin was left out
        verify_range_proof(root, keys[-1], [], [], _proof(db, root, keys[-1]))
