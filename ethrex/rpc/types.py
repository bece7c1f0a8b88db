"""JSON shapes of the execution-apis: blocks, transactions, receipts and logs as hex strings.

Quantities are minimal hex (``0x0``, ``0x1b``), data is even-length hex; field names and the
per-type field sets follow the specification (and geth, which the conformance suite records).
"""

from typing import Any

from ethrex.evm.opcodes.system import compute_create_address
from ethrex.execution.fee_market import GAS_PER_BLOB
from ethrex.types.block import Block, encode_block
from ethrex.types.header import Header
from ethrex.types.receipt import Log, Receipt
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    PrivilegedL2Transaction,
    SetCodeTransaction,
    Transaction,
    legacy_chain_id,
    recover_sender,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal


def qty(value: int) -> str:
    return hex(value)


def data(value: bytes) -> str:
    return "0x" + value.hex()


def header_json(header: Header, block_hash: bytes | None = None) -> dict[str, Any]:
    """The header part of a block object (also the ``newHeads`` notification)."""
    out: dict[str, Any] = {
        "hash": data(block_hash or header.hash()),
        "parentHash": data(header.parent_hash),
        "sha3Uncles": data(header.ommers_hash),
        "miner": data(header.coinbase),
        "stateRoot": data(header.state_root),
        "transactionsRoot": data(header.transactions_root),
        "receiptsRoot": data(header.receipts_root),
        "logsBloom": data(header.logs_bloom),
        "difficulty": qty(header.difficulty),
        "number": qty(header.number),
        "gasLimit": qty(header.gas_limit),
        "gasUsed": qty(header.gas_used),
        "timestamp": qty(header.timestamp),
        "extraData": data(header.extra_data),
        "mixHash": data(header.prev_randao),
        "nonce": data(header.nonce),
    }
    if header.base_fee_per_gas is not None:
        out["baseFeePerGas"] = qty(header.base_fee_per_gas)
    if header.withdrawals_root is not None:
        out["withdrawalsRoot"] = data(header.withdrawals_root)
    if header.blob_gas_used is not None:
        out["blobGasUsed"] = qty(header.blob_gas_used)
    if header.excess_blob_gas is not None:
        out["excessBlobGas"] = qty(header.excess_blob_gas)
    if header.parent_beacon_block_root is not None:
        out["parentBeaconBlockRoot"] = data(header.parent_beacon_block_root)
    if header.requests_hash is not None:
        out["requestsHash"] = data(header.requests_hash)
    return out


def withdrawal_json(w: Withdrawal) -> dict[str, str]:
    return {"index": qty(w.index), "validatorIndex": qty(w.validator_index),
            "address": data(w.address), "amount": qty(w.amount)}


def block_json(block: Block, full: bool, size: int | None = None,
               senders: list[bytes] | None = None) -> dict[str, Any]:
    """``eth_getBlockBy*``: hashes of the transactions, or the full objects with ``full``
    (from ``senders`` when given, else recovered)."""
    header = block.header
    block_hash = header.hash()
    out = header_json(header, block_hash)
    out["size"] = qty(len(encode_block(block)) if size is None else size)
    if full:
        out["transactions"] = [
            transaction_json(tx, header, block_hash, i, None if senders is None else senders[i])
            for i, tx in enumerate(block.transactions)
        ]
    else:
        out["transactions"] = [data(transaction_hash(tx)) for tx in block.transactions]
    out["uncles"] = [data(o.hash()) for o in block.ommers]
    if block.withdrawals is not None:
        out["withdrawals"] = [withdrawal_json(w) for w in block.withdrawals]
    return out


def _access_list_json(access_list: Any) -> list[dict[str, Any]]:
    return [{"address": data(a), "storageKeys": [data(k) for k in keys]}
            for a, keys in access_list]


def effective_gas_price(tx: Transaction, base_fee: int | None) -> int:
    """What the sender paid per gas in a block with ``base_fee`` (EIP-1559)."""
    if isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        return tx.gas_price
    if base_fee is None:
        return tx.max_fee_per_gas
    return base_fee + min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)


