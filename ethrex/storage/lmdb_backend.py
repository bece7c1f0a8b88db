"""The on-disk engine: LMDB, one named sub-database per table.

LMDB gives what the store needs without a server: copy-on-write B+trees, so a committed write
transaction survives and a crash (even SIGKILL mid-commit) leaves the last committed state;
readers work on MVCC snapshots and never block the single writer. A commit flushes its data
pages before it returns (``sync=True``) but not the meta page (``metasync=False``, one fsync
instead of two): after an OS crash or power loss the store may have lost its last commit
(LMDB keeps atomicity and consistency, never a torn state), after a process crash nothing.

A bulk import may open the store not ``durable``: its commits then leave the flushing of
their pages to the kernel (``sync=False``) and ``close()`` flushes everything once. Measured on
the 1M-account import, the per-commit flush took a fifth of the time. The trade: a killed
process (``kill -9``, out of memory) still loses nothing committed, since the pages sit in the
kernel's cache; an OS crash or power loss during the import may leave a store that must be
removed, its import run again (LMDB keeps its integrity over such a crash only when each
commit's pages reach the disk before its meta page).

The map (the most the file may grow to) is reserved as address space, not disk: it starts
large and doubles when a commit hits ``MapFullError``, replaying the buffered batch.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lmdb

from ethrex.errors import InternalError
from ethrex.storage.backend import KVRead, Ops, WriteBatch

DEFAULT_MAP_SIZE = 1 << 40  # 1 TiB of address space; the file only holds what is written


class _LmdbView:
    __slots__ = ("_txn", "_dbs")

    def __init__(self, txn: Any, dbs: dict[str, Any]) -> None:
        self._txn = txn
        self._dbs = dbs

    def get(self, table: str, key: bytes) -> bytes | None:
        value: bytes | None = self._txn.get(key, db=self._dbs[table])
        return value

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        cursor = self._txn.cursor(db=self._dbs[table])
        if not cursor.set_range(prefix):
            return
        for key, value in cursor:
            if not key.startswith(prefix):
                return
            yield key, value


class LmdbBackend:
    """LMDB environment at ``path`` (a directory) with the given tables."""

    __slots__ = ("tables", "path", "durable", "_env", "_dbs", "_writer")

    def __init__(
        self, path: str | Path, tables: tuple[str, ...], map_size: int = DEFAULT_MAP_SIZE,
        durable: bool = True,
    ) -> None:
        self.tables = tables
        self.path = Path(path)
        self.durable = durable
        self.path.mkdir(parents=True, exist_ok=True)
        self._env = lmdb.open(
            str(self.path),
            map_size=map_size,
            max_dbs=len(tables),
            sync=durable,  # a commit's pages are on disk when it returns (see above)
            metasync=False,  # its meta page follows with the next flush: ACI, one fsync
            readahead=False,  # random access to trie nodes; readahead only pollutes the cache
            max_readers=256,
        )
        self._dbs = {name: self._env.open_db(name.encode()) for name in tables}
        self._writer = threading.Lock()

    @property
    def map_size(self) -> int:
        size: int = self._env.info()["map_size"]
        return size

    def get(self, table: str, key: bytes) -> bytes | None:
        db = self._dbs[table]
        try:
            value: bytes | None = self._env.begin(db=db).get(key)
        except lmdb.Error:  # our transaction was invalidated by a concurrent map resize
            value = self._env.begin(db=db).get(key)
        return value

    def get_pair(
        self, table: str, key: bytes, table2: str, key2: bytes
    ) -> tuple[bytes | None, bytes | None]:
        """Two values read in one snapshot."""
        try:
            txn = self._env.begin()
        except lmdb.Error:  # invalidated by a concurrent map resize
            txn = self._env.begin()
        dbs = self._dbs
        return txn.get(key, db=dbs[table]), txn.get(key2, db=dbs[table2])

    def scan(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        # Materialised: a generator would hold its read transaction open indefinitely.
        with self._env.begin() as txn:
            return iter(list(_LmdbView(txn, self._dbs).scan(table, prefix)))

    @contextmanager
    def read(self) -> Iterator[KVRead]:
        with self._env.begin() as txn:
            yield _LmdbView(txn, self._dbs)

    @contextmanager
    def write(self) -> Iterator[WriteBatch]:
        with self._writer:
            batch = WriteBatch(self.tables, self.get, self.scan)
            yield batch
            self._apply(batch.ops)

    def _apply(self, ops: Ops) -> None:
        for _ in range(64):
            try:
                # Leaving the ``with`` commits; an exception aborts the whole transaction.
                with self._env.begin(write=True) as txn:
                    for table, entries in ops.items():
                        db = self._dbs[table]
                        items = sorted(entries.items())  # in key order: B-tree pages in turn
                        if None in entries.values():  # deletions: rare (flat-state wipes)
                            for key, value in items:
                                if value is None:
                                    txn.delete(key, db=db)
                            items = [item for item in items if item[1] is not None]
                        if items:
                            txn.cursor(db=db).putmulti(items)
                return
            except lmdb.MapFullError:
                self._env.set_mapsize(self.map_size * 2)
        raise InternalError("lmdb: map still full after doubling 64 times")

    def close(self) -> None:
        if not self.durable:
            self._env.sync(True)  # every commit's pages on disk before the store is closed
        self._env.close()
