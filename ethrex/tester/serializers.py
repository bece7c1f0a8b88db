"""Blocks, transactions, receipts and logs in the raw form eth-tester's backends hand out.

eth-tester validates what a backend returns against fixed key sets (``eth_tester.validation.
outbound``) and then normalizes it for its users: ints stay ints, hashes and addresses are
bytes, the logs bloom is an int, a creation's ``to`` is ``b""``. The shapes follow the py-evm
backend's serializers, which define that contract: a transaction in the pending block has no
block hash, number or index; a dynamic-fee transaction reports its fee cap as ``gas_price``
while pending and its effective price once mined; a log's index counts within its receipt.
"""

from typing import Any

from ethrex.evm.opcodes.system import compute_create_address
from ethrex.execution.fee_market import GAS_PER_BLOB
from ethrex.rpc.types import effective_gas_price
from ethrex.types.block import Block, encode_block
from ethrex.types.header import Header
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    transaction_hash,
)

Raw = dict[str, Any]


def transaction_raw(tx: Transaction, sender: bytes, header: Header, index: int,
                    pending: bool) -> Raw:
    """One transaction, in its block (``pending``: the block being assembled)."""
    out: Raw = {
        "type": tx.TYPE,
        "hash": transaction_hash(tx),
        "nonce": tx.nonce,
        "block_hash": None if pending else header.hash(),
        "block_number": None if pending else header.number,
        "transaction_index": None if pending else index,
        "from": sender,
        "to": tx.to,
        "value": tx.value,
        "gas": tx.gas,
        "data": tx.data,
    }
    if isinstance(tx, LegacyTransaction):
        out["gas_price"] = tx.gas_price
        out.update(v=tx.v, s=tx.s, r=tx.r)
        return out
    if isinstance(tx, AccessListTransaction):
        out["gas_price"] = tx.gas_price
    else:
        out["max_fee_per_gas"] = tx.max_fee_per_gas
        out["max_priority_fee_per_gas"] = tx.max_priority_fee_per_gas
        out["gas_price"] = tx.max_fee_per_gas if pending else \
            effective_gas_price(tx, header.base_fee_per_gas)
    out["chain_id"] = tx.chain_id
    out["access_list"] = tuple((address, tuple(int.from_bytes(k, "big") for k in keys))
                               for address, keys in tx.access_list)
    if isinstance(tx, BlobTransaction):
        out["max_fee_per_blob_gas"] = tx.max_fee_per_blob_gas
        out["blob_versioned_hashes"] = tx.blob_versioned_hashes
    elif isinstance(tx, SetCodeTransaction):
        out["authorization_list"] = [
            {"chain_id": a.chain_id, "address": a.address, "nonce": a.nonce,
             "y_parity": a.y_parity, "r": a.r, "s": a.s}
            for a in tx.authorization_list
        ]
    out.update(v=tx.y_parity, s=tx.s, r=tx.r, y_parity=tx.y_parity)
    return out


def receipt_raw(tx: Transaction, sender: bytes, header: Header, index: int,
                receipts: list[Receipt], pending: bool, blob_base_fee: int | None) -> Raw:
    """The receipt of the ``index``-th transaction of a block whose receipts are
    ``receipts`` (so far, for the pending block)."""
    receipt = receipts[index]
    before = receipts[index - 1].cumulative_gas_used if index else 0
    tx_hash = transaction_hash(tx)
    status = 1 if receipt.succeeded else 0
    block_hash = None if pending else header.hash()
    out: Raw = {
        "block_hash": block_hash,
        "block_number": None if pending else header.number,
        "contract_address": None if tx.to else compute_create_address(sender, tx.nonce),
        "cumulative_gas_used": receipt.cumulative_gas_used,
        "effective_gas_price": effective_gas_price(tx, header.base_fee_per_gas),
        "from": sender,
        "gas_used": receipt.cumulative_gas_used - before,
        "logs": [
            {"type": "pending" if pending else "mined", "log_index": i,
             "transaction_index": None if pending else index, "transaction_hash": tx_hash,
             "block_hash": block_hash, "block_number": None if pending else header.number,
             "address": log.address, "data": log.data, "topics": list(log.topics)}
            for i, log in enumerate(receipt.logs)
        ],
        "state_root": b"\x01" if status else b"",
        "status": status,
        "to": tx.to,
        "transaction_hash": tx_hash,
        "transaction_index": None if pending else index,
        "type": tx.TYPE,
    }
    if isinstance(tx, BlobTransaction):
        blob_gas = GAS_PER_BLOB * len(tx.blob_versioned_hashes)
        out["blob_gas_used"] = blob_gas
        out["blob_gas_price"] = (blob_base_fee or 0) * blob_gas
    return out


def block_raw(block: Block, senders: list[bytes], full: bool, pending: bool) -> Raw:
    """A block with its transactions' hashes or (``full``) the transactions themselves."""
    header = block.header
    if full:
        transactions: list[Any] = [transaction_raw(tx, senders[i], header, i, pending)
                                   for i, tx in enumerate(block.transactions)]
    else:
        transactions = [transaction_hash(tx) for tx in block.transactions]
    out: Raw = {
        "number": header.number,
        "hash": header.hash(),
        "parent_hash": header.parent_hash,
        "nonce": header.nonce,
        "sha3_uncles": header.ommers_hash,
        "logs_bloom": int.from_bytes(header.logs_bloom, "big"),
        "transactions_root": header.transactions_root,
        "receipts_root": header.receipts_root,
        "state_root": header.state_root,
        "coinbase": header.coinbase,
        "difficulty": header.difficulty,
        "total_difficulty": header.difficulty,  # as the py-evm backend reports it
        "mix_hash": header.prev_randao,
        "size": len(encode_block(block)),
        "extra_data": header.extra_data.rjust(32, b"\x00"),
        "gas_limit": header.gas_limit,
        "gas_used": header.gas_used,
        "timestamp": header.timestamp,
        "transactions": transactions,
        "uncles": [],
    }
    if header.base_fee_per_gas is not None:
        out["base_fee_per_gas"] = header.base_fee_per_gas
    if header.withdrawals_root is not None:
        out["withdrawals"] = [{"index": w.index, "validator_index": w.validator_index,
                               "address": w.address, "amount": w.amount}
                              for w in block.withdrawals or ()]
        out["withdrawals_root"] = header.withdrawals_root
    if header.parent_beacon_block_root is not None:
        out["parent_beacon_block_root"] = header.parent_beacon_block_root
        out["blob_gas_used"] = header.blob_gas_used or 0
        out["excess_blob_gas"] = header.excess_blob_gas or 0
    if header.requests_hash is not None:
        out["requests_hash"] = header.requests_hash
    return out
