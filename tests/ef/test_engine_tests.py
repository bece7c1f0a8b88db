"""execution-spec-tests ``blockchain_test_engine`` fixtures through the Engine API handlers, the
same runner as ``ethrex test engine``; one pytest case per fixture file."""

from pathlib import Path

import pytest

from tests.ef.harness import check_file, file_id, files_under, load_known_failures

KNOWN_FAILURES = load_known_failures(Path(__file__).with_name("known_failures_engine.txt"))

FILES = files_under("eest/blockchain_tests_engine")


@pytest.mark.ef
@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_engine_fixture(path: Path) -> None:
    check_file("engine", path, KNOWN_FAILURES)
