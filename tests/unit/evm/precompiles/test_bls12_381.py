"""0x0b..0x11 BLS12-381 (EIP-2537): encoding rules, the gas schedule and group-law checks.

The EIP's full vector sets run through the EEST state tests in test_eest_vectors.py; these cases
need no fixtures.
"""

import pytest
from py_arkworks_bls12381 import G1Point, G2Point, Scalar

from ethrex.crypto import bls12_381 as bls
from ethrex.evm.precompiles import PRECOMPILES, PrecompileError
from ethrex.forks import RULES, Fork

PRAGUE = RULES[Fork.PRAGUE]
G1 = bls.encode_g1(G1Point())
G2 = bls.encode_g2(G2Point())
G1_INF = bytes(128)
G2_INF = bytes(256)


def run(address: int, data: bytes) -> bytes:
    return PRECOMPILES[address][1](data, PRAGUE)


def gas(address: int, data: bytes) -> int:
    return PRECOMPILES[address][0](data, PRAGUE)


def scalar(k: int) -> bytes:
    return k.to_bytes(32, "big")


def test_generator_encoding() -> None:
    # EIP-2537: the G1 generator's x starts 0x17f1d3a7..., G2's x.c0 starts 0x024aa2b2...
    assert G1[:16] == bytes(16) and G1[16:20] == bytes.fromhex("17f1d3a7")
    assert G2[:16] == bytes(16) and G2[16:20] == bytes.fromhex("024aa2b2")
    assert G2[80:84] == bytes.fromhex("13e02b60")  # x.c1


def test_group_law() -> None:
    double = run(0x0B, G1 + G1)
    assert run(0x0C, G1 + scalar(2)) == double
    assert run(0x0C, G1 + scalar(1) + G1 + scalar(1)) == double
    assert run(0x0B, G1 + G1_INF) == G1
    assert run(0x0C, G1 + scalar(bls.Q)) == G1_INF  # the group order
    assert run(0x0C, G1 + scalar(bls.Q + 1)) == G1  # scalars above Q are allowed
    double2 = run(0x0D, G2 + G2)
    assert run(0x0E, G2 + scalar(2)) == double2
    assert run(0x0D, G2_INF + G2_INF) == G2_INF


def test_pairing() -> None:
    neg_g1 = bls.encode_g1(-G1Point())
    assert run(0x0F, G1 + G2 + neg_g1 + G2) == scalar(1)
    assert run(0x0F, G1 + G2) == scalar(0)
    assert run(0x0F, G1_INF + G2) == scalar(1)
    two_g1 = run(0x0C, G1 + scalar(2))
    two_g2 = run(0x0E, G2 + scalar(2))
    assert run(0x0F, two_g1 + G2 + neg_g1 + G2 + neg_g1 + G2) == scalar(1)  # e(2P,Q) e(-P,Q)^2
    assert run(0x0F, two_g1 + G2 + neg_g1 + two_g2) == scalar(1)  # e(2P, Q) e(-P, 2Q)


def test_map_to_curve_lands_in_subgroup() -> None:
    p1 = run(0x10, bytes(16) + (5).to_bytes(48, "big"))
    assert bls.decode_g1(p1, subgroup=True).is_in_subgroup()
    p2 = run(0x11, bytes(16) + (5).to_bytes(48, "big") + bytes(16) + (7).to_bytes(48, "big"))
    assert bls.decode_g2(p2, subgroup=True).is_in_subgroup()


def _bump_pad(point: bytes) -> bytes:
    return b"\x01" + point[1:]  # a non-zero byte in the 16-byte padding


def _field_p(point: bytes) -> bytes:
    return bytes(16) + bls.P.to_bytes(48, "big") + point[64:]  # x = p is not canonical


def _off_curve(point: bytes) -> bytes:
    return point[:-1] + bytes([point[-1] ^ 1])


@pytest.mark.parametrize("bad", [_bump_pad, _field_p, _off_curve], ids=["pad", "x=p", "curve"])
def test_invalid_points(bad) -> None:  # type: ignore[no-untyped-def]
    for address, data in (
        (0x0B, bad(G1) + G1),
        (0x0C, bad(G1) + scalar(1)),
        (0x0D, G2 + bad(G2)),
        (0x0E, bad(G2) + scalar(1)),
        (0x0F, bad(G1) + G2),
        (0x0F, G1 + bad(G2)),
    ):
        with pytest.raises(PrecompileError):
            run(address, data)


def test_subgroup_checked_only_for_msm_and_pairing() -> None:
    # A G1 curve point outside the subgroup: map x until on the curve, skip cofactor clearing.
    for x in range(1, 100):
        y2 = (x**3 + 4) % bls.P
        y = pow(y2, (bls.P + 1) // 4, bls.P)
        if y * y % bls.P == y2:
            raw = x.to_bytes(48, "big") + y.to_bytes(48, "big")
            if not G1Point.from_xy_bytes_unchecked_be(raw).is_in_subgroup():
                break
    point = bytes(16) + raw[:48] + bytes(16) + raw[48:]
    run(0x0B, point + G1)  # ADD accepts it
    with pytest.raises(PrecompileError):
        run(0x0C, point + scalar(1))
    with pytest.raises(PrecompileError):
        run(0x0F, point + G2)


@pytest.mark.parametrize(
    ("address", "data"),
    [
        (0x0B, G1), (0x0B, G1 + G1 + b"\x00"), (0x0C, b""), (0x0C, G1 + scalar(1)[:-1]),
        (0x0D, G2), (0x0E, b""), (0x0E, G2), (0x0F, b""), (0x0F, G1 + G2 + b"\x00"),
        (0x10, bytes(63)), (0x11, bytes(129)),
    ],
)  # fmt: skip
def test_input_lengths(address: int, data: bytes) -> None:
    with pytest.raises(PrecompileError):
        run(address, data)


def test_gas_schedule() -> None:
    assert gas(0x0B, b"") == 375
    assert gas(0x0D, b"") == 600
    assert gas(0x10, b"") == 5500
    assert gas(0x11, b"") == 23800
    assert gas(0x0F, bytes(384)) == 32600 + 37700
    assert gas(0x0F, bytes(384 * 3)) == 3 * 32600 + 37700
    assert gas(0x0C, bytes(160)) == 12000
    assert gas(0x0C, bytes(160 * 2)) == 2 * 12000 * 949 // 1000
    assert gas(0x0C, bytes(160 * 128)) == 128 * 12000 * 519 // 1000
    assert gas(0x0C, bytes(160 * 200)) == 200 * 12000 * 519 // 1000  # past the table: last discount
    assert gas(0x0E, bytes(288)) == 22500
    assert gas(0x0E, bytes(288 * 3)) == 3 * 22500 * 923 // 1000
    assert gas(0x0E, bytes(288 * 129)) == 129 * 22500 * 524 // 1000


def test_msm_matches_scalar_products() -> None:
    a, b = 12345, 2**200 + 7
    expect = bls.encode_g1(G1Point() * Scalar(a) + G1Point() * Scalar(b % bls.Q))
    assert run(0x0C, G1 + scalar(a) + G1 + scalar(b)) == expect
