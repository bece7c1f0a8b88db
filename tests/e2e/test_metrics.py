"""Prometheus metrics while a chain imports (issue 16): ``ethrex --import chain.rlp --metrics``
in a subprocess is scraped during the import (head, blocks and gas imported, the rate, the
store's size), then, once it serves, after some JSON-RPC traffic (requests and latency per
method, the pool). The import prints its progress (percentage, rate, ETA).

The chain is made here on the dev genesis (the network ``ethrex`` runs without ``--network``)
by a ``DevChain``: many blocks of transfers, so that the import lasts long enough to be seen.
"""

import http.client
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.chainfile import write_blocks
from ethrex.dev import DEV_CHAIN_ID, dev_accounts, dev_genesis
from ethrex.rpc.context import node_context
from ethrex.storage import Store
from ethrex.types.transactions import FeeMarketTransaction, sign_transaction
from tests.e2e.harness import DEV_ADDRESSES, REPO, Rpc, free_port

BLOCKS = 1500
TRANSFERS = 6  # per block, one from each of the first accounts


def make_chain(path: Path) -> None:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    ctx = node_context(chain, ThreadPoolExecutor(1), dev_mode=True)
    assert ctx.dev is not None
    accounts = dev_accounts()
    for number in range(BLOCKS):
        for i in range(TRANSFERS):
            ctx.mempool.add(sign_transaction(FeeMarketTransaction(
                DEV_CHAIN_ID, number, 10**9, 10**11, 21000, accounts[i + 1][0], 1, b"", (),
                0, 0, 0), accounts[i][1]))
        ctx.dev.mine(1_000_000 + number)
    with open(path, "wb") as out:
        for _ in write_blocks(out, chain.store.canonical_blocks(1, BLOCKS)):
            pass


def scrape(port: int) -> dict[str, float]:
    """``name{labels}`` -> value of one scrape (empty when nothing listens yet)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/metrics")
        reply = conn.getresponse()
        body = reply.read().decode()
        conn.close()
    except OSError:
        return {}
    assert reply.status == 200 and reply.getheader("Content-Type", "").startswith("text/plain")
    out = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_while_a_chain_imports(tmp_path: Path) -> None:
    chain_file = tmp_path / "chain.rlp"
    make_chain(chain_file)
    metrics_port, http_port, auth_port, p2p = free_port(), free_port(), free_port(), free_port()
    log = tmp_path / "node.log"
    cmd = [sys.executable, "-m", "ethrex.cli", "--import", str(chain_file),
           "--datadir", str(tmp_path / "db"), "--metrics", "--metrics.port", str(metrics_port),
           "--http.port", str(http_port), "--authrpc.port", str(auth_port),
           "--p2p.port", str(p2p), "--discovery.port", str(p2p)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    rpc = Rpc(f"http://127.0.0.1:{http_port}", timeout=5)
    try:
        during: list[dict[str, float]] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            sample = scrape(metrics_port)
            imported = sample.get("ethrex_blocks_imported_total", 0)
            if 0 < imported < BLOCKS:
                during.append(sample)
            elif imported >= BLOCKS:
                break
            time.sleep(0.02)
        assert proc.poll() is None, log.read_text()
        assert during, f"no scrape caught the import:\n{log.read_text()}"
        last = during[-1]
        assert 0 < last["ethrex_head_block_number"] < BLOCKS
        for s in during:  # a block is counted once executed, the head moves once it is stored
            assert s["ethrex_head_block_number"] <= s["ethrex_blocks_imported_total"]
            assert s["ethrex_gas_imported_total"] == \
                s["ethrex_blocks_imported_total"] * TRANSFERS * 21000
        assert last["ethrex_store_size_bytes"] > 0
        assert any(s["ethrex_import_blocks_per_second"] > 0 for s in during) or len(during) == 1
        assert any(s["ethrex_import_mgas_per_second"] > 0 for s in during) or len(during) == 1

        while time.monotonic() < deadline:  # the node serves once the import is done
            try:
                rpc.call("eth_chainId")
                break
            except OSError:
                rpc.close()
                time.sleep(0.1)
        for _ in range(3):
            assert int(rpc.call("eth_blockNumber"), 16) == BLOCKS
        rpc.call("anvil_setAutomine", False)
        rpc.call("eth_sendTransaction", {"from": DEV_ADDRESSES[0], "to": DEV_ADDRESSES[1],
                                         "value": "0x1"})
        after = scrape(metrics_port)
    finally:
        rpc.close()
        proc.terminate()
        proc.wait(30)
    assert after["ethrex_head_block_number"] == BLOCKS
    assert after["ethrex_blocks_imported_total"] == BLOCKS
    assert after["ethrex_mempool_transactions"] == 1
    assert after["ethrex_peers"] == 0
    assert after['ethrex_rpc_requests_total{method="eth_blockNumber"}'] == 3
    assert after['ethrex_rpc_request_duration_seconds_count{method="eth_blockNumber"}'] == 3
    assert after['ethrex_rpc_request_duration_seconds_bucket{method="eth_blockNumber",'
                 'le="+Inf"}'] == 3
    assert after['ethrex_rpc_errors_total{method="eth_blockNumber"}'] == 0
    output = log.read_text()
    assert re.search(r"import .*chain\.rlp: 100\.0% 1,500/1,500 blocks, [\d.]+ blocks/s, "
                     r"[\d.]+ Mgas/s, ETA", output), output
