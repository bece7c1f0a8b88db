"""Comparison and bitwise ops (0x10-0x1e), including the EIP-145 shifts and EIP-7939 CLZ.

Each works on the stack alone (the run loop calls it with the stack list)."""

from ethrex.primitives import MASK

_SIGN = 1 << 255
_MOD = 1 << 256


def op_lt(s: list[int]) -> None:
    a = s.pop()
    s[-1] = 1 if a < s[-1] else 0


def op_gt(s: list[int]) -> None:
    a = s.pop()
    s[-1] = 1 if a > s[-1] else 0


def op_slt(s: list[int]) -> None:
    a = s.pop() ^ _SIGN  # flipping the sign bit orders two's complement words as unsigned
    s[-1] = 1 if a < (s[-1] ^ _SIGN) else 0


def op_sgt(s: list[int]) -> None:
    a = s.pop() ^ _SIGN
    s[-1] = 1 if a > (s[-1] ^ _SIGN) else 0


def op_eq(s: list[int]) -> None:
    a = s.pop()
    s[-1] = 1 if a == s[-1] else 0


def op_iszero(s: list[int]) -> None:
    s[-1] = 0 if s[-1] else 1


def op_and(s: list[int]) -> None:
    a = s.pop()
    s[-1] &= a


def op_or(s: list[int]) -> None:
    a = s.pop()
    s[-1] |= a


def op_xor(s: list[int]) -> None:
    a = s.pop()
    s[-1] ^= a


def op_not(s: list[int]) -> None:
    s[-1] ^= MASK


def op_byte(s: list[int]) -> None:
    """Byte ``i`` of the word, counting from the most significant."""
    i = s.pop()
    s[-1] = (s[-1] >> (248 - i * 8)) & 0xFF if i < 32 else 0


def op_shl(s: list[int]) -> None:
    shift = s.pop()
    s[-1] = (s[-1] << shift) & MASK if shift < 256 else 0


def op_shr(s: list[int]) -> None:
    shift = s.pop()
    s[-1] = s[-1] >> shift if shift < 256 else 0


def op_sar(s: list[int]) -> None:
    """Arithmetic shift: the sign bit fills in from the left."""
    shift = s.pop()
    value = s[-1]
    if value & _SIGN:
        s[-1] = ((value - _MOD) >> shift) & MASK if shift < 256 else MASK
    else:
        s[-1] = value >> shift if shift < 256 else 0


def op_clz(s: list[int]) -> None:
    """EIP-7939: count leading zero bits (256 for zero)."""
    s[-1] = 256 - s[-1].bit_length()
