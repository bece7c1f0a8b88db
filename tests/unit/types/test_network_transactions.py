"""The blob transaction network form (EIP-4844 wrapper, EIP-7594 cell proofs)."""

import pytest

from ethrex import rlp
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.types.network_transactions import (
    BYTES_PER_BLOB,
    CELLS_PER_EXT_BLOB,
    BlobTransactionNetwork,
    decode_network_transaction,
    encode_network_transaction,
    kzg_to_versioned_hash,
)
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    encode_transaction,
    transaction_fields,
)

TO = bytes([0x35]) * 20
COMMITMENTS = (b"\xc0" + bytes(47), b"\xc1" + bytes(47))  # shape only; proofs are not checked
BLOBS = (bytes(BYTES_PER_BLOB), b"\x01" * BYTES_PER_BLOB)


def _blob_tx(hashes: tuple[bytes, ...]) -> BlobTransaction:
    return BlobTransaction(1, 0, 1, 10, 21000, TO, 0, b"", (), 5, hashes, 0, 1, 1)


TX = _blob_tx(tuple(kzg_to_versioned_hash(c) for c in COMMITMENTS))


def test_versioned_hash_has_kzg_version_byte() -> None:
    assert all(kzg_to_versioned_hash(c)[0] == 1 and len(kzg_to_versioned_hash(c)) == 32
               for c in COMMITMENTS)


def test_cancun_form_round_trip() -> None:
    wrapped = BlobTransactionNetwork(TX, BLOBS, COMMITMENTS, (bytes(48), bytes(48)))
    data = encode_network_transaction(wrapped)
    assert data[0] == 3
    assert data == b"\x03" + rlp.encode([transaction_fields(TX), BLOBS, COMMITMENTS,
                                         (bytes(48), bytes(48))])
    assert decode_network_transaction(data) == wrapped


def test_osaka_cell_proof_form_round_trip() -> None:
    proofs = tuple(bytes([i % 256]) * 48 for i in range(2 * CELLS_PER_EXT_BLOB))
    wrapped = BlobTransactionNetwork(TX, BLOBS, COMMITMENTS, proofs, wrapper_version=1)
    data = encode_network_transaction(wrapped)
    item = rlp.decode(data[1:])
    assert isinstance(item, list) and len(item) == 5 and item[1] == b"\x01"
    assert decode_network_transaction(data) == wrapped


def test_other_types_use_the_canonical_encoding() -> None:
    tx = FeeMarketTransaction(1, 0, 1, 10, 21000, TO, 0, b"", (), 0, 1, 1)
    assert encode_network_transaction(tx) == encode_transaction(tx)
    assert decode_network_transaction(encode_transaction(tx)) == tx


@pytest.mark.parametrize(
    "fields",
    [
        # proof count does not match the blob count
        [transaction_fields(TX), BLOBS, COMMITMENTS, [bytes(48)]],
        # Osaka form with one proof per blob instead of 128
        [transaction_fields(TX), 1, BLOBS, COMMITMENTS, [bytes(48), bytes(48)]],
        # unknown wrapper version
        [transaction_fields(TX), 2, BLOBS, COMMITMENTS, [bytes(48)] * 256],
        # commitments swapped: they no longer match the versioned hashes
        [transaction_fields(TX), BLOBS, COMMITMENTS[::-1], [bytes(48), bytes(48)]],
        # a short blob
        [transaction_fields(TX), [BLOBS[0], BLOBS[1][:-1]], COMMITMENTS, [bytes(48)] * 2],
        # a 47-byte commitment
        [transaction_fields(TX), BLOBS, [COMMITMENTS[0], COMMITMENTS[1][:47]], [bytes(48)] * 2],
        # three elements
        [transaction_fields(TX), BLOBS, COMMITMENTS],
        # the bare canonical transaction has no sidecar
        transaction_fields(TX),
    ],
)
def test_malformed_network_forms_are_rejected(fields: list[object]) -> None:
    with pytest.raises((InvalidTransaction, RLPDecodingError)):
        decode_network_transaction(b"\x03" + rlp.encode(fields))
