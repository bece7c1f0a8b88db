"""The execution-apis rpc-compat suite against the node as started from the command line
(issue 16), the way hive runs it: ``ethrex --network genesis.json --import chain.rlp`` in a
subprocess, ``headfcu.json`` through the Engine API port with the JWT, then every request of
every ``.io`` file (``../shared/fixtures/rpc-compat``) on the HTTP port, in name order (the
sendRawTransaction files fill the pool that txpool_* and testing_* files read). No handler is
patched: ``testing_buildBlockV1`` is served because ``--http.api`` asks for the ``testing``
namespace, as reth and geth gate it, and builds towards ``--miner.gaslimit`` as hive sets it.

Files listed in ``known_failures_rpc_compat.txt`` (with their reason) must fail, every other
file must pass.
"""

import http.client
import json
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.harness import ethrex_node, jwt_token
from tests.fixtures_root import fixtures_root
from tests.rpc.compat import JWT_SECRET, compare, read_io

KNOWN = Path(__file__).with_name("known_failures_rpc_compat.txt")
HTTP_API = "eth,net,web3,debug,txpool,admin,testing"
# The gas limit target hive gives every client of rpc-compat (HIVE_TARGET_GAS_LIMIT: geth's
# --miner.gaslimit, nethermind's Blocks.TargetBlockGasLimit): geth's default, with which the
# testing_buildBlockV1 replies were recorded (one step down from the parent's 200,000,000).
MINER_GAS_LIMIT = 60_000_000


def known_failures() -> dict[str, str]:
    out = {}
    for line in KNOWN.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


class Poster:
    """Raw JSON-RPC bodies over one keep-alive connection (the .io files' exact bytes)."""

    def __init__(self, url: str, jwt_secret: bytes | None = None) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                               timeout=120)
        self.jwt_secret = jwt_secret

    def post(self, body: str) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.jwt_secret is not None:
            headers["Authorization"] = "Bearer " + jwt_token(self.jwt_secret)
        self.conn.request("POST", "/", body.encode(), headers)
        reply = self.conn.getresponse()
        return json.loads(reply.read())


def run_suite(root: Path) -> dict[str, str | None]:
    results: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="rpc-compat-") as tmp:
        secret_file = Path(tmp) / "jwt.hex"
        secret_file.write_text("0x" + JWT_SECRET.hex())
        with ethrex_node("--network", str(root / "genesis.json"),
                         "--import", str(root / "chain.rlp"),
                         "--authrpc.jwtsecret", str(secret_file),
                         "--http.api", HTTP_API, "--miner.gaslimit", str(MINER_GAS_LIMIT),
                         timeout=300) as node:
            reply = Poster(node.auth_url, JWT_SECRET).post((root / "headfcu.json").read_text())
            status = reply.get("result", {}).get("payloadStatus", {}).get("status")
            assert status == "VALID", f"headfcu.json through the engine port: {reply}"
            http = Poster(node.http_url)
            for path in sorted(root.rglob("*.io")):
                io = read_io(path, root)
                problem = None if io.exchanges else "no exchanges in file"
                for ex in io.exchanges:
                    problem = compare(io, http.post(ex.request), ex.reply)
                    if problem is not None:
                        break
                results[io.name] = problem
    return results


@pytest.fixture(scope="module")
def suite_results() -> dict[str, str | None]:
    root = fixtures_root() / "rpc-compat"
    if not (root / "genesis.json").is_file():
        raise FileNotFoundError(f"rpc-compat fixtures missing at {root}")
    return run_suite(root)


def test_every_file_passes_or_is_listed(suite_results: dict[str, str | None]) -> None:
    known = known_failures()
    unexpected = {k: v for k, v in suite_results.items() if v is not None and k not in known}
    fixed = [k for k in known if suite_results.get(k, "missing") is None]
    missing = [k for k in known if k not in suite_results]
    assert len(suite_results) > 100, f"only {len(suite_results)} .io files found"
    assert not unexpected, "new failures:\n" + "\n".join(f"{k}: {v}" for k, v in
                                                         sorted(unexpected.items()))
    assert not fixed, f"listed as failing but pass now (remove them): {fixed}"
    assert not missing, f"listed files that do not exist: {missing}"
