"""Engine API objects: ExecutionPayload V1-V3, PayloadAttributes V1-V3, withdrawals and payload
statuses, converted to and from ``Block`` (execution-apis ``src/engine``: paris, shanghai, cancun,
prague, osaka).

Parsing is strict: a missing, ``null``, badly sized or non-hex field is ``-32602 Invalid
params``. Transactions are kept as raw bytes here; decoding them is payload validation (a bad
transaction makes the payload INVALID, not the request malformed).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from ethrex.blockchain.payload import PayloadAttributes
from ethrex.primitives import EMPTY_LIST_HASH, U64_MAX, U256_MAX
from ethrex.rpc.errors import INVALID_PARAMS, RpcError
from ethrex.trie import ordered_root
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.transactions import (
    BlobTransaction,
    Transaction,
    decode_transaction,
    encode_transaction,
)
from ethrex.types.withdrawal import Withdrawal, encode_withdrawal

# Engine API error codes (execution-apis src/engine/common.md#errors).
UNKNOWN_PAYLOAD = -38001
INVALID_FORKCHOICE_STATE = -38002
INVALID_PAYLOAD_ATTRIBUTES = -38003
TOO_LARGE_REQUEST = -38004
UNSUPPORTED_FORK = -38005

VALID = "VALID"
INVALID = "INVALID"
SYNCING = "SYNCING"
ACCEPTED = "ACCEPTED"
INVALID_BLOCK_HASH = "INVALID_BLOCK_HASH"  # V1/V2 only; Cancun reports INVALID instead


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, "Invalid params", message)


def _field(obj: dict[str, Any], name: str) -> Any:
    value = obj.get(name)
    if value is None:
        raise invalid_params(f"missing field {name}")
    return value


def parse_quantity(value: Any, name: str, limit: int = U64_MAX) -> int:
    """A JSON-RPC QUANTITY: ``0x``-prefixed hex without leading zeros, at most ``limit``."""
    if not isinstance(value, str) or value[:2] not in ("0x", "0X") or len(value) < 3:
        raise invalid_params(f"{name}: expected a hex quantity, got {value!r}")
    try:
        number = int(value[2:], 16)
    except ValueError:
        raise invalid_params(f"{name}: not hex: {value!r}") from None
    if number > limit:
        raise invalid_params(f"{name}: {number} out of range")
    return number


def parse_data(value: Any, name: str, size: int | None = None, max_size: int | None = None
               ) -> bytes:
    """A JSON-RPC DATA: ``0x``-prefixed hex of exactly ``size`` bytes when given."""
    if not isinstance(value, str) or value[:2] not in ("0x", "0X") or len(value) % 2:
        raise invalid_params(f"{name}: expected 0x-prefixed hex bytes, got {str(value)[:80]!r}")
    try:
        data = bytes.fromhex(value[2:])
    except ValueError:
        raise invalid_params(f"{name}: not hex") from None
    if size is not None and len(data) != size:
        raise invalid_params(f"{name}: {len(data)} bytes, expected {size}")
    if max_size is not None and len(data) > max_size:
        raise invalid_params(f"{name}: {len(data)} bytes, at most {max_size}")
    return data


def parse_list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_params(f"{name}: expected an array")
    return value


def parse_hash_list(value: Any, name: str) -> list[bytes]:
    return [parse_data(v, name, 32) for v in parse_list(value, name)]


def parse_withdrawal(obj: Any) -> Withdrawal:
    """WithdrawalV1 (EIP-4895)."""
    if not isinstance(obj, dict):
        raise invalid_params("withdrawal: expected an object")
    return Withdrawal(
        index=parse_quantity(_field(obj, "index"), "withdrawal index"),
        validator_index=parse_quantity(_field(obj, "validatorIndex"), "validatorIndex"),
        address=parse_data(_field(obj, "address"), "withdrawal address", 20),
        amount=parse_quantity(_field(obj, "amount"), "withdrawal amount"),
    )


def withdrawal_json(w: Withdrawal) -> dict[str, str]:
    return {"index": hex(w.index), "validatorIndex": hex(w.validator_index),
            "address": "0x" + w.address.hex(), "amount": hex(w.amount)}


class ExecutionPayload:
    """A parsed ExecutionPayload V1/V2/V3: header fields, raw transactions and withdrawals."""

    __slots__ = ("parent_hash", "fee_recipient", "state_root", "receipts_root", "logs_bloom",
                 "prev_randao", "block_number", "gas_limit", "gas_used", "timestamp",
                 "extra_data", "base_fee_per_gas", "block_hash", "transactions", "withdrawals",
                 "blob_gas_used", "excess_blob_gas")

    def __init__(self, obj: Any) -> None:
        if not isinstance(obj, dict):
            raise invalid_params("execution payload: expected an object")
        self.parent_hash = parse_data(_field(obj, "parentHash"), "parentHash", 32)
        self.fee_recipient = parse_data(_field(obj, "feeRecipient"), "feeRecipient", 20)
        self.state_root = parse_data(_field(obj, "stateRoot"), "stateRoot", 32)
        self.receipts_root = parse_data(_field(obj, "receiptsRoot"), "receiptsRoot", 32)
        self.logs_bloom = parse_data(_field(obj, "logsBloom"), "logsBloom", 256)
        self.prev_randao = parse_data(_field(obj, "prevRandao"), "prevRandao", 32)
        self.block_number = parse_quantity(_field(obj, "blockNumber"), "blockNumber")
        self.gas_limit = parse_quantity(_field(obj, "gasLimit"), "gasLimit")
        self.gas_used = parse_quantity(_field(obj, "gasUsed"), "gasUsed")
        self.timestamp = parse_quantity(_field(obj, "timestamp"), "timestamp")
        self.extra_data = parse_data(_field(obj, "extraData"), "extraData", max_size=32)
        self.base_fee_per_gas = parse_quantity(_field(obj, "baseFeePerGas"), "baseFeePerGas",
                                               U256_MAX)
        self.block_hash = parse_data(_field(obj, "blockHash"), "blockHash", 32)
        self.transactions = [parse_data(t, "transaction")
                             for t in parse_list(_field(obj, "transactions"), "transactions")]
        raw_withdrawals = obj.get("withdrawals")
        self.withdrawals: tuple[Withdrawal, ...] | None = None
        if raw_withdrawals is not None:
            self.withdrawals = tuple(
                parse_withdrawal(w) for w in parse_list(raw_withdrawals, "withdrawals")
            )
        self.blob_gas_used: int | None = None
        self.excess_blob_gas: int | None = None
        if obj.get("blobGasUsed") is not None:
            self.blob_gas_used = parse_quantity(obj["blobGasUsed"], "blobGasUsed")
        if obj.get("excessBlobGas") is not None:
            self.excess_blob_gas = parse_quantity(obj["excessBlobGas"], "excessBlobGas")

    def decode_transactions(self) -> tuple[Transaction, ...]:
        """The transactions in block form; raises RLPDecodingError / InvalidTransaction."""
        return tuple(decode_transaction(raw) for raw in self.transactions)

    def header(self, beacon_root: bytes | None, requests_hash: bytes | None,
               transactions_root: bytes | None = None) -> Header:
        """The header the payload stands for (EIP-3675 constants for the proof-of-work fields);
        its hash is what ``block_hash`` must equal. The transactions root is the given one (of
        the decoded transactions), else that of the raw entries."""
        withdrawals = self.withdrawals
        if transactions_root is None:
            transactions_root = ordered_root(list(self.transactions))
        return Header(
            parent_hash=self.parent_hash,
            ommers_hash=EMPTY_LIST_HASH,
            coinbase=self.fee_recipient,
            state_root=self.state_root,
            transactions_root=transactions_root,
            receipts_root=self.receipts_root,
            logs_bloom=self.logs_bloom,
            difficulty=0,
            number=self.block_number,
            gas_limit=self.gas_limit,
            gas_used=self.gas_used,
            timestamp=self.timestamp,
            extra_data=self.extra_data,
            prev_randao=self.prev_randao,
            nonce=bytes(8),
            base_fee_per_gas=self.base_fee_per_gas,
            withdrawals_root=None if withdrawals is None else ordered_root(
                [encode_withdrawal(w) for w in withdrawals]),
            blob_gas_used=self.blob_gas_used,
            excess_blob_gas=self.excess_blob_gas,
            parent_beacon_block_root=beacon_root,
            requests_hash=requests_hash,
        )


def payload_json(block: Block) -> dict[str, Any]:
    """The ExecutionPayload of ``block``: V1 fields, ``withdrawals`` from Shanghai (V2) and the
    blob gas fields from Cancun (V3), as the header has them."""
    h = block.header
    out: dict[str, Any] = {
        "parentHash": "0x" + h.parent_hash.hex(),
        "feeRecipient": "0x" + h.coinbase.hex(),
        "stateRoot": "0x" + h.state_root.hex(),
        "receiptsRoot": "0x" + h.receipts_root.hex(),
        "logsBloom": "0x" + h.logs_bloom.hex(),
        "prevRandao": "0x" + h.prev_randao.hex(),
        "blockNumber": hex(h.number),
        "gasLimit": hex(h.gas_limit),
        "gasUsed": hex(h.gas_used),
        "timestamp": hex(h.timestamp),
        "extraData": "0x" + h.extra_data.hex(),
        "baseFeePerGas": hex(h.base_fee_per_gas or 0),
        "blockHash": "0x" + h.hash().hex(),
        "transactions": ["0x" + encode_transaction(tx).hex() for tx in block.transactions],
    }
    if block.withdrawals is not None:
        out["withdrawals"] = [withdrawal_json(w) for w in block.withdrawals]
    if h.blob_gas_used is not None:
        out["blobGasUsed"] = hex(h.blob_gas_used)
        out["excessBlobGas"] = hex(h.excess_blob_gas or 0)
    return out


def body_json(block: Block) -> dict[str, Any]:
    """ExecutionPayloadBodyV1 (Shanghai): transactions and withdrawals (null before)."""
    return {
        "transactions": ["0x" + encode_transaction(tx).hex() for tx in block.transactions],
        "withdrawals": None if block.withdrawals is None
        else [withdrawal_json(w) for w in block.withdrawals],
    }


def parse_attributes(obj: Any) -> PayloadAttributes:
    """PayloadAttributes V1/V2/V3; which optional fields a version allows is the caller's
    check."""
    if not isinstance(obj, dict):
        raise invalid_params("payload attributes: expected an object")
    withdrawals = None
    if obj.get("withdrawals") is not None:
        withdrawals = tuple(parse_withdrawal(w) for w in parse_list(obj["withdrawals"],
                                                                     "withdrawals"))
    beacon_root = None
    if obj.get("parentBeaconBlockRoot") is not None:
        beacon_root = parse_data(obj["parentBeaconBlockRoot"], "parentBeaconBlockRoot", 32)
    return PayloadAttributes(
        timestamp=parse_quantity(_field(obj, "timestamp"), "timestamp"),
        prev_randao=parse_data(_field(obj, "prevRandao"), "prevRandao", 32),
        fee_recipient=parse_data(_field(obj, "suggestedFeeRecipient"),
                                 "suggestedFeeRecipient", 20),
        withdrawals=withdrawals,
        parent_beacon_block_root=beacon_root,
    )


def parse_requests(value: Any) -> list[bytes]:
    """EIP-7685 ``executionRequests``: each ``type || data`` with non-empty data, types
    strictly ascending (Prague engine API); anything else is -32602."""
    requests = [parse_data(r, "execution request") for r in parse_list(value, "executionRequests")]
    last = -1
    for r in requests:
        if len(r) <= 1:
            raise invalid_params("execution request without data")
        if r[0] <= last:
            raise invalid_params("execution requests not in strictly ascending type order")
        last = r[0]
    return requests


def payload_status(status: str, latest_valid_hash: bytes | None = None,
                   error: str | None = None) -> dict[str, Any]:
    """PayloadStatusV1."""
    return {
        "status": status,
        "latestValidHash": None if latest_valid_hash is None else "0x" + latest_valid_hash.hex(),
        "validationError": error,
    }


def hex_list(items: Iterable[bytes]) -> list[str]:
    return ["0x" + b.hex() for b in items]


def blob_versioned_hashes(transactions: Sequence[Transaction]) -> list[bytes]:
    """Every versioned hash of the block's blob transactions, in order (EIP-4844)."""
    out: list[bytes] = []
    for tx in transactions:
        if isinstance(tx, BlobTransaction):
            out.extend(tx.blob_versioned_hashes)
    return out
