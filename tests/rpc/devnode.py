"""A real ``ethrex --dev`` node in a subprocess on free loopback ports, for end-to-end tests
with third-party clients (web3.py, ethers). Blocks are made one per transaction.

Also the test contract both clients deploy: every call logs ``LOG_TOPIC`` with the word 42 as
data and returns 42, so calls, gas estimates, receipts, ``eth_getLogs`` and a ``logs``
subscription all have something to see.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The first account of the well-known dev mnemonic (funded by the dev genesis).
DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_CHAIN_ID = 31337

LOG_TOPIC = "0x" + "ab" * 32
# runtime: mstore(0, 42); log1(0, 32, LOG_TOPIC); return(0, 32)
RUNTIME = "602a600052" + "7f" + "ab" * 32 + "60206000a1" + "60206000f3"
_N = len(RUNTIME) // 2
# init: codecopy(0, 12, N); return(0, N) — then the runtime itself
INIT_CODE = "0x" + f"60{_N:02x}600c60003960{_N:02x}6000f3" + RUNTIME


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class DevNode:
    http_url: str
    ws_url: str


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    import json
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                       "params": []}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ethrex exited with {proc.returncode}:\n{log.read_text()}")
        try:
            req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=1) as resp:
                if json.loads(resp.read()).get("result"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"ethrex did not answer within {timeout}s:\n{log.read_text()}")


@contextmanager
def dev_node(timeout: float = 30.0) -> Iterator[DevNode]:
    """Start ``ethrex --dev`` on free ports; stop it (SIGTERM, then SIGKILL) on exit."""
    datadir = Path(tempfile.mkdtemp(prefix="ethrex-e2e-"))
    http, auth, p2p = free_port(), free_port(), free_port()
    log = datadir / "node.log"
    cmd = [sys.executable, "-m", "ethrex.cli", "--dev", "--datadir", str(datadir / "db"),
           "--http.addr", "127.0.0.1", "--http.port", str(http),
           "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(auth),
           "--p2p.port", str(p2p), "--discovery.port", str(p2p)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        url = f"http://127.0.0.1:{http}"
        _wait_ready(url, proc, log, timeout)
        yield DevNode(url, f"ws://127.0.0.1:{http}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(datadir, ignore_errors=True)
