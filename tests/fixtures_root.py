"""Where the shared official fixtures are: ``../shared/fixtures`` beside the repository.

Tests that need them fail loudly when they are missing; they never skip.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def fixtures_root() -> Path:
    """The fixtures folder (``ETHREX_FIXTURES`` overrides); raise if it is not there."""
    root = Path(os.environ.get("ETHREX_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))
    if not root.is_dir():
        raise FileNotFoundError(f"shared fixtures missing at {root}: the fixture suites cannot run")
    return root
