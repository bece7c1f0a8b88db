"""The tables of the store and how their keys and values are laid out.

| table            | key                             | value                                   |
|------------------|---------------------------------|-----------------------------------------|
| headers          | block hash                      | header RLP                              |
| bodies           | block hash                      | rlp([txs, ommers(, withdrawals)])       |
| receipts         | block hash                      | rlp([encoded receipt, ...])             |
| total_difficulty | block hash                      | big-endian int                          |
| block_numbers    | block hash                      | 8-byte big-endian number                |
| canonical        | 8-byte big-endian number        | block hash                              |
| tx_locations     | tx hash ++ block hash           | big-endian index in the block           |
| trie_nodes       | node hash                       | node RLP (state and storage tries)      |
| code             | code hash                       | bytecode                                |
| flat_accounts    | keccak(address)                 | account leaf RLP (as in the state trie) |
| flat_storage     | keccak(address) ++ keccak(slot) | rlp(value) (as in the storage trie)     |
| meta             | name (``META_*``)               | see below                               |

Numbers are big-endian so that LMDB's byte order is numeric order. Transaction locations are
keyed by (tx, block): the same transaction may sit in blocks of several forks, and the reader
picks the canonical one. The flat tables hold the state after the block named by
``META_FLAT_STATE_BLOCK``; every older state stays readable through ``trie_nodes`` (archive;
an import with ``--gcmode full`` stores only some of them: ``ethrex.storage.prune``).
"""

import json
from dataclasses import fields
from typing import Any

from ethrex.primitives import keccak256
from ethrex.types.genesis import BlobParams, ChainConfig

HEADERS = "headers"
BODIES = "bodies"
RECEIPTS = "receipts"
TOTAL_DIFFICULTY = "total_difficulty"
BLOCK_NUMBERS = "block_numbers"
CANONICAL = "canonical"
TX_LOCATIONS = "tx_locations"
TRIE_NODES = "trie_nodes"
CODE = "code"
FLAT_ACCOUNTS = "flat_accounts"
FLAT_STORAGE = "flat_storage"
META = "meta"

TABLES = (
    HEADERS, BODIES, RECEIPTS, TOTAL_DIFFICULTY, BLOCK_NUMBERS, CANONICAL, TX_LOCATIONS,
    TRIE_NODES, CODE, FLAT_ACCOUNTS, FLAT_STORAGE, META,
)

# meta keys
META_HEAD = b"head"  # block hash
META_SAFE = b"safe"
META_FINALIZED = b"finalized"
META_GENESIS = b"genesis"  # block hash of block 0
META_CHAIN_CONFIG = b"chain_config"  # JSON, see ``store.encode_chain_config``
META_FLAT_STATE_BLOCK = b"flat_state_block"  # hash of the block the flat tables reflect
META_SCHEMA_VERSION = b"schema_version"

SCHEMA_VERSION = 1


def number_key(number: int) -> bytes:
    """The canonical-table key of a block number."""
    return number.to_bytes(8, "big")


def slot_key(address_hash: bytes, slot: int) -> bytes:
    """The flat-storage key of a slot: ``keccak(address) ++ keccak(slot)``."""
    return address_hash + keccak256(slot.to_bytes(32, "big"))


def encode_uint(value: int) -> bytes:
    """Minimal big-endian bytes (total difficulty, indices)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def decode_uint(data: bytes) -> int:
    return int.from_bytes(data, "big")


def encode_chain_config(config: ChainConfig) -> bytes:
    """JSON keyed by ``ChainConfig`` field names; bytes as 0x-hex."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "blob_schedule":
            value = [[name, p.target, p.max, p.base_fee_update_fraction, p.max_blobs_per_tx]
                     for name, p in value]
        elif isinstance(value, bytes):
            value = "0x" + value.hex()
        out[f.name] = value
    return json.dumps(out, sort_keys=True).encode()


def decode_chain_config(data: bytes) -> ChainConfig:
    """Inverse of ``encode_chain_config``; keys this version does not know are ignored."""
    obj = json.loads(data)
    kwargs: dict[str, Any] = {}
    for f in fields(ChainConfig):
        if f.name not in obj:
            continue
        value = obj[f.name]
        if f.name == "blob_schedule":
            value = tuple((entry[0], BlobParams(*entry[1:])) for entry in value)
        elif isinstance(value, str) and value.startswith("0x"):
            value = bytes.fromhex(value[2:])
        kwargs[f.name] = value
    return ChainConfig(**kwargs)
