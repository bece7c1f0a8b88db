"""What the L2 end-to-end tests share: an L1 (``ethrex --dev``, anvil or ``geth --dev``, each
making a block every second) with the dev keys funded, ``ethrex l2 deploy`` and the other
``ethrex l2`` commands run as subprocesses, and an ``ethrex l2`` sequencer subprocess that
can be killed (SIGKILL) and started again on the same datadir.

geth comes from ``make tools`` (``.tools/bin/geth``): when it is missing the tests that need it
fail, they never skip.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_account import Account

from tests.e2e.harness import (
    DEV_ADDRESSES,
    REPO,
    Rpc,
    RpcError,
    anvil,
    dev_node,
    free_port,
    stop_process,
    wait_ready,
)

GETH_BIN = REPO / ".tools" / "bin" / "geth"
L1_KINDS = ("ethrex", "anvil", "geth")
L1_BLOCK_TIME = 1
SEQUENCER_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"  # dev #9
ETHER = 10**18
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@contextmanager
def geth_dev(period: int = L1_BLOCK_TIME, timeout: float = 60) -> Iterator[str]:
    """``geth --dev`` (from ``make tools``) on a free loopback port, a block every ``period``
    seconds, with the dev keys (and the sequencer's) funded from its developer account."""
    assert GETH_BIN.is_file(), f"{GETH_BIN} is missing: run `make tools` (make test does)"
    tmp = Path(tempfile.mkdtemp(prefix="geth-l2-"))
    port = free_port()
    log = tmp / "geth.log"
    cmd = [str(GETH_BIN), "--dev", "--dev.period", str(period), "--datadir", str(tmp / "data"),
           "--http", "--http.addr", "127.0.0.1", "--http.port", str(port),
           "--http.api", "eth,net,web3", "--port", "0", "--nodiscover", "--ipcdisable",
           "--authrpc.port", str(free_port())]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc, log, timeout, "geth")
        rpc = Rpc(url)
        (developer,) = rpc.call("eth_accounts")
        funded = [*DEV_ADDRESSES, Account.from_key(SEQUENCER_KEY).address]
        hashes = [rpc.call("eth_sendTransaction", {"from": developer, "to": address,
                                                   "value": hex(1000 * ETHER)})
                  for address in funded]
        for tx_hash in hashes:
            rpc.wait_receipt(tx_hash, timeout=30)
        rpc.close()
        yield url
    finally:
        stop_process(proc)
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def l1_node(kind: str) -> Iterator[str]:
    """An L1 of ``kind`` with a block every second and the dev keys funded; yields its URL."""
    if kind == "ethrex":
        with dev_node(period=L1_BLOCK_TIME) as node:
            yield node.http_url
    elif kind == "anvil":
        with anvil(block_time=L1_BLOCK_TIME) as url:
            yield url
    elif kind == "geth":
        with geth_dev() as url:
            yield url
    else:
        raise ValueError(kind)


def ethrex_l2(*args: str, check: bool = True,
              timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``ethrex l2 ARGS`` as a user runs it."""
    run = subprocess.run([sys.executable, "-m", "ethrex.cli", "l2", *args], cwd=REPO, env=ENV,
                         capture_output=True, text=True, timeout=timeout)
    if check:
        assert run.returncode == 0, f"ethrex l2 {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
    return run


def deploy(l1_url: str, out: Path, *extra: str) -> dict[str, Any]:
    """``ethrex l2 deploy`` with the sequencer's key (and ``extra`` flags: ``--proofs``,
    ``--attester``); the deployment file's contents."""
    ethrex_l2("deploy", "--l1.rpc", l1_url, "--private-key", SEQUENCER_KEY, "--out", str(out),
              *extra)
    return json.loads(out.read_text())  # type: ignore[no-any-return]


class Subprocess:
    """A command run with its output in ``log``; started, killed (SIGKILL) and started
    again."""

    def __init__(self, cmd: list[str], log: Path) -> None:
        self.cmd = cmd
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.cmd, cwd=REPO, env=ENV, stdout=out,
                                         stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


class Sequencer(Subprocess):
    """An ``ethrex l2`` subprocess on ``datadir``, started, killed and started again; its
    proof coordinator on ``proof_port``, with an exec prover of its own (``--exec-prover``)
    unless ``exec_prover`` is False."""

    def __init__(self, l1_url: str, deployment: Path, datadir: Path, *extra: str,
                 exec_prover: bool = True) -> None:
        self.port = free_port()
        self.proof_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.datadir = datadir
        cmd = [sys.executable, "-m", "ethrex.cli", "l2", "--l1.rpc", l1_url,
               "--deployment", str(deployment), "--committer.key", SEQUENCER_KEY,
               "--datadir", str(datadir), "--http.port", str(self.port),
               "--block-time", "500", "--batch.max-age", "2000", "--l1.poll", "500",
               "--l1.confirmations", "1", "--l1.bump-after", "6",
               "--proof.port", str(self.proof_port), "--proof.lease", "10",
               *(["--exec-prover"] if exec_prover else []), *extra]
        super().__init__(cmd, datadir.parent / f"{datadir.name}.log")
        self.starts = 0

    def start(self, timeout: float = 60) -> None:  # type: ignore[override]
        super().start()
        self.starts += 1
        assert self.proc is not None
        wait_ready(self.url, self.proc, self.log, timeout, "ethrex l2")

    def rpc(self) -> Rpc:
        return Rpc(self.url)


@contextmanager
def sequencer(l1_url: str, *extra: str, deploy_args: tuple[str, ...] = (),
              exec_prover: bool = True) -> Iterator[tuple[Sequencer, dict[str, Any]]]:
    """The contracts deployed on ``l1_url`` (``ethrex l2 deploy`` with ``deploy_args``) and a
    running sequencer; yields it and the deployment."""
    tmp = Path(tempfile.mkdtemp(prefix="ethrex-l2-"))
    try:
        deployment = deploy(l1_url, tmp / "deployment.json", *deploy_args)
        node = Sequencer(l1_url, tmp / "deployment.json", tmp / "l2", *extra,
                         exec_prover=exec_prover)
        node.start()
        try:
            yield node, deployment
            assert node.alive(), f"ethrex l2 died during the test:\n{node.log_text()}"
        finally:
            node.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Prover(Subprocess):
    """An ``ethrex l2 prover`` subprocess for ``node``'s coordinator, killed and started
    again."""

    def __init__(self, node: "Sequencer", backend: str, key: str | None = None) -> None:
        super().__init__(
            [sys.executable, "-m", "ethrex.cli", "l2", "prover", "--backend", backend,
             "--coordinator", f"127.0.0.1:{node.proof_port}", "--poll", "300",
             *(["--key", key] if key else [])],
            node.datadir.parent / f"prover-{backend}-{free_port()}.log")


@contextmanager
def provers(node: Sequencer, *specs: tuple[str, str | None]) -> Iterator[list[Prover]]:
    """Prover subprocesses ``(backend, key)`` for ``node``, stopped at the end."""
    started = [Prover(node, backend, key) for backend, key in specs]
    try:
        for prover in started:
            prover.start()
        yield started
    finally:
        for prover in started:
            prover.stop()


def wait_for(what: str, check: Any, timeout: float = 60, every: float = 0.25) -> Any:
    """Poll ``check()`` until it returns a truthy value (returned); fail after ``timeout``.
    An RPC failure while polling (a node restarting) counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
        except (OSError, RpcError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)
