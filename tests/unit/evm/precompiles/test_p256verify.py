"""0x100 P256VERIFY (EIP-7951): success is a 32-byte 1, every failure is empty output."""

import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from ethrex.crypto.p256 import N, P
from ethrex.evm.precompiles import PRECOMPILES
from ethrex.forks import RULES, Fork

OSAKA = RULES[Fork.OSAKA]
gas_p256, p256verify = PRECOMPILES[0x100]
ONE = (1).to_bytes(32, "big")


def _signed() -> tuple[bytes, int, int, int, int]:
    key = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
    digest = hashlib.sha256(b"ethrex").digest()
    r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
    pub = key.public_key().public_numbers()
    return digest, r, s, pub.x, pub.y


def _input(h: bytes, r: int, s: int, x: int, y: int) -> bytes:
    return h + b"".join(v.to_bytes(32, "big") for v in (r, s, x, y))


def test_valid_signature() -> None:
    h, r, s, x, y = _signed()
    assert p256verify(_input(h, r, s, x, y), OSAKA) == ONE
    assert p256verify(_input(h, r, N - s, x, y), OSAKA) == ONE  # no low-s rule
    assert gas_p256(b"", OSAKA) == 6900


def test_failures_are_empty() -> None:
    h, r, s, x, y = _signed()
    good = _input(h, r, s, x, y)
    bad = [
        good[:-1],
        good + b"\x00",
        b"",
        _input(bytes(32), r, s, x, y),  # another message
        _input(h, 0, s, x, y),
        _input(h, r, 0, x, y),
        _input(h, N, s, x, y),
        _input(h, r, N, x, y),
        _input(h, r, s, x, y + 1),  # off the curve
        _input(h, r, s, P, y),  # coordinate not below p
        _input(h, r, s, 2**256 - 1, y),
        _input(h, r, s, 0, 0),  # the point at infinity
    ]
    for data in bad:
        assert p256verify(data, OSAKA) == b""
