"""The network (mempool / eth_sendRawTransaction) form of transactions.

Every type travels as its canonical encoding except blob transactions, which travel with their
sidecar (EIP-4844 "network wrapper"):

* Cancun: ``0x03 || rlp([tx_payload_body, blobs, commitments, proofs])``, a proof per blob;
* Osaka:   ``0x03 || rlp([tx_payload_body, wrapper_version=1, blobs, commitments, cell_proofs])``
  — EIP-7594, ``CELLS_PER_EXT_BLOB`` cell proofs per blob.

This module checks sizes and counts and that each commitment hashes to its versioned hash;
verifying the KZG proofs is the mempool's job (``ckzg``).
"""

from dataclasses import dataclass

from ethrex import rlp
from ethrex.crypto.kzg import BYTES_PER_BLOB, CELLS_PER_EXT_BLOB, kzg_to_versioned_hash
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.rlp import Item
from ethrex.types._fields import read_bytes, read_list, read_uint
from ethrex.types.transactions import (
    BlobTransaction,
    Transaction,
    decode_blob_transaction_fields,
    decode_transaction,
    encode_transaction,
    transaction_fields,
)

BYTES_PER_COMMITMENT = 48
BYTES_PER_PROOF = 48
WRAPPER_VERSION_CELL_PROOFS = 1  # EIP-7594


@dataclass(frozen=True, slots=True)
class BlobTransactionNetwork:
    """A blob transaction with its sidecar; ``wrapper_version`` 0 is Cancun's form (one proof
    per blob), 1 is Osaka's (``CELLS_PER_EXT_BLOB`` cell proofs per blob, EIP-7594)."""

    tx: BlobTransaction
    blobs: tuple[bytes, ...]
    commitments: tuple[bytes, ...]
    proofs: tuple[bytes, ...]
    wrapper_version: int = 0


def encode_network_transaction(tx: Transaction | BlobTransactionNetwork) -> bytes:
    """The network form: the canonical encoding, or the blob wrapper for a sidecar."""
    if not isinstance(tx, BlobTransactionNetwork):
        return encode_transaction(tx)
    body = transaction_fields(tx.tx)
    if tx.wrapper_version == 0:
        fields: list[object] = [body, tx.blobs, tx.commitments, tx.proofs]
    else:
        fields = [body, tx.wrapper_version, tx.blobs, tx.commitments, tx.proofs]
    return b"\x03" + rlp.encode(fields)


def _read_blobs(item: Item, name: str, size: int) -> tuple[bytes, ...]:
    return tuple(read_bytes(b, name, size) for b in read_list(item, name))


def decode_network_transaction(data: bytes) -> Transaction | BlobTransactionNetwork:
    """Decode the network form. A blob transaction must come with its sidecar; the sidecar's
    counts must match the versioned hashes and each commitment must hash to its entry."""
    if data[:1] != b"\x03":
        return decode_transaction(data)
    item = read_list(rlp.decode(data[1:]), "blob transaction network form")
    if len(item) == 4:
        body, blobs, commitments, proofs = item
        version = 0
    elif len(item) == 5:
        body, version_item, blobs, commitments, proofs = item
        version = read_uint(version_item, "wrapper_version", 8)
        if version != WRAPPER_VERSION_CELL_PROOFS:
            raise InvalidTransaction(f"unknown blob wrapper version {version}")
    else:
        raise RLPDecodingError(
            f"blob transaction network form: expected 4 or 5 elements, got {len(item)}"
        )
    tx = decode_blob_transaction_fields(body)
    wrapped = BlobTransactionNetwork(
        tx,
        _read_blobs(blobs, "blob", BYTES_PER_BLOB),
        _read_blobs(commitments, "blob commitment", BYTES_PER_COMMITMENT),
        _read_blobs(proofs, "blob proof", BYTES_PER_PROOF),
        version,
    )
    check_sidecar_shape(wrapped)
    return wrapped


def check_sidecar_shape(wrapped: BlobTransactionNetwork) -> None:
    """Counts agree with the versioned hashes and every commitment matches its hash."""
    hashes = wrapped.tx.blob_versioned_hashes
    count = len(hashes)
    if len(wrapped.blobs) != count or len(wrapped.commitments) != count:
        raise InvalidTransaction(
            f"{count} versioned hashes but {len(wrapped.blobs)} blobs and "
            f"{len(wrapped.commitments)} commitments"
        )
    per_blob = CELLS_PER_EXT_BLOB if wrapped.wrapper_version == 1 else 1
    if len(wrapped.proofs) != count * per_blob:
        raise InvalidTransaction(
            f"{len(wrapped.proofs)} proofs for {count} blobs (expected {count * per_blob})"
        )
    for i, (commitment, versioned) in enumerate(zip(wrapped.commitments, hashes)):
        if kzg_to_versioned_hash(commitment) != versioned:
            raise InvalidTransaction(f"blob {i}: commitment does not match its versioned hash")
