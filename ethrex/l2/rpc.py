"""The L2 node's JSON-RPC: the L1 node's handlers over the L2 chain, plus the rollup's.

Everything web3.py or ethers call works unchanged against the L2. Added:

- ``ethrex_batchNumber``: the last sealed batch.
- ``ethrex_getBatchByNumber(number)``: a batch's blocks, commitment and L1 progress, or null.
- ``ethrex_getWithdrawalProof(txHash)``: for each L2-to-L1 message the transaction sent, what
  ``CommonBridge.claimWithdrawal`` needs (batch, message id, Merkle proof; receiver and amount
  for an ETH withdrawal); null until the transaction's batch is sealed.
- ``ethrex_getL1Contracts``: the L1 bridge and proposer this L2 commits to.
- ``ethrex_getBatchData(number)``: the batch's published payload (its blocks, compressed:
  ``ethrex.l2.rollup.batch_data``), what its blobs carry or, for a validium, what L1's
  commitment is the hash of; null for a batch not sealed. ``ethrex l2 reconstruct --from-l2``
  reads it.

``eth_sendRawTransaction`` refuses privileged transactions (type 0x7e: only the sequencer
includes them, from the L1 bridge's logs) and blob transactions (the L2 has no blob pool).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ethrex.l2.abi import AbiError, decode, event_topic
from ethrex.l2.rollup.batch_data import encode_payload
from ethrex.l2.rollup.messages import (
    L2_BRIDGE,
    batch_messages,
    merkle_proof,
    receipt_messages,
)
from ethrex.l2.store import STATUS_NAMES, BatchRecord, RollupStore
from ethrex.rpc.api import rpc_handlers
from ethrex.rpc.context import NodeContext
from ethrex.rpc.errors import RpcError, invalid_params, server_error
from ethrex.rpc.server import blocking
from ethrex.types.transactions import BlobTransaction, PrivilegedL2Transaction

WITHDRAWAL_INITIATED = event_topic("WithdrawalInitiated(address,address,uint256)")


@dataclass(slots=True)
class L2Context:
    """What the L2 handlers read: the node (chain, pool, executor), the sequencer's records and
    the L1 contracts."""

    node: NodeContext
    rollup: RollupStore
    bridge: bytes  # CommonBridge on L1
    proposer: bytes  # OnChainProposer on L1


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _quantity(value: Any, index: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.startswith("0x") and len(value) > 2:
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise invalid_params(f"invalid argument {index}: expected a hex quantity, got {value!r}")


def _hash(value: Any, index: int) -> bytes:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise invalid_params(f"invalid argument {index}: expected a 32-byte hex hash, got {value!r}")


def batch_json(record: BatchRecord) -> dict[str, Any]:
    c = record.commitment
    return {
        "number": hex(c.number),
        "firstBlock": hex(c.first_block),
        "lastBlock": hex(c.last_block),
        "lastBlockHash": _hex(c.last_block_hash),
        "stateRoot": _hex(c.state_root),
        "messagesRoot": _hex(c.messages_root),
        "privilegedTransactions": hex(c.privileged_count),
        "privilegedRollingHash": _hex(c.privileged_rolling_hash),
        "transactions": hex(record.tx_count),
        "status": STATUS_NAMES[record.status],
        "commitTransaction": _hex(record.commit_tx) if record.commit_tx else None,
        "commitGasUsed": hex(record.commit_gas) if record.commit_gas else None,
        "verifyTransaction": _hex(record.verify_tx) if record.verify_tx else None,
    }


class RollupHandlers:
    """The ``ethrex_*`` methods over an ``L2Context``."""

    def __init__(self, ctx: L2Context) -> None:
        self.ctx = ctx
        self.store = ctx.node.chain.store

    def batch_number(self) -> str:
        return hex(self.ctx.rollup.last_batch())

    def get_batch_by_number(self, number: Any) -> dict[str, Any] | None:
        record = self.ctx.rollup.get_batch(_quantity(number, 0))
        return None if record is None else batch_json(record)

    def l1_contracts(self) -> dict[str, str]:
        return {"bridge": _hex(self.ctx.bridge), "onChainProposer": _hex(self.ctx.proposer)}

    @blocking
    def get_batch_data(self, number: Any) -> str | None:
        record = self.ctx.rollup.get_batch(_quantity(number, 0))
        if record is None:
            return None
        c = record.commitment
        blocks = [self.store.get_block_by_number(n) for n in range(c.first_block,
                                                                   c.last_block + 1)]
        if any(b is None for b in blocks):
            raise server_error(f"a block of batch {c.number} is missing")
        return _hex(encode_payload(blocks))  # type: ignore[arg-type]

    @blocking
    def get_withdrawal_proof(self, tx_hash: Any) -> list[dict[str, Any]] | None:
        """Proofs of the messages of transaction ``tx_hash`` against its batch's root."""
        location = self.store.get_transaction_location(_hash(tx_hash, 0))
        if location is None:
            return None
        block_hash, index = location
        number = self.store.get_block_number(block_hash)
        record = None if number is None else self.ctx.rollup.batch_of_block(number)
        if record is None:
            return None  # not sealed into a batch yet
        receipts = self.store.get_receipts(block_hash)
        if receipts is None or index >= len(receipts):
            raise server_error(f"the receipts of block 0x{block_hash.hex()} are missing")
        own = receipt_messages(receipts[index])
        if not own:
            return []
        c = record.commitment
        batch_receipts = []
        for n in range(c.first_block, c.last_block + 1):
            header = self.store.get_header_by_number(n)
            if header is None:
                raise server_error(f"L2 block {n} of batch {c.number} is missing")
            batch_receipts.append(self.store.get_receipts(header.hash()) or [])
        leaves = [m.leaf() for m in batch_messages(batch_receipts)]
        withdrawals = _withdrawals(receipts[index].logs)
        out = []
        for message in own:
            position = leaves.index(message.leaf())
            item: dict[str, Any] = {
                "batchNumber": hex(c.number),
                "messageId": hex(message.message_id),
                "sender": _hex(message.sender),
                "data": _hex(message.data),
                "leaf": _hex(leaves[position]),
                "proof": [_hex(p) for p in merkle_proof(leaves, position)],
                "batchStatus": STATUS_NAMES[record.status],
            }
            if message.sender == L2_BRIDGE and withdrawals:
                receiver, amount = withdrawals.pop(0)
                item["receiver"] = _hex(receiver)
                item["amount"] = hex(amount)
            out.append(item)
        return out

    def table(self) -> dict[str, Callable[..., Any]]:
        return {
            "ethrex_batchNumber": self.batch_number,
            "ethrex_getBatchByNumber": self.get_batch_by_number,
            "ethrex_getWithdrawalProof": self.get_withdrawal_proof,
            "ethrex_getL1Contracts": self.l1_contracts,
            "ethrex_getBatchData": self.get_batch_data,
        }


