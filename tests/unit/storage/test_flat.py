"""``diff_tries`` finds exactly the keys whose values differ, and ``move_flat_state`` moves the
flat tables between any two stored states."""

import random

from ethrex.storage.flat import diff_tries
from ethrex.trie import EMPTY_ROOT, Trie


def _trie(nodes: dict[bytes, bytes], entries: dict[bytes, bytes]) -> bytes:
    trie = Trie(nodes)
    for key, value in entries.items():
        trie.put(key, value)
    return trie.root_hash()


def test_diff_matches_a_dict_comparison() -> None:
    rng = random.Random(3)
    for round_ in range(60):
        nodes: dict[bytes, bytes] = {}
        # short keys of varied length give leaves, extensions, branch values and inlined nodes
        keys = [bytes(rng.randrange(4) for _ in range(rng.randrange(1, 5))) for _ in range(40)]
        a = {k: bytes([rng.randrange(256)]) * rng.randrange(1, 40) for k in rng.sample(keys, 20)}
        b = dict(a)
        for k in rng.sample(keys, rng.randrange(1, 12)):
            if k in b and rng.random() < 0.4:
                del b[k]
            else:
                b[k] = bytes([rng.randrange(256)]) * rng.randrange(1, 40)
        if round_ % 10 == 0:
            b = {}
        ra, rb = _trie(nodes, a), _trie(nodes, b)
        got = {bytes.fromhex(p if len(p) % 2 == 0 else p + "0"): (o, n)
               for p, o, n in diff_tries(nodes, ra, rb) if len(p) % 2 == 0}
        odd = [p for p, _, _ in diff_tries(nodes, ra, rb) if len(p) % 2]
        assert not odd  # byte keys end on whole bytes
        want = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        assert got == want
    assert list(diff_tries({}, EMPTY_ROOT, EMPTY_ROOT)) == []


def test_identical_subtrees_are_not_visited() -> None:
    nodes: dict[bytes, bytes] = {}
    a = {i.to_bytes(4, "big"): b"x" * 40 for i in range(2000)}
    b = dict(a)
    b[(7).to_bytes(4, "big")] = b"y" * 40
    ra, rb = _trie(nodes, a), _trie(nodes, b)
    reads = []

    class Counting(dict[bytes, bytes]):
        def get(self, key: bytes, default: object = None) -> bytes | None:  # type: ignore[override]
            reads.append(key)
            return dict.get(self, key)

    changes = list(diff_tries(Counting(nodes), ra, rb))
    assert [(bytes.fromhex(p), o, n) for p, o, n in changes] == [
        ((7).to_bytes(4, "big"), b"x" * 40, b"y" * 40)]
    assert len(reads) < 20  # the path to one leaf in both tries, not 2000 leaves
