"""What every engine process shares: fixture loading, the timing protocol, the JSON result line.

Standard library only: this module is imported inside the peers' virtualenvs.
"""

import argparse
import json
import lzma
import statistics
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# One run of a case: executes every block once and returns the seconds it timed (each engine
# decides what belongs to the timed region; see its module docstring). Raises Mismatch when the
# result differs from the fixture.
RunOnce = Callable[[], float]


# Caveats an engine found while running (e.g. a peer's known deviation); reported with its result.
NOTES: list[str] = []
# Seconds of the last block of each run, for engines that time blocks one by one: a worst-case
# fixture is a setup block followed by the benchmark block, judged by the latter.
LAST_BLOCK_SECONDS: list[float] = []


class Mismatch(Exception):
    """The engine ran but its result differs from the fixture's: its time must not count."""


class Unsupported(Exception):
    """The engine cannot run this case at all (missing feature, unknown fork, ...)."""


def load_cases(path: Path) -> dict[str, Any]:
    """The cases of a blockchain-test fixture file, plain ``.json`` or ``.json.xz``."""
    if path.name.endswith(".xz"):
        with lzma.open(path, "rb") as f:
            return json.loads(f.read())
    with open(path, "rb") as f:
        return json.loads(f.read())


def workload_name(path: Path) -> str:
    """``eth_transfers.json`` -> ``eth_transfers``; ``x.json.xz`` -> ``x``."""
    name = path.name
    for suffix in (".xz", ".json"):
        name = name.removesuffix(suffix)
    return name


def case_gas(case: dict[str, Any]) -> int:
    """The gas the case's blocks use, from their headers: the work every engine must do."""
    return sum(int(block["blockHeader"]["gasUsed"], 16) for block in case["blocks"])


def timed_runs(run_once: RunOnce, warmup: int, runs: int) -> list[float]:
    """Warm up, then time ``runs`` runs; every run is checked, so a mismatch stops it all."""
    for _ in range(warmup):
        run_once()
    return [run_once() for _ in range(runs)]


def result_line(engine: str, workload: str, case: str, gas: int, **fields: Any) -> str:
    """The JSON line the runner parses: engine, workload, case, gas, ok, seconds or reason."""
    return json.dumps({"engine": engine, "workload": workload, "case": case, "gas": gas, **fields})


def run_cases(
    engine: str,
    prepare: Callable[[dict[str, Any]], RunOnce],
    path: Path,
    warmup: int,
    runs: int,
    only: str | None = None,
) -> Iterator[str]:
    """Prepare, warm up and time every case of ``path``; yield one result line per case."""
    workload = workload_name(path)
    for name, case in load_cases(path).items():
        if only is not None and name != only:
            continue
        gas = case_gas(case)
        NOTES.clear()
        LAST_BLOCK_SECONDS.clear()
        try:
            times = timed_runs(prepare(case), warmup, runs)
        except Unsupported as exc:
            yield result_line(engine, workload, name, gas, ok=False, reason=f"unsupported: {exc}")
        except Mismatch as exc:
            yield result_line(engine, workload, name, gas, ok=False, reason=f"mismatch: {exc}")
        except Exception as exc:  # an engine crash is a result to report, not a reason to stop
            traceback.print_exc(file=sys.stderr)
            reason = f"crashed: {type(exc).__name__}: {exc}"[:300]
            yield result_line(engine, workload, name, gas, ok=False, reason=reason)
        else:
            median = statistics.median(times)
            yield result_line(
                engine, workload, name, gas, ok=True, seconds=median, runs=times,
                mgas_per_s=gas / median / 1e6 if median > 0 else None,
                **({"note": "; ".join(dict.fromkeys(NOTES))} if NOTES else {}),
                **({"last_block_gas": int(case["blocks"][-1]["blockHeader"]["gasUsed"], 16),
                    "last_block_seconds": statistics.median(LAST_BLOCK_SECONDS[-runs:])}
                   if LAST_BLOCK_SECONDS else {}),
            )


def main(engine: str, prepare: Callable[[dict[str, Any]], RunOnce], version: str) -> int:
    """Command line of an engine module: ``FIXTURE... [--warmup N] [--runs N] [--case NAME]``."""
    parser = argparse.ArgumentParser(prog=f"bench.engines.{engine}")
    parser.add_argument("fixtures", nargs="+", type=Path)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", default=None, help="run only this case of each file")
    args = parser.parse_args()
    print(json.dumps({"engine": engine, "version": version}), flush=True)
    for path in args.fixtures:
        for line in run_cases(engine, prepare, path, args.warmup, args.runs, args.case):
            print(line, flush=True)
    return 0
