"""Arithmetic and bitwise edge cases, from the Yellow Paper and the EIPs that added the ops."""

import pytest

from ethrex.forks import CANCUN, OSAKA, PRAGUE
from ethrex.primitives import MASK
from tests.unit.evm.vmtest import binary, push, run_code

NEG = lambda x: (-x) & MASK  # noqa: E731  two's complement of a small magnitude
MIN = 1 << 255  # -2**255


def top(code: bytes, rules=CANCUN) -> int:
    frame = run_code(code, rules)
    assert frame.error is None, frame.error
    return frame.stack[-1]


@pytest.mark.parametrize(
    "op, a, b, expected",
    [
        (0x01, MASK, 1, 0),  # ADD wraps
        (0x03, 0, 1, MASK),  # SUB wraps
        (0x02, MIN, 2, 0),  # MUL wraps
        (0x04, 7, 0, 0),  # DIV by zero is zero
        (0x06, 7, 0, 0),  # MOD by zero is zero
        (0x05, NEG(7), 2, NEG(3)),  # SDIV truncates toward zero
        (0x05, 7, NEG(2), NEG(3)),
        (0x05, MIN, NEG(1), MIN),  # the one overflow: -2**255 / -1
        (0x05, NEG(7), 0, 0),
        (0x07, NEG(7), 2, NEG(1)),  # SMOD takes the dividend's sign
        (0x07, 7, NEG(2), 1),
        (0x07, NEG(8), NEG(3), NEG(2)),
        (0x07, 7, 0, 0),
        (0x0A, 2, 256, 0),  # EXP wraps
        (0x0A, 3, 3, 27),
        (0x0A, 0, 0, 1),
    ],
)
def test_arithmetic(op: int, a: int, b: int, expected: int) -> None:
    assert top(binary(op, a, b)) == expected


def test_addmod_mulmod_use_full_precision() -> None:
    # ADDMOD/MULMOD do not wrap the intermediate result at 2**256.
    assert top(push(7) + push(MASK) + push(MASK) + bytes([0x08, 0])) == (2 * MASK) % 7
    assert top(push(12) + push(MASK) + push(MASK) + bytes([0x09, 0])) == (MASK * MASK) % 12
    assert top(push(0) + push(5) + push(5) + bytes([0x09, 0])) == 0


@pytest.mark.parametrize(
    "byte_index, value, expected",
    [
        (0, 0x7F, 0x7F),  # positive byte: unchanged
        (0, 0xFF, MASK),
        (0, 0x80, MASK - 0x7F),  # negative byte sign-extends
        (1, 0x7FFF, 0x7FFF),
        (1, 0x8000, MASK - 0x7FFF),
        (0, 0x1280, MASK - 0x7F),  # higher bits are dropped
        (31, 0x80, 0x80),  # index >= 31 leaves the word alone
        (MASK, 0x80, 0x80),
    ],
)
def test_signextend(byte_index: int, value: int, expected: int) -> None:
    assert top(binary(0x0B, byte_index, value)) == expected


@pytest.mark.parametrize(
    "index, expected",
    [(0, 0x11), (1, 0x22), (31, 0xFF), (32, 0), (MASK, 0)],
)
def test_byte(index: int, expected: int) -> None:
    word = int.from_bytes(bytes([0x11, 0x22]) + bytes(29) + b"\xff", "big")
    assert top(binary(0x1A, index, word)) == expected


# EIP-145 test vectors: (shift, value, SHL, SHR, SAR).
EIP145 = [
    (0x00, 1, 1, 1, 1),
    (0x01, 1, 2, 0, 0),
    (0xFF, 1, MIN, 0, 0),
    (0x100, 1, 0, 0, 0),
    (0x01, MIN, 0, 1 << 254, 0xC << 252),
    (0xFF, MIN, 0, 1, MASK),
    (0x100, MIN, 0, 0, MASK),
    (0x00, MASK, MASK, MASK, MASK),
    (0x01, MASK, MASK - 1, MASK >> 1, MASK),
    (0xFF, MASK, MIN, 1, MASK),
    (0x100, MASK, 0, 0, MASK),
    (0x01, 0, 0, 0, 0),
    (0xFE, (1 << 255) - 1, MIN | (1 << 254), 1, 1),
    (0xFF, (1 << 255) - 1, MIN, 0, 0),
]


@pytest.mark.parametrize("shift, value, shl, shr, sar", EIP145)
def test_shifts(shift: int, value: int, shl: int, shr: int, sar: int) -> None:
    assert top(binary(0x1B, shift, value)) == shl
    assert top(binary(0x1C, shift, value)) == shr
    assert top(binary(0x1D, shift, value)) == sar


@pytest.mark.parametrize(
    "value, expected", [(0, 256), (1, 255), (MIN, 0), (MASK, 0), ((1 << 128), 127)]
)
def test_clz(value: int, expected: int) -> None:
    """EIP-7939: leading zero bits, 256 for zero."""
    assert top(push(value) + bytes([0x1E, 0]), OSAKA) == expected


def test_clz_absent_before_osaka() -> None:
    frame = run_code(push(1) + bytes([0x1E, 0]), PRAGUE)
    assert frame.error is not None and frame.gas == 0


@pytest.mark.parametrize(
    "a, b, slt, sgt",
    [(NEG(1), 0, 1, 0), (0, NEG(1), 0, 1), (MIN, MASK, 1, 0), (5, 5, 0, 0)],
)
def test_signed_comparisons(a: int, b: int, slt: int, sgt: int) -> None:
    assert top(binary(0x12, a, b)) == slt
    assert top(binary(0x13, a, b)) == sgt
