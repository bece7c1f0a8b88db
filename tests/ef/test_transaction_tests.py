"""ethereum/tests TransactionTests through the same runner as ``ethrex test transaction``."""

from pathlib import Path

import pytest

from tests.ef.harness import check_file, file_id, files_under


@pytest.mark.ef
@pytest.mark.parametrize("path", files_under("ethereum-tests/TransactionTests"), ids=file_id)
def test_transaction_fixture(path: Path) -> None:
    check_file("transaction", path)
