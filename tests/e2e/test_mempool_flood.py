"""A flood of 10,000 transactions from 100 senders into ``ethrex --dev`` (issue 7, "Done
when"): the node keeps answering RPC (eth_blockNumber timed throughout on its own connection),
refuses the invalid transactions mixed in, and puts every valid one in a block, each sender's
in nonce order. The measured figures are printed (``pytest -s``); bench/mempool_flood.py runs
the same flood on its own."""

from tests.e2e.flood import run_flood
from tests.e2e.harness import dev_node

# Loose bounds: they catch a node that stalls, not a slow machine.
MAX_BLOCK_NUMBER_LATENCY_MS = 5_000


def test_flood_of_ten_thousand_transactions() -> None:
    with dev_node() as node:
        report = run_flood(node.http_url, senders=100, per_sender=100, timeout=240)
    print(report.line())
    assert report.valid == 10_000 and report.invalid > 0
    assert report.blocks >= 10_000 // 1428  # a 30M gas block holds 1428 transfers
    assert report.latency_samples >= 10, "eth_blockNumber was hardly answered during the flood"
    assert report.latency_ms[2] < MAX_BLOCK_NUMBER_LATENCY_MS, report.line()
