"""Every precompile call of the EEST state tests, replayed through ``state_calls`` (see there).

Covers EIP-2537 (all seven BLS12-381 precompiles), EIP-4844 point evaluation, EIP-7951 P256VERIFY
and the Osaka ModExp repricing/bounds (EIP-7883, EIP-7823): input, success, output hash and gas.
"""

import collections
from pathlib import Path

import pytest

from tests.fixtures_root import fixtures_root

from .state_calls import Case, Unsupported, load_cases, run_case

SUITES = {
    # directory under eest/state_tests -> the fewest replayable cases we expect from it
    "prague/eip2537_bls_12_381_precompiles": 1500,
    "cancun/eip4844_blobs/point_evaluation_precompile": 400,
    "cancun/eip4844_blobs/point_evaluation_precompile_gas": 60,
    "osaka/eip7951_p256verify_precompiles": 100,
    "osaka/eip7883_modexp_gas_increase": 400,
}


# Files whose transactions reach the precompile as the transaction's target or from init code:
# their outcome shows only in balances and created accounts, so the state-test runner covers them.
NOT_REPLAYABLE = ("entry_point", "contract_creation_transaction", "contract_initcode")


def _files() -> list[Path]:
    root = fixtures_root() / "eest" / "state_tests"
    files = []
    for suite in SUITES:
        found = sorted((root / suite).rglob("*.json.xz"))
        if not found:
            raise FileNotFoundError(f"no fixtures under {root / suite}")
        files.extend(p for p in found if not any(word in p.name for word in NOT_REPLAYABLE))
    return files


FILES = _files()
ROOT = fixtures_root() / "eest" / "state_tests"


def _check(case: Case) -> str | None:
    got = {k: v for k, v in run_case(case).items() if v}
    if got == case.post_storage:
        return None
    return f"{case.name}: storage {got} != {case.post_storage}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_file(path: Path) -> None:
    failures = []
    ran = 0
    for case in load_cases(path):
        try:
            problem = _check(case)
        except Unsupported:
            continue
        ran += 1
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures[:10])
    assert ran, f"no replayable case in {path}"


def test_every_suite_is_covered() -> None:
    counts: collections.Counter[str] = collections.Counter()
    for path in FILES:
        suite = next(s for s in SUITES if str(path.relative_to(ROOT)).startswith(s + "/"))
        for case in load_cases(path):
            try:
                run_case(case)
            except Unsupported:
                continue
            counts[suite] += 1
    for suite, least in SUITES.items():
        assert counts[suite] >= least, f"{suite}: only {counts[suite]} replayable cases"
