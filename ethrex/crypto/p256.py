"""secp256r1 (P-256) ECDSA verification over a pre-hashed message, via ``cryptography`` (EIP-7951)."""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF  # field modulus
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # group order

_CURVE = ec.SECP256R1()
_ALGORITHM = ec.ECDSA(Prehashed(hashes.SHA256()))


def verify(msg_hash: bytes, r: int, s: int, qx: int, qy: int) -> bool:
    """Whether (r, s) signs the 32-byte ``msg_hash`` for public key (qx, qy); False on bad input."""
    if not (0 < r < N and 0 < s < N and qx < P and qy < P):
        return False
    if qx == 0 and qy == 0:  # the point at infinity is not a public key
        return False
    try:
        key = ec.EllipticCurvePublicNumbers(qx, qy, _CURVE).public_key()
    except ValueError:  # not on the curve
        return False
    try:
        key.verify(encode_dss_signature(r, s), msg_hash, _ALGORITHM)
    except InvalidSignature:
        return False
    return True
