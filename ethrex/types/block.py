"""A block: header, transactions, ommers and (from Shanghai, EIP-4895) withdrawals."""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item
from ethrex.types._fields import read_list
from ethrex.types.header import Header, decode_header_item, encode_header, header_fields
from ethrex.types.transactions import (
    Transaction,
    decode_transaction_item,
    encode_transaction,
    encode_transaction_item,
)
from ethrex.types.withdrawal import Withdrawal, decode_withdrawal_item, withdrawal_fields


@dataclass(frozen=True, slots=True)
class Block:
    """A full block; ``withdrawals`` is None before Shanghai."""

    header: Header
    transactions: tuple[Transaction, ...]
    ommers: tuple[Header, ...]
    withdrawals: tuple[Withdrawal, ...] | None = None

    def hash(self) -> bytes:
        """The block hash (the header's)."""
        return self.header.hash()


def block_fields(block: Block) -> list[object]:
    """The block as the list RLP encodes."""
    fields: list[object] = [
        header_fields(block.header),
        [encode_transaction_item(tx) for tx in block.transactions],
        [header_fields(h) for h in block.ommers],
    ]
    if block.withdrawals is not None:
        fields.append([withdrawal_fields(w) for w in block.withdrawals])
    return fields


def encode_block(block: Block) -> bytes:
    """``rlp([header, transactions, ommers(, withdrawals)])``."""
    return rlp.encode(block_fields(block))


@dataclass(frozen=True, slots=True)
class EncodedBlock:
    """A block's RLP, made once and in parts for its import: the transactions' canonical
    encodings give the transactions root, the transaction hashes and the stored body; the
    header's gives the block hash and the stored header; ``size`` is the block's RLP length
    (the EIP-7934 limit)."""

    header: bytes
    transactions: tuple[bytes, ...]  # EIP-2718 canonical encodings
    body: bytes  # rlp([transactions, ommers(, withdrawals)]), as the store keeps it
    size: int

    def hash(self) -> bytes:
        """The block hash."""
        return keccak256(self.header)


def encode_block_parts(block: Block) -> EncodedBlock:
    """``EncodedBlock`` of ``block``; ``encode_block`` gives the same bytes in one piece."""
    header = encode_header(block.header)
    transactions = tuple([encode_transaction(tx) for tx in block.transactions])
    encode = rlp.encode
    # A typed transaction is a byte string in the body's list; a legacy one is its own list.
    parts = [
        rlp.encode_encoded_list([t if t[0] >= 0xC0 else encode(t) for t in transactions]),
        encode([header_fields(h) for h in block.ommers]),
    ]
    if block.withdrawals is not None:
        parts.append(encode([withdrawal_fields(w) for w in block.withdrawals]))
    body = rlp.encode_encoded_list(parts)
    size = len(rlp.encode_encoded_list([header, *parts]))
    return EncodedBlock(header, transactions, body, size)


def decode_block_item(item: Item) -> Block:
    """Decode an already RLP-decoded block."""
    fields = read_list(item, "block")
    if len(fields) not in (3, 4):
        raise RLPDecodingError(f"block: expected 3 or 4 elements, got {len(fields)}")
    header = decode_header_item(fields[0])
    transactions = tuple(decode_transaction_item(t) for t in read_list(fields[1], "transactions"))
    ommers = tuple(decode_header_item(h) for h in read_list(fields[2], "ommers"))
    withdrawals = None
    if len(fields) == 4:
        withdrawals = tuple(decode_withdrawal_item(w) for w in read_list(fields[3], "withdrawals"))
    return Block(header, transactions, ommers, withdrawals)


def decode_block(data: bytes) -> Block:
    """Decode an RLP-encoded block; raises ``RLPDecodingError`` / ``InvalidTransaction``."""
    return decode_block_item(rlp.decode(data))


def decode_blocks(data: bytes) -> list[Block]:
    """Decode a concatenation of RLP blocks (the ``chain.rlp`` import format)."""
    blocks = []
    pos = 0
    while pos < len(data):
        item, pos = rlp.decode_prefix(data, pos)
        blocks.append(decode_block_item(item))
    return blocks
