"""The LMDB store on a block-import-shaped load.

Run: ``.venv/bin/python bench/storage_bench.py [BLOCKS]``. Builds a 20,000-account state, then
imports BLOCKS blocks of 150 signed transactions, each touching 300 accounts through
``Trie(store.nodes)`` inside the block's write transaction (one fsync'd commit per block), and
times: commit per block, a cold state read through the trie after reopening, a flat-table read,
and ``get_block_by_number``.
"""

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex.storage import Store  # noqa: E402
from ethrex.trie import Trie  # noqa: E402
from ethrex.types import Account, encode_account  # noqa: E402
from tests.unit.storage.chainmaker import (  # noqa: E402
    make_block,
    make_receipts,
    make_transactions,
)

ACCOUNTS = 20_000


def main(blocks: int) -> None:
    rng = random.Random(1)
    addresses = [rng.randbytes(20) for _ in range(ACCOUNTS)]
    path = Path(tempfile.mkdtemp()) / "db"
    txs = make_transactions(0, 150)
    with Store.open(path) as store:
        with store.write() as tx:
            state = Trie(store.nodes, secure=True)
            for a in addresses:
                state.put(a, encode_account(Account(0, 10**18)))
            genesis = make_block(None, state.root_hash())
            tx.add_block(genesis, [], 1, make_head=True)
        parent = genesis.header
        total = 0.0
        for _ in range(blocks):
            start = time.perf_counter()
            with store.write() as tx:
                state = Trie(store.nodes, parent.state_root, secure=True)
                changed = {}
                for a in rng.sample(addresses, 300):
                    account = Account(1, rng.randrange(10**18))
                    state.put(a, encode_account(account))
                    changed[a] = account
                block = make_block(parent, state.root_hash(), txs)
                h = tx.add_block(block, make_receipts(block), parent.number + 2, make_head=True)
                tx.apply_state_diff(h, changed, {})
            total += time.perf_counter() - start
            parent = block.header
        print(f"import: {total / blocks * 1000:.1f} ms/block (300 account updates, 150 txs, "
              f"state trie over the store, one commit)")
    with Store.open(path) as store:
        sample = rng.sample(addresses, 2000)
        start = time.perf_counter()
        for a in sample:
            store.get_account_at(parent.state_root, a)
        per = (time.perf_counter() - start) / len(sample) * 1e6
        print(f"trie read (fresh Trie per read, after reopen): {per:.1f} us/account")
        start = time.perf_counter()
        for a in sample:
            store.get_account(a)
        print(f"flat read: {(time.perf_counter() - start) / len(sample) * 1e6:.1f} us/account")
        start = time.perf_counter()
        for n in range(1, blocks + 1):
            store.get_block_by_number(n)
        print(f"get_block_by_number (150 txs): "
              f"{(time.perf_counter() - start) / blocks * 1000:.2f} ms/block")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
