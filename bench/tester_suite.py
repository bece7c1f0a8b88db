"""eth-tester's backend conformance suite (``BaseTestBackendDirect``, 101 tests) on ethrex's
backend and on py-evm's, side by side: the seconds the tests take (best of ``--runs``; imports
and collection left out) and their outcome counts.

    python -m bench.tester_suite [--runs 3]

Both backends run in the project's interpreter: py-evm comes with the test extras
(``ethrex[tester]`` installs eth-tester with it, as web3.py's own tester extra does).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BACKENDS = ("ethrex", "pyevm")


def run_once(backend: str) -> dict[str, Any]:
    env = {**os.environ, "BENCH_TESTER_BACKEND": backend, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
           "bench.tester_timer", str(REPO / "bench" / "tester_conformance.py")]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    for line in done.stdout.splitlines():
        if line.startswith("TESTER-TIMES "):
            return {**json.loads(line[len("TESTER-TIMES "):]), "wall": wall}
    raise SystemExit(f"bench: the suite did not run on {backend}:\n{done.stdout}\n{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.runs):
        for backend in BACKENDS:  # interleaved, so that load on the machine hits both alike
            result = run_once(backend)
            if backend not in best or result["seconds"] < best[backend]["seconds"]:
                best[backend] = result
    print(f"{'backend':8} {'passed':>6} {'failed':>6} {'skipped':>7} {'tests (s)':>9} "
          f"{'process (s)':>11}")
    for backend in BACKENDS:
        r = best[backend]
        print(f"{backend:8} {r['passed']:6} {r['failed']:6} {r['skipped']:7} "
              f"{r['seconds']:9.2f} {r['wall']:11.2f}")
    ratio = best["pyevm"]["seconds"] / best["ethrex"]["seconds"]
    print(f"py-evm / ethrex: {ratio:.2f}x (best of {args.runs} runs)")
    print(json.dumps(best))
    return 0 if all(best[b]["failed"] == 0 for b in BACKENDS) else 1


if __name__ == "__main__":
    sys.exit(main())
