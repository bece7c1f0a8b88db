"""Trie nodes in memory and their RLP codec (Yellow Paper, appendix D).

While a trie is being edited its nodes are plain ``__slots__`` objects (``Leaf``, ``Extension``,
``Branch``); a child slot holds ``None`` (empty), a node object, or a 32-byte hash of a node
still sitting in the store (resolved on first use). Each node caches its *reference* -- the
bytes its parent embeds for it -- in ``ref``; an edit resets ``ref`` to ``None`` along the
edited path only, so one ``root_hash()`` after many puts encodes each changed node once.

A reference is the node's RLP itself when that is shorter than 32 bytes (the node is inlined
into its parent), and otherwise the RLP string of its keccak hash (``0xa0`` + 32 bytes), in
which case the node's RLP is written to the store under that hash.
"""

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

    def __init__(self, path: str, value: bytes) -> None:
        self.path = path
        self.value = value
        self.ref: bytes | None = None


class Extension:
    """A path segment shared by every key below, then one child (always a branch)."""

    __slots__ = ("path", "child", "ref")

    def __init__(self, path: str, child: "Child") -> None:
        self.path = path
        self.child = child
        self.ref: bytes | None = None


class Branch:
    """Sixteen children, one per next nibble, and the value of a key that ends here."""

    __slots__ = ("children", "value", "ref")

    def __init__(self) -> None:
        self.children: list[Child] = [None] * 16
        self.value: bytes | None = None
        self.ref: bytes | None = None


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


def node_ref(node: Node, store: NodeStore | None) -> bytes:
    """The (cached) reference of an in-memory node, encoding its dirty descendants first."""
    ref = node.ref
    if ref is not None:
        return ref
    if isinstance(node, Leaf):
        encoded = encode_leaf(node.path, node.value)
    elif isinstance(node, Extension):
        encoded = encode_extension(node.path, child_ref(node.child, store))
    else:
        refs = []
        append = refs.append
        for child in node.children:
            if child is None:
                append(EMPTY_STRING_RLP)
            elif isinstance(child, bytes):
                append(HASH_REF_PREFIX + child)
            else:
                cached = child.ref
                append(cached if cached is not None else node_ref(child, store))
        encoded = encode_branch(refs, node.value)
    ref = make_ref(encoded, store)
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
    """Build the in-memory node of an RLP-encoded node (whose hash is ``digest``, if known);
    hashed children stay as hashes until they are needed."""
    node = _node_from_item(rlp.decode(encoded))
    if len(encoded) < 32:
        node.ref = encoded
    else:
        node.ref = HASH_REF_PREFIX + (digest if digest is not None else keccak256(encoded))
    return node


def _node_from_item(item: Any) -> Node:
    if not isinstance(item, list):
        raise RLPDecodingError("trie node must be an RLP list")
    if len(item) == 17:
        branch = Branch()
        children = branch.children
        for i in range(16):
            children[i] = _child_from_item(item[i])
        value = item[16]
        if not isinstance(value, bytes):
            raise RLPDecodingError("branch value must be a byte string")
        branch.value = value or None
        return branch
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
        return node
    if not item:
        return None
    if len(item) != 32:
        raise RLPDecodingError(f"child reference of {len(item)} bytes, expected 32")
    return bytes(item)