def _withdrawals(logs: Any) -> list[tuple[bytes, int]]:
    """(receiver, amount) of each ``WithdrawalInitiated`` of the L2 bridge, in order."""
    out = []
    for log in logs:
        if log.address == L2_BRIDGE and log.topics[:1] == (WITHDRAWAL_INITIATED,) \
                and len(log.topics) == 3:
            try:
                (amount,) = decode(["uint256"], log.data)
            except AbiError:
                continue
            out.append((log.topics[2][12:], amount))
    return out


def _refuse_sequencer_only(send: Callable[..., Any]) -> Callable[..., Any]:
    """``eth_sendRawTransaction`` that refuses what a user may not send to the L2."""
    def send_raw_transaction(raw: Any) -> Any:
        if isinstance(raw, str) and raw[:2] in ("0x", "0X"):
            first = raw[2:4].lower()
            if first == f"{PrivilegedL2Transaction.TYPE:02x}":
                raise RpcError(-32602, "privileged transactions (type 0x7e) come from the L1 "
                                       "bridge only: deposit on L1 (`ethrex l2 deposit`)")
            if first == f"{BlobTransaction.TYPE:02x}":
                raise RpcError(-32602, "blob transactions (type 3) are not accepted on the L2")
        return send(raw)
    return send_raw_transaction


def l2_handlers(ctx: L2Context) -> dict[str, Callable[..., Any]]:
    """The L1 node's handlers over the L2 chain, the rollup's, and the guarded send."""
    handlers = rpc_handlers(ctx.node)
    handlers["eth_sendRawTransaction"] = _refuse_sequencer_only(
        handlers["eth_sendRawTransaction"])
    handlers.update(RollupHandlers(ctx).table())
    return handlers
