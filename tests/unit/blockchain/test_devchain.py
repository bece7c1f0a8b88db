"""DevChain: blocks on demand, the timestamps it picks, snapshots, state edits the next block
builds on, and transactions sent for an impersonated account."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.devchain import DevChain, DevChainError, placeholder_signature
from ethrex.dev import DEV_CHAIN_ID, dev_accounts, dev_genesis
from ethrex.rpc.context import node_context
from ethrex.state import StateDB
from ethrex.storage import Store
from ethrex.types.transactions import FeeMarketTransaction, recover_sender, transaction_hash
from tests.unit.rpc.dev_chain import transfer

FRESH = b"\x5a" * 20


def _dev() -> DevChain:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    ctx = node_context(chain, ThreadPoolExecutor(1), dev_mode=True)
    assert ctx.dev is not None
    ctx.dev.clock = lambda: 1_000_000.0
    return ctx.dev


def _balance(dev: DevChain, address: bytes) -> int:
    return StateDB(dev.chain.state_at(dev.head().hash())).get_balance(address)


def test_mine_takes_the_pool_and_keeps_time() -> None:
    dev = _dev()
    assert dev.mempool is not None
    dev.mempool.add(transfer(0, 0, to=1, value=5))
    block = dev.mine()
    assert block.header.number == 1 and len(block.transactions) == 1
    assert block.header.timestamp == 1_000_000
    assert dev.chain.store.finalized() == block.header.hash()
    assert not dev.mempool.pending_hashes()
    dev.increase_time(60)
    assert dev.mine().header.timestamp == 1_000_060
    dev.set_next_timestamp(2_000_000)
    assert dev.mine().header.timestamp == 2_000_000
    assert dev.mine().header.timestamp == 2_000_001  # the clock runs on from there
    with pytest.raises(DevChainError):
        dev.set_next_timestamp(2_000_001)  # not after the head
    assert [b.header.timestamp for b in dev.mine_many(2, interval=10)] == [2_000_011, 2_000_021]


def test_edits_are_the_state_the_next_block_builds_on() -> None:
    dev = _dev()
    head = dev.head()
    dev.set_balance(FRESH, 10**18)
    dev.set_code(FRESH, b"\x60\x01")
    dev.set_storage(FRESH, 3, 7)
    dev.set_nonce(FRESH, 4)
    assert dev.head() == head  # no block
    state = StateDB(dev.chain.state_at(head.hash()))
    assert (state.get_balance(FRESH), state.get_code(FRESH), state.get_storage(FRESH, 3),
            state.get_nonce(FRESH)) == (10**18, b"\x60\x01", 7, 4)
    assert dev.chain.state_root_of(head) != head.state_root
    block = dev.mine()  # imported through add_block: its execution starts from the edit
    assert _balance(dev, FRESH) == 10**18
    assert dev.chain.store.get_account_at(block.header.state_root, FRESH).nonce == 4
    # The flat tables follow the edited state once a block is built on it.
    assert dev.chain.store.get_account(FRESH).balance == 10**18


def test_revert_restores_head_state_and_clock() -> None:
    dev = _dev()
    genesis = dev.snapshot()
    dev.mine()
    middle = dev.snapshot()
    dev.set_balance(FRESH, 5)
    dev.increase_time(100)
    dev.mine()
    assert dev.revert(middle)
    assert dev.head().number == 1 and _balance(dev, FRESH) == 0 and dev.time_offset == 0
    assert not dev.revert(middle)  # used up
    dev.set_balance(FRESH, 9)
    assert dev.revert(genesis) and dev.head().number == 0 and _balance(dev, FRESH) == 0


def test_an_impersonated_account_sends_without_its_key() -> None:
    dev = _dev()
    dev.set_balance(FRESH, 10**18)
    to = dev_accounts()[0][0]
    parity, r, s = placeholder_signature(FRESH)
    tx = FeeMarketTransaction(DEV_CHAIN_ID, 0, 10**9, 10**11, 21000, to, 7, b"", (), parity, r, s)
    with pytest.raises(DevChainError):
        dev.send_unsigned(tx, FRESH)  # not impersonated
    dev.impersonated.add(FRESH)
    tx_hash = dev.send_unsigned(tx, FRESH)
    assert recover_sender(tx) != FRESH
    block = dev.mine()
    assert [transaction_hash(t) for t in block.transactions] == [tx_hash]
    assert dev.chain.sender_of(tx) == FRESH
    receipt = dev.chain.store.get_receipts(block.header.hash())[0]
    assert receipt.succeeded and _balance(dev, FRESH) < 10**18 - 7
