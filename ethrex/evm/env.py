"""What execution reads from outside the state: the block and the transaction context."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BlockEnv:
    """The block a transaction runs in (COINBASE, NUMBER, BASEFEE... and BLOCKHASH)."""

    chain_id: int
    coinbase: bytes
    number: int
    timestamp: int
    gas_limit: int
    difficulty: int = 0
    prev_randao: bytes = b"\x00" * 32
    base_fee_per_gas: int = 0
    excess_blob_gas: int = 0
    # EIP-4844 price of blob gas when the caller fixes it (eth_simulateV1's blobBaseFee);
    # None: computed from ``excess_blob_gas`` under the fork's update fraction.
    blob_base_fee: int | None = None
    parent_beacon_block_root: bytes | None = None
    # BLOCKHASH source: number -> hash of one of the 256 most recent blocks (None if unknown).
    block_hash: Callable[[int], bytes | None] = lambda number: None


@dataclass(frozen=True, slots=True)
class TxEnv:
    """Per-transaction values the EVM exposes (ORIGIN, GASPRICE, BLOBHASH)."""

    origin: bytes
    gas_price: int
    blob_versioned_hashes: tuple[bytes, ...] = ()
