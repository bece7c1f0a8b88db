"""Two ethrex nodes: A holds the generated chain; B starts from genesis with A as its only
bootnode, finds A through discv4, and syncs A's chain, in full mode and in snap mode. Each sync
is killed with SIGKILL half-way; B restarts on the same data directory and must finish with
A's head and the same state roots at every 100th block.

The full sync is started the way a consensus client starts it: ``engine_forkchoiceUpdated``
naming A's head, which B lacks, answers SYNCING; after the kill B resumes towards that head by
itself (no consensus client call, no command-line target). The snap sync takes its target from
``--sync.target``."""

from typing import Any

from tests.p2p.harness import (
    CHAIN_BLOCKS,
    EthrexNode,
    chain_dir,
    chain_head,
    imported_datadir,
    running,
    state_roots,
    wait_until,
    workspace,
)

EVERY_100TH = list(range(0, CHAIN_BLOCKS + 1, 100)) + [CHAIN_BLOCKS]


def syncing(node: EthrexNode) -> Any:
    return node.rpc().call("eth_syncing")


def test_discovery_then_full_and_snap_sync_survive_kill_9() -> None:
    chain = chain_dir()
    target = chain_head(chain)
    with workspace("ethrex-pair-") as tmp:
        a = EthrexNode(tmp, chain, "a", datadir_from=imported_datadir(chain))
        full = EthrexNode(tmp, chain, "b-full")
        snap = EthrexNode(tmp, chain, "b-snap")
        with running(a, full, snap):
            a.start()
            info = a.rpc().call("admin_nodeInfo")
            assert info["enode"] == a.enode and info["enr"].startswith("enr:")
            assert info["ports"] == {"discovery": a.p2p_port, "listener": a.p2p_port}
            assert a.rpc().call("net_listening") is True
            want = state_roots(a.rpc(), EVERY_100TH)

            # B (full): found A by discv4 (bootnodes seed discovery only), told the head by the
            # Engine API, killed half-way
            args = ["--bootnodes", a.enode, "--syncmode", "full"]
            full.start(args)
            peers = wait_until(lambda: full.rpc().call("admin_peers"), 60, "B peered with A")
            state = {"headBlockHash": target, "safeBlockHash": target,
                     "finalizedBlockHash": target}
            answer = full.engine().call("engine_forkchoiceUpdatedV3", state, None)
            assert answer["payloadStatus"]["status"] == "SYNCING"
            assert peers[0]["id"] == info["id"] and "eth/72" in peers[0]["caps"]
            assert full.rpc().call("net_peerCount") == "0x1"
            wait_until(lambda: (s := syncing(full)) and s["phase"] == "blocks"
                       and int(s["currentBlock"], 16) >= 300, 300, "full sync half-way")
            full.kill9()
            full.start(args)
            full.wait_head(target, 300, "full sync resumed")
            assert state_roots(full.rpc(), EVERY_100TH) == want
            assert syncing(full) is False
            log = full.log.read_text()
            assert "sync (full) from #0 " in log and log.count("sync (full) from #") == 2
            assert "sync (full) from #0 " not in log.split("ethrex: datadir")[2]  # resumed
            restarted = log.split("ethrex: datadir")[2]
            assert int(restarted.split("sync (full) from #")[1].split()[0]) >= 300

            # B (snap): killed while downloading state, resumes at the same pivot
            args = ["--bootnodes", a.enode, "--sync.target", target, "--syncmode", "snap"]
            snap.start(args)
            wait_until(lambda: (s := syncing(snap)) and s["phase"] in ("accounts", "storage"),
                       300, "snap sync in its state phase", every=0.05)
            snap.kill9()
            snap.start(args)
            snap.wait_head(target, 300, "snap sync resumed")
            assert state_roots(snap.rpc(), EVERY_100TH) == want
            assert "snap sync: resuming at pivot" in snap.log.read_text()
            for address in ("0x" + "00" * 19 + "77", "0x" + "00" * 19 + "fe"):
                assert snap.rpc().call("eth_getBalance", address, "latest") == \
                    a.rpc().call("eth_getBalance", address, "latest")
            assert a.alive()


def test_snap_sync_moves_a_stale_pivot_and_heals() -> None:
    """B first aims at block 900: its pivot (#836) is older than the 128 states A serves, so no
    peer answers for it. When the consensus client names A's head, B moves the pivot to #1036,
    builds what it has, and heals the rest of the state with GetTrieNodes."""
    chain = chain_dir()
    target = chain_head(chain)
    with workspace("ethrex-heal-") as tmp:
        a = EthrexNode(tmp, chain, "a", ["--nodiscover"], datadir_from=imported_datadir(chain))
        b = EthrexNode(tmp, chain, "b")
        with running(a, b):
            a.start()
            old = a.rpc().call("eth_getBlockByNumber", hex(900), False)["hash"]
            b.start(["--nodiscover", "--bootnodes", a.enode, "--sync.target", old,
                     "--syncmode", "snap"])
            wait_until(lambda: "no peer answered snap" in b.log.read_text(), 120,
                       "B found the pivot's state unserved")
            state = {"headBlockHash": target, "safeBlockHash": target,
                     "finalizedBlockHash": target}
            assert b.engine().call("engine_forkchoiceUpdatedV3", state, None)[
                "payloadStatus"]["status"] == "SYNCING"
            b.wait_head(target, 300, "B synced after the move")
            log = b.log.read_text()
            assert "moving the pivot to #1036" in log and "healed" in log
            assert state_roots(b.rpc(), EVERY_100TH) == state_roots(a.rpc(), EVERY_100TH)
            contract = "0x" + "00" * 19 + "77"
            assert b.rpc().call("eth_getBalance", contract, "latest") == \
                a.rpc().call("eth_getBalance", contract, "latest")
