"""Mempool flood: transactions in per second, inclusion time and eth_blockNumber latency while
``ethrex --dev`` takes a flood of transfers (tests/e2e/flood.py does the work and the checks).

    .venv/bin/python bench/mempool_flood.py [--senders 100] [--per-sender 100] [--period 0]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.flood import run_flood  # noqa: E402
from tests.e2e.harness import dev_node  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--per-sender", type=int, default=100)
    parser.add_argument("--batch", type=int, default=250, help="transactions per JSON-RPC batch")
    parser.add_argument("--period", type=float, default=0,
                        help="--dev.period of the node (0: a block as soon as txs arrive)")
    args = parser.parse_args()
    start = time.perf_counter()
    with dev_node(period=args.period) as node:
        report = run_flood(node.http_url, args.senders, args.per_sender, args.batch)
    print(report.line())
    print(f"wall time with node start and stop: {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
