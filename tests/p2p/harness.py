"""Processes of the p2p tests: ``ethrex`` and ``geth`` nodes on free loopback ports, with the
generated sync chain (``bench.sync_chain``), and the Go tools of ``make tools``.

Every node runs in a temporary data directory and is stopped (SIGTERM, then SIGKILL) when its
context exits. ``EthrexNode.kill9()`` and ``start()`` give the crash-and-resume tests a node
that dies without cleaning up and comes back on the same data directory.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.sync_chain import cached_chain
from ethrex.primitives import keccak256
from ethrex.types.network_transactions import kzg_to_versioned_hash
from tests.e2e.harness import Rpc, RpcError, free_port

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "bin"
GETH = TOOLS / "geth"
DEVP2P = TOOLS / "devp2p"
CHAIN_BLOCKS = 1100


def require_tools() -> None:
    """geth and devp2p from ``make tools``; missing ones fail the test, never skip it."""
    for tool in (GETH, DEVP2P):
        assert tool.is_file(), f"{tool} is missing: run `make tools` (make test does)"


def chain_dir() -> Path:
    """The generated chain (1,100 blocks with contract state), built once per machine."""
    return cached_chain(CHAIN_BLOCKS)


def chain_head(chain: Path) -> str:
    fcu = json.loads((chain / "headfcu.json").read_text())
    return str(fcu["params"][0]["headBlockHash"])


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (OSError, RpcError):
            last = None
        if last:
            return last
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {timeout}s (last: {last!r})")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def imported_datadir(chain: Path) -> Path:
    """A data directory holding the whole chain, imported once and then copied by each test
    (the import runs the chain's 1,100 blocks, the copy takes a moment)."""
    template = Path(tempfile.gettempdir()) / f"{chain.name}-ethrex-datadir"
    if not (template / "chaindata").exists():
        tmp = template.with_name(template.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        run = subprocess.run(
            [sys.executable, "-m", "ethrex.cli", "import", str(chain / "chain.rlp"),
             "--network", str(chain / "genesis.json"), "--datadir", str(tmp)],
            cwd=REPO, capture_output=True, text=True, timeout=600,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        assert run.returncode == 0, f"import failed:\n{run.stdout}\n{run.stderr}"
        try:
            os.replace(tmp, template)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    return template


class _Node:
    """What both clients' nodes offer: their RPC and Engine API clients, and stopping."""

    datadir: Path
    http_port: int
    auth_port: int
    proc: "subprocess.Popen[bytes] | None"

    def rpc(self) -> Rpc:
        return Rpc(f"http://127.0.0.1:{self.http_port}", timeout=30)

    def engine(self) -> Rpc:
        secret = (self.datadir / "jwt.hex").read_text().strip().removeprefix("0x")
        return Rpc(f"http://127.0.0.1:{self.auth_port}", jwt_secret=bytes.fromhex(secret))

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


class EthrexNode(_Node):
    """``ethrex`` on loopback: RPC, Engine API, RLPx and discovery on free ports."""

    def __init__(self, tmp: Path, chain: Path, name: str, extra: list[str] | None = None,
                 datadir_from: Path | None = None) -> None:
        self.tmp = tmp
        self.chain = chain
        self.name = name
        self.datadir = tmp / name
        if datadir_from is not None:
            shutil.copytree(datadir_from, self.datadir)
        self.http_port, self.auth_port, self.p2p_port = free_port(), free_port(), free_port()
        self.extra = list(extra or [])
        self.log = tmp / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.enode = ""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "ethrex.cli", "--network", str(self.chain / "genesis.json"),
                "--datadir", str(self.datadir),
                "--http.addr", "127.0.0.1", "--http.port", str(self.http_port),
                "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(self.auth_port),
                "--p2p.addr", "127.0.0.1", "--p2p.port", str(self.p2p_port),
                "--discovery.addr", "127.0.0.1", "--discovery.port", str(self.p2p_port),
                *self.extra]

    def start(self, extra: list[str] | None = None, timeout: float = 120) -> "EthrexNode":
        if extra is not None:
            self.extra = list(extra)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.command(), cwd=REPO, stdout=out,
                                         stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONPATH": str(REPO)})
        self.enode = wait_until(self._enode, timeout, f"{self.name} enode")
        wait_until(lambda: self.rpc().call("eth_chainId"), timeout, f"{self.name} RPC")
        return self

    def _enode(self) -> str | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()}")
        found = re.findall(r"ethrex: enode (enode://\S+)", self.log.read_text())
        return found[-1] if found else None

    def jwt_hex(self) -> str:
        return (self.datadir / "jwt.hex").read_text().strip()

    def head(self) -> dict[str, Any]:
        return self.rpc().call("eth_getBlockByNumber", "latest", False)  # type: ignore

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_head(self, block_hash: str, timeout: float, what: str) -> None:
        """Until the node's head is ``block_hash``; a timeout shows the end of its log."""
        try:
            wait_until(lambda: self.head()["hash"] == block_hash, timeout, what)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n--- {self.name} log:\n"
                               f"{self.log.read_text()[-4000:]}") from None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


