"""The persistent ``Blockchain`` over the store (memory and LMDB): import, side chains and
reorgs with the flat state following the head, archive reads, invalid blocks that leave the
store byte for byte as it was, and reopening.

Blocks are built here by executing real transactions on ``state_at(parent)`` and filling the
header from the result, so every root is the one execution gives."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fixtures_root import fixtures_root

from ethrex.blockchain.blockchain import (
    Blockchain,
    InvalidForkchoice,
    UnknownBlock,
    UnknownParent,
)
from ethrex.blockchain.difficulty import compute_difficulty
from ethrex.errors import EthrexError, InvalidBlock, InvalidTransaction, RLPDecodingError
from ethrex.execution.block import apply_block
from ethrex.execution.fee_market import compute_base_fee
from ethrex.fixtures import load_fixture
from ethrex.fixtures.blockchain_tests import fixture_chain
from ethrex.primitives import EMPTY_LIST_HASH, hex_to_bytes, keccak256
from ethrex.state import StateDB
from ethrex.storage import Store
from ethrex.storage.schema import FLAT_ACCOUNTS, FLAT_STORAGE, TABLES
from ethrex.trie import EMPTY_ROOT, Trie, ordered_root
from ethrex.types.account import decode_account
from ethrex.types.block import Block, decode_block
from ethrex.types.genesis import ChainConfig, Genesis, GenesisAccount
from ethrex.types.header import Header
from ethrex.types.receipt import encode_receipt
from ethrex.types.transactions import (
    FeeMarketTransaction,
    Transaction,
    encode_transaction,
    sign_transaction,
)

KEY = bytes(31) + b"\x01"
CHAIN_ID = 1337
STORER = b"\x5a" * 20  # stores CALLVALUE at slot NUMBER
BOMB = b"\x5b" * 20  # SELFDESTRUCTs to the caller; has storage
POS = ChainConfig(chain_id=CHAIN_ID, homestead_block=0, eip150_block=0, eip155_block=0,
                  eip158_block=0, byzantium_block=0, constantinople_block=0, petersburg_block=0,
                  istanbul_block=0, berlin_block=0, london_block=0, terminal_total_difficulty=0,
                  shanghai_time=0)
POW = ChainConfig(chain_id=CHAIN_ID, homestead_block=0, eip150_block=0, eip155_block=0,
                  eip158_block=0, byzantium_block=0, constantinople_block=0,
                  petersburg_block=0, istanbul_block=0)


def _sender() -> bytes:
    from ethrex.crypto.secp256k1 import private_key_to_address

    return private_key_to_address(KEY)


def make_genesis(config: ChainConfig = POS) -> Genesis:
    alloc = {
        _sender(): GenesisAccount(balance=10**21),
        STORER: GenesisAccount(code=bytes([0x34, 0x43, 0x55, 0x00])),  # CALLVALUE NUMBER SSTORE
        BOMB: GenesisAccount(balance=5, code=bytes([0x33, 0xFF]),  # CALLER SELFDESTRUCT
                             storage={bytes(31) + b"\x01": 7, bytes(31) + b"\x02": 9}),
    }
    pos = config.terminal_total_difficulty == 0
    return Genesis(config=config, alloc=alloc, gas_limit=30_000_000,
                   difficulty=0 if pos else 131072, base_fee_per_gas=10**9 if pos else None)


def tx(nonce: int, to: bytes, value: int, gas: int = 100_000) -> Transaction:
    return sign_transaction(
        FeeMarketTransaction(CHAIN_ID, nonce, 1, 10**10, gas, to, value, b"", (), 0, 0, 0),
        KEY, CHAIN_ID)


def build(chain: Blockchain, parent_hash: bytes, txs: tuple[Transaction, ...] = (),
          coinbase: bytes = b"\xcc" * 20, seconds: int = 12) -> Block:
    """A valid child of ``parent_hash`` holding ``txs``, its roots from executing it."""
    parent = chain.store.get_header(parent_hash)
    assert parent is not None
    pos = chain.config.terminal_total_difficulty == 0
    draft = Header(
        parent_hash=parent_hash, ommers_hash=EMPTY_LIST_HASH, coinbase=coinbase,
        state_root=bytes(32), transactions_root=ordered_root([encode_transaction(t) for t in txs]),
        receipts_root=EMPTY_ROOT, logs_bloom=bytes(256), difficulty=0, number=parent.number + 1,
        gas_limit=parent.gas_limit, gas_used=0, timestamp=parent.timestamp + seconds,
        extra_data=b"", prev_randao=bytes(32), nonce=bytes(8),
        base_fee_per_gas=compute_base_fee(parent.gas_limit, parent.gas_used,
                                          parent.base_fee_per_gas) if pos else None,
        withdrawals_root=EMPTY_ROOT if pos else None,
    )
    rules = chain.rules_for(draft)
    if not pos:
        draft = replace(draft, difficulty=compute_difficulty(
            rules, draft.number, draft.timestamp, parent.timestamp, parent.difficulty, False))
    block = Block(draft, txs, (), () if pos else None)
    db = StateDB(chain.state_at(parent_hash))
    out = apply_block(db, block, rules, chain.block_context(parent))
    bloom = 0
    for r in out.receipts:
        bloom |= int.from_bytes(r.bloom, "big")
    header = replace(draft, state_root=db.state_root(), gas_used=out.gas_used,
                     receipts_root=ordered_root([encode_receipt(r) for r in out.receipts]),
                     logs_bloom=bloom.to_bytes(256, "big"))
    return Block(header, txs, (), block.withdrawals)


@pytest.fixture(params=["memory", "lmdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = Store.in_memory() if request.param == "memory" else Store.open(tmp_path / "db", 1 << 26)
    yield s
    s.close()


def dump(store: Store) -> dict[str, dict[bytes, bytes]]:
    """Every table's committed content."""
    return {table: dict(store.backend.scan(table)) for table in TABLES}


