"""Execution witnesses on the bench workloads: their size and the speed of stateless execution.

    python -m bench.witness_bench [--runs 1] [--workloads eth_transfers,compute] [--out FILE]

For each workload (``../shared/bench/*.json``, ten blocks each) the blocks are imported with
``Blockchain.add_block``, then each block's witness is recorded (``record_witness``) and the
block re-executed from it alone (``execute_stateless``); then the ten blocks again as one batch
(one witness, one stateless run: what an L2 prover gets). Reported per workload: witness
nodes, bytes (trie nodes, codes, headers, keys), bytes per Mgas, recording and stateless
seconds per block, Mgas/s of stateless execution next to import's, and the batch's figures.
The "mainnet mix" row adds the four workloads together. Times are the best of ``--runs``.
"""

import argparse
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.witness import record_witness
from ethrex.execution.stateless import execute_stateless
from ethrex.fixtures import load_fixture
from ethrex.fixtures.blockchain_tests import fixture_chain, import_fixture_block
from ethrex.primitives import hex_to_bytes
from ethrex.state.witness import ExecutionWitness, encode_witness
from ethrex.types.block import Block, decode_block

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
WORKLOADS = ("eth_transfers", "erc20_transfers", "compute", "storage_heavy")
T = TypeVar("T")


def _best(runs: int, fn: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def _sizes(witnesses: list[ExecutionWitness]) -> dict[str, int]:
    return {
        "nodes": sum(len(w.state) for w in witnesses),
        "node_bytes": sum(len(n) for w in witnesses for n in w.state),
        "codes": sum(len(w.codes) for w in witnesses),
        "code_bytes": sum(len(c) for w in witnesses for c in w.codes),
        "header_bytes": sum(len(h) for w in witnesses for h in w.headers),
        "key_bytes": sum(len(k) for w in witnesses for k in w.keys),
        "bytes": sum(w.size() for w in witnesses),
        "rlp_bytes": sum(len(encode_witness(w)) for w in witnesses),
    }


def measure(path: Path, runs: int) -> dict[str, Any]:
    """The figures of one workload file (its first case)."""
    case = next(iter(load_fixture(path).values()))
    chain: Blockchain = fixture_chain(case)
    blocks: list[Block] = []
    start = time.perf_counter()
    for entry in case["blocks"]:
        raw = hex_to_bytes(entry["rlp"])
        import_fixture_block(chain, raw)
        blocks.append(decode_block(raw))
    import_seconds = time.perf_counter() - start
    gas = sum(b.header.gas_used for b in blocks)
    witnesses, record_seconds, stateless_seconds = [], 0.0, 0.0
    for block in blocks:
        seconds, witness = _best(runs, partial(record_witness, chain, [block]))
        record_seconds += seconds
        witnesses.append(witness)
        seconds, result = _best(runs, partial(execute_stateless, witness, [block], chain.config))
        assert result.final_state_root == block.header.state_root
        stateless_seconds += seconds
    batch_record, batch = _best(runs, partial(record_witness, chain, blocks))
    batch_seconds, result = _best(runs, partial(execute_stateless, batch, blocks, chain.config))
    assert result.final_state_root == blocks[-1].header.state_root
    return {
        "workload": path.stem, "blocks": len(blocks), "txs": sum(len(b.transactions)
                                                                 for b in blocks),
        "gas": gas, "import_seconds": import_seconds, "record_seconds": record_seconds,
        "stateless_seconds": stateless_seconds, "per_block": _sizes(witnesses),
        "batch": {**_sizes([batch]), "record_seconds": batch_record, "seconds": batch_seconds},
    }


def _mix(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def total(part: str | None, name: str) -> Any:
        return sum((r if part is None else r[part])[name] for r in rows)

    out: dict[str, Any] = {"workload": "mainnet_mix"}
    for name in ("blocks", "txs", "gas", "import_seconds", "record_seconds",
                 "stateless_seconds"):
        out[name] = total(None, name)
    for part in ("per_block", "batch"):
        out[part] = {name: total(part, name) for name in rows[0][part]}
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per workload, per-block witnesses then the ten-block batch."""
    lines = [
        "| workload | Mgas | witness nodes / block | KiB / block | KiB / Mgas | record s / block"
        " | stateless s / block | stateless Mgas/s | import Mgas/s | batch KiB | batch nodes"
        " | batch stateless Mgas/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n, mgas, p, b = r["blocks"], r["gas"] / 1e6, r["per_block"], r["batch"]
        lines.append(
            f"| {r['workload']} | {mgas:,.1f} | {p['nodes'] / n:,.0f} | {p['bytes'] / n / 1024:,.1f}"
            f" | {p['bytes'] / mgas / 1024:,.1f} | {r['record_seconds'] / n:.3f}"
            f" | {r['stateless_seconds'] / n:.3f} | {mgas / r['stateless_seconds']:.1f}"
            f" | {mgas / r['import_seconds']:.1f} | {b['bytes'] / 1024:,.0f} | {b['nodes']:,}"
            f" | {mgas / b['seconds']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.witness_bench")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    rows = []
    for name in args.workloads.split(","):
        path = SHARED_BENCH / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"bench workload missing: {path}")
        rows.append(measure(path, args.runs))
        print(f"{name}: done", file=sys.stderr, flush=True)
    if len(rows) == len(WORKLOADS):
        rows.append(_mix(rows))
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
