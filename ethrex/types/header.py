"""The block header: 15 fields from Frontier, plus one trailing field per fork that added one.

London adds ``base_fee_per_gas`` (EIP-1559), Shanghai ``withdrawals_root`` (EIP-4895), Cancun
``blob_gas_used``, ``excess_blob_gas`` (EIP-4844) and ``parent_beacon_block_root`` (EIP-4788),
Prague ``requests_hash`` (EIP-7685). An optional field is present exactly when the encoding has it.
"""

from dataclasses import dataclass
from typing import Any

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item
from ethrex.types._fields import read_bytes, read_list, read_uint

# Field counts that some fork produces: 15 (Frontier), 16 (London), 17 (Shanghai),
# 20 (Cancun adds three at once), 21 (Prague).
_VALID_FIELD_COUNTS = (15, 16, 17, 20, 21)
_OPTIONAL = ("base_fee_per_gas", "withdrawals_root", "blob_gas_used", "excess_blob_gas",
             "parent_beacon_block_root", "requests_hash")


@dataclass(frozen=True, slots=True)
class Header:
    """A block header; the optional fields are None before the fork that introduced them."""

    parent_hash: bytes
    ommers_hash: bytes
    coinbase: bytes
    state_root: bytes
    transactions_root: bytes
    receipts_root: bytes
    logs_bloom: bytes
    difficulty: int
    number: int
    gas_limit: int
    gas_used: int
    timestamp: int
    extra_data: bytes
    prev_randao: bytes  # mix_hash before the merge
    nonce: bytes  # 8 bytes
    base_fee_per_gas: int | None = None  # EIP-1559
    withdrawals_root: bytes | None = None  # EIP-4895
    blob_gas_used: int | None = None  # EIP-4844
    excess_blob_gas: int | None = None  # EIP-4844
    parent_beacon_block_root: bytes | None = None  # EIP-4788
    requests_hash: bytes | None = None  # EIP-7685

    def hash(self) -> bytes:
        """keccak256 of the RLP encoding: the block hash."""
        return keccak256(encode_header(self))


def header_fields(header: Header) -> list[object]:
    """The header as the list RLP encodes: mandatory fields, then the optional ones present."""
    fields: list[object] = [
        header.parent_hash, header.ommers_hash, header.coinbase, header.state_root,
        header.transactions_root, header.receipts_root, header.logs_bloom, header.difficulty,
        header.number, header.gas_limit, header.gas_used, header.timestamp, header.extra_data,
        header.prev_randao, header.nonce,
    ]
    optional = (header.base_fee_per_gas, header.withdrawals_root, header.blob_gas_used,
                header.excess_blob_gas, header.parent_beacon_block_root, header.requests_hash)
    present = len(optional)
    while present and optional[present - 1] is None:
        present -= 1
    for i in range(present):
        if optional[i] is None:
            raise ValueError(f"header has {_OPTIONAL[present - 1]} but no {_OPTIONAL[i]}")
        fields.append(optional[i])
    return fields


def encode_header(header: Header) -> bytes:
    """The RLP encoding of a header."""
    return rlp.encode(header_fields(header))


def decode_header_item(item: Item) -> Header:
    """Decode an already RLP-decoded header (as found inside a block)."""
    fields = read_list(item, "header")
    if len(fields) not in _VALID_FIELD_COUNTS:
        raise RLPDecodingError(f"header: {len(fields)} fields is not a known header layout")
    f = fields
    optional: dict[str, Any] = {}
    if len(f) > 15:
        optional["base_fee_per_gas"] = read_uint(f[15], "base_fee_per_gas")
    if len(f) > 16:
        optional["withdrawals_root"] = read_bytes(f[16], "withdrawals_root", 32)
    if len(f) > 17:
        optional["blob_gas_used"] = read_uint(f[17], "blob_gas_used", 64)
        optional["excess_blob_gas"] = read_uint(f[18], "excess_blob_gas", 64)
        optional["parent_beacon_block_root"] = read_bytes(f[19], "parent_beacon_block_root", 32)
    if len(f) > 20:
        optional["requests_hash"] = read_bytes(f[20], "requests_hash", 32)
    return Header(
        read_bytes(f[0], "parent_hash", 32),
        read_bytes(f[1], "ommers_hash", 32),
        read_bytes(f[2], "coinbase", 20),
        read_bytes(f[3], "state_root", 32),
        read_bytes(f[4], "transactions_root", 32),
        read_bytes(f[5], "receipts_root", 32),
        read_bytes(f[6], "logs_bloom", 256),
        read_uint(f[7], "difficulty"),
        read_uint(f[8], "number", 64),
        read_uint(f[9], "gas_limit", 64),
        read_uint(f[10], "gas_used", 64),
        read_uint(f[11], "timestamp", 64),
        read_bytes(f[12], "extra_data"),
        read_bytes(f[13], "prev_randao", 32),
        read_bytes(f[14], "nonce", 8),
        **optional,
    )


def decode_header(data: bytes) -> Header:
    """Decode an RLP-encoded header; raises ``RLPDecodingError`` on any malformed field."""
    return decode_header_item(rlp.decode(data))
