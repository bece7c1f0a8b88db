"""The in-memory chain: side chains, reorgs by total difficulty, and invalid blocks that
change nothing. Blocks are empty proof-of-work blocks whose roots come from executing them."""

from dataclasses import replace

import pytest

from ethrex.blockchain.chain import Chain
from ethrex.blockchain.difficulty import compute_difficulty
from ethrex.errors import InvalidBlock
from ethrex.execution.block import BlockContext, apply_block
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.state import DictBackend, StateDB
from ethrex.trie import EMPTY_ROOT
from ethrex.types.block import Block
from ethrex.types.genesis import ChainConfig
from ethrex.types.header import Header

CONFIG = ChainConfig(chain_id=1, homestead_block=0, eip150_block=0, eip155_block=0,
                     eip158_block=0, byzantium_block=0, constantinople_block=0,
                     petersburg_block=0, istanbul_block=0)
RICH = b"\x11" * 20


def _genesis() -> tuple[Block, DictBackend]:
    state = DictBackend()
    state.set_account(RICH, 0, 10**18, b"", {})
    header = Header(
        parent_hash=bytes(32), ommers_hash=EMPTY_LIST_HASH, coinbase=bytes(20),
        state_root=state.compute_state_root({}, {}, set()), transactions_root=EMPTY_ROOT,
        receipts_root=EMPTY_ROOT, logs_bloom=bytes(256), difficulty=131072, number=0,
        gas_limit=8_000_000, gas_used=0, timestamp=0, extra_data=b"", prev_randao=bytes(32),
        nonce=bytes(8),
    )
    return Block(header, (), ()), state


def _child(chain: Chain, parent_hash: bytes, seconds: int, coinbase: bytes) -> Block:
    """An empty block on ``parent_hash`` with the roots its execution gives."""
    parent = chain.blocks[parent_hash].header
    draft = Header(
        parent_hash=parent_hash, ommers_hash=EMPTY_LIST_HASH, coinbase=coinbase,
        state_root=bytes(32), transactions_root=EMPTY_ROOT, receipts_root=EMPTY_ROOT,
        logs_bloom=bytes(256), difficulty=0, number=parent.number + 1,
        gas_limit=parent.gas_limit, gas_used=0, timestamp=parent.timestamp + seconds,
        extra_data=b"", prev_randao=bytes(32), nonce=bytes(8),
    )
    rules = chain.rules_for(draft)
    draft = replace(draft, difficulty=compute_difficulty(
        rules, draft.number, draft.timestamp, parent.timestamp, parent.difficulty, False))
    db = StateDB(chain.state_at(parent_hash))
    block = Block(draft, (), ())
    apply_block(db, block, rules, BlockContext(1, parent_hash, lambda n: None))
    return Block(replace(draft, state_root=db.state_root()), (), ())


def test_side_chain_takes_over_when_heavier() -> None:
    genesis, state = _genesis()
    chain = Chain(CONFIG, genesis, state)
    g = genesis.header.hash()
    a1 = _child(chain, g, 13, b"\xaa" * 20)
    chain.add_block(a1)
    a2 = _child(chain, a1.hash(), 13, b"\xaa" * 20)
    chain.add_block(a2)
    assert chain.head == a2.hash()
    b1 = _child(chain, g, 13, b"\xbb" * 20)
    chain.add_block(b1)
    assert chain.head == a2.hash()  # lighter side chain: kept, not chosen
    b2 = _child(chain, b1.hash(), 13, b"\xbb" * 20)
    chain.add_block(b2)
    assert chain.head == a2.hash()  # equal weight and height: the head stays
    b3 = _child(chain, b2.hash(), 13, b"\xbb" * 20)
    chain.add_block(b3)
    assert chain.head == b3.hash()  # heavier: reorg
    # Each branch keeps its own state: rewards went to its own miner.
    assert chain.state_at(a2.hash()).get_account(b"\xbb" * 20) is None
    assert chain.state_at(b3.hash()).get_account(b"\xbb" * 20)[1] == 3 * 2 * 10**18


def test_invalid_block_changes_nothing() -> None:
    genesis, state = _genesis()
    chain = Chain(CONFIG, genesis, state)
    g = genesis.header.hash()
    good = _child(chain, g, 13, b"\xaa" * 20)
    bad = Block(replace(good.header, state_root=b"\x01" * 32), (), ())
    with pytest.raises(InvalidBlock, match="state root"):
        chain.add_block(bad)
    assert chain.head == g and list(chain.blocks) == [g]
    assert chain.state_at(g).get_account(b"\xaa" * 20) is None
    chain.add_block(good)
    assert chain.head == good.hash()


def test_unknown_parent_and_bad_difficulty() -> None:
    genesis, state = _genesis()
    chain = Chain(CONFIG, genesis, state)
    good = _child(chain, genesis.header.hash(), 13, b"\xaa" * 20)
    with pytest.raises(InvalidBlock, match="unknown parent"):
        chain.add_block(Block(replace(good.header, parent_hash=b"\x02" * 32), (), ()))
    with pytest.raises(InvalidBlock, match="difficulty"):
        chain.add_block(Block(replace(good.header, difficulty=good.header.difficulty + 1), (), ()))
