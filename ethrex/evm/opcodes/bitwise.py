"""Comparison and bitwise ops (0x10-0x1e), including the EIP-145 shifts and EIP-7939 CLZ."""

from ethrex.evm.frame import Frame
from ethrex.primitives import MASK

_SIGN = 1 << 255
_MOD = 1 << 256


def op_lt(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] = 1 if a < s[-1] else 0


def op_gt(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] = 1 if a > s[-1] else 0


def op_slt(f: Frame) -> None:
    s = f.stack
    a = s.pop() ^ _SIGN  # flipping the sign bit orders two's complement words as unsigned
    s[-1] = 1 if a < (s[-1] ^ _SIGN) else 0


def op_sgt(f: Frame) -> None:
    s = f.stack
    a = s.pop() ^ _SIGN
    s[-1] = 1 if a > (s[-1] ^ _SIGN) else 0


def op_eq(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] = 1 if a == s[-1] else 0


def op_iszero(f: Frame) -> None:
    s = f.stack
    s[-1] = 0 if s[-1] else 1


def op_and(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] &= a


def op_or(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] |= a


def op_xor(f: Frame) -> None:
    s = f.stack
    a = s.pop()
    s[-1] ^= a


def op_not(f: Frame) -> None:
    s = f.stack
    s[-1] ^= MASK


def op_byte(f: Frame) -> None:
    """Byte ``i`` of the word, counting from the most significant."""
    s = f.stack
    i = s.pop()
    s[-1] = (s[-1] >> (248 - i * 8)) & 0xFF if i < 32 else 0


def op_shl(f: Frame) -> None:
    s = f.stack
    shift = s.pop()
    s[-1] = (s[-1] << shift) & MASK if shift < 256 else 0


def op_shr(f: Frame) -> None:
    s = f.stack
    shift = s.pop()
    s[-1] = s[-1] >> shift if shift < 256 else 0


def op_sar(f: Frame) -> None:
    """Arithmetic shift: the sign bit fills in from the left."""
    s = f.stack
    shift = s.pop()
    value = s[-1]
    if value & _SIGN:
        s[-1] = ((value - _MOD) >> shift) & MASK if shift < 256 else MASK
    else:
        s[-1] = value >> shift if shift < 256 else 0


def op_clz(f: Frame) -> None:
    """EIP-7939: count leading zero bits (256 for zero)."""
    s = f.stack
    s[-1] = 256 - s[-1].bit_length()
