"""The optional compiled build (``make compiled``, ``scripts/compile.py``): it builds from a copy
of this checkout, the node then runs the extension modules, and the official fixtures pass
through them as they do through the pure-Python modules (which every other test runs)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ethrex import compiled_modules
from scripts.compile import sources
from tests.fixtures_root import fixtures_root

REPO = Path(__file__).resolve().parents[2]

# One build for the module: `make test` keeps these tests on one xdist worker (--dist loadgroup)
pytestmark = pytest.mark.xdist_group("compiled")

# The official suites through the compiled modules: every EEST blockchain and state test
# (Cancun, Prague, Osaka), and the ethereum-tests folders of deep call stacks (1024 frames
# of compiled functions on the C stack), recursive creates, memory and stack limits.
SUITES = [
    ("blockchain", ["eest/blockchain_tests"]),
    ("state", ["eest/state_tests"]),
    ("state", [f"ethereum-tests/GeneralStateTests/{name}" for name in (
        "stCallCreateCallCodeTest", "stDelegatecallTestHomestead", "stRecursiveCreate",
        "stSystemOperationsTest", "stStackTests", "stMemoryTest", "stStaticCall",
        "stReturnDataTest", "stRevertTest", "stSStoreTest")]),
    ("blockchain", ["ethereum-tests/BlockchainTests/ValidBlocks/bcStateTests",
                    "ethereum-tests/BlockchainTests/InvalidBlocks"]),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout's ``ethrex`` package with its compiled modules built."""
    root = tmp_path_factory.mktemp("compiled")
    done = subprocess.run([sys.executable, "-m", "scripts.compile", "--copy", str(root),
                           "--jobs", "2"], cwd=REPO, capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def run_in(root: Path, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` with the copy first on the path (as ``python -m ethrex`` from it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_node_runs_the_compiled_modules(built: Path) -> None:
    code = ("import ethrex, ethrex.evm.vm as vm, ethrex.execution.block as block;"
            "print(len(ethrex.COMPILED), vm.__file__, block.__name__, block.__file__)")
    done = run_in(built, "-c", code)
    assert done.returncode == 0, done.stderr
    count, vm_file, block_name, block_file = done.stdout.split()
    assert int(count) == len(sources(REPO)) > 50
    assert vm_file.startswith(str(built)) and vm_file.endswith(".so")
    assert block_name == "ethrex.execution.block" and block_file.endswith(".so")
    # and the CLI starts on them
    done = run_in(built, "-m", "ethrex", "--help")
    assert done.returncode == 0 and "ethrex" in done.stdout


@pytest.mark.ef
@pytest.mark.parametrize("kind,paths", SUITES, ids=[f"{k}-{p[0]}" for k, p in SUITES])
def test_fixtures_pass_compiled(built: Path, kind: str, paths: list[str]) -> None:
    folders = [fixtures_root() / p for p in paths]
    for folder in folders:
        assert folder.exists(), f"fixtures missing: {folder}"
    done = run_in(built, "-m", "ethrex", "test", kind, *map(str, folders))
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    passed = int(summary.split()[0])
    assert passed > 0 and summary.endswith(" 0 failed"), summary


def test_a_stale_compiled_module_is_refused(tmp_path: Path) -> None:
    package = tmp_path / "ethrex"
    (package / "evm").mkdir(parents=True)
    source = package / "evm" / "vm.py"
    source.write_text("")
    extension = package / "evm" / "vm.cpython-311-x86_64-linux-gnu.so"
    extension.write_bytes(b"")
    (package / ".compiled").write_text("ethrex/evm/vm.py\n")
    past = time.time() - 60
    os.utime(source, (past, past))
    assert compiled_modules(package) == ("ethrex.evm.vm",)
    (package / "evm" / "vm.pxd").write_text("")  # edited after the build
    with pytest.raises(ImportError, match="older than"):
        compiled_modules(package)
    extension.unlink()  # without its extension module the source runs: nothing to refuse
    assert compiled_modules(package) == ()
