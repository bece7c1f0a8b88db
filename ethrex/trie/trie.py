"""The Merkle Patricia Trie over a node store (Yellow Paper, appendix D).

``Trie`` hashes lazily: ``put``/``delete`` build new dirty nodes along the path they touch, and
``root_hash()`` encodes the dirty nodes once and writes every hashed node to the store. Nodes
of an existing root are loaded from the store on first use, through the store's ``NodeCache``
(``db.cache``; a dict gets a trie-private one): loaded nodes are shared and never edited in
place (see ``ethrex.trie.nodes``). The secure variant (state and storage tries) keys every entry
by ``keccak256(key)``.
"""

from collections.abc import Iterator

from ethrex.errors import InternalError
from ethrex.primitives import keccak256
from ethrex.trie.nibbles import HEX_DIGITS, NIBBLE_INDEX, common_prefix_length
from ethrex.trie.nodes import (
    Branch,
    Child,
    Extension,
    Leaf,
    Node,
    NodeCache,
    NodeStore,
    decode_node,
    node_ref,
)

EMPTY_ROOT = keccak256(b"\x80")  # root of the empty trie: keccak(rlp(b""))
PRIVATE_CACHE = 50_000  # nodes kept by a trie whose store has no cache of its own


class Trie:
    """A Merkle Patricia Trie; ``secure=True`` hashes keys with keccak256 first."""

    __slots__ = ("db", "secure", "cache", "_root")

    def __init__(
        self, db: NodeStore | None = None, root: bytes = EMPTY_ROOT, secure: bool = False
    ) -> None:
        self.db: NodeStore = {} if db is None else db
        self.secure = secure
        cache = getattr(db, "cache", None)  # the store's shared cache (``NodeView``)
        self.cache: NodeCache = NodeCache(PRIVATE_CACHE) if cache is None else cache
        self._root: Child = None if root == EMPTY_ROOT else bytes(root)

    # -- reads ---------------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """The value stored under ``key``, or ``None``."""
        path = (keccak256(key) if self.secure else key).hex()
        node = self._root
        load = self._load
        index = NIBBLE_INDEX
        while node is not None:
            if isinstance(node, bytes):
                node = load(node)
            if isinstance(node, Branch):
                if not path:
                    return node.value
                node = node.children[index[path[0]]]
                path = path[1:]
            elif isinstance(node, Leaf):
                return node.value if node.path == path else None
            else:
                prefix = node.path
                if not path.startswith(prefix):
                    return None
                path = path[len(prefix) :]
                node = node.child
        return None

    def root_hash(self) -> bytes:
        """The root hash; writes every new or changed node to the store."""
        root = self._root
        if root is None:
            return EMPTY_ROOT
        if isinstance(root, bytes):
            return root
        ref = node_ref(root, self.db, self.cache)
        if len(ref) >= 32:  # a hash reference; the node is already in the store
            self._root = ref[1:]  # clean now: read back through the cache
            return ref[1:]
        # The root is hashed even when its RLP is under 32 bytes (and so would be inlined).
        digest = keccak256(ref)
        self.db[digest] = ref
        return digest

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every ``(path key, value)`` in key order (hashed keys for a secure trie)."""
        stack: list[tuple[Child, str]] = [(self._root, "")]
        while stack:
            node, prefix = stack.pop()
            if node is None:
                continue
            if isinstance(node, bytes):
                node = self._load(node)
            if isinstance(node, Leaf):
                yield bytes.fromhex(prefix + node.path), node.value
            elif isinstance(node, Extension):
                stack.append((node.child, prefix + node.path))
            else:
                children = node.children
                for i in range(15, -1, -1):  # pushed in reverse so that slot 0 pops first
                    if children[i] is not None:
                        stack.append((children[i], prefix + HEX_DIGITS[i]))
                if node.value:  # a key ending here sorts before every longer one
                    yield bytes.fromhex(prefix), node.value

    def prove(self, key: bytes) -> list[bytes]:
        """The RLP of every hashed node on the path to ``key``, root first (EIP-1186).

        Inlined nodes travel inside their parent. The list also proves absence: it ends where
        the path leaves the trie.
        """
        root_hash = self.root_hash()
        if self._root is None:
            return []
        path = (keccak256(key) if self.secure else key).hex()
        proof = [self._stored(root_hash)]
        node: Child = self._root
        while node is not None:
            if isinstance(node, bytes):
                node = self._load(node)
            child: Child
            if isinstance(node, Branch):
                if not path:
                    break
                child = node.children[NIBBLE_INDEX[path[0]]]
                path = path[1:]
            elif isinstance(node, Extension):
                if not path.startswith(node.path):
                    break
                path = path[len(node.path) :]
                child = node.child
            else:
                break
            if isinstance(child, bytes):
                proof.append(self._stored(child))
            elif child is not None:
                # Nodes inlined in a parent loaded from the store have no cached ref yet.
                ref = node_ref(child, self.db)
                if len(ref) >= 32:  # hashed, not inlined: a proof node of its own
                    proof.append(self._stored(ref[1:]))
            node = child
        return proof

    # -- writes --------------------------------------------------------------------------------

    def put(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key``; an empty value deletes the key."""
        if not value:
            self.delete(key)
            return
        path = (keccak256(key) if self.secure else key).hex()
        self._root = self._put(self._root, path, bytes(value))

    def delete(self, key: bytes) -> None:
        """Remove ``key`` (a no-op when it is absent)."""
        path = (keccak256(key) if self.secure else key).hex()
        new_root, changed = self._delete(self._root, path)
        if changed:
            self._root = new_root

    def _put(self, node: Child, path: str, value: bytes) -> Node:
        """Insert below ``node``; returns its replacement. Every node on the path is new or a
        dirty copy: clean nodes are shared and stay as they are."""
        if node is None:
            return Leaf(path, value)
        if isinstance(node, bytes):
            node = self._load(node)
        if isinstance(node, Branch):
            if node.ref is not None:  # clean: copy before the edit
                node = Branch(node.children.copy(), node.value)
            if path:
                children = node.children
                slot = NIBBLE_INDEX[path[0]]
                children[slot] = self._put(children[slot], path[1:], value)
            else:
                node.value = value
            return node
        node_path = node.path
        if isinstance(node, Leaf):
            if node_path == path:
                return Leaf(path, value)
            shared = common_prefix_length(node_path, path)
            branch = Branch()
            if len(node_path) == shared:  # the old key ends where the paths part
                branch.value = node.value
            else:  # the old leaf moves one level down, shortened
                branch.children[NIBBLE_INDEX[node_path[shared]]] = Leaf(
                    node_path[shared + 1 :], node.value)
        else:
            if path.startswith(node_path):
                return Extension(node_path, self._put(node.child, path[len(node_path) :], value))
            # The paths part inside the extension: split it around a new branch.
            shared = common_prefix_length(node_path, path)
            branch = Branch()
            rest = node_path[shared + 1 :]
            branch.children[NIBBLE_INDEX[node_path[shared]]] = (
                Extension(rest, node.child) if rest else node.child)
        if len(path) == shared:
            branch.value = value
        else:
            branch.children[NIBBLE_INDEX[path[shared]]] = Leaf(path[shared + 1 :], value)
        if shared:
            return Extension(path[:shared], branch)
        return branch

    def _delete(self, node: Child, path: str) -> tuple[Child, bool]:
        """Delete ``path`` below ``node``: the replacement node and whether anything changed."""
        if node is None:
            return None, False
        if isinstance(node, bytes):
            node = self._load(node)
        if isinstance(node, Leaf):
            if node.path == path:
                return None, True
            return node, False
        if isinstance(node, Extension):
            prefix = node.path
            if not path.startswith(prefix):
                return node, False
            child, changed = self._delete(node.child, path[len(prefix) :])
            if not changed:
                return node, False
            return self._join(prefix, child), True
        if path:
            slot = NIBBLE_INDEX[path[0]]
            child, changed = self._delete(node.children[slot], path[1:])
            if not changed:
                return node, False
            if node.ref is not None:  # clean: copy before the edit
                node = Branch(node.children.copy(), node.value)
            node.children[slot] = child
        else:
            if not node.value:
                return node, False
            node = Branch(node.children.copy()) if node.ref is not None else node
            node.value = None
        return self._collapse(node), True

    def _collapse(self, branch: Branch) -> Child:
        """A branch left with fewer than two entries becomes a leaf or an extension."""
        children = branch.children
        remaining = [i for i in range(16) if children[i] is not None]
        if len(remaining) + (1 if branch.value else 0) >= 2:
            return branch
        if not remaining:
            return Leaf("", branch.value) if branch.value else None
        slot = remaining[0]
        return self._join(HEX_DIGITS[slot], children[slot])

    def _join(self, prefix: str, child: Child) -> Child:
        """The node for ``prefix`` followed by ``child``, merging paths so that no extension
        points at a leaf or another extension."""
        if child is None:
            return None
        if isinstance(child, bytes):
            child = self._load(child)
        if isinstance(child, Leaf):
            return Leaf(prefix + child.path, child.value)
        if isinstance(child, Extension):
            return Extension(prefix + child.path, child.child)
        return Extension(prefix, child)

    # -- store ---------------------------------------------------------------------------------

    def _stored(self, digest: bytes) -> bytes:
        encoded = self.db.get(digest)
        if encoded is None:
            raise InternalError(f"trie node {digest.hex()} missing from the store")
        return encoded

    def _load(self, digest: bytes) -> Node:
        cache = self.cache
        node = cache.get(digest)
        if node is None:
            node = decode_node(self._stored(digest), digest)
            if not isinstance(node, Leaf):
                cache.put(digest, node)
        return node
