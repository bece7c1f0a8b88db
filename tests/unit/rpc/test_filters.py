"""eth_getLogs over the rpc-compat chain: the cached range walk returns exactly the logs a
plain scan of the stored receipts finds, stays right when its cache is tiny (eviction), and
filters by address and topic."""

from pathlib import Path
from typing import Any

import pytest

from ethrex.rpc.chainview import ChainView
from ethrex.rpc.filters import BlockLogCache, FilterHandlers
from ethrex.types.transactions import transaction_hash
from tests.fixtures_root import fixtures_root
from tests.rpc.compat import forkchoice_from_headfcu, load_node


@pytest.fixture(scope="module")
def view() -> ChainView:
    root: Path = fixtures_root() / "rpc-compat"
    ctx = load_node(root)
    forkchoice_from_headfcu(ctx, root)
    return ChainView(ctx)


Row = tuple[str, str, int, tuple[str, ...], int]


def scan(view: ChainView) -> list[Row]:
    """Every log of the canonical chain, straight from blocks and receipts."""
    store = view.store
    out = []
    for number in range(view.head().number + 1):
        block = store.get_block_by_number(number)
        assert block is not None
        receipts = store.get_receipts(block.header.hash()) or []
        index = 0
        for tx, receipt in zip(block.transactions, receipts):
            for log in receipt.logs:
                out.append(("0x" + transaction_hash(tx).hex(), "0x" + log.address.hex(),
                            number, tuple("0x" + t.hex() for t in log.topics), index))
                index += 1
    return out


def shape(logs: list[dict[str, Any]]) -> list[Row]:
    return [(x["transactionHash"], x["address"], int(x["blockNumber"], 16), tuple(x["topics"]),
             int(x["logIndex"], 16)) for x in logs]


def test_range_matches_receipts_and_survives_eviction(view: ChainView) -> None:
    expected = scan(view)
    assert expected, "the rpc-compat chain has logs"
    handlers = FilterHandlers(view)
    query = {"fromBlock": "earliest", "toBlock": "latest"}
    assert shape(handlers.get_logs(query)) == expected
    assert shape(handlers.get_logs(query)) == expected  # second time: from the cache

    small = FilterHandlers(view)
    small.cache = BlockLogCache(view, max_blooms=4, max_blocks=2, max_logs=3)
    for _ in range(2):
        assert shape(small.get_logs(query)) == expected
    assert len(small.cache.logs) <= 2 and len(small.cache.blooms) <= 4
    assert small.cache.cached_logs == sum(len(v) for v in small.cache.logs.values())


def test_address_and_topic_filters(view: ChainView) -> None:
    expected = scan(view)
    handlers = FilterHandlers(view)
    _, address, number, topics, _ = expected[-1]
    by_address = shape(handlers.get_logs({"fromBlock": "0x0", "address": address}))
    assert by_address == [e for e in expected if e[1] == address]
    by_topic = shape(handlers.get_logs({"fromBlock": "0x0", "topics": [topics[0]]}))
    assert by_topic == [e for e in expected if e[3][:1] == topics[:1]]
    one = handlers.get_logs({"fromBlock": hex(number), "toBlock": hex(number)})
    assert shape(one) == [e for e in expected if e[2] == number]
    # The returned dicts are copies: changing one does not change the next answer.
    one[0]["removed"] = True
    assert handlers.get_logs({"fromBlock": hex(number), "toBlock": hex(number)})[0][
        "removed"] is False
