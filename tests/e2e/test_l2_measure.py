"""The rollup's figures on a small run (issue 14, "Measure"): 600 transfers from 20 L2
accounts funded by 20 deposits, anvil as L1. Checks that every transfer and deposit arrives
and that every batch is committed and verified; prints L2 throughput, deposit latency and
commit cost and blobs per batch (``pytest -s``). bench/l2.py measures a larger run."""

from tests.e2e.harness import anvil
from tests.e2e.l2_measure import measure
from tests.e2e.l2_harness import sequencer


def test_throughput_deposit_latency_and_commit_cost() -> None:
    with anvil(block_time=1) as l1_url, sequencer(l1_url) as (node, deployment):
        report = measure(l1_url, node.url, deployment["bridge"], senders=20, per_sender=30,
                         confirmations=1)
    print("\n" + "\n".join(report.lines()))
    assert report.transfers == 600 and len(report.deposit_latency) == 20
    assert report.batches and all(commit > 0 and verify > 0 and blobs >= 1 and published > 0
                                  for _, _, commit, verify, blobs, published in report.batches)