class GethNode(_Node):
    """geth on loopback with the chain's genesis (and, with ``import_chain``, its blocks)."""

    def __init__(self, tmp: Path, chain: Path, name: str, import_chain: bool,
                 extra: list[str] | None = None) -> None:
        self.tmp = tmp
        self.chain = chain
        self.name = name
        self.datadir = tmp / name
        self.log = tmp / f"{name}.log"
        self.http_port, self.auth_port, self.p2p_port = free_port(), free_port(), free_port()
        self.extra = list(extra or [])
        self.proc: subprocess.Popen[bytes] | None = None
        init = subprocess.run([str(GETH), "--datadir", str(self.datadir), "init",
                               str(chain / "genesis.json")], capture_output=True, text=True)
        assert init.returncode == 0, init.stderr
        if import_chain:
            run = subprocess.run([str(GETH), "--datadir", str(self.datadir), "import",
                                  str(chain / "chain.rlp")], capture_output=True, text=True,
                                 timeout=600)
            assert run.returncode == 0, run.stderr[-3000:]

    def start(self) -> "GethNode":
        cmd = [str(GETH), "--datadir", str(self.datadir), "--networkid", "1337",
               "--port", str(self.p2p_port), "--nodiscover", "--nat", "none",
               "--http", "--http.addr", "127.0.0.1", "--http.port", str(self.http_port),
               "--http.api", "admin,eth,net,txpool,debug",
               "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(self.auth_port),
               "--authrpc.jwtsecret", str(self.datadir / "jwt.hex"),
               "--ipcdisable", "--verbosity", "3", *self.extra]
        self.datadir.mkdir(parents=True, exist_ok=True)
        secret = self.datadir / "jwt.hex"
        if not secret.exists():
            secret.write_text("0x" + os.urandom(32).hex())
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        info = wait_until(lambda: self.rpc().call("admin_nodeInfo"), 60, f"{self.name} RPC")
        self.enode = str(info["enode"]).split("?")[0]
        return self


@contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def running(*nodes: Any) -> Iterator[None]:
    """Stop every node on the way out (they were started by the caller)."""
    try:
        yield
    finally:
        for node in reversed(nodes):
            node.stop()


def block_at(rpc: Rpc, number: int) -> dict[str, Any] | None:
    return rpc.call("eth_getBlockByNumber", hex(number), False)  # type: ignore


def state_roots(rpc: Rpc, numbers: list[int]) -> list[str | None]:
    out = []
    for n in numbers:
        block = block_at(rpc, n)
        out.append(None if block is None else block["stateRoot"])
    return out


# -- a consensus client's part: producing blocks through the Engine API -------------------------

def produce_block(builder: Rpc, engines: list[Rpc], parent: dict[str, Any], seed: int,
                  expect: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Build a block on ``parent`` with ``builder`` (forkchoiceUpdated with attributes, then
    getPayload), give it to every engine (newPayload) and make it their head; returns the
    payload. Osaka: forkchoiceUpdatedV3, getPayloadV5, newPayloadV4.

    geth answers getPayload with the empty block it made first when its full one is not built
    yet (on a loaded machine, right after forkchoiceUpdated): like a consensus client, which
    asks seconds later, wait; with ``expect`` (transaction hashes), wait longer until the
    payload holds them (up to about 20 s)."""
    for attempt in range(1, 7):
        built, hashes = _build(builder, parent, seed, attempt, wait=0.5 * attempt)
        if expect <= hashes:
            break
    else:
        raise AssertionError(f"the builder's payloads never held {sorted(expect)}")
    payload = built["executionPayload"]
    head = parent["hash"]
    beacon_root = _beacon_root(seed)
    requests = built["executionRequests"]
    blob_hashes = ["0x" + kzg_to_versioned_hash(bytes.fromhex(c[2:])).hex()
                   for c in built["blobsBundle"]["commitments"]]
    new_head = {"headBlockHash": payload["blockHash"], "safeBlockHash": head,
                "finalizedBlockHash": head}
    for engine in engines:
        status = engine.call("engine_newPayloadV4", payload, blob_hashes, beacon_root, requests)
        assert status["status"] == "VALID", status
        choice = engine.call("engine_forkchoiceUpdatedV3", new_head, None)
        assert choice["payloadStatus"]["status"] == "VALID", choice
    return payload  # type: ignore[no-any-return]


def _beacon_root(seed: int) -> str:
    return "0x" + bytes([seed % 256]).hex() * 32


def _build(builder: Rpc, parent: dict[str, Any], seed: int, attempt: int, wait: float
           ) -> tuple[dict[str, Any], set[str]]:
    """forkchoiceUpdated with attributes on ``parent``, ``wait`` seconds, getPayload: the
    built payload and the hashes of its transactions.
    Each attempt has its own prevRandao: a builder answers attributes it has seen with the
    payload it already handed out."""
    head = parent["hash"]
    state = {"headBlockHash": head, "safeBlockHash": head, "finalizedBlockHash": head}
    attrs = {"timestamp": hex(int(parent["timestamp"], 16) + 12),
             "prevRandao": "0x" + bytes([(seed + attempt) % 256]).hex() * 32,
             "suggestedFeeRecipient": "0x" + "00" * 19 + "fe", "withdrawals": [],
             "parentBeaconBlockRoot": _beacon_root(seed)}
    started = builder.call("engine_forkchoiceUpdatedV3", state, attrs)
    assert started["payloadStatus"]["status"] == "VALID", started
    time.sleep(wait)
    built: dict[str, Any] = builder.call("engine_getPayloadV5", started["payloadId"])
    hashes = {"0x" + keccak256(bytes.fromhex(tx[2:])).hex()
              for tx in built["executionPayload"]["transactions"]}
    return built, hashes


def suite_keys(chain: Path) -> list[bytes]:
    """Funded keys the chain never used (``accounts.json``)."""
    accounts = json.loads((chain / "accounts.json").read_text())
    return [bytes.fromhex(a["key"][2:]) for a in accounts.values()]
