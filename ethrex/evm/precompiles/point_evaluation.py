"""0x0a POINT_EVALUATION (Cancun, EIP-4844): verify a KZG proof that a blob's polynomial p has p(z) = y."""

from ethrex.crypto import kzg
from ethrex.forks import ForkRules

from .errors import PrecompileError

GAS = 50000
RESULT = kzg.FIELD_ELEMENTS_PER_BLOB.to_bytes(32, "big") + kzg.BLS_MODULUS.to_bytes(32, "big")


def gas_point_evaluation(data: bytes, rules: ForkRules) -> int:
    return GAS


def run_point_evaluation(data: bytes, rules: ForkRules) -> bytes:
    """versioned_hash (32) || z (32) || y (32) || commitment (48) || proof (48)."""
    if len(data) != 192:
        raise PrecompileError(f"point evaluation input must be 192 bytes, got {len(data)}")
    commitment = data[96:144]
    if kzg.kzg_to_versioned_hash(commitment) != data[:32]:
        raise PrecompileError("versioned hash does not match the commitment")
    try:
        ok = kzg.verify_kzg_proof(commitment, data[32:64], data[64:96], data[144:192])
    except ValueError as e:
        raise PrecompileError(f"point evaluation: {e}") from None
    if not ok:
        raise PrecompileError("KZG proof does not verify")
    return RESULT
