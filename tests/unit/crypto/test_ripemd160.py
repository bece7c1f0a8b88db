"""RIPEMD-160: the digest used by precompile 0x03, and the pure-Python fallback used where
OpenSSL 3 hides it, both against the published test vectors."""

import pytest

from ethrex.crypto.ripemd160 import _python_ripemd160, ripemd160

# From the RIPEMD-160 authors' page (Dobbertin, Bosselaers, Preneel); the lengths cross the
# 55/56-byte padding boundary and the 64-byte block boundary.
VECTORS = [
    (b"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"),
    (b"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"),
    (b"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    (b"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"),
    (b"abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "12a053384a9c0c88e405a06c27dcf49ada62eb2b",
    ),
    (
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "b0e20b6e3116640286ed3a87a5713079b21f5189",
    ),
    (b"1234567890" * 8, "9b752e45573d4b39f4dbd3323cab82bf63326bfb"),
    (b"a" * 1000000, "52783243c1697bdbe16d37f97f68f08325dc1528"),
]


@pytest.mark.parametrize(("data", "digest"), VECTORS, ids=range(len(VECTORS)))
def test_vectors(data: bytes, digest: str) -> None:
    assert ripemd160(data) == bytes.fromhex(digest)
    if len(data) < 1000:  # the million-byte vector takes seconds in pure Python
        assert _python_ripemd160(data) == bytes.fromhex(digest)
