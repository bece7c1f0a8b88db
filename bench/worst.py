"""The execution-spec-tests worst-case blocks (``../shared/bench/eest/``) through ethrex.

Each case is a setup block (deploying contracts, filling state) followed by the benchmark
block; a case's figure is its last block's gas over that block's import time.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.runner import run_engine

SETS = ("benchmark-osaka-1M", "benchmark-osaka-10M-subset", "benchmark-prague-1M-retry")


def fixture_files(root: Path, sets: tuple[str, ...] = SETS) -> list[Path]:
    """The ``*.json.xz`` blockchain tests of the chosen sets, sorted."""
    files: list[Path] = []
    for name in sets:
        folder = root / name / "fixtures"
        if not folder.is_dir():
            raise FileNotFoundError(f"worst-case fixtures missing at {folder}")
        files.extend(sorted(folder.rglob("*.json.xz")))
    return files


def block_rate(result: dict[str, Any]) -> float | None:
    """Mgas/s of the benchmark (last) block, falling back to the whole case."""
    if not result["ok"]:
        return None
    seconds = result.get("last_block_seconds")
    if seconds:
        return result["last_block_gas"] / seconds / 1e6
    return result["mgas_per_s"]


def run_worst(root: Path, timeout: float, log: Callable[[str], None] = print,
              sets: tuple[str, ...] = SETS, engine: str = "ethrex") -> list[dict[str, Any]]:
    """Every case through ethrex (or ethrex-compiled), once each (no warm-up: each block is
    its own workload)."""
    results: list[dict[str, Any]] = []
    for name in sets:
        try:
            files = fixture_files(root, (name,))
        except FileNotFoundError as exc:
            log(f"bench: skipping worst cases: {exc}")
            continue
        log(f"bench: {engine} on {name} ({len(files)} files) ...")
        _, found = run_engine(engine, files, 0, 1, timeout, log)
        for r in found:
            r["set"] = name
        results.extend(found)
    return results


def slowest(results: list[dict[str, Any]], count: int = 10
            ) -> list[tuple[float, dict[str, Any]]]:
    """The ``count`` cases with the lowest Mgas/s (failed cases are listed apart; a block that
    uses no gas, such as the empty block, has no rate to rank)."""
    rated = [(rate, r) for r in results
             if r.get("last_block_gas", 1) and (rate := block_rate(r)) is not None]
    return sorted(rated, key=lambda item: item[0])[:count]


def short_name(case: str) -> str:
    """``tests/benchmark/test_worst_compute.py::test_worst_keccak[fork_Osaka-...-x]`` ->
    ``test_worst_keccak[...-x]`` without the parameters every case shares."""
    name = case.split("::")[-1]
    for noise in ("-blockchain_test", "benchmark-gas-value_", "fork_"):
        name = name.replace(noise, "")
    return name
