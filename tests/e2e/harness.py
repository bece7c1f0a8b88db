"""What the end-to-end tests share: an ``ethrex --dev`` subprocess and an anvil subprocess on
free loopback ports, a small JSON-RPC client (batches, JWT for the Engine API port), the npm
tools in ./node_modules (solc-js, ethers, anvil) and the dev accounts.

The npm tools come from the repository's package.json/package-lock.json (``make test`` runs
``npm ci``); a missing install is a setup error, so the tests that need one fail, never skip.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE_MODULES = REPO / "node_modules"
ANVIL_BIN = NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"

CHAIN_ID = 31337
# The first five accounts of "test test ... junk" (m/44'/60'/0'/0/i), as anvil and hardhat
# print them: written out here so a wrong derivation in ethrex shows up as a test failure.
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
)
DEV_ADDRESSES = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
)
DEV_BALANCE = 10_000 * 10**18


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_node_modules(*packages: str) -> Path:
    """The ``node`` binary; fails (not skips) when node or an npm package is missing."""
    node_bin = shutil.which("node")
    assert node_bin is not None, "node (v20+) is not on PATH"
    for name in packages:
        assert (NODE_MODULES / name / "package.json").is_file(), \
            f"npm package {name} is not installed: run `npm ci` at the repository root " \
            "(make test does)"
    return Path(node_bin)


# -- JSON-RPC ----------------------------------------------------------------------------------

class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')} {error.get('data', '')}")
        self.code = error.get("code")
        self.error = error


def jwt_token(secret: bytes, iat: int | None = None) -> str:
    """An HS256 JWT with an ``iat`` claim, as a consensus client sends it (Engine API auth)."""
    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"iat": int(time.time()) if iat is None else iat}).encode())
    signing_input = header + b"." + claims
    signature = b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + signature).decode()


class Rpc:
    """A blocking JSON-RPC client over one keep-alive HTTP connection."""

    def __init__(self, url: str, jwt_secret: bytes | None = None, timeout: float = 60) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.jwt_secret = jwt_secret
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.next_id = 0

    def _post(self, body: bytes) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.jwt_secret is not None:
            headers["Authorization"] = "Bearer " + jwt_token(self.jwt_secret)
        for attempt in (0, 1):  # one retry on a connection the server closed meanwhile
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", "/", body, headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            if resp.status != 200:
                raise RpcError({"code": resp.status, "message": data.decode(errors="replace")})
            return json.loads(data)
        raise AssertionError("unreachable")

    def call(self, method: str, *params: Any) -> Any:
        self.next_id += 1
        reply = self._post(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                       "params": list(params)}).encode())
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        """Send calls as one JSON-RPC batch; the replies (``result`` or ``error``) in order."""
        first = self.next_id + 1
        self.next_id += len(calls)
        body = json.dumps([{"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
                           for i, (m, p) in enumerate(calls)]).encode()
        replies = {r["id"]: r for r in self._post(body)}
        return [replies[first + i] for i in range(len(calls))]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def wait_receipt(self, tx_hash: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            receipt = self.call("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt  # type: ignore[no-any-return]
            time.sleep(0.05)
        raise TimeoutError(f"no receipt for {tx_hash} within {timeout}s")


# -- processes ---------------------------------------------------------------------------------

def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float,
                name: str) -> None:
    rpc = Rpc(url, timeout=2)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if rpc.call("eth_chainId"):
                    return
            except (OSError, RpcError):
                rpc.close()
                time.sleep(0.1)
    finally:
        rpc.close()
    raise RuntimeError(f"{name} did not answer within {timeout}s:\n{log.read_text()}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True, slots=True)
class DevNode:
    http_url: str
    auth_url: str
    datadir: Path
    log: Path
    pid: int = 0

    def rpc(self) -> Rpc:
        return Rpc(self.http_url)

    def engine_rpc(self) -> Rpc:
        """A client of the Engine API port, authenticated with the node's JWT secret file."""
        text = (self.datadir / "jwt.hex").read_text().strip()
        return Rpc(self.auth_url, jwt_secret=bytes.fromhex(text.removeprefix("0x")))


