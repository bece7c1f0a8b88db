"""Shared plumbing of the fixture-suite tests: one pytest case per fixture file.

A few fixture files take minutes each (``slow_files.txt`` lists them with the measured time):
``make test`` leaves them out so that the suite fits CI's budget, ``make test-slow`` (or
``ETHREX_SLOW_TESTS=1``) runs them too, and ``ethrex test KIND FILE`` runs any of them alone.
"""

import os
from pathlib import Path

from ethrex.fixtures import fixture_files, run_files
from tests.fixtures_root import fixtures_root


SLOW_FILES_LIST = Path(__file__).with_name("slow_files.txt")


def slow_files() -> dict[str, str]:
    """``<path below the fixtures root>  # reason`` lines; every listed file must exist."""
    listed = load_known_failures(SLOW_FILES_LIST)
    root = fixtures_root()
    missing = [name for name in listed if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(f"slow_files.txt lists missing files: {missing}")
    return listed


def files_under(relative: str) -> list[Path]:
    """Every fixture file below ``fixtures_root()/relative`` except the slow ones (unless
    ``ETHREX_SLOW_TESTS=1``); raises when there is none."""
    files = fixture_files([fixtures_root() / relative])
    if not files:
        raise FileNotFoundError(f"no fixture files under {relative}")
    if os.environ.get("ETHREX_SLOW_TESTS") != "1":
        slow = slow_files()
        files = [path for path in files if file_id(path) not in slow]
    return files


def file_id(path: Path) -> str:
    """A readable test id: the path below the fixtures root."""
    return str(path.relative_to(fixtures_root()))


def load_known_failures(path: Path) -> dict[str, str]:
    """Read ``<case name>  # reason`` lines; every listed case must carry a reason."""
    known: dict[str, str] = {}
    if not path.exists():
        return known
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, reason = line.partition("  # ")
        if not sep or not reason.strip():
            raise ValueError(f"{path.name}: known failure without a reason: {line!r}")
        known[name.strip()] = reason.strip()
    return known


def check_file(kind: str, path: Path, known_failures: dict[str, str] | None = None) -> None:
    """Run one fixture file; fail on any unexpected failure, on a listed case that now passes,
    and on a file with no case at all."""
    known = known_failures or {}
    results = list(run_files(kind, [path]))
    assert results, f"{path} holds no case"
    unexpected = [f"{r.name}: {r.reason}" for r in results if not r.ok and r.name not in known]
    fixed = [r.name for r in results if r.ok and r.name in known]
    assert not unexpected, "\n".join(unexpected)
    assert not fixed, "listed as known failures but pass now:\n" + "\n".join(fixed)
