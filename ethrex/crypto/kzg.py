"""KZG commitments over BLS12-381 with the mainnet trusted setup, via ``ckzg`` (EIP-4844, EIP-7594).

The setup (``trusted_setup.txt`` beside this module, from the KZG ceremony as shipped by
c-kzg-4844) takes about two seconds to load, so it is loaded once, on first use.
"""

import hashlib
from pathlib import Path
from typing import Any

import ckzg

FIELD_ELEMENTS_PER_BLOB = 4096
BLS_MODULUS = 52435875175126190479447740508185965837690552500527637822603658699938581184513
BYTES_PER_BLOB = 32 * FIELD_ELEMENTS_PER_BLOB
CELLS_PER_EXT_BLOB = 128  # EIP-7594
VERSIONED_HASH_VERSION_KZG = 0x01

TRUSTED_SETUP_PATH = Path(__file__).with_name("trusted_setup.txt")
_settings: Any = None


def _setup() -> Any:
    global _settings
    if _settings is None:
        # precompute=0: the cell-proof tables trade 2x memory for speed we do not need yet.
        _settings = ckzg.load_trusted_setup(str(TRUSTED_SETUP_PATH), 0)
    return _settings


def load_trusted_setup() -> None:
    """Load the setup now rather than on the first KZG call (benchmarks, node start-up)."""
    _setup()


def kzg_to_versioned_hash(commitment: bytes) -> bytes:
    """0x01 || sha256(commitment)[1:] (EIP-4844)."""
    return bytes((VERSIONED_HASH_VERSION_KZG,)) + hashlib.sha256(commitment).digest()[1:]


def verify_kzg_proof(commitment: bytes, z: bytes, y: bytes, proof: bytes) -> bool:
    """Whether ``proof`` shows p(z) = y for the polynomial committed to; raises ValueError when
    an input is not a valid encoding (a point off the curve, a non-canonical field element)."""
    try:
        return bool(ckzg.verify_kzg_proof(commitment, z, y, proof, _setup()))
    except RuntimeError as e:  # ckzg reports bad encodings as a failed call
        raise ValueError(str(e)) from None


def blob_to_commitment(blob: bytes) -> bytes:
    """The 48-byte KZG commitment to a blob."""
    return bytes(ckzg.blob_to_kzg_commitment(blob, _setup()))


def compute_blob_proof(blob: bytes, commitment: bytes) -> bytes:
    """The 48-byte blob proof for ``blob`` and its commitment (EIP-4844 networking form)."""
    return bytes(ckzg.compute_blob_kzg_proof(blob, commitment, _setup()))


def verify_blob_proof_batch(blobs: list[bytes], commitments: list[bytes], proofs: list[bytes]) -> bool:
    """Whether every blob matches its commitment and proof; False on malformed input."""
    if not (len(blobs) == len(commitments) == len(proofs)):
        return False
    try:
        return bool(
            ckzg.verify_blob_kzg_proof_batch(
                b"".join(blobs), b"".join(commitments), b"".join(proofs), _setup()
            )
        )
    except (RuntimeError, ValueError):
        return False


def compute_cells(blob: bytes) -> list[bytes]:
    """The 128 cells of the extended blob, without the proofs (EIP-7594)."""
    return [bytes(c) for c in ckzg.compute_cells(blob, _setup())]


def compute_cells_and_kzg_proofs(blob: bytes) -> tuple[list[bytes], list[bytes]]:
    """The 128 cells of the extended blob and their proofs (EIP-7594)."""
    cells, proofs = ckzg.compute_cells_and_kzg_proofs(blob, _setup())
    return [bytes(c) for c in cells], [bytes(p) for p in proofs]


def verify_cell_kzg_proof_batch(
    commitments: list[bytes], cell_indices: list[int], cells: list[bytes], proofs: list[bytes]
) -> bool:
    """Whether each cell matches its commitment and proof (EIP-7594); False on malformed input."""
    try:
        return bool(
            ckzg.verify_cell_kzg_proof_batch(
                list(commitments), list(cell_indices), list(cells), list(proofs), _setup()
            )
        )
    except (RuntimeError, ValueError):
        return False
