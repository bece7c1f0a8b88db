"""0x06 ECADD, 0x07 ECMUL, 0x08 ECPAIRING (EIP-196/197, EIP-1108 gas).

Vectors: go-ethereum core/vm/testdata/precompiles/bn256Add.json, bn256ScalarMul.json and
bn256Pairing.json (names kept); the invalid inputs follow EIP-196/197's validity rules.
"""

import pytest

from ethrex.evm.precompiles import PRECOMPILES, PrecompileError
from ethrex.forks import RULES, Fork

ISTANBUL = RULES[Fork.ISTANBUL]
BYZANTIUM = RULES[Fork.BYZANTIUM]
gas_add, ecadd = PRECOMPILES[6]
gas_mul, ecmul = PRECOMPILES[7]
gas_pairing, ecpairing = PRECOMPILES[8]
P = 21888242871839275222246405745257275088696311157297823662689037894645226208583

G1 = (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
G1_DOUBLE = bytes.fromhex(
    "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
    "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
)
G2 = bytes.fromhex(
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
)
G2_NEG = G2[:64] + bytes.fromhex(
    "275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec"
    "1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d"
)
ONE = (1).to_bytes(32, "big")
ZERO = bytes(32)

ADD = [
    (  # chfast1
        "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9"
        "063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266"
        "07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed"
        "06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7",
        "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703"
        "301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915",
    ),
    ("", "00" * 64),  # cdetrio4: empty input is two points at infinity
    ("00" * 64 + G1.hex(), G1.hex()),  # cdetrio6
    (G1.hex(), G1.hex()),  # cdetrio8: the second point is zero-padded
    (G1.hex() * 2, G1_DOUBLE.hex()),  # cdetrio11
    (  # cdetrio14: P + (-P) = infinity
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa9"
        "01e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c"
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa9"
        "2e83f8d734803fc370eba25ed1f6b8768bd6d83887b87165fc2434fe11a830cb",
        "00" * 64,
    ),
    (G1.hex() * 2 + "ff" * 64, G1_DOUBLE.hex()),  # bytes past 128 are ignored
]


@pytest.mark.parametrize(("data", "expected"), ADD)
def test_ecadd(data: str, expected: str) -> None:
    assert ecadd(bytes.fromhex(data), ISTANBUL) == bytes.fromhex(expected)


MUL = [
    (  # chfast1
        "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb7"
        "21611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204"
        "00000000000000000000000000000000000000000000000011138ce750fa15c2",
        "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c"
        "031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc",
    ),
    (  # cdetrio1: scalar 2**256 - 1 (larger than the group order)
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3"
        "1a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6"
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c41"
        "1aa7e43076f6aee272755a7f9b84832e71559ba0d2e0b17d5f9f01755e5b0d11",
    ),
    (  # cdetrio4: scalar 9
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3"
        "1a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6"
        "0000000000000000000000000000000000000000000000000000000000000009",
        "1dbad7d39dbc56379f78fac1bca147dc8e66de1b9d183c7b167351bfe0aeab74"
        "2cd757d51289cd8dbd0acf9e673ad67d0f0a89f912af47ed1be53664f5692575",
    ),
    (G1.hex() + "00" * 31 + "02", G1_DOUBLE.hex()),
    (G1.hex(), "00" * 64),  # missing scalar reads as zero
    ("", "00" * 64),
]


@pytest.mark.parametrize(("data", "expected"), MUL)
def test_ecmul(data: str, expected: str) -> None:
    assert ecmul(bytes.fromhex(data), ISTANBUL) == bytes.fromhex(expected)


PAIRING = [
    ("", ONE),  # empty_data
    (G1 + G2, ZERO),  # one_point
    (G1 + G2 + G1 + G2_NEG, ONE),  # two_point_match_2: e(G1, G2) * e(G1, -G2) = 1
    (bytes(64) + G2, ONE),  # infinity pairs to one
    (G1 + bytes(128), ONE),
    (  # jeff1
        bytes.fromhex(
            "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59"
            "3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41"
            "209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7"
            "04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678"
            "2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d"
            "120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550"
            "111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c"
            "2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411"
        )
        + G2,
        ONE,
    ),
    (  # jeff6: jeff1 with one G1 point changed
        bytes.fromhex(
            "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59"
            "3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41"
            "209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7"
            "04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678"
            "2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d"
            "120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550"
            "111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c"
            "103188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936"
        )
        + G2,
        ZERO,
    ),
]


@pytest.mark.parametrize(("data", "expected"), PAIRING)
def test_ecpairing(data: bytes, expected: bytes) -> None:
    assert ecpairing(data, ISTANBUL) == expected


def test_pairing_bilinearity() -> None:
    # e(2 * G1, G2) * e(G1, -G2) * e(G1, -G2) = 1
    assert ecpairing(G1_DOUBLE + G2 + G1 + G2_NEG + G1 + G2_NEG, ISTANBUL) == ONE


BAD_X = P.to_bytes(32, "big") + (2).to_bytes(32, "big")  # x = p is not a field element
OFF_CURVE = (1).to_bytes(32, "big") + (3).to_bytes(32, "big")


@pytest.mark.parametrize("point", [BAD_X, OFF_CURVE], ids=["coordinate-not-below-p", "off-curve"])
def test_invalid_g1(point: bytes) -> None:
    with pytest.raises(PrecompileError):
        ecadd(point + G1, ISTANBUL)
    with pytest.raises(PrecompileError):
        ecadd(bytes(64) + point, ISTANBUL)
    with pytest.raises(PrecompileError):
        ecmul(point + ONE, ISTANBUL)
    with pytest.raises(PrecompileError):
        ecmul(point + ZERO, ISTANBUL)  # validated even when the product is infinity
    with pytest.raises(PrecompileError):
        ecpairing(point + G2, ISTANBUL)
    with pytest.raises(PrecompileError):
        ecpairing(point + bytes(128), ISTANBUL)


def test_invalid_g2() -> None:
    swapped = G2[32:64] + G2[:32] + G2[64:]  # imaginary/real parts swapped: off the twist
    with pytest.raises(PrecompileError):
        ecpairing(G1 + swapped, ISTANBUL)
    with pytest.raises(PrecompileError):
        ecpairing(bytes(64) + swapped, ISTANBUL)
    big = P.to_bytes(32, "big") + G2[32:]
    with pytest.raises(PrecompileError):
        ecpairing(G1 + big, ISTANBUL)


def _fp2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _fp2_sqrt(a: tuple[int, int]) -> tuple[int, int] | None:
    """A square root in Fp2 = Fp[i]/(i^2 + 1), p = 3 mod 4, by the complex method; None if none."""
    norm = (a[0] * a[0] + a[1] * a[1]) % P
    n = pow(norm, (P + 1) // 4, P)
    if n * n % P != norm:
        return None
    half = pow(2, P - 2, P)
    for t in (n, -n % P):
        x0 = pow((a[0] + t) * half % P, (P + 1) // 4, P)
        if x0 == 0:
            continue
        root = (x0, a[1] * pow(2 * x0, P - 2, P) % P)
        if _fp2_mul(root, root) == (a[0] % P, a[1] % P):
            return root
    return None


def _twist_point_outside_subgroup() -> bytes:
    """A point on the twist y^2 = x^3 + 3 / (9 + i) (whose cofactor is not 1) with a small x:
    on the curve, but almost surely not in the order-r subgroup."""
    d = pow(9 * 9 + 1, P - 2, P)
    b2 = _fp2_mul((3, 0), (9 * d % P, -d % P))
    for k in range(1, 50):
        rhs = (pow(k, 3, P) + b2[0]) % P, b2[1]
        y = _fp2_sqrt(rhs)
        if y is not None:
            return b"".join(v.to_bytes(32, "big") for v in (0, k, y[1], y[0]))
    raise AssertionError("no twist point with a small x")


def test_g2_subgroup_check() -> None:
    point = _twist_point_outside_subgroup()
    with pytest.raises(PrecompileError):
        ecpairing(G1 + point, ISTANBUL)


def test_pairing_length() -> None:
    with pytest.raises(PrecompileError):
        ecpairing(G1 + G2 + b"\x00", ISTANBUL)
    with pytest.raises(PrecompileError):
        ecpairing(G1, ISTANBUL)


def test_gas() -> None:
    assert gas_add(b"", BYZANTIUM) == 500
    assert gas_add(b"", ISTANBUL) == 150  # EIP-1108
    assert gas_mul(b"", BYZANTIUM) == 40000
    assert gas_mul(b"", ISTANBUL) == 6000
    assert gas_pairing(bytes(384), BYZANTIUM) == 100000 + 2 * 80000
    assert gas_pairing(bytes(384), ISTANBUL) == 45000 + 2 * 34000
    assert gas_pairing(b"", ISTANBUL) == 45000
