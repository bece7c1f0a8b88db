"""The worst-case fixtures the benchmark runs are where it expects them."""

from bench import worst
from tests.fixtures_root import REPO_ROOT

EEST = REPO_ROOT.parent / "shared" / "bench" / "eest"


def test_every_set_has_fixture_files() -> None:
    for name in worst.SETS:
        files = worst.fixture_files(EEST, (name,))
        assert files, name
        assert all(f.name.endswith(".json.xz") for f in files)
