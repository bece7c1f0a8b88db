"""Dev mode: the test mnemonic's accounts, the dev genesis, and the producer including a
transfer sent through the pool."""

import asyncio

from concurrent.futures import ThreadPoolExecutor

from ethrex.blockchain.blockchain import Blockchain
from ethrex.dev import (
    checksum_address,
    derive_private_key,
    dev_accounts,
    dev_genesis,
    mnemonic_to_seed,
    run_dev_producer,
)
from ethrex.forks import Fork
from ethrex.rpc.context import node_context
from ethrex.storage import Store
from ethrex.types.transactions import transaction_hash
from tests.unit.rpc.dev_chain import transfer


def test_bip32_vector_1() -> None:
    # BIP-32 test vector 1, chain m/0'/1 private key.
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    assert derive_private_key(seed, "m/0'/1").hex() == (
        "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368")


def test_dev_accounts_are_anvils() -> None:
    address, key = dev_accounts()[0]
    # The account every anvil/hardhat user knows (from the task statement).
    assert checksum_address(address) == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert key.hex() == "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    assert len({a for a, _ in dev_accounts()}) == 10
    assert len(mnemonic_to_seed("test test test test test test test test test test test "
                                "junk")) == 64


def test_dev_genesis_runs_the_newest_fork() -> None:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    head = chain.head_header()
    assert chain.rules_for(head).fork >= Fork.OSAKA
    for address, _ in dev_accounts():
        account = chain.store.get_account_at(head.state_root, address)
        assert account is not None and account.balance == 10_000 * 10**18


async def _produce_one() -> tuple[int, list[bytes], bytes, int]:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    executor = ThreadPoolExecutor(1, thread_name_prefix="ethrex-exec")
    ctx = node_context(chain, executor, dev_mode=True)
    made = asyncio.Event()
    blocks: list[bytes] = []

    def on_block(block_hash: bytes) -> None:
        blocks.append(block_hash)
        made.set()

    async with asyncio.TaskGroup() as group:
        producer = group.create_task(run_dev_producer(ctx, None, on_block))
        await asyncio.sleep(0)
        tx_hash = ctx.mempool.add(transfer(0, 0, to=1, value=5))
        async with asyncio.timeout(30):
            await made.wait()
        producer.cancel()
    executor.shutdown()
    block = chain.store.get_block(blocks[0])
    assert block is not None and chain.head_header().hash() == blocks[0]
    balance = chain.store.get_account_at(block.header.state_root, dev_accounts()[1][0]).balance
    return block.header.number, [transaction_hash(t) for t in block.transactions], tx_hash, \
        balance


def test_dev_producer_includes_a_transfer() -> None:
    number, included, tx_hash, balance = asyncio.run(_produce_one())
    assert number == 1
    assert included == [tx_hash]
    assert balance == 10_000 * 10**18 + 5


async def _produce_for_unincludable() -> int:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    executor = ThreadPoolExecutor(1, thread_name_prefix="ethrex-exec")
    ctx = node_context(chain, executor, dev_mode=True)
    blocks: list[bytes] = []
    async with asyncio.TaskGroup() as group:
        producer = group.create_task(run_dev_producer(ctx, None, blocks.append))
        await asyncio.sleep(0)
        ctx.mempool.add(transfer(0, 0, tip=1, max_fee=1))  # below the base fee for now
        await asyncio.sleep(0.5)
        producer.cancel()
    executor.shutdown()
    return len(blocks)


def test_dev_producer_does_not_spin_on_a_transaction_it_cannot_include() -> None:
    # One block for the arrival, then it waits for the next transaction (it used to make
    # empty blocks back to back until the base fee fell under the fee cap).
    assert asyncio.run(_produce_for_unincludable()) == 1
