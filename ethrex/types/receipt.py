"""Logs, the logs bloom and transaction receipts.

A receipt's first field is the post-transaction state root before Byzantium and a status byte
from Byzantium on (EIP-658); a typed transaction's receipt is prefixed with its type (EIP-2718).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item
from ethrex.types._fields import read_bytes, read_hashes, read_list, read_uint
from ethrex.types.transactions import PrivilegedL2Transaction


@dataclass(frozen=True, slots=True)
class Log:
    """An event emitted by LOG0..LOG4."""

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of one transaction. Exactly one of ``succeeded`` (Byzantium on, EIP-658) and
    ``post_state`` (before) is set."""

    tx_type: int
    succeeded: bool | None
    post_state: bytes | None
    cumulative_gas_used: int
    bloom: bytes
    logs: tuple[Log, ...]


def _add_to_bloom(bloom: int, item: bytes) -> int:
    # Yellow Paper M3:2048: three 11-bit indices from the first six bytes of keccak(item).
    h = keccak256(item)
    return (bloom
            | 1 << (((h[0] << 8) | h[1]) & 2047)
            | 1 << (((h[2] << 8) | h[3]) & 2047)
            | 1 << (((h[4] << 8) | h[5]) & 2047))


def logs_bloom(logs: Iterable[Log]) -> bytes:
    """The 256-byte bloom filter of the addresses and topics of ``logs``."""
    bloom = 0
    for log in logs:
        bloom = _add_to_bloom(bloom, log.address)
        for topic in log.topics:
            bloom = _add_to_bloom(bloom, topic)
    return bloom.to_bytes(256, "big")


def log_fields(log: Log) -> list[object]:
    """A log as the list RLP encodes."""
    return [log.address, log.topics, log.data]


def encode_receipt(r: Receipt) -> bytes:
    """The receipt-trie leaf value: ``rlp(fields)``, prefixed by the type byte if typed."""
    if r.post_state is not None:
        first: object = r.post_state
    elif r.succeeded is not None:
        first = 1 if r.succeeded else 0
    else:
        raise ValueError("a receipt needs a status or a post-state root")
    payload = rlp.encode([first, r.cumulative_gas_used, r.bloom, [log_fields(x) for x in r.logs]])
    if r.tx_type == 0:
        return payload
    return bytes((r.tx_type,)) + payload


def _decode_log(item: Item) -> Log:
    address, topics, data = read_list(item, "log", 3)
    return Log(read_bytes(address, "log address", 20), read_hashes(topics, "log topic"),
               read_bytes(data, "log data"))


def decode_receipt(data: bytes) -> Receipt:
    """Decode a receipt-trie leaf value (legacy list or typed envelope)."""
    if not data:
        raise RLPDecodingError("empty receipt")
    tx_type = 0
    if data[0] < 0x80:
        tx_type, data = data[0], data[1:]
        if not 1 <= tx_type <= 4 and tx_type != PrivilegedL2Transaction.TYPE:
            raise RLPDecodingError(f"unknown receipt type {tx_type:#04x}")
    first, gas_used, bloom, logs = read_list(rlp.decode(data), "receipt", 4)
    first = read_bytes(first, "receipt status")
    succeeded: bool | None = None
    post_state: bytes | None = None
    if len(first) == 32:
        post_state = first
    elif first == b"":
        succeeded = False
    elif first == b"\x01":
        succeeded = True
    else:
        raise RLPDecodingError(f"receipt status must be empty, 0x01 or a root, got {first.hex()}")
    return Receipt(
        tx_type, succeeded, post_state, read_uint(gas_used, "cumulative_gas_used", 64),
        read_bytes(bloom, "receipt bloom", 256),
        tuple(_decode_log(x) for x in read_list(logs, "receipt logs")),
    )