def transaction_json(
    tx: Transaction,
    header: Header | None = None,
    block_hash: bytes | None = None,
    index: int | None = None,
    sender: bytes | None = None,
) -> dict[str, Any]:
    """A transaction object; the block fields are null for a pending transaction."""
    out: dict[str, Any] = {}
    if header is not None:
        out["blockHash"] = data(block_hash or header.hash())
        out["blockNumber"] = qty(header.number)
        out["blockTimestamp"] = qty(header.timestamp)
    else:
        out["blockHash"] = out["blockNumber"] = None
    out["from"] = data(sender if sender is not None else recover_sender(tx))
    out["gas"] = qty(tx.gas)
    base_fee = header.base_fee_per_gas if header is not None else None
    out["gasPrice"] = qty(effective_gas_price(tx, base_fee))
    if not isinstance(tx, (LegacyTransaction, AccessListTransaction)):
        out["maxFeePerGas"] = qty(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = qty(tx.max_priority_fee_per_gas)
    out["hash"] = data(transaction_hash(tx))
    out["input"] = data(tx.data)
    out["nonce"] = qty(tx.nonce)
    out["to"] = data(tx.to) if tx.to else None
    out["transactionIndex"] = qty(index) if index is not None else None
    out["value"] = qty(tx.value)
    out["type"] = qty(tx.TYPE)
    if isinstance(tx, LegacyTransaction):
        chain_id = legacy_chain_id(tx)
        if chain_id is not None:
            out["chainId"] = qty(chain_id)
        out["v"] = qty(tx.v)
    else:
        out["accessList"] = _access_list_json(tx.access_list)
        out["chainId"] = qty(tx.chain_id)
        if isinstance(tx, PrivilegedL2Transaction):
            # unsigned (the sender is a field): a zero signature, as rollups serve their
            # deposit transactions, since client libraries read v, r and s of every one
            out["v"] = out["r"] = out["s"] = out["yParity"] = "0x0"
            return out
        if isinstance(tx, BlobTransaction):
            out["maxFeePerBlobGas"] = qty(tx.max_fee_per_blob_gas)
            out["blobVersionedHashes"] = [data(h) for h in tx.blob_versioned_hashes]
        if isinstance(tx, SetCodeTransaction):
            out["authorizationList"] = [
                {"chainId": qty(a.chain_id), "address": data(a.address), "nonce": qty(a.nonce),
                 "yParity": qty(a.y_parity), "r": qty(a.r), "s": qty(a.s)}
                for a in tx.authorization_list
            ]
        out["v"] = qty(tx.y_parity)
    out["r"] = qty(tx.r)
    out["s"] = qty(tx.s)
    if not isinstance(tx, LegacyTransaction):
        out["yParity"] = qty(tx.y_parity)
    return out


def log_json(log: Log, header: Header, block_hash: bytes, tx_hash: bytes, tx_index: int,
             log_index: int, removed: bool = False) -> dict[str, Any]:
    return {
        "address": data(log.address),
        "topics": [data(t) for t in log.topics],
        "data": data(log.data),
        "blockNumber": qty(header.number),
        "transactionHash": data(tx_hash),
        "transactionIndex": qty(tx_index),
        "blockHash": data(block_hash),
        "blockTimestamp": qty(header.timestamp),
        "logIndex": qty(log_index),
        "removed": removed,
    }


def receipts_json(block: Block, receipts: list[Receipt], blob_base_fee: int | None,
                  senders: list[bytes] | None = None) -> list[dict[str, Any]]:
    """Every receipt of ``block`` (gas used and log indices need the ones before)."""
    header = block.header
    block_hash = header.hash()
    out = []
    previous_gas = 0
    log_index = 0
    for i, (tx, receipt) in enumerate(zip(block.transactions, receipts)):
        sender = senders[i] if senders is not None else recover_sender(tx)
        tx_hash = transaction_hash(tx)
        logs = []
        for log in receipt.logs:
            logs.append(log_json(log, header, block_hash, tx_hash, i, log_index))
            log_index += 1
        item: dict[str, Any] = {
            "blockHash": data(block_hash),
            "blockNumber": qty(header.number),
            "contractAddress": None if tx.to else data(compute_create_address(sender, tx.nonce)),
            "cumulativeGasUsed": qty(receipt.cumulative_gas_used),
            "effectiveGasPrice": qty(effective_gas_price(tx, header.base_fee_per_gas)),
            "from": data(sender),
            "gasUsed": qty(receipt.cumulative_gas_used - previous_gas),
            "logs": logs,
            "logsBloom": data(receipt.bloom),
            "to": data(tx.to) if tx.to else None,
            "transactionHash": data(tx_hash),
            "transactionIndex": qty(i),
            "type": qty(tx.TYPE),
        }
        if receipt.post_state is not None:
            item["root"] = data(receipt.post_state)
        else:
            item["status"] = qty(1 if receipt.succeeded else 0)
        if isinstance(tx, BlobTransaction):
            item["blobGasUsed"] = qty(GAS_PER_BLOB * len(tx.blob_versioned_hashes))
            if blob_base_fee is not None:
                item["blobGasPrice"] = qty(blob_base_fee)
        previous_gas = receipt.cumulative_gas_used
        out.append(item)
    return out


__all__ = [
    "FeeMarketTransaction", "block_json", "data", "effective_gas_price", "header_json",
    "log_json", "qty", "receipts_json", "transaction_json", "withdrawal_json",
]
