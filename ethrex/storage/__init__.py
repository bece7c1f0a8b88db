"""Persistence: a key-value backend protocol (LMDB on disk, dicts in memory) and the ``Store``
facade with the chain's schema (blocks, receipts, indices, trie nodes, code, flat state)."""

from ethrex.storage.backend import KVBackend, KVRead, MemoryBackend, WriteBatch
from ethrex.storage.grouped import GroupedCommits
from ethrex.storage.lmdb_backend import LmdbBackend
from ethrex.storage.nodes import NodeOverlay, NodeView
from ethrex.storage.schema import TABLES
from ethrex.storage.store import Store
from ethrex.storage.writer import StoreWriter

__all__ = [
    "GroupedCommits", "KVBackend", "KVRead", "LmdbBackend", "MemoryBackend", "NodeOverlay",
    "NodeView", "Store",
    "StoreWriter", "TABLES", "WriteBatch",
]
