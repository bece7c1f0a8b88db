"""Sending an L1 transaction until it is mined, against a fake node: fee bumps when no
receipt comes, the node's refusals ("underpriced", "already known", "nonce too low") and a
mined revert reported with its reason."""

import asyncio
from typing import Any

import pytest

from ethrex.l2.abi import encode, selector
from ethrex.l2.client import ClientError
from ethrex.l2.sender import TxNotMined, TxReverted, TxSender
from ethrex.primitives import keccak256
from ethrex.types.transactions import decode_transaction, transaction_hash

KEY = keccak256(b"sequencer")
GWEI = 10**9


class FakeNode:
    """Mines the transaction sent as version ``mine_version`` (0 = the first), answering each
    send with ``refusals`` first."""

    def __init__(self, mine_version: int = 0, refusals: tuple[str, ...] = (),
                 status: int = 1, late: dict[int, str] | None = None) -> None:
        self.mine_version = mine_version
        self.refusals = list(refusals)
        self.late = late or {}  # send number -> refusal, after the first send
        self.status = status
        self.sent: list[Any] = []
        self.calls = 0
        self.mined: bytes | None = None

    async def chain_id(self) -> int:
        return 1

    async def nonce(self, address: bytes, block: str) -> int:
        return 4

    async def get_block(self, block: str) -> dict[str, str]:
        return {"baseFeePerGas": hex(10 * GWEI)}

    async def estimate_gas(self, *args: Any) -> int:
        return 100_000

    async def send_raw(self, raw: bytes) -> bytes:
        tx = decode_transaction(raw)
        self.calls += 1
        if self.calls - 1 in self.late:
            raise ClientError("eth_sendRawTransaction", -32000, self.late[self.calls - 1])
        if self.refusals:
            raise ClientError("eth_sendRawTransaction", -32000, self.refusals.pop(0))
        self.sent.append(tx)
        if len(self.sent) - 1 == self.mine_version:
            self.mined = transaction_hash(tx)
        return transaction_hash(tx)

    async def receipt(self, tx_hash: bytes) -> dict[str, str] | None:
        if tx_hash != self.mined or self.calls <= min(self.late, default=0):
            return None
        return {"blockNumber": "0x10", "gasUsed": "0x5208", "status": hex(self.status)}

    async def call(self, method: str, *params: Any) -> Any:
        if method == "eth_maxPriorityFeePerGas":
            return hex(GWEI)
        if method == "eth_getTransactionByHash":
            return {"from": "0x01", "input": "0x", "value": "0x0", "gas": "0x1", "to": "0x02"}
        if method == "eth_call":
            reason = selector("Error(string)") + encode(["string"], ["OnChainProposer: no"])
            raise ClientError("eth_call", 3, "execution reverted", "0x" + reason.hex())
        raise AssertionError(method)


def _send(node: FakeNode, max_bumps: int = 8) -> Any:
    sender = TxSender(node, KEY, bump_after=0.05, max_bumps=max_bumps, poll=0.01)  # type: ignore
    return asyncio.run(sender.send(b"\x02" * 20, b"\x01"))


def test_mined_at_once() -> None:
    node = FakeNode()
    mined = _send(node)
    assert mined.tx_hash == node.mined and mined.block_number == 16 and mined.gas_used == 21000
    (tx,) = node.sent
    assert tx.nonce == 4 and tx.gas == 125_000  # the estimate and a quarter
    assert tx.max_priority_fee_per_gas == GWEI and tx.max_fee_per_gas == 21 * GWEI


def test_fees_are_bumped_until_mined() -> None:
    node = FakeNode(mine_version=2)
    mined = _send(node)
    assert len(node.sent) == 3 and mined.tx_hash == transaction_hash(node.sent[2])
    tips = [tx.max_priority_fee_per_gas for tx in node.sent]
    caps = [tx.max_fee_per_gas for tx in node.sent]
    assert tips == [GWEI, GWEI * 5 // 4, GWEI * 25 // 16]
    assert all(b > a * 1.1 for a, b in zip(caps, caps[1:]))  # nodes want +10% to replace
    assert {tx.nonce for tx in node.sent} == {4}


def test_refusals_that_are_not_failures() -> None:
    node = FakeNode(mine_version=0, refusals=("replacement transaction underpriced",))
    assert _send(node).tx_hash == node.mined
    assert node.sent[0].max_priority_fee_per_gas > GWEI  # bumped past the refusal
    node = FakeNode(mine_version=5)
    node.mined = b"\x00" * 32
    with pytest.raises(TxNotMined):
        _send(node, max_bumps=2)


def test_a_version_mined_while_waiting_is_found() -> None:
    # the first version is mined but its receipt shows only after the node refuses the bump
    # for its nonce: the sender returns the first version
    node = FakeNode(mine_version=0, late={1: "nonce too low: next nonce 5, tx nonce 4"})
    mined = _send(node)
    assert len(node.sent) == 1 and mined.tx_hash == transaction_hash(node.sent[0])
    node = FakeNode(mine_version=1, late={1: "already known"})
    assert _send(node).tx_hash == transaction_hash(node.sent[1])


def test_an_error_that_is_ours_propagates() -> None:
    with pytest.raises(ClientError, match="insufficient funds"):
        _send(FakeNode(refusals=("insufficient funds for gas * price + value",)))


def test_a_mined_revert_says_why() -> None:
    with pytest.raises(TxReverted, match="OnChainProposer: no"):
        _send(FakeNode(status=0))
