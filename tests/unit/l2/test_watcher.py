"""The L1 watcher against a fake L1: confirmed blocks only, deposits stored with the cursor,
id gaps and malformed logs refused, and a reorg deeper than the confirmations read again."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ethrex.l2.abi import encode, encode_call
from ethrex.l2.sequencer.l1_watcher import PRIVILEGED_TX_SENT, L1Watcher, WatcherError
from ethrex.l2.store import RollupStore
from ethrex.primitives import keccak256
from ethrex.storage import Store

BRIDGE = b"\xb0" * 20
L2_BRIDGE = bytes(18) + b"\xff\xff"
DEPLOYED = 10


class FakeL1:
    """Blocks by number with a hash and the bridge's logs; ``reorg`` replaces them."""

    def __init__(self) -> None:
        self.head = DEPLOYED
        self.logs: dict[int, list[dict[str, Any]]] = {}
        self.salt = b""

    def block_hash(self, number: int) -> str:
        return "0x" + keccak256(self.salt + number.to_bytes(8, "big")).hex()

    def deposit(self, block: int, deposit_id: int, value: int, log_id: int | None = None) -> None:
        data = encode(["uint256", "uint256", "bytes"],
                      [value, 100_000, encode_call("mintETH(address)", b"\x01" * 20)])
        self.logs.setdefault(block, []).append({
            "topics": ["0x" + PRIVILEGED_TX_SENT.hex(), "0x" + (bytes(12) + L2_BRIDGE).hex(),
                       "0x" + (bytes(12) + L2_BRIDGE).hex(),
                       "0x" + (log_id if log_id is not None else deposit_id).to_bytes(
                           32, "big").hex()],
            "data": "0x" + data.hex(), "blockNumber": hex(block),
            "transactionHash": "0x" + keccak256(bytes([block, deposit_id])).hex()})

    async def block_number(self) -> int:
        return self.head

    async def get_block(self, number: int) -> dict[str, Any] | None:
        return {"hash": self.block_hash(number)} if number <= self.head else None

    async def get_logs(self, address: bytes, topics: list[Any], first: int,
                       last: int) -> list[dict[str, Any]]:
        assert address == BRIDGE
        return [e for n in range(first, last + 1) for e in self.logs.get(n, [])]

    async def eth_call(self, to: bytes, data: bytes) -> bytes:
        assert data == encode_call("deployedAtBlock()")
        return DEPLOYED.to_bytes(32, "big")


def _run(watcher: L1Watcher) -> None:
    async def go() -> None:
        while await watcher.step():
            pass
    asyncio.run(go())


@pytest.fixture
def watcher() -> tuple[L1Watcher, FakeL1, RollupStore]:
    l1 = FakeL1()
    rollup = RollupStore(Store.in_memory())
    executor = ThreadPoolExecutor(1)
    yield L1Watcher(l1, rollup, executor, BRIDGE, 7, 2, 0.01), l1, rollup  # type: ignore
    executor.shutdown()


def test_confirmed_deposits_are_stored_with_the_cursor(watcher: tuple) -> None:
    w, l1, rollup = watcher
    l1.deposit(11, 0, 5)
    l1.deposit(12, 1, 6)
    l1.head = 13
    _run(w)
    assert rollup.l1_cursor() == (11, bytes.fromhex(l1.block_hash(11)[2:]))
    assert rollup.get_deposit(0).tx.value == 5 and rollup.get_deposit(1) is None  # type: ignore
    l1.head = 20
    _run(w)
    deposit = rollup.get_deposit(1)
    assert deposit is not None and deposit.tx.nonce == 1 and deposit.tx.sender == L2_BRIDGE
    assert deposit.tx.chain_id == 7 and deposit.l1_block == 12 and rollup.l1_cursor()[0] == 18


def test_a_gap_or_a_malformed_log_is_refused(watcher: tuple) -> None:
    w, l1, rollup = watcher
    l1.deposit(11, 0, 5)
    l1.deposit(12, 2, 5)  # id 1 missing
    l1.head = 20
    with pytest.raises(WatcherError, match="jump"):
        _run(w)
    assert rollup.l1_cursor() is None and rollup.get_deposit(0) is None
    l1.logs[12] = []
    l1.deposit(12, 1, 5)
    l1.logs[12][0]["data"] = "0x1234"
    with pytest.raises(WatcherError, match="malformed"):
        _run(w)


def test_a_deep_reorg_is_read_again(watcher: tuple) -> None:
    w, l1, rollup = watcher
    l1.deposit(11, 0, 5)
    l1.deposit(12, 1, 6)
    l1.head = 20
    _run(w)
    with rollup.store.write() as tx:
        rollup.set_next_deposit(tx, 1)  # deposit 0 is in an L2 block already
    # L1 reorganizes past the confirmations: both deposits now carry other values
    l1.salt = b"fork"
    l1.logs = {}
    l1.deposit(11, 0, 50)
    l1.deposit(13, 1, 60)
    _run(w)
    assert rollup.get_deposit(0).tx.value == 5  # type: ignore[union-attr]  # included: kept
    assert rollup.get_deposit(1).tx.value == 60  # type: ignore[union-attr]  # not yet: replaced
    assert rollup.l1_cursor() == (18, bytes.fromhex(l1.block_hash(18)[2:]))
