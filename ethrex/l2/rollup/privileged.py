"""Privileged (L1-to-L2) transactions as the L1 bridge records them.

``CommonBridge`` hashes each privileged transaction it sends as
``keccak256(from ++ to ++ id ++ value ++ gasLimit ++ keccak256(data))`` (the numbers as 32-byte
words, the id being the transaction's L2 nonce) and keeps the rolling hash over all of them:
``rolling_i = keccak256(rolling_{i-1} ++ hash_i)`` from zero. A committed batch names the
rolling hash after the last privileged transaction it included; the bridge accepts it only if
they are the next ones it sent, in order.
"""

from collections.abc import Iterable

from ethrex.primitives import keccak256
from ethrex.types.transactions import PrivilegedL2Transaction

ZERO_HASH = bytes(32)


def l1_hash(tx: PrivilegedL2Transaction) -> bytes:
    """The hash the L1 bridge computed when it sent ``tx``."""
    return keccak256(
        tx.sender + tx.to + tx.nonce.to_bytes(32, "big") + tx.value.to_bytes(32, "big")
        + tx.gas.to_bytes(32, "big") + keccak256(tx.data)
    )


def rolling_hash(previous: bytes, txs: Iterable[PrivilegedL2Transaction]) -> bytes:
    """The bridge's rolling hash after ``txs``, starting from ``previous``."""
    rolling = previous
    for tx in txs:
        rolling = keccak256(rolling + l1_hash(tx))
    return rolling
