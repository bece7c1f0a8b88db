"""The engine-side protocol: fixture reading, the timing loop, the JSON result lines."""

import json
from pathlib import Path
from typing import Any

import pytest

from bench.engines import common
from bench.engines.common import Mismatch, Unsupported
from tests.fixtures_root import REPO_ROOT

SHARED_BENCH = REPO_ROOT.parent / "shared" / "bench"


def test_workload_name_strips_json_and_xz() -> None:
    assert common.workload_name(Path("a/eth_transfers.json")) == "eth_transfers"
    assert common.workload_name(Path("worst_keccak.json.xz")) == "worst_keccak"


def test_case_gas_sums_the_headers_of_a_shared_workload() -> None:
    path = SHARED_BENCH / "compute.json"
    assert path.is_file(), f"shared bench workloads missing at {SHARED_BENCH}"
    (case,) = common.load_cases(path).values()
    # The README's table and the fixture's own _info agree on the total gas.
    assert common.case_gas(case) == case["_info"]["total-gas"]


def test_timed_runs_warms_up_then_times_every_run() -> None:
    calls: list[float] = []

    def run() -> float:
        calls.append(float(len(calls)))
        return calls[-1]

    assert common.timed_runs(run, warmup=2, runs=3) == [2.0, 3.0, 4.0]
    assert len(calls) == 5


def _fixture(tmp_path: Path, cases: dict[str, Any]) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(cases))
    return path


def _case(kind: str, gas_used: list[int]) -> dict[str, Any]:
    return {"kind": kind, "blocks": [{"blockHeader": {"gasUsed": hex(g)}} for g in gas_used]}


def test_run_cases_reports_the_median_and_the_failures(tmp_path: Path) -> None:
    path = _fixture(tmp_path, {"fast": _case("fast", [10**6, 10**6]), "bad": _case("bad", [5]),
                               "odd": _case("odd", [5]), "boom": _case("boom", [5])})
    times = iter([9.0, 1.0, 3.0, 2.0])

    def mismatch() -> float:
        raise Mismatch("state root differs")

    def prepare(case: dict[str, Any]) -> common.RunOnce:
        if case["kind"] == "fast":
            return lambda: next(times)
        if case["kind"] == "bad":
            return mismatch
        if case["kind"] == "odd":
            raise Unsupported("no such fork")
        raise RuntimeError("engine bug")

    lines = [json.loads(line) for line in common.run_cases("fake", prepare, path, 1, 3)]
    by_case = {line["case"]: line for line in lines}
    assert by_case["fast"]["ok"] and by_case["fast"]["seconds"] == 2.0
    assert by_case["fast"]["runs"] == [1.0, 3.0, 2.0]
    assert by_case["fast"]["mgas_per_s"] == pytest.approx(2e6 / 2.0 / 1e6)
    assert not by_case["bad"]["ok"]
    assert by_case["bad"]["reason"] == "mismatch: state root differs"
    assert by_case["odd"]["reason"] == "unsupported: no such fork"
    assert by_case["boom"]["reason"].startswith("crashed: RuntimeError")
    assert all(line["engine"] == "fake" and line["workload"] == "tiny" for line in lines)
