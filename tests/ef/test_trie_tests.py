"""ethereum/tests TrieTests through the same runner as ``ethrex test trie``."""

from pathlib import Path

import pytest

from ethrex.fixtures import run_files
from tests.ef.harness import check_file, file_id, files_under

TRIE_FILES = files_under("ethereum-tests/TrieTests")


@pytest.mark.ef
@pytest.mark.parametrize("path", TRIE_FILES, ids=file_id)
def test_trie_fixture(path: Path) -> None:
    check_file("trie", path)


@pytest.mark.ef
def test_every_trie_file_is_run() -> None:
    """The secure, any-order and next/prev files are all recognised and all their cases run."""
    names = {path.name for path in TRIE_FILES}
    assert {"trietest.json", "trieanyorder.json", "trietest_secureTrie.json"} <= names
    results = list(run_files("trie", TRIE_FILES))
    assert len(results) >= len(TRIE_FILES)
    assert all(result.ok for result in results), [r for r in results if not r.ok]
