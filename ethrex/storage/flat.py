"""Moving the flat state between any two stored states by diffing their tries.

After a reorg the flat tables must leave the old head's state for the new one. Both states are
in ``trie_nodes`` (archive), and two tries that share a subtree share its hash, so walking both
at once and skipping equal hashes visits only what differs: the cost follows the size of the
change, not of the state.
"""

from collections.abc import Iterator

from ethrex.errors import InternalError
from ethrex.trie import EMPTY_ROOT
from ethrex.trie.nibbles import HEX_DIGITS
from ethrex.trie.nodes import Branch, Child, Extension, Leaf, Node, NodeStore, decode_node

# (full nibble path, old value or None, new value or None)
Change = tuple[str, bytes | None, bytes | None]


def _load(nodes: NodeStore, ref: Child) -> Node | None:
    if isinstance(ref, bytes):
        encoded = nodes.get(ref)
        if encoded is None:
            raise InternalError(f"trie node {ref.hex()} missing from the store")
        return decode_node(encoded, ref)
    return ref


def _leaves(nodes: NodeStore, ref: Child, prefix: str) -> Iterator[tuple[str, bytes]]:
    """Every ``(path, value)`` below ``ref``."""
    node = _load(nodes, ref)
    if node is None:
        return
    if isinstance(node, Leaf):
        yield prefix + node.path, node.value
    elif isinstance(node, Extension):
        yield from _leaves(nodes, node.child, prefix + node.path)
    else:
        if node.value:
            yield prefix, node.value
        for i, child in enumerate(node.children):
            if child is not None:
                yield from _leaves(nodes, child, prefix + HEX_DIGITS[i])


def _split(node: Node) -> tuple[bytes | None, list[Child]]:
    """A node seen as a branch one nibble deep: its value here and its sixteen children."""
    if isinstance(node, Branch):
        return node.value, node.children
    children: list[Child] = [None] * 16
    if not node.path:  # only a leaf ends exactly here; extensions have a path
        if isinstance(node, Extension):
            raise InternalError("trie extension node with an empty path")
        return node.value, children
    rest = node.path[1:]
    slot = int(node.path[0], 16)
    if isinstance(node, Leaf):
        children[slot] = Leaf(rest, node.value)
    else:
        children[slot] = Extension(rest, node.child) if rest else node.child
    return None, children


def diff_tries(nodes: NodeStore, old_root: bytes, new_root: bytes) -> Iterator[Change]:
    """Every key whose value differs between the tries at ``old_root`` and ``new_root``."""
    if old_root == new_root:
        return
    old: Child = None if old_root == EMPTY_ROOT else old_root
    new: Child = None if new_root == EMPTY_ROOT else new_root
    yield from _diff(nodes, old, new, "")


def _diff(nodes: NodeStore, a: Child, b: Child, prefix: str) -> Iterator[Change]:
    if isinstance(a, bytes) and isinstance(b, bytes) and a == b:
        return  # the same subtree
    if a is None:
        for path, value in _leaves(nodes, b, prefix):
            yield path, None, value
        return
    if b is None:
        for path, value in _leaves(nodes, a, prefix):
            yield path, value, None
        return
    na, nb = _load(nodes, a), _load(nodes, b)
    if na is None or nb is None:  # not reached: only a None reference loads as None
        return
    if isinstance(na, Leaf) and isinstance(nb, Leaf):
        if na.path == nb.path:
            if na.value != nb.value:
                yield prefix + na.path, na.value, nb.value
        else:
            yield prefix + na.path, na.value, None
            yield prefix + nb.path, None, nb.value
        return
    va, ca = _split(na)
    vb, cb = _split(nb)
    if va != vb:
        yield prefix, va or None, vb or None
    for i in range(16):
        x, y = ca[i], cb[i]
        if x is None and y is None:
            continue
        yield from _diff(nodes, x, y, prefix + HEX_DIGITS[i])
