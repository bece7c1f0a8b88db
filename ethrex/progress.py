"""Progress of long work (a chain import, a sync): done of total, rate, percentage and time
left, as a bar redrawn in place on a terminal and as a line every few seconds otherwise (a log
file, a pipe).

``Progress(total, "blocks")`` is fed ``update(done, gas)`` as often as the work likes; it
draws at most every ``every`` seconds and once more at ``finish()``. The rates count the work
done since the reporter started (``done - start``), so a resumed import shows its own speed.
``total`` may move (a sync whose target advances).
"""

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30


def format_duration(seconds: float) -> str:
    """``1:02:03`` (or ``2:03`` under an hour)."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """One piece of long work's progress, drawn to ``out``."""

    __slots__ = ("total", "unit", "out", "every", "clock", "tty", "start", "started",
                 "done", "gas", "drawn_at", "label")

    def __init__(self, total: int, unit: str = "blocks", out: TextIO | None = None,
                 every: float | None = None, label: str = "",
                 clock: Callable[[], float] = time.monotonic, start: int = 0) -> None:
        self.total = total
        self.unit = unit
        self.out = sys.stderr if out is None else out
        self.tty = self.out.isatty()
        self.every = every if every is not None else (0.2 if self.tty else 5.0)
        self.clock = clock
        self.label = label
        self.start = start  # work already done before this run (not counted in rates)
        self.started = clock()
        self.done = start
        self.gas = 0
        self.drawn_at = self.started  # the first draw comes ``every`` seconds in

    # -- figures ---------------------------------------------------------------------------

    def elapsed(self) -> float:
        return self.clock() - self.started

    def rate(self) -> float:
        """Units per second since the start."""
        elapsed = self.elapsed()
        return (self.done - self.start) / elapsed if elapsed > 0 else 0.0

    def mgas_rate(self) -> float:
        elapsed = self.elapsed()
        return self.gas / elapsed / 1e6 if elapsed > 0 else 0.0

    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total > 0 else 1.0

    def eta(self) -> float | None:
        """Seconds left at the current rate (None before there is a rate)."""
        rate = self.rate()
        if rate <= 0:
            return None
        return max(0, self.total - self.done) / rate

    def line(self) -> str:
        """``45.2% 1,234/2,730 blocks, 85.3 blocks/s, 12.10 Mgas/s, ETA 0:17``."""
        eta = self.eta()
        text = (f"{self.fraction() * 100:5.1f}% {self.done:,}/{self.total:,} {self.unit}, "
                f"{self.rate():.1f} {self.unit}/s")
        if self.gas:
            text += f", {self.mgas_rate():.2f} Mgas/s"
        text += f", ETA {format_duration(eta)}" if eta is not None else ", ETA -"
        return f"{self.label}: {text}" if self.label else text

    # -- drawing ---------------------------------------------------------------------------

    def update(self, done: int, gas: int | None = None) -> None:
        """The work stands at ``done`` units (and ``gas`` executed in all, when it counts)."""
        self.done = done
        if gas is not None:
            self.gas = gas
        now = self.clock()
        if now - self.drawn_at >= self.every:
            self.drawn_at = now
            self._draw()

    def _draw(self, final: bool = False) -> None:
        if self.tty:
            filled = int(self.fraction() * BAR_WIDTH)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.out.write(f"\r[{bar}] {self.line()}\033[K" + ("\n" if final else ""))
        else:
            self.out.write(self.line() + "\n")
        self.out.flush()

    def finish(self) -> None:
        """Draw the final figures (and end the bar's line on a terminal)."""
        self._draw(final=True)
