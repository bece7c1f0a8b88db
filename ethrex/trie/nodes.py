"""Trie nodes in memory, their RLP codec (Yellow Paper, appendix D) and the decoded-node cache.

While a trie is being edited its nodes are plain ``__slots__`` objects (``Leaf``, ``Extension``,
``Branch``); a child slot holds ``None`` (empty), a node object, or a 32-byte hash of a node
still sitting in the store. Each node caches its *reference* -- the bytes its parent embeds for
it -- in ``ref``: the node's RLP itself when that is shorter than 32 bytes (inlined into its
parent), else the RLP string of its keccak hash (``0xa0`` + 32 bytes), and then the node's RLP
is written to the store under that hash.

A node with a ``ref`` is *clean* and never changes again: clean nodes are shared, between the
tries of one store and across blocks, through a ``NodeCache`` (hash -> decoded node), so a hot
node is decoded once, not once per block. Only branches and extensions are cached: they are
what every path goes through, while a leaf is read once per update of its key. A trie edits
only its own *dirty* nodes (``ref`` None) and copies a clean branch before changing it; leaves
and extensions are small enough to be rebuilt. ``node_ref`` hashes the dirty nodes of an edit
once, turns their hashed children into hashes (so a cached node holds no subtree alive) and
adds them to the cache.
"""

from collections import OrderedDict
from typing import Any, Protocol, Union

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.trie.nibbles import decode_hex_prefix, encode_hex_prefix


class NodeStore(Protocol):
    """The store a trie reads and writes: ``hash -> node RLP``. A ``dict`` is one."""

    def get(self, key: bytes, /) -> bytes | None: ...

    def __setitem__(self, key: bytes, value: bytes, /) -> None: ...


class Leaf:
    """The rest of a key's path and its value."""

    __slots__ = ("path", "value", "ref")

    def __init__(self, path: str, value: bytes, ref: bytes | None = None) -> None:
        self.path = path
        self.value = value
        self.ref = ref


class Extension:
    """A path segment shared by every key below, then one child (always a branch)."""

    __slots__ = ("path", "child", "ref")

    def __init__(self, path: str, child: "Child", ref: bytes | None = None) -> None:
        self.path = path
        self.child = child
        self.ref = ref


class Branch:
    """Sixteen children, one per next nibble, and the value of a key that ends here."""

    __slots__ = ("children", "value", "ref")

    def __init__(
        self,
        children: "list[Child] | None" = None,
        value: bytes | None = None,
        ref: bytes | None = None,
    ) -> None:
        self.children: list[Child] = [None] * 16 if children is None else children
        self.value = value
        self.ref = ref


Node = Union[Leaf, Extension, Branch]
Child = Union[Node, bytes, None]  # bytes: the hash of a node not yet loaded from the store

EMPTY_STRING_RLP = b"\x80"
HASH_REF_PREFIX = b"\xa0"  # RLP header of a 32-byte string


def encode_string(data: bytes) -> bytes:
    """RLP of a byte string (a local copy of ``rlp.encode`` for the one type we need here)."""
    n = len(data)
    if n == 1 and data[0] < 0x80:
        return data
    if n < 56:
        return bytes((0x80 + n,)) + data
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xB7 + len(size),)) + size + data


def wrap_list(payload: bytes) -> bytes:
    """RLP list header plus the already-encoded items."""
    n = len(payload)
    if n < 56:
        return bytes((0xC0 + n,)) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(size),)) + size + payload


def encode_leaf(path: str, value: bytes) -> bytes:
    """RLP of a leaf node: ``[hex_prefix(path, leaf), value]``."""
    return wrap_list(encode_string(encode_hex_prefix(path, True)) + encode_string(value))


def encode_extension(path: str, child_ref: bytes) -> bytes:
    """RLP of an extension node: ``[hex_prefix(path, extension), child reference]``."""
    return wrap_list(encode_string(encode_hex_prefix(path, False)) + child_ref)


