"""The rollup's state transition over an in-memory L2 chain: deposits (privileged
transactions) are minted only from the L2 bridge, fees go to the coinbase and the vault, the
block producer includes deposits in order and counts them in the same store write as the
block, a batch's commitment (state root, messages root, privileged rolling hash) is what the
L1 contracts check, and re-executing the batch's blocks (``execute_batch``, as the prover
will) reaches the same commitment or fails on a wrong block."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.errors import InvalidBlock
from ethrex.l2.abi import encode_call
from ethrex.l2.genesis import (
    BRIDGE_IMPLEMENTATION,
    IMPLEMENTATION_SLOT,
    PROXY_ADMIN,
    l2_genesis,
)
from ethrex.l2.rollup.batch import batch_commitment, execute_batch
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.rollup.messages import (
    L1_MESSENGER,
    L2_BRIDGE,
    batch_messages,
    merkle_root,
    withdrawal_data,
)
from ethrex.l2.rollup.privileged import ZERO_HASH, l1_hash, rolling_hash
from ethrex.l2.sequencer.block_producer import produce_block
from ethrex.l2.sequencer.committer import BatchPolicy, Sealer
from ethrex.l2.store import Deposit, RollupStore
from ethrex.primitives import keccak256
from ethrex.rpc.context import NodeContext, node_context
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.state import StateDB
from ethrex.storage import Store
from ethrex.types.block import Block
from ethrex.types.genesis import GenesisAccount
from ethrex.types.transactions import (
    FeeMarketTransaction,
    PrivilegedL2Transaction,
    sign_transaction,
)

CHAIN_ID = 65536999
KEY = keccak256(b"l2 user")
USER = private_key_to_address(KEY)
VAULT = b"\xfe" * 20
COINBASE = b"\xc0" * 20
ETHER = 10**18


def _deposit(deposit_id: int, to: bytes, value: int,
             sender: bytes = L2_BRIDGE) -> PrivilegedL2Transaction:
    return PrivilegedL2Transaction(CHAIN_ID, deposit_id, 0, 0, 100_000, L2_BRIDGE, value,
                                   encode_call("mintETH(address)", to), (), sender)


@pytest.fixture
def l2() -> tuple[NodeContext, RollupStore]:
    chain = Blockchain.open(Store.in_memory(), l2_genesis(CHAIN_ID), hooks=L2Hooks(VAULT))
    executor = ThreadPoolExecutor(1)
    ctx = node_context(chain, executor, network="l2")
    yield ctx, RollupStore(chain.store)
    executor.shutdown()


def _produce(ctx: NodeContext, rollup: RollupStore) -> Block:
    """The next block, a second after the head (the producer's clock)."""
    block = produce_block(ctx, rollup, COINBASE, now=ctx.chain.head_header().timestamp + 1)
    assert block is not None
    return block


def _state(ctx: NodeContext) -> StateDB:
    return StateDB(ctx.chain.state_at(ctx.chain.head_header().hash()))


def _store_deposits(rollup: RollupStore, deposits: list[PrivilegedL2Transaction]) -> None:
    rollup.store_deposits([Deposit(tx, 5, b"\x01" * 32) for tx in deposits], (5, b"\x02" * 32))


def _signed(nonce: int, to: bytes, value: int, data: bytes = b"",
            gas: int = 21000) -> FeeMarketTransaction:
    tx = FeeMarketTransaction(CHAIN_ID, nonce, 10**9, 10 * 10**9, gas, to, value, data, (), 0,
                              0, 0)
    return sign_transaction(tx, KEY)  # type: ignore[return-value]


def test_the_l2_clock_runs_at_most_a_second_ahead(l2: tuple) -> None:
    ctx, rollup = l2
    first = produce_block(ctx, rollup, COINBASE, now=1000.2)
    second = produce_block(ctx, rollup, COINBASE, now=1000.7)  # two blocks in one second
    assert first is not None and second is not None
    assert (first.header.timestamp, second.header.timestamp) == (1000, 1001)
    assert produce_block(ctx, rollup, COINBASE, now=1000.9) is None  # it would be 1002
    assert produce_block(ctx, rollup, COINBASE, now=1001.1) is not None


def test_deposits_are_minted_in_order_and_counted_with_the_block(l2: tuple) -> None:
    ctx, rollup = l2
    _store_deposits(rollup, [_deposit(0, USER, ETHER), _deposit(1, USER, 2 * ETHER)])
    block = _produce(ctx, rollup)
    assert [tx.nonce for tx in block.transactions] == [0, 1]
    receipts = ctx.chain.store.get_receipts(block.header.hash())
    assert receipts is not None and all(r.succeeded for r in receipts)
    assert _state(ctx).get_balance(USER) == 3 * ETHER
    assert rollup.next_deposit() == 2
    assert not _produce(ctx, rollup).transactions  # none left
    state = _state(ctx)
    assert state.get_balance(L2_BRIDGE) == 0 and not state.account_exists(COINBASE)


def test_only_the_bridge_mints(l2: tuple) -> None:
    ctx, rollup = l2
    # an upgrade-style privileged transaction from another sender carries no minted value
    _store_deposits(rollup, [_deposit(0, USER, ETHER, sender=b"\xab" * 20)])
    block = _produce(ctx, rollup)
    (receipt,) = ctx.chain.store.get_receipts(block.header.hash()) or []
    assert not receipt.succeeded  # the sender has nothing to send
    assert _state(ctx).get_balance(USER) == 0
    assert rollup.next_deposit() == 1  # included all the same: the L1 order holds


def test_fees_go_to_the_coinbase_and_the_vault(l2: tuple) -> None:
    ctx, rollup = l2
    _store_deposits(rollup, [_deposit(0, USER, ETHER)])
    _produce(ctx, rollup)
    ctx.mempool.add(_signed(0, b"\x77" * 20, 1000))
    block = _produce(ctx, rollup)
    assert len(block.transactions) == 1
    base_fee = block.header.base_fee_per_gas
    state = _state(ctx)
    assert state.get_balance(VAULT) == 21000 * base_fee
    assert state.get_balance(COINBASE) == 21000 * 10**9
    assert state.get_balance(USER) == ETHER - 1000 - 21000 * (base_fee + 10**9)
    assert block.header.requests_hash is not None  # an empty EIP-7685 list, Prague's shape


def _batch_blocks(ctx: NodeContext, rollup: RollupStore) -> list[Block]:
    """Deposits, a withdrawal, a transfer and a contract creation over four blocks."""
    _store_deposits(rollup, [_deposit(0, USER, ETHER), _deposit(1, b"\x66" * 20, ETHER)])
    blocks = [_produce(ctx, rollup)]
    ctx.mempool.add(_signed(0, L2_BRIDGE, ETHER // 4, encode_call("withdraw(address)", USER),
                            200_000))
    ctx.mempool.add(_signed(1, b"\x77" * 20, 1000))
    blocks.append(_produce(ctx, rollup))
    _store_deposits(rollup, [_deposit(2, USER, ETHER)])
    ctx.mempool.add(_signed(2, b"", 0, bytes.fromhex("600160005500"), 100_000))  # SSTORE 1
    blocks.append(_produce(ctx, rollup))
    blocks.append(_produce(ctx, rollup))
    return blocks


def test_a_batch_commits_to_its_state_messages_and_deposits(l2: tuple) -> None:
    ctx, rollup = l2
    blocks = _batch_blocks(ctx, rollup)
    assert [len(b.transactions) for b in blocks] == [2, 2, 2, 0]
    store = ctx.chain.store
    receipts = [store.get_receipts(b.header.hash()) or [] for b in blocks]
    assert all(r.succeeded for rs in receipts for r in rs)
    c = batch_commitment(1, blocks, receipts, ZERO_HASH)
    assert (c.first_block, c.last_block) == (1, 4)
    assert c.state_root == blocks[-1].header.state_root
    assert c.last_block_hash == blocks[-1].header.hash()
    messages = batch_messages(receipts)
    assert [(m.sender, m.data, m.message_id) for m in messages] == \
        [(L2_BRIDGE, withdrawal_data(USER, ETHER // 4), 1)]
    assert c.messages_root == merkle_root([messages[0].leaf()]) == messages[0].leaf()
    deposits = [tx for b in blocks for tx in b.transactions
                if isinstance(tx, PrivilegedL2Transaction)]
    assert c.privileged_count == 3
    expected = ZERO_HASH
    for tx in deposits:  # CommonBridge._sendToL2's rolling hash
        expected = keccak256(expected + keccak256(
            tx.sender + tx.to + tx.nonce.to_bytes(32, "big") + tx.value.to_bytes(32, "big")
            + tx.gas.to_bytes(32, "big") + keccak256(tx.data)))
    assert c.privileged_rolling_hash == expected == rolling_hash(ZERO_HASH, deposits)
    assert l1_hash(deposits[0]) != l1_hash(deposits[1])


def test_re_executing_a_batch_reaches_its_commitment(l2: tuple) -> None:
    ctx, rollup = l2
    genesis = ctx.chain.head_header()
    blocks = _batch_blocks(ctx, rollup)
    store = ctx.chain.store
    receipts = [store.get_receipts(b.header.hash()) or [] for b in blocks]
    expected = batch_commitment(1, blocks, receipts, ZERO_HASH)

    def ancestors(n: int) -> bytes | None:
        return store.get_canonical_hash(n)

    state = StateDB(ctx.chain.state_at(genesis.hash()))
    assert execute_batch(state, 1, blocks, ctx.chain.config, L2Hooks(VAULT), ancestors,
                         ZERO_HASH) == expected
    # the same blocks with another fee vault do not reach the headers' state roots
    with pytest.raises(InvalidBlock):
        execute_batch(StateDB(ctx.chain.state_at(genesis.hash())), 1, blocks,
                      ctx.chain.config, L2Hooks(), ancestors, ZERO_HASH)
    tampered = replace(blocks[1], header=replace(blocks[1].header, state_root=b"\x01" * 32))
    with pytest.raises(InvalidBlock):
        execute_batch(StateDB(ctx.chain.state_at(genesis.hash())), 1,
                      [blocks[0], tampered, *blocks[2:]], ctx.chain.config, L2Hooks(VAULT),
                      ancestors, ZERO_HASH)


def test_the_sealer_follows_its_policy(l2: tuple) -> None:
    ctx, rollup = l2
    for _ in range(3):
        _produce(ctx, rollup)
    now = ctx.chain.head_header().timestamp
    sealer = Sealer(ctx.chain, rollup, BatchPolicy(max_blocks=5, max_bytes=10**6, max_age=10))
    assert sealer.seal(now + 100) is None  # only empty blocks: they wait
    _store_deposits(rollup, [_deposit(0, USER, ETHER)])
    _produce(ctx, rollup)
    assert sealer.seal(now + 3) is None  # a transaction, but the first block is young
    record = sealer.seal(now + 100)
    assert record is not None and record.tx_count == 1
    assert (record.commitment.first_block, record.commitment.last_block) == (1, 4)
    assert rollup.get_batch(1) == record and rollup.last_batch() == 1
    for _ in range(6):
        _produce(ctx, rollup)
    full = sealer.seal(now)  # five empty blocks make a batch however young
    assert full is not None and (full.commitment.first_block, full.commitment.last_block) == \
        (5, 9)
    assert rollup.batch_of_block(7) == full and rollup.batch_of_block(10) is None
    small = Sealer(ctx.chain, rollup, BatchPolicy(max_blocks=100, max_bytes=1, max_age=10))
    one = small.seal(now)  # a single block over the byte bound is a batch of its own
    assert one is not None and one.commitment.first_block == one.commitment.last_block == 10


def test_an_l2_system_contract_is_upgraded_by_its_admin() -> None:
    """``CommonBridge.upgradeL2Contract`` on L1 becomes a privileged transaction from 0xf000
    calling the proxy's ``upgradeToAndCall``: the messenger then runs the new code."""
    genesis = l2_genesis(CHAIN_ID)
    new_impl = b"\x0e" * 20
    genesis.alloc[new_impl] = GenesisAccount(code=bytes.fromhex("602a60005260206000f3"))  # 42
    chain = Blockchain.open(Store.in_memory(), genesis, hooks=L2Hooks())
    ctx = node_context(chain, ThreadPoolExecutor(1), network="l2")
    rollup = RollupStore(chain.store)
    data = encode_call("upgradeToAndCall(address,bytes)", new_impl, b"")
    upgrade = PrivilegedL2Transaction(CHAIN_ID, 0, 0, 0, 100_000, L1_MESSENGER, 0, data, (),
                                      PROXY_ADMIN)
    # the same call from anyone else goes to the implementation, which has no such function
    forged = PrivilegedL2Transaction(CHAIN_ID, 1, 0, 0, 100_000, L2_BRIDGE, 0, data, (),
                                     b"\xab" * 20)
    _store_deposits(rollup, [upgrade, forged])
    block = _produce(ctx, rollup)
    receipts = chain.store.get_receipts(block.header.hash()) or []
    assert [r.succeeded for r in receipts] == [True, False]
    state = _state(ctx)
    slot = int.from_bytes(IMPLEMENTATION_SLOT, "big")
    assert state.get_storage(L1_MESSENGER, slot) == int.from_bytes(new_impl, "big")
    assert state.get_storage(L2_BRIDGE, slot) == int.from_bytes(BRIDGE_IMPLEMENTATION, "big")
    ctx.executor.shutdown()
