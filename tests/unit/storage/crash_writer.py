"""Child process of ``test_crash``: append blocks (with state, receipts and an occasional
one-block reorg) to the store at ``argv[1]`` forever, one write transaction per block, until
the parent kills it."""

import random
import sys

from ethrex.storage import Store
from ethrex.trie import Trie
from ethrex.types import Account, ChainConfig, Header, encode_account
from tests.unit.storage.chainmaker import address, make_block, make_receipts, make_transactions

ACCOUNTS = 40


def add_child(store: Store, parent: Header, extra: bytes, rng: random.Random) -> Header:
    """One block on ``parent`` as the new head: state trie, flat state, block, head together.
    A sibling of the old head (``extra`` set) rebuilds the flat state from its trie."""
    with store.write() as tx:
        state = Trie(store.nodes, parent.state_root, secure=True)
        changed: dict[bytes, Account | None] = {}
        for i in rng.sample(range(ACCOUNTS), 8):
            account = Account(nonce=parent.number + 1, balance=rng.randrange(1 << 64))
            state.put(address(i), encode_account(account))
            changed[address(i)] = account
        block = make_block(parent, state.root_hash(),
                           make_transactions(parent.number * 4, rng.randrange(4)), extra)
        parent_td = store.get_total_difficulty(parent.hash())
        assert parent_td is not None
        block_hash = tx.add_block(block, make_receipts(block), parent_td + 1, make_head=True)
        if extra:
            tx.rebuild_flat_state(block_hash)
        else:
            tx.apply_state_diff(block_hash, changed, {})
    return block.header


def main() -> None:
    store = Store.open(sys.argv[1], 1 << 26)
    rng = random.Random(int(sys.argv[2]))
    head = store.head_header()
    if head is None:
        genesis = make_block(None)
        store.add_genesis(genesis, ChainConfig(chain_id=1337))
        head = genesis.header
    print("ready", flush=True)
    while True:
        if head.number > 1 and rng.random() < 0.2:  # replace the head by a sibling: a reorg
            parent = store.get_header(head.parent_hash)
            assert parent is not None
            head = add_child(store, parent, rng.randbytes(4), rng)
        else:
            head = add_child(store, head, b"", rng)


if __name__ == "__main__":
    main()
