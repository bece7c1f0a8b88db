"""secp256k1 ECDSA recovery and signing on libsecp256k1 (through coincurve's cffi binding).

Recovery calls the C functions directly so that a bad signature is a ``None``, not a
``ValueError`` to catch; it costs the same as coincurve's ``PublicKey`` path (~40 us, all in C).
"""

from coincurve import PrivateKey, PublicKey
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from ethrex.errors import InvalidTransaction
from ethrex.primitives import keccak256

SECP256K1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1N_HALF = SECP256K1N // 2  # EIP-2: the largest s a Homestead signature may carry

_CTX = GLOBAL_CONTEXT.ctx
_UNCOMPRESSED = lib.SECP256K1_EC_UNCOMPRESSED
_parse = lib.secp256k1_ecdsa_recoverable_signature_parse_compact
_recover = lib.secp256k1_ecdsa_recover
_serialize = lib.secp256k1_ec_pubkey_serialize
_new = ffi.new
_buffer = ffi.buffer


def _recover_raw(msg_hash: bytes, parity: int, r: int, s: int) -> bytes | None:
    """The 64-byte public key (x || y), or None when the signature recovers nothing."""
    if not (0 < r < SECP256K1N and 0 < s < SECP256K1N and (parity == 0 or parity == 1)):
        return None
    if len(msg_hash) != 32:
        raise ValueError(f"message hash must be 32 bytes, got {len(msg_hash)}")
    sig = _new("secp256k1_ecdsa_recoverable_signature *")
    if not _parse(_CTX, sig, r.to_bytes(32, "big") + s.to_bytes(32, "big"), parity):
        return None
    pub = _new("secp256k1_pubkey *")
    if not _recover(_CTX, pub, sig, msg_hash):
        return None
    out = _new("unsigned char[65]")
    size = _new("size_t *", 65)
    _serialize(_CTX, out, size, pub, _UNCOMPRESSED)
    return bytes(_buffer(out, 65))[1:]


def recover_public_key(msg_hash: bytes, v_or_parity: int, r: int, s: int) -> bytes:
    """Recover the 64-byte uncompressed public key; ``v`` may be a parity (0/1) or 27/28.

    Raises ``InvalidTransaction`` when no key matches the signature.
    """
    parity = v_or_parity - 27 if v_or_parity >= 27 else v_or_parity
    pub = _recover_raw(msg_hash, parity, r, s)
    if pub is None:
        raise InvalidTransaction(f"invalid signature (v={v_or_parity}, r={r:#x}, s={s:#x})")
    return pub


def public_key_to_address(pub: bytes) -> bytes:
    """The address of a 64-byte public key: the last 20 bytes of its keccak256."""
    if len(pub) == 65 and pub[0] == 4:
        pub = pub[1:]
    if len(pub) != 64:
        raise ValueError(f"public key must be 64 bytes, got {len(pub)}")
    return keccak256(pub)[12:]


def recover_address(msg_hash: bytes, y_parity: int, r: int, s: int) -> bytes:
    """The address that signed ``msg_hash``; raises ``InvalidTransaction`` on a bad signature."""
    pub = _recover_raw(msg_hash, y_parity, r, s)
    if pub is None:
        raise InvalidTransaction(f"invalid signature (y_parity={y_parity}, r={r:#x}, s={s:#x})")
    return keccak256(pub)[12:]


def try_recover_address(msg_hash: bytes, y_parity: int, r: int, s: int) -> bytes | None:
    """Like ``recover_address`` but None on failure (ECRECOVER, EIP-7702 authorizations)."""
    pub = _recover_raw(msg_hash, y_parity, r, s)
    return None if pub is None else keccak256(pub)[12:]


def sign(msg_hash: bytes, private_key: bytes) -> tuple[int, int, int]:
    """Sign a 32-byte hash; returns ``(y_parity, r, s)`` with a low s (EIP-2)."""
    if len(msg_hash) != 32:
        raise ValueError(f"message hash must be 32 bytes, got {len(msg_hash)}")
    sig = PrivateKey(private_key).sign_recoverable(msg_hash, hasher=None)
    return sig[64], int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")


def private_key_to_public_key(private_key: bytes) -> bytes:
    """The 64-byte uncompressed public key of a private key."""
    return PrivateKey(private_key).public_key.format(compressed=False)[1:]


def private_key_to_address(private_key: bytes) -> bytes:
    """The address controlled by a 32-byte private key."""
    return keccak256(private_key_to_public_key(private_key))[12:]


def ecdh(private_key: bytes, public_key: bytes) -> bytes:
    """The x coordinate of ``private_key * public_key`` (64-byte key): the raw ECDH secret that
    RLPx and its ECIES use (not libsecp256k1's hashed variant). Raises ``ValueError`` for a
    point that is not on the curve."""
    point = PublicKey(b"\x04" + public_key).multiply(private_key)
    return point.format(compressed=False)[1:33]
