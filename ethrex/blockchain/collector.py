"""CPython's cyclic garbage collector, paused for a bulk import.

A block allocates hundreds of thousands of container objects (transactions, trie nodes, the
state's dicts) and makes next to no cyclic garbage: over the 1,000 blocks of the
1M-account import workload the collector found 10 objects, in 11 s of collections out of
168 s (the tuned thresholds of ``ethrex.cli.GC_THRESHOLDS`` included); without it the import
ran at 92 Mgas/s instead of 82. So the import turns automatic collection off and, every
``every`` seconds, collects what was made since the last checkpoint once, then freezes the
survivors (``gc.freeze``): later checkpoints skip them, and a cycle made between two
checkpoints is still freed at the next one. On exit the collector is as it was.
"""

import gc
import time
from types import TracebackType

CHECKPOINT_SECONDS = 30.0


class CollectorPause:
    """``with CollectorPause() as pause:`` then ``pause.tick()`` between units of work."""

    __slots__ = ("every", "_last", "_was_enabled", "_freezing")

    def __init__(self, every: float = CHECKPOINT_SECONDS) -> None:
        self.every = every
        self._last = 0.0  # when the last checkpoint (or the pause) began
        self._was_enabled = False
        # Only when nothing else froze objects: unfreezing at the end thaws them all.
        self._freezing = False

    def __enter__(self) -> "CollectorPause":
        self._was_enabled = gc.isenabled()
        self._freezing = gc.get_freeze_count() == 0
        gc.disable()
        self._last = time.monotonic()
        return self

    def tick(self) -> None:
        """A checkpoint when ``every`` seconds have passed since the last one."""
        if time.monotonic() - self._last >= self.every:
            gc.collect()
            if self._freezing:
                gc.freeze()
            self._last = time.monotonic()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._freezing:
            gc.unfreeze()
        if self._was_enabled:
            gc.enable()
