"""BLS12-381 in EIP-2537's encoding, over arkworks (``py_arkworks_bls12381``).

A field element is 64 bytes: 16 zero bytes, then the value big-endian, which must be below P.
G1 points are ``x || y`` (128 bytes), G2 points ``x.c0 || x.c1 || y.c0 || y.c1`` (256 bytes); the
point at infinity is all zeros. Invalid input raises ``ValueError``.
"""

from py_arkworks_bls12381 import G1Point, G2Point, GT, Scalar

P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
Q = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001  # subgroup order

_PAD = bytes(16)
_G1_INF = bytes(128)
_G2_INF = bytes(256)


def _fp(data: bytes, at: int) -> bytes:
    """The 48-byte value of the padded field element at ``at``, checked canonical."""
    if data[at : at + 16] != _PAD:
        raise ValueError("field element with non-zero top 16 bytes")
    raw = data[at + 16 : at + 64]
    if int.from_bytes(raw, "big") >= P:
        raise ValueError("field element not below the modulus")
    return raw


def decode_g1(data: bytes, at: int = 0, subgroup: bool = False) -> G1Point:
    """The G1 point encoded at ``data[at:at+128]``: on the curve, and in G1 if ``subgroup``."""
    x = _fp(data, at)
    y = _fp(data, at + 64)
    if not any(x) and not any(y):
        return G1Point.identity()
    # arkworks checks the curve equation in both loaders; the checked one adds the subgroup test.
    if subgroup:
        return G1Point.from_xy_bytes_be(x + y)
    return G1Point.from_xy_bytes_unchecked_be(x + y)


def decode_g2(data: bytes, at: int = 0, subgroup: bool = False) -> G2Point:
    """The G2 point encoded at ``data[at:at+256]``: on the curve, and in G2 if ``subgroup``."""
    x0 = _fp(data, at)
    x1 = _fp(data, at + 64)
    y0 = _fp(data, at + 128)
    y1 = _fp(data, at + 192)
    if not any(x0) and not any(x1) and not any(y0) and not any(y1):
        return G2Point.identity()
    raw = x0 + x1 + y0 + y1
    if subgroup:
        return G2Point.from_xy_bytes_be(raw)
    return G2Point.from_xy_bytes_unchecked_be(raw)


def encode_g1(p: G1Point) -> bytes:
    """EIP-2537 encoding of a G1 point."""
    raw = p.to_xy_bytes_be()
    if not any(raw):
        return _G1_INF
    return _PAD + raw[:48] + _PAD + raw[48:]


def encode_g2(p: G2Point) -> bytes:
    """EIP-2537 encoding of a G2 point (c0 before c1)."""
    raw = p.to_xy_bytes_be()
    if not any(raw):
        return _G2_INF
    return _PAD + raw[:48] + _PAD + raw[48:96] + _PAD + raw[96:144] + _PAD + raw[144:]


def _scalar(data: bytes, at: int) -> Scalar:
    # EIP-2537 scalars are any 256-bit integer; the points are in the subgroup, so reduce mod Q.
    return Scalar(int.from_bytes(data[at : at + 32], "big") % Q)


def g1_add(data: bytes) -> bytes:
    """G1ADD on 256 bytes of input: no subgroup check (EIP-2537)."""
    return encode_g1(decode_g1(data, 0) + decode_g1(data, 128))


def g2_add(data: bytes) -> bytes:
    """G2ADD on 512 bytes of input: no subgroup check (EIP-2537)."""
    return encode_g2(decode_g2(data, 0) + decode_g2(data, 256))


def g1_msm(data: bytes) -> bytes:
    """G1MSM on k * 160 bytes of (point, scalar) pairs, points subgroup-checked."""
    points = []
    scalars = []
    for at in range(0, len(data), 160):
        points.append(decode_g1(data, at, subgroup=True))
        scalars.append(_scalar(data, at + 128))
    if len(points) == 1:
        return encode_g1(points[0] * scalars[0])
    return encode_g1(G1Point.multiexp_unchecked(points, scalars))


def g2_msm(data: bytes) -> bytes:
    """G2MSM on k * 288 bytes of (point, scalar) pairs, points subgroup-checked."""
    points = []
    scalars = []
    for at in range(0, len(data), 288):
        points.append(decode_g2(data, at, subgroup=True))
        scalars.append(_scalar(data, at + 256))
    if len(points) == 1:
        return encode_g2(points[0] * scalars[0])
    return encode_g2(G2Point.multiexp_unchecked(points, scalars))


def pairing_check(data: bytes) -> bool:
    """PAIRING_CHECK on k * 384 bytes of (G1, G2) pairs: whether the pairing product is one."""
    g1s = []
    g2s = []
    for at in range(0, len(data), 384):
        g1s.append(decode_g1(data, at, subgroup=True))
        g2s.append(decode_g2(data, at + 128, subgroup=True))
    return GT.multi_pairing(g1s, g2s) == GT.one()


def map_fp_to_g1(data: bytes) -> bytes:
    """MAP_FP_TO_G1: the simplified SWU map of RFC 9380, with cofactor clearing."""
    return encode_g1(G1Point.map_from_fp_be(_fp(data, 0)))


def map_fp2_to_g2(data: bytes) -> bytes:
    """MAP_FP2_TO_G2: the simplified SWU map over Fp2, with cofactor clearing."""
    c0 = _fp(data, 0)
    c1 = _fp(data, 64)
    return encode_g2(G2Point.map_from_fp2_be(c0 + c1))