@contextmanager
def ethrex_node(*args: str, timeout: float = 60, datadir: Path | None = None
                ) -> Iterator[DevNode]:
    """``ethrex`` with ``args`` on free loopback ports; ready once it answers eth_chainId. Its
    datadir is ``datadir`` (kept), else a temporary folder. Stopped with SIGTERM (then SIGKILL)
    on exit; a test may stop it itself with SIGTERM (``DevNode.pid``), then it must have
    exited cleanly."""
    tmp = Path(tempfile.mkdtemp(prefix="ethrex-e2e-"))
    datadir = datadir if datadir is not None else tmp / "db"
    http_port, auth_port, p2p = free_port(), free_port(), free_port()
    log = tmp / "node.log"
    cmd = [sys.executable, "-m", "ethrex.cli", *args, "--datadir", str(datadir),
           "--http.addr", "127.0.0.1", "--http.port", str(http_port),
           "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(auth_port),
           "--p2p.port", str(p2p), "--discovery.port", str(p2p)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        url = f"http://127.0.0.1:{http_port}"
        wait_ready(url, proc, log, timeout, "ethrex")
        yield DevNode(url, f"http://127.0.0.1:{auth_port}", datadir, log, proc.pid)
        assert proc.poll() in (None, 0), f"ethrex died during the test:\n{log.read_text()}"
    finally:
        stop_process(proc)
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def dev_node(period: float = 0, timeout: float = 60, args: Sequence[str] = (),
             datadir: Path | None = None) -> Iterator[DevNode]:
    """``ethrex --dev`` (``ethrex_node``): a block every ``period`` seconds, or (0) one as soon
    as transactions arrive; ``args`` are more flags, ``datadir`` a kept data directory."""
    with ethrex_node("--dev", "--dev.period", str(period), *args, timeout=timeout,
                     datadir=datadir) as node:
        yield node


# anvil gives its first mined block the configured base fee, where EIP-1559 derives block 1's
# from the genesis (1 gwei, empty: 7/8 of it, as ethrex --dev does): start anvil one step on so
# that both chains' blocks have the same base fees.
ANVIL_BASE_FEE = 1_000_000_000 * 7 // 8


@contextmanager
def anvil(hardfork: str = "osaka", timeout: float = 30,
          block_time: float | None = None, accounts: int = 10,
          mnemonic: str | None = None) -> Iterator[str]:
    """anvil (npm ``@foundry-rs/anvil-linux-amd64``) on a free loopback port with ``accounts``
    of the dev mnemonic (or ``mnemonic``), chain id 31337, ethrex --dev's gas limit and base
    fees, and one block per transaction (or one every ``block_time`` seconds); yields its
    URL."""
    assert ANVIL_BIN.is_file(), f"{ANVIL_BIN} is missing: run `npm ci` (make test does)"
    tmp = Path(tempfile.mkdtemp(prefix="anvil-e2e-"))
    port = free_port()
    log = tmp / "anvil.log"
    cmd = [str(ANVIL_BIN), "--host", "127.0.0.1", "--port", str(port), "--hardfork", hardfork,
           "--chain-id", str(CHAIN_ID), "--accounts", str(accounts), "--balance", "10000",
           "--gas-limit", "30000000", "--base-fee", str(ANVIL_BASE_FEE)]
    if mnemonic is not None:
        cmd += ["--mnemonic", mnemonic]
    if block_time is not None:
        cmd += ["--block-time", str(block_time)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc, log, timeout, "anvil")
        yield url
    finally:
        stop_process(proc)
        shutil.rmtree(tmp, ignore_errors=True)


# -- contracts ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Compiled:
    abi: list[dict[str, Any]]
    bytecode: str  # 0x-hex init code
    runtime: str  # 0x-hex deployed code


@cache
def compile_solidity(path: Path, evm_version: str = "osaka") -> dict[str, Compiled]:
    """Compile one Solidity file with solc-js from node_modules (offline); contracts by name."""
    node_bin = require_node_modules("solc")
    run = subprocess.run([str(node_bin), str(HERE / "solc_compile.mjs"), str(path), evm_version],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"solc-js failed:\n{run.stderr}\n{run.stdout}"
    out = json.loads(run.stdout)
    return {name: Compiled(c["abi"], "0x" + c["bytecode"], "0x" + c["runtime"])
            for name, c in out.items()}


STORE_SOL = HERE / "contracts" / "Store.sol"
