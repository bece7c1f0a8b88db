"""The collector paused for a bulk import: cycles made between checkpoints are still freed,
and the collector is left as it was found."""

import gc
import weakref

from ethrex.blockchain.collector import CollectorPause


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_checkpoints_free_cycles_and_the_collector_is_restored() -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with CollectorPause(every=3600) as pause:
        assert not gc.isenabled()
        ref = weakref.ref(Cycle())
        pause.tick()  # not a checkpoint yet
        assert ref() is not None  # a cycle waits for the checkpoint
        pause.every = 0.0
        pause.tick()
        assert ref() is None
        assert gc.get_freeze_count() > 0  # the survivors are frozen: later ones skip them
        survivor = Cycle()
        pause.tick()
        del survivor  # frozen by the checkpoint, then dropped: freed once thawed
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with CollectorPause(every=0.0) as pause:
            pause.tick()
        assert not gc.isenabled()
    finally:
        gc.enable()
