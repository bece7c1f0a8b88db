"""ethereum/tests RLPTests through the same runner as ``ethrex test rlp``."""

from pathlib import Path

import pytest

from tests.ef.harness import check_file, file_id, files_under


@pytest.mark.ef
@pytest.mark.parametrize("path", files_under("ethereum-tests/RLPTests"), ids=file_id)
def test_rlp_fixture(path: Path) -> None:
    check_file("rlp", path)
