"""The rollup's figures: L2 throughput with the sequencer (transfers/s, Mgas/s), deposit
latency (L1 receipt -> L2 balance) and the L1 gas of each batch's commit, per batch and per L2
transaction (tests/e2e/l2_measure.py does the work).

    .venv/bin/python bench/l2.py [--l1 anvil|ethrex|geth] [--senders 100] [--per-sender 50]
                                 [--block-time 1000] [--confirmations 2]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.l2_harness import l1_node, sequencer  # noqa: E402
from tests.e2e.l2_measure import measure  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l1", choices=("anvil", "ethrex", "geth"), default="anvil")
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--per-sender", type=int, default=50)
    parser.add_argument("--block-time", type=int, default=1000, help="L2 block time (ms)")
    parser.add_argument("--confirmations", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    flags = ("--block-time", str(args.block_time), "--l1.confirmations", str(args.confirmations))
    with l1_node(args.l1) as l1_url, sequencer(l1_url, *flags) as (node, deployment):
        report = measure(l1_url, node.url, deployment["bridge"], args.senders, args.per_sender,
                         args.confirmations)
    print(f"L1 {args.l1} (a block a second), L2 block time {args.block_time} ms")
    print("\n".join(report.lines()))
    print(f"wall time with nodes start and stop: {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
