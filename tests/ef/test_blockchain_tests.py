"""Blockchain tests (ethereum/tests BlockchainTests and execution-spec-tests blockchain_tests)
through the same runner as ``ethrex test blockchain``; one pytest case per fixture file."""

from pathlib import Path

import pytest

from tests.ef.harness import check_file, file_id, files_under, load_known_failures

KNOWN_FAILURES = load_known_failures(Path(__file__).with_name("known_failures_blockchain.txt"))

FILES = [
    *files_under("ethereum-tests/BlockchainTests/ValidBlocks"),
    *files_under("ethereum-tests/BlockchainTests/InvalidBlocks"),
    *files_under("ethereum-tests/BlockchainTests/TransitionTests"),
    *files_under("eest/blockchain_tests"),
]


@pytest.mark.ef
@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_blockchain_fixture(path: Path) -> None:
    check_file("blockchain", path, KNOWN_FAILURES)
