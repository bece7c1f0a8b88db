"""Parsing engine output, the table, the mix and results.json."""

from typing import Any

import pytest

from bench import report, worst
from bench.runner import parse_lines


def ok(engine: str, workload: str, gas: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"engine": engine, "workload": workload, "case": "c", "gas": gas, "ok": True,
            "seconds": seconds, "mgas_per_s": gas / seconds / 1e6, **extra}


def bad(engine: str, workload: str, reason: str) -> dict[str, Any]:
    return {"engine": engine, "workload": workload, "case": "c", "gas": 0, "ok": False,
            "reason": reason}


def test_parse_lines_keeps_results_and_version_and_ignores_noise() -> None:
    out = "\n".join([
        '{"engine": "x", "version": "x 1.0"}',
        "some warning printed by a library",
        '{"engine": "x", "workload": "w", "ok": true, "seconds": 1.0}',
        "{not json",
    ])
    version, results = parse_lines(out)
    assert version == "x 1.0"
    assert [r["workload"] for r in results] == ["w"]


def test_mix_is_total_gas_over_total_time() -> None:
    results = [ok("e", "a", 10_000_000, 1.0), ok("e", "b", 30_000_000, 3.0),
               ok("f", "a", 10_000_000, 2.0), bad("f", "b", "mismatch: root")]
    table = report.cells(results)
    report.add_mix(table, ["a", "b"], ["e", "f"])
    assert table[report.MIX]["e"]["mgas_per_s"] == pytest.approx(40 / 4)
    assert not table[report.MIX]["f"]["ok"]
    assert "b" in table[report.MIX]["f"]["reason"]
    data = report.results_json(table)
    assert data["a"] == {"e": 10.0, "f": 5.0}
    assert data["b"]["f"] is None


def test_table_shows_ratio_and_says_why_a_cell_is_empty() -> None:
    results = [ok("ethrex", "a", 20_000_000, 1.0), ok("spec", "a", 10_000_000, 1.0),
               bad("pyevm", "a", "unsupported: no Osaka")]
    text, notes = report.markdown_table(report.cells(results), ["ethrex", "spec", "pyevm"])
    row = text.splitlines()[2]
    assert "20.0" in row and "(x2)" in row and "| unsupported [1] |" in row
    assert notes == ["py-evm / a: unsupported: no Osaka"]


def test_worst_cases_are_judged_by_their_last_block() -> None:
    slow = ok("ethrex", "w1", 2_000_000, 2.0, last_block_gas=1_000_000, last_block_seconds=1.0)
    fast = ok("ethrex", "w2", 2_000_000, 2.0, last_block_gas=1_000_000, last_block_seconds=0.1)
    whole = ok("ethrex", "w3", 1_000_000, 0.5)
    ranked = worst.slowest([fast, bad("ethrex", "w4", "mismatch"), slow, whole], count=2)
    assert [r["workload"] for _, r in ranked] == ["w1", "w3"]
    assert ranked[0][0] == pytest.approx(1.0)


def test_a_block_without_gas_is_not_ranked() -> None:
    empty = ok("ethrex", "w5", 0, 0.01, last_block_gas=0, last_block_seconds=0.01)
    slow = ok("ethrex", "w1", 2_000_000, 2.0, last_block_gas=1_000_000, last_block_seconds=1.0)
    assert [r["workload"] for _, r in worst.slowest([empty, slow])] == ["w1"]


def test_short_name_drops_the_shared_parameters() -> None:
    case = ("tests/benchmark/test_worst_compute.py::test_worst_keccak"
            "[fork_Osaka-benchmark-gas-value_1M-blockchain_test]")
    assert worst.short_name(case) == "test_worst_keccak[Osaka-1M]"
