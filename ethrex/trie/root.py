"""One-shot roots of whole key sets: transactions, receipts, withdrawals, state and storage.

These never build node objects: the sorted ``(path, value)`` list is split recursively by the
next nibble, and each subtree returns just its reference. Given a ``store``, every hashed node
is written to it (a genesis state goes to disk that way, without a trie in memory).
"""

from collections.abc import Sequence

from ethrex import rlp
from ethrex.primitives import keccak256
from ethrex.trie.nibbles import NIBBLE_INDEX, common_prefix_length
from ethrex.trie.nodes import (
    EMPTY_STRING_RLP,
    NodeStore,
    encode_branch,
    encode_extension,
    encode_leaf,
    make_ref,
)
from ethrex.trie.trie import EMPTY_ROOT


def ordered_root(values: Sequence[bytes]) -> bytes:
    """Root of the trie keyed by ``rlp(index)`` (transactions, receipts, withdrawals roots)."""
    encode = rlp.encode
    return compute_root([(encode(i).hex(), value) for i, value in enumerate(values) if value])


def secure_root(mapping: dict[bytes, bytes]) -> bytes:
    """Root of the trie keyed by ``keccak256(key)`` (state and storage roots); ``mapping``
    holds the already-encoded leaf values. Empty values mean absent keys."""
    return compute_root([(keccak256(key).hex(), value) for key, value in mapping.items() if value])


def compute_root(entries: list[tuple[str, bytes]], store: NodeStore | None = None) -> bytes:
    """Root of the trie holding ``(nibble path, value)`` entries with distinct paths; with a
    ``store``, the trie's hashed nodes (the root included) are written to it."""
    if not entries:
        return EMPTY_ROOT
    entries.sort()
    ref = _subtree_ref(entries, 0, len(entries), 0, store)
    if len(ref) < 32:  # the root is hashed even when it would be inlined
        digest = keccak256(ref)
        if store is not None:
            store[digest] = ref
        return digest
    return ref[1:]


def _subtree_ref(
    entries: list[tuple[str, bytes]], lo: int, hi: int, depth: int, store: NodeStore | None
) -> bytes:
    """Reference of the subtree of ``entries[lo:hi]``, which share their first ``depth``
    nibbles."""
    if hi - lo == 1:
        path, value = entries[lo]
        return make_ref(encode_leaf(path[depth:], value), store)
    first = entries[lo][0]
    # Sorted, so the first and last entries share exactly the prefix all of them share.
    shared = common_prefix_length(first, entries[hi - 1][0])
    if shared > depth:
        branch = _branch_ref(entries, lo, hi, shared, store)
        return make_ref(encode_extension(first[depth:shared], branch), store)
    return _branch_ref(entries, lo, hi, depth, store)


def _branch_ref(
    entries: list[tuple[str, bytes]], lo: int, hi: int, depth: int, store: NodeStore | None
) -> bytes:
    value = None
    if len(entries[lo][0]) == depth:  # a key that ends here sorts first
        value = entries[lo][1]
        lo += 1
    refs = [EMPTY_STRING_RLP] * 16
    start = lo
    while start < hi:
        digit = entries[start][0][depth]
        end = start + 1
        while end < hi and entries[end][0][depth] == digit:
            end += 1
        refs[NIBBLE_INDEX[digit]] = _subtree_ref(entries, start, end, depth + 1, store)
        start = end
    return make_ref(encode_branch(refs, value), store)