def encode_branch(child_refs: list[bytes], value: bytes | None) -> bytes:
    """RLP of a branch node from its sixteen child references (``0x80`` for empty)."""
    tail = encode_string(value) if value else EMPTY_STRING_RLP
    return wrap_list(b"".join(child_refs) + tail)


def make_ref(encoded: bytes, store: NodeStore | None) -> bytes:
    """The reference a parent embeds: the RLP itself if under 32 bytes, else its hash (the node
    is then written to ``store``)."""
    if len(encoded) < 32:
        return encoded
    digest = keccak256(encoded)
    if store is not None:
        store[digest] = encoded
    return HASH_REF_PREFIX + digest


class NodeCache:
    """Decoded nodes by hash, the least recently used dropped beyond ``capacity``. Every node in
    it is clean (immutable), so any number of tries and threads may read it at once."""

    __slots__ = ("nodes", "capacity")

    def __init__(self, capacity: int) -> None:
        self.nodes: OrderedDict[bytes, Node] = OrderedDict()
        self.capacity = capacity

    def get(self, digest: bytes) -> "Node | None":
        node = self.nodes.get(digest)
        if node is not None:
            try:
                self.nodes.move_to_end(digest)
            except KeyError:  # dropped by another thread in between: still a valid node
                pass
        return node

    def put(self, digest: bytes, node: "Node") -> None:
        nodes = self.nodes
        nodes[digest] = node
        if len(nodes) > self.capacity:
            try:
                nodes.popitem(last=False)
            except KeyError:  # emptied by another thread
                pass

    def clear(self) -> None:
        self.nodes.clear()


def node_ref(node: Node, store: NodeStore | None, cache: NodeCache | None = None) -> bytes:
    """The (cached) reference of an in-memory node, encoding its dirty descendants first.

    With a ``store`` each hashed node is written to it, replaced by its hash in its parent, and
    added to ``cache``: the edited trie ends up as clean nodes over hashes."""
    ref = node.ref
    if ref is not None:
        return ref
    if isinstance(node, Leaf):
        encoded = encode_leaf(node.path, node.value)
    elif isinstance(node, Extension):
        child = node.child
        if isinstance(child, bytes):
            encoded = encode_extension(node.path, HASH_REF_PREFIX + child)
        else:
            sub = child.ref  # type: ignore[union-attr]  # a node object here
            if sub is None:
                sub = node_ref(child, store, cache)  # type: ignore[arg-type]
            if store is not None and len(sub) == 33:
                node.child = sub[1:]
            encoded = encode_extension(node.path, sub)
    else:
        refs = []
        append = refs.append
        children = node.children
        for i in range(16):
            child = children[i]
            if child is None:
                append(EMPTY_STRING_RLP)
            elif isinstance(child, bytes):
                append(HASH_REF_PREFIX + child)
            else:
                sub = child.ref
                if sub is None:
                    sub = node_ref(child, store, cache)
                if store is not None and len(sub) == 33:
                    children[i] = sub[1:]
                append(sub)
        encoded = encode_branch(refs, node.value)
    if len(encoded) < 32:
        ref = encoded
    else:
        digest = keccak256(encoded)
        if store is not None:
            store[digest] = encoded
            if cache is not None and not isinstance(node, Leaf):
                cache.put(digest, node)
        ref = HASH_REF_PREFIX + digest
    node.ref = ref
    return ref


def child_ref(child: Child, store: NodeStore | None) -> bytes:
    """Reference of any child slot value."""
    if child is None:
        return EMPTY_STRING_RLP
    if isinstance(child, bytes):
        return HASH_REF_PREFIX + child
    return node_ref(child, store)


