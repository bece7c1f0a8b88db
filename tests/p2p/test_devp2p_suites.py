"""The devp2p protocol suites of go-ethereum v1.17.10 (what hive runs against every client):
``devp2p rlpx eth-test``, ``devp2p rlpx snap-test`` and ``devp2p discv4 test``, against a
running ``ethrex`` that holds the generated chain.

The suites ship a test chain that reaches Amsterdam (block access lists, slot numbers), which
ethrex does not implement, so they run on our generated chain instead (``bench.sync_chain``
writes every file the suites read). Some snap tests compare against constants of the shipped
chain; for them the baseline is geth itself on our chain: ethrex must pass every test geth
passes there, and fail the others in the same way (the same sub-tests, the same values).
"""

import re
import subprocess
from pathlib import Path

from tests.p2p.harness import (
    DEVP2P,
    EthrexNode,
    GethNode,
    chain_dir,
    imported_datadir,
    require_tools,
    running,
    workspace,
)

# snap-test cases that fail on a chain other than the shipped one, for geth as for ethrex:
# their expected values (account hashes, counts under byte limits, trie node hashes, storage
# of a known contract) are constants of the shipped chain's state.
SNAP_CHAIN_CONSTANTS = {"AccountRange", "GetTrieNodes", "GetStorageRanges"}


def run_suite(args: list[str], timeout: float) -> tuple[set[str], set[str], str]:
    """Run a devp2p suite; the names of the tests that passed and failed, and its output."""
    proc = subprocess.run([str(DEVP2P), *args], capture_output=True, text=True,
                          timeout=timeout)
    out = proc.stdout + proc.stderr
    passed = set(re.findall(r"^-- OK (\S+)", out, re.MULTILINE))
    failed = set(re.findall(r"^-- FAIL (\S+)", out, re.MULTILINE))
    assert passed or failed, f"the suite ran no test:\n{out[-3000:]}"
    return passed, failed, out


def rlpx_args(kind: str, node: EthrexNode | GethNode, chain: Path, enode: str, jwt: str
              ) -> list[str]:
    return ["rlpx", kind, "--chain", str(chain), "--engineapi",
            f"http://127.0.0.1:{node.auth_port}", "--jwtsecret", jwt, "--node", enode]


def test_eth_snap_and_discv4_suites() -> None:
    require_tools()
    chain = chain_dir()
    with workspace("ethrex-devp2p-") as tmp:
        node = EthrexNode(tmp, chain, "ethrex", ["--p2p.maxpeers", "200"],
                          datadir_from=imported_datadir(chain))
        with running(node):
            node.start()
            passed, failed, out = run_suite(
                rlpx_args("eth-test", node, chain, node.enode, node.jwt_hex()), 600)
            assert not failed and len(passed) == 24, out[-6000:]

            passed, failed, out = run_suite(["discv4", "test", "--remote", node.enode], 300)
            assert not failed and len(passed) == 15, out[-4000:]

            snap_passed, snap_failed, snap_out = run_suite(
                rlpx_args("snap-test", node, chain, node.enode, node.jwt_hex()), 300)
            assert node.alive(), node.log.read_text()[-3000:]

        geth = GethNode(tmp, chain, "geth", import_chain=True)
        with running(geth):
            geth.start()
            jwt = (geth.datadir / "jwt.hex").read_text().strip()
            geth_passed, geth_failed, geth_out = run_suite(
                rlpx_args("snap-test", geth, chain, geth.enode, jwt), 300)
        assert geth_failed == SNAP_CHAIN_CONSTANTS, geth_out[-3000:]
        assert (snap_passed, snap_failed) == (geth_passed, geth_failed), snap_out
        assert failures(snap_out) == failures(geth_out), snap_out


def failures(out: str) -> list[str]:
    """The suite's failure lines (sub-test numbers, expected and received values)."""
    return sorted(line.strip() for line in out.splitlines() if "failed" in line)
