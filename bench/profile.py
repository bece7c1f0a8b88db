"""``python -m bench profile WORKLOAD``: where ethrex spends its time on one workload.

WORKLOAD is a name (``compute``: looked up in ``../shared/bench``, then ``bench/generated``) or
a fixture path. One untimed import warms the caches, then one import runs under cProfile.
"""

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

from bench.engines.common import Mismatch, Unsupported, load_cases

REPO = Path(__file__).resolve().parents[1]


def find_workload(name: str) -> Path:
    path = Path(name)
    if path.is_file():
        return path
    generated = sorted((REPO / "bench" / "generated").glob("*"))
    for folder in (REPO.parent / "shared" / "bench", *generated):
        candidate = folder / f"{name}.json"
        if candidate.is_file():
            return candidate
    raise SystemExit(f"bench profile: no workload {name!r} (a name like compute, or a path)")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench profile")
    p.add_argument("workload")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="tottime", help="pstats key: tottime, cumulative, ...")
    p.add_argument("--no-warmup", dest="warmup", action="store_false")
    a = p.parse_args(argv)
    from bench.engines.ethrex import prepare

    path = find_workload(a.workload)
    for name, case in load_cases(path).items():
        try:
            run = prepare(case)
            if a.warmup:
                run()
            profiler = cProfile.Profile()
            profiler.enable()
            seconds = run()
            profiler.disable()
        except (Mismatch, Unsupported) as exc:
            print(f"{name}: ethrex cannot run it: {exc}")
            return 1
        gas = sum(int(b["blockHeader"]["gasUsed"], 16) for b in case["blocks"])
        print(f"{name}: {gas:,} gas in {seconds:.2f} s under cProfile "
              f"({gas / seconds / 1e6:.2f} Mgas/s with profiling overhead)")
        pstats.Stats(profiler).strip_dirs().sort_stats(a.sort).print_stats(a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
