"""Trie-node stores backed by the ``Store``: what ``ethrex.trie.Trie`` takes as its ``db``.

``NodeView`` is ``store.nodes``: reads see committed nodes (plus, in the thread that holds the
store's write transaction, that transaction's own nodes); writes go into the current write
transaction, so a block's nodes commit or vanish with the block. ``NodeOverlay`` collects
writes in a dict instead, for computing a root first and committing it later through
``add_block(..., trie_nodes=overlay.pending)``.

Both carry the store's ``NodeCache`` (``cache``): decoded nodes by hash, shared by every trie
over the store. A hash names one node whatever its origin, so an entry is never stale; a node of
a block that is then refused only sits in the cache until it ages out.
"""

from typing import TYPE_CHECKING

from ethrex.errors import InternalError
from ethrex.storage.schema import TRIE_NODES
from ethrex.trie.nodes import NodeCache

if TYPE_CHECKING:
    from ethrex.storage.store import Store


class NodeView:
    """``hash -> node RLP`` over the store's ``trie_nodes`` table."""

    __slots__ = ("_store", "cache")

    def __init__(self, store: "Store", cache_nodes: int) -> None:
        self._store = store
        self.cache = NodeCache(cache_nodes)

    def get(self, key: bytes, /) -> bytes | None:
        return self._store._get(TRIE_NODES, key)

    def __getitem__(self, key: bytes, /) -> bytes:
        value = self._store._get(TRIE_NODES, key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object, /) -> bool:
        return isinstance(key, bytes) and self._store._get(TRIE_NODES, key) is not None

    def __setitem__(self, key: bytes, value: bytes, /) -> None:
        writer = self._store.current_writer()
        if writer is None:
            raise InternalError(
                "trie node written outside a store write transaction: open `store.write()` "
                "first, or collect the nodes in a NodeOverlay"
            )
        writer.batch.put(TRIE_NODES, key, value)


class NodeOverlay:
    """New nodes in a dict (``pending``) over a read-only base store."""

    __slots__ = ("base", "pending", "cache")

    def __init__(self, base: "NodeView") -> None:
        self.base = base
        self.pending: dict[bytes, bytes] = {}
        self.cache = base.cache

    def get(self, key: bytes, /) -> bytes | None:
        value = self.pending.get(key)
        if value is None:
            return self.base.get(key)
        return value

    def __setitem__(self, key: bytes, value: bytes, /) -> None:
        self.pending[key] = value
