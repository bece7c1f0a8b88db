"""One virtualenv per peer, so that their pinned dependencies never meet ethrex's own.

``bench/.venv-<engine>`` is created on first use from ``bench/requirements/<engine>.txt`` and
recreated when that file changes (a stamp holds its hash). ethrex runs in the interpreter that
runs the benchmark (the project's ``.venv``).
"""

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PEERS = {
    "spec": "ethereum-execution 2.20.0",
    "pyevm": "py-evm 0.12.1b1",
    "revm": "pyrevm 0.3.7",
}


class VenvError(Exception):
    """A peer's virtualenv could not be built; the message says what pip said."""


def requirements(engine: str) -> Path:
    return BENCH_DIR / "requirements" / f"{engine}.txt"


def venv_dir(engine: str) -> Path:
    return BENCH_DIR / f".venv-{engine}"


def interpreter(engine: str) -> Path:
    """The Python that runs ``engine``: the current one for ethrex, else the peer's venv."""
    if engine in ("ethrex", "ethrex-compiled"):
        return Path(sys.executable)
    return venv_dir(engine) / "bin" / "python"


def ensure_venv(engine: str, log: Callable[[str], None] = print) -> Path:
    """Create or refresh the peer's venv when its requirements changed; return its Python."""
    if engine in ("ethrex", "ethrex-compiled"):
        return interpreter(engine)
    reqs = requirements(engine)
    digest = hashlib.sha256(reqs.read_bytes()).hexdigest()
    venv = venv_dir(engine)
    stamp = venv / ".requirements.sha256"
    if stamp.is_file() and stamp.read_text() == digest and interpreter(engine).is_file():
        return interpreter(engine)
    log(f"bench: installing {PEERS[engine]} into {venv.relative_to(BENCH_DIR.parent)} ...")
    # The base interpreter, not this venv's: a venv made from a venv would see ethrex's packages.
    base = Path(getattr(sys, "_base_executable", sys.executable))
    steps = [
        [str(base), "-m", "venv", "--clear", str(venv)],
        [str(interpreter(engine)), "-m", "pip", "install", "--quiet", "-r", str(reqs)],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            last = lines[-1] if lines else f"exit status {done.returncode}"
            raise VenvError(f"{' '.join(step[:3])} failed: {last}")
    stamp.write_text(digest)
    return interpreter(engine)
