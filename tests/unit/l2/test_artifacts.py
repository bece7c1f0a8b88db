"""The committed contract artifacts are what ``make contracts`` makes from ``contracts/``:
recompiled here with the pinned solc-js and OpenZeppelin, byte for byte."""

import subprocess
from pathlib import Path

from tests.e2e.harness import REPO, require_node_modules

ARTIFACTS = REPO / "ethrex" / "l2" / "artifacts"


def test_recompiling_the_contracts_gives_the_committed_artifacts(tmp_path: Path) -> None:
    node = require_node_modules("solc", "@openzeppelin/contracts",
                                "@openzeppelin/contracts-upgradeable")
    run = subprocess.run([str(node), str(REPO / "contracts" / "compile.mjs"), str(tmp_path)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    made = sorted(p.name for p in tmp_path.glob("*.json"))
    assert made == sorted(p.name for p in ARTIFACTS.glob("*.json"))
    assert len(made) == 6
    for name in made:
        assert (tmp_path / name).read_text() == (ARTIFACTS / name).read_text(), \
            f"{name} differs from a fresh compile: run `make contracts` and commit"
