"""The key-value seam under the store: named tables of ``bytes -> bytes``, snapshot reads and
atomic write batches. ``MemoryBackend`` (tests, dev chains) lives here; ``LmdbBackend`` is the
on-disk engine (``ethrex.storage.lmdb_backend``).

A write is a ``WriteBatch``: puts and deletes are buffered in Python, reads through the batch
see them, and the backend applies the whole batch in one engine transaction when the ``with``
block exits normally. An exception inside the block drops the batch: nothing reaches the engine.
Buffering keeps engine write transactions short and lets the LMDB engine replay a batch after
growing a full map.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

# table -> key -> value, None meaning "delete"
Ops = dict[str, dict[bytes, bytes | None]]


class KVRead(Protocol):
    """A consistent view of committed data."""

    def get(self, table: str, key: bytes) -> bytes | None: ...

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        """Entries whose key starts with ``prefix``, in key order."""
        ...


class KVBackend(Protocol):
    """Named tables with snapshot reads and atomic batched writes; one writer at a time."""

    tables: tuple[str, ...]

    def get(self, table: str, key: bytes) -> bytes | None:
        """The committed value of ``key`` (each call is its own snapshot)."""
        ...

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]: ...

    def get_pair(
        self, table: str, key: bytes, table2: str, key2: bytes
    ) -> tuple[bytes | None, bytes | None]:
        """Two committed values from one snapshot (cheaper than ``read()`` for the hot path)."""
        ...

    def read(self) -> AbstractContextManager[KVRead]:
        """A snapshot for several reads that must agree with each other."""
        ...

    def write(self) -> AbstractContextManager["WriteBatch"]:
        """``with backend.write() as tx:`` commits ``tx`` atomically on a normal exit."""
        ...

    def close(self) -> None: ...


class WriteBatch:
    """Buffered puts and deletes over a base view; reads see the batch's own writes first."""

    __slots__ = ("ops", "_base_get", "_base_scan", "_tables")

    def __init__(
        self,
        tables: tuple[str, ...],
        base_get: Callable[[str, bytes], bytes | None],
        base_scan: Callable[[str, bytes], Iterator[tuple[bytes, bytes]]],
    ) -> None:
        self.ops: Ops = {}
        self._tables = tables
        self._base_get = base_get
        self._base_scan = base_scan

    def _table(self, table: str) -> dict[bytes, bytes | None]:
        ops = self.ops.get(table)
        if ops is None:
            if table not in self._tables:
                raise KeyError(f"unknown table {table!r}")
            ops = self.ops[table] = {}
        return ops

    def put(self, table: str, key: bytes, value: bytes) -> None:
        self._table(table)[key] = value

    def delete(self, table: str, key: bytes) -> None:
        self._table(table)[key] = None

    def get(self, table: str, key: bytes) -> bytes | None:
        ops = self.ops.get(table)
        if ops is not None and key in ops:
            return ops[key]
        return self._base_get(table, key)

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        ops = self.ops.get(table)
        if not ops:
            yield from self._base_scan(table, prefix)
            return
        merged: dict[bytes, bytes | None] = dict(self._base_scan(table, prefix))
        for key, value in ops.items():
            if key.startswith(prefix):
                merged[key] = value
        for key in sorted(merged):
            value = merged[key]
            if value is not None:
                yield key, value

    def delete_prefix(self, table: str, prefix: bytes) -> None:
        """Delete every key starting with ``prefix`` (an account's storage, say)."""
        ops = self._table(table)
        for key, _ in self._base_scan(table, prefix):
            ops[key] = None
        for key in ops:
            if key.startswith(prefix):
                ops[key] = None


def _prefix_scan(table: dict[bytes, bytes], prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not prefix:
        return iter(sorted(table.items()))
    return iter(sorted((k, v) for k, v in table.items() if k.startswith(prefix)))


class _MemoryView:
    __slots__ = ("_data",)

    def __init__(self, data: dict[str, dict[bytes, bytes]]) -> None:
        self._data = data

    def get(self, table: str, key: bytes) -> bytes | None:
        return self._data[table].get(key)

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        return _prefix_scan(self._data[table], prefix)


class MemoryBackend:
    """Tables in dicts, with the LMDB backend's semantics: a batch lands all at once or not at
    all, and readers in other threads never see half of one (one re-entrant lock guards both)."""

    __slots__ = ("tables", "_data", "_lock", "_writer")

    def __init__(self, tables: tuple[str, ...]) -> None:
        self.tables = tables
        self._data: dict[str, dict[bytes, bytes]] = {name: {} for name in tables}
        self._lock = threading.RLock()
        self._writer = threading.Lock()  # one write batch at a time, like LMDB

    def get(self, table: str, key: bytes) -> bytes | None:
        with self._lock:
            return self._data[table].get(key)

    def get_pair(
        self, table: str, key: bytes, table2: str, key2: bytes
    ) -> tuple[bytes | None, bytes | None]:
        with self._lock:
            return self._data[table].get(key), self._data[table2].get(key2)

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        with self._lock:  # materialised under the lock: a snapshot
            return iter(list(_prefix_scan(self._data[table], prefix)))

    @contextmanager
    def read(self) -> Iterator[KVRead]:
        with self._lock:
            yield _MemoryView(self._data)

    @contextmanager
    def write(self) -> Iterator[WriteBatch]:
        with self._writer:
            batch = WriteBatch(self.tables, self.get, self.scan)
            yield batch
            self._apply(batch.ops)

    def _apply(self, ops: Ops) -> None:
        with self._lock:
            data = self._data
            for table, entries in ops.items():
                target = data[table]
                for key, value in entries.items():
                    if value is None:
                        target.pop(key, None)
                    else:
                        target[key] = value

    def close(self) -> None:
        pass
