"""A web3.py test module written against ``EthereumTesterProvider()``
(``web3_provider_module.py``, which names no backend) runs unchanged on ethrex: the environment
variable eth-tester reads picks ``EthrexBackend``, and every test of the module passes."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BACKEND = "ethrex.tester.EthrexBackend"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ETHEREUM_TESTER_CHAIN_BACKEND": BACKEND, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_provider_picks_the_ethrex_backend() -> None:
    run = _run("-c", "from web3 import EthereumTesterProvider; "
                     "print(type(EthereumTesterProvider().ethereum_tester.backend).__module__)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ethrex.tester.backend"


def test_the_web3_module_passes_unchanged_on_ethrex() -> None:
    module = HERE / "web3_provider_module.py"
    source = module.read_text()
    assert "from ethrex" not in source and "import ethrex" not in source  # no backend named
    run = _run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(module))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed in" in run.stdout and "skipped" not in run.stdout, run.stdout
