"""ADD ... SIGNEXTEND (0x01-0x0b): words are plain ints masked to 256 bits. All but EXP (whose
gas depends on its exponent) work on the stack alone: the run loop calls them with the list."""

from ethrex.evm.frame import Frame
from ethrex.evm.gas import charge
from ethrex.primitives import MASK

_SIGN = 1 << 255
_MOD = 1 << 256


def op_add(s: list[int]) -> None:
    a = s.pop()
    s[-1] = (a + s[-1]) & MASK


def op_mul(s: list[int]) -> None:
    a = s.pop()
    s[-1] = (a * s[-1]) & MASK


def op_sub(s: list[int]) -> None:
    a = s.pop()
    s[-1] = (a - s[-1]) & MASK


def op_div(s: list[int]) -> None:
    a = s.pop()
    b = s[-1]
    s[-1] = a // b if b else 0


def op_sdiv(s: list[int]) -> None:
    """Signed division truncating toward zero; -2**255 / -1 overflows back to -2**255."""
    a = s.pop()
    b = s[-1]
    if b == 0:
        s[-1] = 0
        return
    if a & _SIGN:
        a -= _MOD
    if b & _SIGN:
        b -= _MOD
    q = abs(a) // abs(b)
    s[-1] = (-q if (a < 0) != (b < 0) else q) & MASK


def op_mod(s: list[int]) -> None:
    a = s.pop()
    b = s[-1]
    s[-1] = a % b if b else 0


def op_smod(s: list[int]) -> None:
    """Signed modulo: the result takes the sign of the dividend."""
    a = s.pop()
    b = s[-1]
    if b == 0:
        s[-1] = 0
        return
    if a & _SIGN:
        a -= _MOD
    if b & _SIGN:
        b -= _MOD
    r = abs(a) % abs(b)
    s[-1] = (-r if a < 0 else r) & MASK


def op_addmod(s: list[int]) -> None:
    a = s.pop()
    b = s.pop()
    n = s[-1]
    s[-1] = (a + b) % n if n else 0


def op_mulmod(s: list[int]) -> None:
    a = s.pop()
    b = s.pop()
    n = s[-1]
    s[-1] = (a * b) % n if n else 0


def op_exp(f: Frame) -> None:
    """Dynamic gas per exponent byte (EIP-160 raised it from 10 to 50)."""
    s = f.stack
    base = s.pop()
    exponent = s[-1]
    if exponent:
        charge(f, f.rules.exp_byte_gas * ((exponent.bit_length() + 7) >> 3))
    s[-1] = pow(base, exponent, _MOD)


def op_signextend(s: list[int]) -> None:
    b = s.pop()
    x = s[-1]
    if b < 31:
        bit = b * 8 + 7
        low = (1 << (bit + 1)) - 1
        s[-1] = (x | (MASK ^ low)) if (x >> bit) & 1 else (x & low)
