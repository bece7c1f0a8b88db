"""The progress reporter: its figures (percentage, rate, Mgas/s, ETA), a line every few
seconds off a terminal and a bar redrawn in place on one."""

import io

from ethrex.p2p.sync.full import Progress as SyncProgress
from ethrex.progress import Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_figures_and_lines_off_a_terminal() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(1000, "blocks", out, label="import x", clock=clock)
    assert progress.every == 5.0
    clock.now += 1
    progress.update(10, 21_000_000)
    assert out.getvalue() == ""  # the first line comes after ``every`` seconds
    clock.now += 9
    progress.update(200, 210_000_000)
    line = out.getvalue().splitlines()[-1]
    assert line == "import x:  20.0% 200/1,000 blocks, 20.0 blocks/s, 21.00 Mgas/s, ETA 0:40"
    clock.now += 1
    progress.update(220)
    assert len(out.getvalue().splitlines()) == 1  # not yet
    progress.finish()
    assert out.getvalue().splitlines()[-1].startswith("import x:  22.0% 220/1,000 blocks")


def test_a_bar_on_a_terminal() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(50, "headers", out, clock=clock)
    assert progress.every == 0.2
    clock.now += 2
    progress.update(25)
    assert out.getvalue().startswith("\r[" + "#" * 15 + "." * 15 + "]  50.0% 25/50 headers")
    assert "\n" not in out.getvalue()
    progress.finish()
    assert out.getvalue().endswith("\n")


def test_resumed_work_counts_its_own_rate_and_the_total_may_move() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(100, "blocks", out, clock=clock, start=60)
    clock.now += 10
    progress.update(80)
    assert progress.rate() == 2.0 and progress.eta() == 10.0
    progress.total = 120
    assert progress.eta() == 20.0
    assert Progress(5, out=out, clock=clock).eta() is None
    assert format_duration(3725) == "1:02:05" and format_duration(65) == "1:05"


def test_the_sync_line_has_percentage_rate_and_eta() -> None:
    progress = SyncProgress(starting=1000, highest=3000, mode="full")
    progress.phase = "blocks"
    progress.started -= 10  # ten seconds in: 500 blocks and 1 Ggas imported
    progress.current, progress.blocks, progress.gas = 1500, 500, 10**9
    line = progress.line()
    assert line.startswith("sync full/blocks: 25.0% block 1500/3000, 50.0 blocks/s, "), line
    assert line.endswith(" Mgas/s, ETA 0:30"), line  # 1500 blocks left at 50/s
    assert 99 < float(line.split(", ")[2].split()[0]) <= 100  # ~100 Mgas/s
