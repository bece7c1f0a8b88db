"""Sync over loopback: ethrex syncing the generated chain from geth and from another ethrex
(full: blocks/s and Mgas/s; snap: accounts/s, MB/s and the time to a usable state), its peak
memory, and geth full-syncing the same chain from ethrex.

    python -m bench.p2p_sync [--blocks 1100] [--scale 1] [--json FILE]

Needs ``make tools`` (geth). Each sync runs alone, one after the other: the machine has two
cores and a second sync would take one of them. Figures come from the syncing node's own log
lines (execution time of the blocks, the snap state phase) and from the wall clock until the
node's head is the target.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from bench.sync_chain import cached_chain
from ethrex.types.block import decode_blocks
from tests.p2p.harness import (
    EthrexNode,
    GethNode,
    chain_head,
    imported_datadir,
    require_tools,
    running,
    wait_until,
    workspace,
)


def peak_memory_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def sync_ethrex(tmp: Path, chain: Path, source_enode: str, mode: str, name: str,
                total_gas: int) -> dict[str, Any]:
    target = chain_head(chain)
    node = EthrexNode(tmp, chain, name)
    with running(node):
        started = time.monotonic()
        node.start(["--nodiscover", "--bootnodes", source_enode, "--sync.target", target,
                    "--syncmode", mode])
        wait_until(lambda: node.head()["hash"] == target, 3600, f"{name} synced", every=0.5)
        wall = time.monotonic() - started
        assert node.proc is not None
        memory = peak_memory_mb(node.proc.pid)
    log = node.log.read_text()
    out: dict[str, Any] = {"sync": name, "mode": mode, "wall_s": round(wall, 1),
                           "peak_rss_mb": round(memory)}
    executed = re.findall(r"executed (\d+) blocks in ([\d.]+)s", log)
    if executed:
        blocks, seconds = int(executed[-1][0]), float(executed[-1][1])
        out["executed_blocks"] = blocks
        out["blocks_per_s"] = round(blocks / seconds, 1)
        if mode == "full":
            out["mgas_per_s"] = round(total_gas / seconds / 1e6, 2)
    state = re.search(r"state of (\d+) accounts, ([\d.]+) MB in ([\d.]+)s", log)
    if state:
        accounts, mb, seconds = int(state[1]), float(state[2]), float(state[3])
        out.update(accounts=accounts, state_mb=mb, state_s=seconds,
                   accounts_per_s=round(accounts / seconds), mb_per_s=round(mb / seconds, 2))
    return out


def sync_geth(tmp: Path, chain: Path, source_enode: str, blocks: int) -> dict[str, Any]:
    target = chain_head(chain)
    geth = GethNode(tmp, chain, "geth-from-ethrex", import_chain=False,
                    extra=["--syncmode", "full", "--synctarget", target,
                           "--bootnodes", source_enode])
    with running(geth):
        started = time.monotonic()
        geth.start()
        geth.rpc().call("admin_addPeer", source_enode)
        wait_until(lambda: geth.rpc().call("eth_blockNumber") == hex(blocks), 3600,
                   "geth synced from ethrex", every=0.2)
        wall = time.monotonic() - started
    return {"sync": "geth from ethrex", "mode": "full", "wall_s": round(wall, 1),
            "blocks_per_s": round(blocks / wall, 1)}


def run(blocks: int, scale: int) -> list[dict[str, Any]]:
    require_tools()
    chain = cached_chain(blocks, scale)
    chain_blocks = decode_blocks((chain / "chain.rlp").read_bytes())
    total_gas = sum(b.header.gas_used for b in chain_blocks)
    results = []
    with workspace("ethrex-sync-bench-") as tmp:
        geth = GethNode(tmp, chain, "geth-source", import_chain=True)
        source = EthrexNode(tmp, chain, "ethrex-source", ["--nodiscover"],
                            datadir_from=imported_datadir(chain))
        with running(geth, source):
            geth.start()
            source.start()
            for mode in ("full", "snap"):
                results.append(sync_ethrex(tmp, chain, geth.enode, mode,
                                           f"ethrex {mode} from geth", total_gas))
                results.append(sync_ethrex(tmp, chain, source.enode, mode,
                                           f"ethrex {mode} from ethrex", total_gas))
            results.append(sync_geth(tmp, chain, source.enode, blocks))
    for r in results:
        r.update(chain_blocks=blocks, chain_gas=total_gas)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p2p_sync")
    parser.add_argument("--blocks", type=int, default=1100)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args.blocks, args.scale)
    for r in results:
        print(json.dumps(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