def check_flat_state(chain: Blockchain) -> None:
    """The flat tables hold exactly the head's state trie, storage included."""
    store = chain.store
    head = chain.head_header()
    assert store.flat_state_block() == head.hash()
    accounts: dict[bytes, bytes] = {}
    slots: dict[bytes, bytes] = {}
    for address_hash, leaf in Trie(store.nodes, head.state_root, secure=True).items():
        accounts[address_hash] = leaf
        root = decode_account(leaf).storage_root
        for slot_hash, value in Trie(store.nodes, root, secure=True).items():
            slots[address_hash + slot_hash] = value
    assert dict(store.backend.scan(FLAT_ACCOUNTS)) == accounts
    assert dict(store.backend.scan(FLAT_STORAGE)) == slots


def test_genesis_state_and_flat_tables(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    assert chain.head_header().number == 0
    state = chain.state_at(chain.head_header().hash())
    assert state.get_storage(BOMB, 1) == 7
    assert state.get_account(_sender()) == (0, 10**21, keccak256(b""))
    check_flat_state(chain)


def test_chain_side_chain_reorg_and_archive(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    g = chain.genesis_hash()
    a1 = build(chain, g, (tx(0, STORER, 11), tx(1, BOMB, 0)))
    chain.add_block(a1)
    assert chain.head_header().number == 0  # after the merge the head waits for fork choice
    chain.forkchoice_update(a1.hash())
    check_flat_state(chain)
    assert chain.state_at(a1.hash()).get_account(BOMB) is None  # destroyed with its storage
    a2 = build(chain, a1.hash(), (tx(2, STORER, 22),))
    chain.add_block(a2, make_head=True)
    a3 = build(chain, a2.hash(), (tx(3, STORER, 33),))
    chain.add_block(a3, make_head=True)
    check_flat_state(chain)
    # A side chain from genesis: the bomb survives there, the storer writes other values.
    b1 = build(chain, g, (tx(0, STORER, 5),), coinbase=b"\xbb" * 20)
    chain.add_block(b1)
    b2 = build(chain, b1.hash(), (tx(1, STORER, 6),), coinbase=b"\xbb" * 20)
    chain.add_block(b2)
    assert chain.head_header().hash() == a3.hash()
    chain.forkchoice_update(b2.hash(), safe=b1.hash(), finalized=g)
    assert chain.head_header().hash() == b2.hash()
    assert store.get_canonical_hash(1) == b1.hash()
    assert store.get_canonical_hash(3) is None
    assert store.safe() == b1.hash() and store.finalized() == g
    check_flat_state(chain)
    assert store.get_storage(STORER, 2) == 6 and store.get_storage(BOMB, 1) == 7
    # Archive: the abandoned branch's states are all still readable.
    assert chain.state_at(a3.hash()).get_storage(STORER, 3) == 33
    assert chain.state_at(a2.hash()).get_storage(STORER, 3) == 0
    assert chain.state_at(b1.hash()).get_storage(STORER, 1) == 5
    # And back: the reorg the other way round.
    chain.forkchoice_update(a3.hash())
    check_flat_state(chain)
    assert store.get_storage(STORER, 1) == 11 and store.get_account(BOMB) is None
    # A block on the old branch still executes on its own parent's state.
    b3 = build(chain, b2.hash(), (tx(2, STORER, 7),))
    chain.add_block(b3, make_head=True)
    check_flat_state(chain)
    assert store.get_storage(STORER, 3) == 7


def test_forkchoice_rejects_bad_pointers(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    g = chain.genesis_hash()
    a1 = build(chain, g, (tx(0, STORER, 1),))
    b1 = build(chain, g, (tx(0, STORER, 2),), coinbase=b"\xbb" * 20)
    chain.add_block(a1, make_head=True)
    chain.add_block(b1)
    before = dump(store)
    with pytest.raises(InvalidForkchoice):
        chain.forkchoice_update(b1.hash(), safe=a1.hash())  # safe on the other branch
    with pytest.raises(UnknownBlock):
        chain.forkchoice_update(b"\x01" * 32)
    assert dump(store) == before


def test_invalid_block_leaves_store_unchanged(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    g = chain.genesis_hash()
    good = build(chain, g, (tx(0, STORER, 1),))
    before = dump(store)
    for bad in (
        Block(replace(good.header, state_root=b"\x01" * 32), good.transactions, (), ()),
        Block(replace(good.header, gas_used=good.header.gas_used + 1), good.transactions, (), ()),
        Block(replace(good.header, timestamp=0), good.transactions, (), ()),
    ):
        with pytest.raises(InvalidBlock):
            chain.add_block(bad, make_head=True)
        assert dump(store) == before
    orphan = Block(replace(good.header, parent_hash=b"\x02" * 32), good.transactions, (), ())
    with pytest.raises(UnknownParent):
        chain.add_block(orphan)
    assert dump(store) == before
    chain.add_block(good, make_head=True)  # the valid one still goes in afterwards
    assert chain.head_header().hash() == good.hash()


def test_known_block_is_not_executed_again(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    a1 = build(chain, chain.genesis_hash(), (tx(0, STORER, 1),))
    first = chain.add_block(a1, make_head=True)
    before = dump(store)
    again = chain.add_block(a1, make_head=True)
    assert again.receipts == first.receipts and again.gas_used == first.gas_used
    assert dump(store) == before


def test_pre_merge_head_follows_total_difficulty(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis(POW))
    g = chain.genesis_hash()
    a1 = build(chain, g, coinbase=b"\xaa" * 20)
    chain.add_block(a1)
    a2 = build(chain, a1.hash(), coinbase=b"\xaa" * 20)
    chain.add_block(a2)
    assert chain.head_header().hash() == a2.hash()
    b1 = build(chain, g, coinbase=b"\xbb" * 20)
    chain.add_block(b1)
    b2 = build(chain, b1.hash(), coinbase=b"\xbb" * 20)
    chain.add_block(b2)
    assert chain.head_header().hash() == a2.hash()  # equal weight and height: no reorg
    b3 = build(chain, b2.hash(), coinbase=b"\xbb" * 20)
    chain.add_block(b3)
    assert chain.head_header().hash() == b3.hash()
    check_flat_state(chain)
    assert store.get_account(b"\xaa" * 20) is None  # the losing miner's rewards are gone


def test_blockhash_follows_the_blocks_own_ancestry(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    g = chain.genesis_hash()
    a1 = build(chain, g)
    chain.add_block(a1, make_head=True)
    b1 = build(chain, g, coinbase=b"\xbb" * 20)
    chain.add_block(b1)
    b2 = build(chain, b1.hash())
    chain.add_block(b2)
    getter = chain.block_hash_getter(b2.header)
    assert getter(2) == b2.hash() and getter(1) == b1.hash() and getter(0) == g
    assert getter(3) is None
    canonical = chain.block_hash_getter(a1.header)  # canonical parent: the index answers
    assert canonical(1) == a1.hash() and canonical(0) == g and canonical(2) is None
    chain.forkchoice_update(b2.hash())  # now the side chain is canonical
    assert chain.block_hash_getter(b2.header)(1) == b1.hash()
    assert chain.block_hash_getter(a1.header)(1) == a1.hash()


def test_reopen_lmdb(tmp_path: Path) -> None:
    genesis = make_genesis()
    with Store.open(tmp_path / "db", 1 << 26) as store:
        chain = Blockchain.open(store, genesis)
        a1 = build(chain, chain.genesis_hash(), (tx(0, STORER, 3),))
        chain.add_block(a1, make_head=True)
    with Store.open(tmp_path / "db", 1 << 26) as store:
        chain = Blockchain.open(store)  # config from the store
        assert chain.config == genesis.config
        assert chain.head_header().hash() == a1.hash()
        assert chain.state_at(a1.hash()).get_storage(STORER, 1) == 3
        assert Blockchain.open(store, genesis).head_header().hash() == a1.hash()
        other = replace(genesis, extra_data=b"other")
        with pytest.raises(EthrexError, match="genesis"):
            Blockchain.open(store, other)


def test_empty_store_needs_a_genesis() -> None:
    with pytest.raises(EthrexError):
        Blockchain.open(Store.in_memory())


def test_state_at_unknown_block() -> None:
    chain = Blockchain.open(Store.in_memory(), make_genesis())
    with pytest.raises(UnknownBlock):
        chain.state_at(b"\x03" * 32)


def test_stored_receipts_and_transactions(store: Store) -> None:
    chain = Blockchain.open(store, make_genesis())
    txs = (tx(0, STORER, 1), tx(1, STORER, 2))
    a1 = build(chain, chain.genesis_hash(), txs)
    out = chain.add_block(a1, make_head=True)
    assert store.get_receipts(a1.hash()) == list(out.receipts)
    found = store.get_transaction(keccak256(encode_transaction(txs[1])))
    assert found is not None and found[1:] == (a1.hash(), 1)


# -- cross-check with the in-memory Chain on official blockchain fixtures ---------------------

_BT = "ethereum-tests/BlockchainTests/ValidBlocks/"
_EEST = "eest/blockchain_tests/"
FIXTURE_FILES = [
    _BT + "bcStateTests/suicideStorageCheck.json",
    _BT + "bcStateTests/simpleSuicide.json",
    _BT + "bcStateTests/refundReset.json",
    _BT + "bcStateTests/blockhashTests.json",
    _BT + "bcStateTests/create2collisionwithSelfdestructSameBlock.json",
    _BT + "bcMultiChainTest/ChainAtoChainBtoChainA.json",
    _BT + "bcMultiChainTest/ChainAtoChainB_BlockHash.json",
    _BT + "bcTotalDifficultyTest/lotsOfBranchesOverrideAtTheMiddle.json",
    _BT + "bcTotalDifficultyTest/sideChainWithNewMaxDifficultyStartingFromBlock3AfterBlock4.json",
    _BT + "bcForkStressTest/ForkStressTest.json",
    _EEST + "cancun/eip6780_selfdestruct/selfdestruct/"
    "selfdestruct_created_same_block_different_tx.json.xz",
    _EEST + "prague/eip2935_historical_block_hashes_from_state/eip_mainnet/eip_2935.json.xz",
    _EEST + "prague/eip6110_deposits/eip_mainnet/eip_6110.json.xz",
    _EEST + "prague/eip7002_el_triggerable_withdrawals/withdrawal_requests_during_fork/"
    "withdrawal_requests_during_fork.json.xz",
    _EEST + "prague/eip7251_consolidations/eip_mainnet/eip_7251.json.xz",
    _EEST + "osaka/eip7594_peerdas/max_blob_per_tx/max_blobs_per_tx_fork_transition.json.xz",
]


@pytest.mark.parametrize("name", FIXTURE_FILES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_fixture_chains_through_forkchoice_keep_the_flat_state(name: str) -> None:
    """The fixture chains again, with each post-merge head set by ``forkchoice_update`` (the
    engine's way, through the recent diffs) instead of ``make_head``: same heads, and the flat
    tables always hold the head's state."""
    path = fixtures_root() / name
    cases = load_fixture(path)
    assert cases, f"no cases in {path}"
    for case_name, case in cases.items():
        chain = fixture_chain(case)
        for entry in case["blocks"]:
            try:
                block = decode_block(hex_to_bytes(entry["rlp"]))
                chain.add_block(block)
            except (InvalidBlock, InvalidTransaction, RLPDecodingError):
                assert "expectException" in entry, case_name
                continue
            assert "expectException" not in entry, case_name
            if chain.rules_for(block.header).is_pos:
                chain.forkchoice_update(block.hash())
        assert chain.head_header().hash() == hex_to_bytes(case["lastblockhash"]), case_name
        check_flat_state(chain)
