"""Key ranges of a trie: walking leaves in order from a key, fetching the node at a path, and
checking a range proof (what snap/1 serves and verifies).

A *range proof* shows that ``keys``/``values`` are every leaf of the trie between ``first_key``
and the last key, given the trie's root and the proof nodes of the two edge paths: rebuild the
edges from the proof, cut away everything the range covers, put the leaves back, and the root
must come out unchanged. A missing, extra or altered leaf changes the root. Keys are trie paths
(already hashed for the state and storage tries), all of one length.
"""

from collections.abc import Iterator

from ethrex.errors import InternalError
from ethrex.primitives import keccak256
from ethrex.trie.nibbles import HEX_DIGITS, NIBBLE_INDEX
from ethrex.trie.nodes import Branch, Child, Extension, Leaf, Node, NodeStore, decode_node
from ethrex.trie.proof import InvalidProof
from ethrex.trie.root import compute_root
from ethrex.trie.trie import EMPTY_ROOT, Trie


def _load(db: NodeStore, ref: Child) -> Node | None:
    if isinstance(ref, bytes):
        encoded = db.get(ref)
        if encoded is None:
            raise KeyError(ref)
        return decode_node(encoded, ref)
    return ref


def iter_from(db: NodeStore, root: bytes, start: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Leaves ``(key, value)`` with ``key >= start``, in key order. Raises ``KeyError`` when a
    node is missing from ``db``."""
    if root == EMPTY_ROOT:
        return
    yield from _walk(db, root, "", start.hex())


def _walk(db: NodeStore, ref: Child, prefix: str, start: str) -> Iterator[tuple[bytes, bytes]]:
    """Leaves below ``ref`` (at ``prefix``) from ``start``; an empty ``start`` means all."""
    node = _load(db, ref)
    if node is None:
        return
    if isinstance(node, Leaf):
        path = prefix + node.path
        if path >= start:
            yield bytes.fromhex(path), node.value
    elif isinstance(node, Extension):
        path = prefix + node.path
        head = start[:len(path)]
        if path > head:
            yield from _walk(db, node.child, path, "")
        elif path == head:
            yield from _walk(db, node.child, path, start)
    else:
        if node.value and prefix >= start:
            yield bytes.fromhex(prefix), node.value
        depth = len(prefix)
        first = NIBBLE_INDEX[start[depth]] if len(start) > depth else 0
        for i in range(first, 16):
            child = node.children[i]
            if child is not None:
                bounded = i == first and len(start) > depth
                yield from _walk(db, child, prefix + HEX_DIGITS[i], start if bounded else "")


class InlineNode(Exception):
    """The path ends at a node embedded in its parent: it has no hash of its own to serve."""


def node_at_path(db: NodeStore, root: bytes, path: str) -> bytes | None:
    """The stored node at nibble ``path`` below ``root`` (snap GetTrieNodes), None when the path
    leads nowhere; ``InlineNode`` when it ends at an embedded node; ``KeyError`` when ``db``
    lacks a node on the way."""
    ref: Child = root
    depth = 0
    while True:
        if ref is None:
            return None
        if depth == len(path):
            if isinstance(ref, bytes):
                return db.get(ref)
            raise InlineNode(path)
        node = _load(db, ref)
        if isinstance(node, Branch):
            ref = node.children[NIBBLE_INDEX[path[depth]]]
            depth += 1
        elif isinstance(node, Extension):
            if not path.startswith(node.path, depth):
                return None
            ref = node.child
            depth += len(node.path)
        else:
            return None  # a leaf's own path ends with a terminator no request path has


# -- range proofs ----------------------------------------------------------------------------

def _cut(db: dict[bytes, bytes], ref: Child, prefix: str, lo: str, hi: str) -> Child:
    """Remove every leaf whose path lies in ``[lo, hi]`` below ``ref``. Subtrees wholly inside
    go, subtrees wholly outside stay as they are (even unresolved), the others must be in the
    proof. Branches are not collapsed: putting the range back restores their shape."""
    if ref is None:
        return None
    width = len(lo) - len(prefix)
    low, high = prefix + "0" * width, prefix + "f" * width
    if lo <= low and high <= hi:
        return None
    if high < lo or low > hi:
        return ref
    try:
        node = _load(db, ref)
    except KeyError:
        raise InvalidProof("the proof lacks a node on an edge path") from None
    if isinstance(node, Leaf):
        return None if lo <= prefix + node.path <= hi else node
    if isinstance(node, Extension):
        child = _cut(db, node.child, prefix + node.path, lo, hi)
        if child is None:
            return None
        node.child = child
        node.ref = None
        return node
    assert isinstance(node, Branch)
    if node.value is not None:
        raise InvalidProof("range proofs cover fixed-length keys only")
    for i in range(16):
        node.children[i] = _cut(db, node.children[i], prefix + HEX_DIGITS[i], lo, hi)
    node.ref = None
    return node if any(c is not None for c in node.children) else None


def _has_right(db: dict[bytes, bytes], ref: Child, prefix: str, key: str) -> bool:
    """Whether any leaf lies right of ``key`` below ``ref``."""
    node = ref
    while node is not None:
        if isinstance(node, bytes):
            try:
                node = _load(db, node)
            except KeyError:
                return True  # an unresolved subtree on the path extends right of the key
        if isinstance(node, Leaf):
            return prefix + node.path > key
        if isinstance(node, Extension):
            path = prefix + node.path
            head = key[:len(path)]
            if path != head:
                return path > head
            prefix, node = path, node.child
            continue
        assert node is not None
        depth = len(prefix)
        nibble = NIBBLE_INDEX[key[depth]]
        if any(c is not None for c in node.children[nibble + 1:]):
            return True
        prefix, node = prefix + key[depth], node.children[nibble]
    return False


def verify_range_proof(root: bytes, first_key: bytes, keys: list[bytes], values: list[bytes],
                       proof: list[bytes]) -> bool:
    """Check that ``keys``/``values`` are all the leaves of the trie at ``root`` from
    ``first_key`` to the last key; returns whether the trie holds more leaves after it.
    Raises ``InvalidProof``."""
    if len(keys) != len(values):
        raise InvalidProof("keys and values differ in number")
    if any(not v for v in values):
        raise InvalidProof("a range value is empty")
    if any(a >= b for a, b in zip(keys, keys[1:])):
        raise InvalidProof("range keys are not increasing")
    if keys and keys[0] < first_key:
        raise InvalidProof("first key before the range origin")
    if not proof:  # no edges: the keys must be the whole trie
        if compute_root([(k.hex(), v) for k, v in zip(keys, values)]) != root:
            raise InvalidProof("the range does not make up the whole trie")
        return False
    db = {keccak256(node): node for node in proof}
    if root != EMPTY_ROOT and root not in db:
        raise InvalidProof("the proof lacks the root node")
    lo = first_key.hex()
    hi = keys[-1].hex() if keys else lo
    if any(len(k) != len(first_key) for k in keys):
        raise InvalidProof("range keys differ in length")
    trie = Trie(db, root)
    trie._root = _cut(db, None if root == EMPTY_ROOT else root, "", lo, hi)
    try:
        for key, value in zip(keys, values):
            trie.put(key, value)
        rebuilt = trie.root_hash()
    except InternalError:  # the insertion needed a node the proof left out
        raise InvalidProof("the proof lacks a node on an edge path") from None
    if rebuilt != root:
        raise InvalidProof("the range and proof do not hash to the root")
    return _has_right(db, trie._root, "", hi)
