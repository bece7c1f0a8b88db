"""State tests (ethereum/tests GeneralStateTests and execution-spec-tests state_tests) through
the same runner as ``ethrex test state``; one pytest case per fixture file."""

from pathlib import Path

import pytest

from tests.ef.harness import check_file, file_id, files_under, load_known_failures

KNOWN_FAILURES = load_known_failures(Path(__file__).with_name("known_failures_state.txt"))

FILES = [
    *files_under("ethereum-tests/GeneralStateTests"),
    *files_under("eest/state_tests"),
]


@pytest.mark.ef
@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_state_fixture(path: Path) -> None:
    check_file("state", path, KNOWN_FAILURES)
