"""0x05 MODEXP: EIP-198 results and gas, EIP-2565 gas (Berlin), EIP-7883 gas and EIP-7823 bounds
(Osaka). Gas values are the EIPs' examples and go-ethereum's modexp_eip2565.json vectors (the gas
depends only on the lengths and the exponent's head, so the inputs are rebuilt from those).
"""

import pytest

from ethrex.evm.precompiles import PRECOMPILES, PrecompileError
from ethrex.forks import RULES, Fork

gas_modexp, run_modexp = PRECOMPILES[5]
BYZANTIUM = RULES[Fork.BYZANTIUM]
BERLIN = RULES[Fork.BERLIN]
OSAKA = RULES[Fork.OSAKA]


def call(base: bytes, exp: bytes, mod: bytes) -> bytes:
    head = b"".join(len(x).to_bytes(32, "big") for x in (base, exp, mod))
    return head + base + exp + mod


# EIP-198 example 1: 3 ** (p - 1) mod p for the secp256k1 field prime p (Fermat: 1).
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
EXAMPLE1 = call(b"\x03", (P - 1).to_bytes(32, "big"), P.to_bytes(32, "big"))
# EIP-198 example 2: base length 0, so 0 ** (p - 1) mod p.
EXAMPLE2 = call(b"", (P - 1).to_bytes(32, "big"), P.to_bytes(32, "big"))


def test_eip198_examples() -> None:
    assert run_modexp(EXAMPLE1, BYZANTIUM) == (1).to_bytes(32, "big")
    assert run_modexp(EXAMPLE2, BYZANTIUM) == bytes(32)
    assert gas_modexp(EXAMPLE1, BYZANTIUM) == 13056
    assert gas_modexp(EXAMPLE2, BYZANTIUM) == 13056


def test_eip2565_examples() -> None:
    assert gas_modexp(EXAMPLE1, BERLIN) == 1360
    assert gas_modexp(EXAMPLE2, BERLIN) == 1360


@pytest.mark.parametrize(
    ("size", "exp", "gas"),
    [  # geth modexp_eip2565.json: nagydani-{1..4} square / qube / pow0x10001
        (64, b"\x02", 200),
        (64, b"\x03", 200),
        (64, b"\x01\x00\x01", 341),
        (128, b"\x02", 200),
        (128, b"\x01\x00\x01", 1365),
        (256, b"\x02", 341),
        (256, b"\x03", 341),
        (256, b"\x01\x00\x01", 5461),
        (512, b"\x02", 1365),
    ],
)
def test_eip2565_gas(size: int, exp: bytes, gas: int) -> None:
    data = call(b"\x07" * size, exp, b"\x0b" * size)
    assert gas_modexp(data, BERLIN) == gas


def test_eip7883_gas() -> None:
    # Minimum 500; 16 for lengths up to 32 bytes; 2 * words**2 above; 16 per exponent byte past 32.
    assert gas_modexp(call(b"\x02", b"\x03", b"\x05"), OSAKA) == 500
    assert gas_modexp(EXAMPLE1, OSAKA) == 16 * 255
    assert gas_modexp(call(b"\x02" * 64, b"\x01\x00\x01", b"\x05" * 64), OSAKA) == 2 * 64 * 16
    long_exp = b"\x01" + bytes(39)  # 40 bytes, head 0x01 << 56
    assert gas_modexp(call(b"\x02", long_exp, b"\x05"), OSAKA) == 16 * (16 * 8 + 248)


def test_results() -> None:
    assert run_modexp(call(b"\x02", b"\x0a", b"\x03\xe8"), BERLIN) == (1024 % 1000).to_bytes(2, "big")
    assert run_modexp(call(b"\x02", b"\x0a", b""), BERLIN) == b""  # empty modulus: empty output
    assert run_modexp(call(b"\x02", b"\x0a", bytes(4)), BERLIN) == bytes(4)  # zero modulus
    assert run_modexp(call(b"\x02", b"", b"\x07"), BERLIN) == b"\x01"  # x ** 0 = 1


def test_input_is_zero_extended() -> None:
    full = call(b"\x02", b"\x03", b"\x00\x07")
    truncated = full[:-1]  # the modulus 0x0007 loses its last byte and reads as 0x0000
    assert run_modexp(truncated, BERLIN) == bytes(2)
    assert run_modexp(full, BERLIN) == (8 % 7).to_bytes(2, "big")


def test_huge_declared_lengths_do_not_allocate() -> None:
    # Lengths near 2**256 must give an enormous gas figure, not a MemoryError.
    data = (2**255).to_bytes(32, "big") + (1).to_bytes(32, "big") + (1).to_bytes(32, "big")
    for rules in (BYZANTIUM, BERLIN, OSAKA):
        assert gas_modexp(data, rules) > 2**200


def test_eip7823_bounds() -> None:
    ok = call(b"\x02" * 1024, b"\x03", b"\x05" * 1024)
    assert len(run_modexp(ok, OSAKA)) == 1024
    for base, exp, mod in ((1025, 1, 1), (1, 1025, 1), (1, 1, 1025)):
        data = call(b"\x02" * base, b"\x03" * exp, b"\x05" * mod)
        with pytest.raises(PrecompileError):
            run_modexp(data, OSAKA)
        run_modexp(data, RULES[Fork.PRAGUE])  # no bound before Osaka