def decode_node(encoded: bytes, digest: bytes | None = None) -> Node:
    """Build the (clean) in-memory node of an RLP-encoded node whose hash is ``digest``, if
    known; hashed children stay as hashes. Raises ``RLPDecodingError`` for a malformed node."""
    try:
        items = _string_items(encoded)
    except IndexError:  # truncated: the strict decoder below names the problem
        items = None
    if items is None:  # inlined children, or input the strict decoder must judge
        node = _node_from_item(rlp.decode(encoded))
    elif len(items) == 17:
        children: list[Child] = items[:16]  # type: ignore[assignment]
        for i in range(16):
            child = children[i]
            if not child:
                children[i] = None
            elif len(child) != 32:  # type: ignore[arg-type]  # byte strings here
                raise RLPDecodingError(f"child reference of {len(child)} bytes, expected 32")
        node = Branch(children, items[16] or None)
    elif len(items) == 2:
        node = _short_node(items[0], items[1])
    else:
        raise RLPDecodingError(f"trie node has {len(items)} items, expected 2 or 17")
    if len(encoded) < 32:
        node.ref = encoded
    else:
        node.ref = HASH_REF_PREFIX + (digest if digest is not None else keccak256(encoded))
    return node


def _string_items(data: bytes) -> list[bytes] | None:
    """The items of an RLP list of canonical byte strings spanning ``data`` -- every stored
    node but those with inlined children -- read without the general decoder; None for
    anything else."""
    n = len(data)
    first = data[0]
    if 0xC0 <= first <= 0xF7:
        pos = 1
        end = 1 + first - 0xC0
    elif first == 0xF8 and data[1] >= 56:
        pos = 2
        end = 2 + data[1]
    elif first == 0xF9 and data[1]:
        pos = 3
        end = 3 + (data[1] << 8 | data[2])
        if end < 259:
            return None
    else:
        return None
    if end != n:
        return None
    items = []
    append = items.append
    while pos < n:
        b = data[pos]
        if b < 0x80:
            append(data[pos : pos + 1])
            pos += 1
        elif b < 0xB8:
            if b == 0x81 and data[pos + 1] < 0x80:
                return None  # a single byte below 0x80 must stand alone
            stop = pos + 1 + b - 0x80
            append(data[pos + 1 : stop])
            pos = stop
        elif b == 0xB8 and data[pos + 1] >= 56:
            stop = pos + 2 + data[pos + 1]
            append(data[pos + 2 : stop])
            pos = stop
        else:
            return None
    return items if pos == n else None


def _short_node(encoded_path: bytes, second: bytes) -> Node:
    """A leaf or an extension from its two items (an extension's child is a hash here)."""
    try:
        path, is_leaf = decode_hex_prefix(encoded_path)
    except ValueError as exc:
        raise RLPDecodingError(str(exc)) from exc
    if is_leaf:
        return Leaf(path, second)
    if not path or len(second) != 32:
        raise RLPDecodingError("extension node needs a path and a 32-byte child hash")
    return Extension(path, second)


def _node_from_item(item: Any) -> Node:
    if not isinstance(item, list):
        raise RLPDecodingError("trie node must be an RLP list")
    if len(item) == 17:
        value = item[16]
        if not isinstance(value, bytes):
            raise RLPDecodingError("branch value must be a byte string")
        return Branch([_child_from_item(item[i]) for i in range(16)], value or None)
    if len(item) == 2:
        encoded_path = item[0]
        if not isinstance(encoded_path, bytes):
            raise RLPDecodingError("node path must be a byte string")
        try:
            path, is_leaf = decode_hex_prefix(encoded_path)
        except ValueError as exc:
            raise RLPDecodingError(str(exc)) from exc
        if is_leaf:
            if not isinstance(item[1], bytes):
                raise RLPDecodingError("leaf value must be a byte string")
            return Leaf(path, item[1])
        child = _child_from_item(item[1])
        if child is None or not path:
            raise RLPDecodingError("extension node needs a path and a child")
        return Extension(path, child)
    raise RLPDecodingError(f"trie node has {len(item)} items, expected 2 or 17")


def _child_from_item(item: Any) -> Child:
    if isinstance(item, list):  # an inlined node (its RLP is under 32 bytes)
        node = _node_from_item(item)
        node_ref(node, None)  # clean, like the node that holds it
        return node
    if not item:
        return None
    if len(item) != 32:
        raise RLPDecodingError(f"child reference of {len(item)} bytes, expected 32")
    return bytes(item)
