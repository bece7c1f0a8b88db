"""KZG helpers over ckzg and the bundled mainnet trusted setup (EIP-4844, EIP-7594)."""

import hashlib
import random

import pytest

from ethrex.crypto import kzg


def _blob(seed: int) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        (rng.randrange(kzg.BLS_MODULUS)).to_bytes(32, "big")
        for _ in range(kzg.FIELD_ELEMENTS_PER_BLOB)
    )


@pytest.fixture(scope="module")
def blob() -> bytes:
    return _blob(1)


def test_trusted_setup_file_shape() -> None:
    lines = kzg.TRUSTED_SETUP_PATH.read_text().split()
    # header (G1 count, G2 count), G1 Lagrange points, G2 monomial points, G1 monomial points
    assert lines[:2] == ["4096", "65"]
    assert len(lines) == 2 + 4096 + 65 + 4096
    assert all(len(x) == 96 for x in lines[2 : 2 + 4096])  # compressed G1, hex
    assert all(len(x) == 192 for x in lines[2 + 4096 : 2 + 4096 + 65])  # compressed G2, hex


def test_versioned_hash() -> None:
    commitment = bytes(range(48))
    h = kzg.kzg_to_versioned_hash(commitment)
    assert h[0] == 0x01 and h[1:] == hashlib.sha256(commitment).digest()[1:]


def test_zero_blob_commits_to_infinity() -> None:
    # The zero polynomial's commitment is the point at infinity: 0xc0 then zeros (compressed form).
    assert kzg.blob_to_commitment(bytes(kzg.BYTES_PER_BLOB)) == b"\xc0" + bytes(47)


def test_blob_proofs(blob: bytes) -> None:
    other = _blob(2)
    commitments = [kzg.blob_to_commitment(b) for b in (blob, other)]
    proofs = [kzg.compute_blob_proof(b, c) for b, c in zip((blob, other), commitments)]
    assert kzg.verify_blob_proof_batch([blob, other], commitments, proofs)
    assert not kzg.verify_blob_proof_batch([blob, other], commitments, proofs[::-1])
    assert not kzg.verify_blob_proof_batch([blob], commitments, proofs)  # count mismatch
    assert not kzg.verify_blob_proof_batch([blob[:-1]], commitments[:1], proofs[:1])  # malformed


def test_cells(blob: bytes) -> None:
    commitment = kzg.blob_to_commitment(blob)
    cells, proofs = kzg.compute_cells_and_kzg_proofs(blob)
    assert len(cells) == len(proofs) == kzg.CELLS_PER_EXT_BLOB
    assert all(len(c) == 2048 for c in cells)
    assert b"".join(cells[:64]) == blob  # the first half of the extension is the blob itself
    idx = [0, 5, 127]
    sel_cells = [cells[i] for i in idx]
    sel_proofs = [proofs[i] for i in idx]
    assert kzg.verify_cell_kzg_proof_batch([commitment] * 3, idx, sel_cells, sel_proofs)
    assert not kzg.verify_cell_kzg_proof_batch([commitment] * 3, [0, 5, 126], sel_cells, sel_proofs)


def test_bad_encoding_raises_value_error() -> None:
    # 0xff... is not a valid compressed G1 point: an invalid input, not a False verification.
    with pytest.raises(ValueError):
        kzg.verify_kzg_proof(b"\xff" * 48, bytes(32), bytes(32), b"\xc0" + bytes(47))
