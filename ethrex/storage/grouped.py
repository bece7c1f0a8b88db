"""Grouped commits: several units of work (blocks, in a bulk import) in one store transaction.

A commit costs a flush of every page it dirtied, and one block already dirties thousands of
B-tree pages at random (trie nodes and flat state are keyed by hashes), most of them the same
pages the next block dirties again. Committing a group of blocks writes each page once per
group and flushes once. The group grows until the work done since the last commit is about
``1 / share`` times what that commit took, so commits stay near ``share`` of the time whatever
the disk; a kill loses at most the group in progress, and the importer resumes from the last
commit as it always did.

Inside a group every read of the writing thread sees the group's own writes (``Store.write``
joins the open transaction), so the blocks of a group build on each other as if committed.
With ``keep_inner_states=False`` a commit writes only the state of the group's head, not the
trie nodes that only its inner blocks' states reach (``drop_superseded_nodes``).
"""

import time
from contextlib import AbstractContextManager
from types import TracebackType

from ethrex.storage.prune import drop_superseded_nodes
from ethrex.storage.store import Store
from ethrex.storage.writer import StoreWriter

COMMIT_SHARE = 0.1  # commits take about a tenth of the time
MAX_GROUP = 16  # units per commit at most: LMDB holds a group's dirty pages in memory


class GroupedCommits:
    """``with GroupedCommits(store) as group:`` then ``group.done()`` after each unit of work;
    a normal exit commits the last group, an exception drops it (it may hold a partial unit).
    ``commit()`` commits what is done so far, e.g. before reporting a bad unit."""

    __slots__ = ("store", "share", "max_group", "keep_inner_states", "dropped", "_open",
                 "_writer", "_started", "_units", "_commit_cost")

    def __init__(self, store: Store, share: float = COMMIT_SHARE,
                 max_group: int = MAX_GROUP, keep_inner_states: bool = True) -> None:
        self.store = store
        self.share = share
        self.max_group = max_group
        self.keep_inner_states = keep_inner_states
        self.dropped = 0  # trie nodes not written, superseded inside their group
        # the store.write() context of the group in progress, and its writer
        self._open: AbstractContextManager[StoreWriter] | None = None
        self._writer: StoreWriter | None = None
        self._started = 0.0
        self._units = 0
        self._commit_cost = 0.0  # seconds the last commit took

    def __enter__(self) -> "GroupedCommits":
        self._begin()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        elif self._open is not None:
            context, self._open = self._open, None
            context.__exit__(kind, exc, tb)  # the batch is dropped

    def _begin(self) -> None:
        self._open = self.store.write()
        self._writer = self._open.__enter__()
        self._started = time.monotonic()
        self._units = 0

    def done(self) -> None:
        """One more unit is complete; commit when the group is large enough."""
        self._units += 1
        elapsed = time.monotonic() - self._started
        if self._units >= self.max_group or elapsed * self.share >= self._commit_cost:
            self.commit()
            self._begin()

    def commit(self) -> None:
        """Commit the group in progress (nothing when it is empty)."""
        if self._open is None:
            return
        context, self._open = self._open, None
        start = time.monotonic()
        if not self.keep_inner_states and self._writer is not None:
            self.dropped += drop_superseded_nodes(self._writer)
        context.__exit__(None, None, None)
        self._commit_cost = time.monotonic() - start
