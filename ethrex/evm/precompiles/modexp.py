"""0x05 MODEXP (Byzantium, EIP-198): base ** exp % mod over big-endian integers of declared lengths.

Gas: EIP-198, repriced by EIP-2565 (Berlin) and EIP-7883 (Osaka). EIP-7823 (Osaka) caps each
length at 1024 bytes.
"""

from ethrex.forks import Fork, ForkRules

from .errors import PrecompileError

MAX_LENGTH_OSAKA = 1024  # EIP-7823


def _word(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 32].ljust(32, b"\0"), "big")


def _read(data: bytes, at: int, size: int) -> bytes:
    """``size`` bytes from ``at``, zero-extended past the end of the input."""
    chunk = data[at : at + size]
    return chunk + bytes(size - len(chunk)) if len(chunk) < size else chunk


def _lengths(data: bytes) -> tuple[int, int, int]:
    return _word(data, 0), _word(data, 32), _word(data, 64)


def _exp_head(data: bytes, len_b: int, len_e: int) -> int:
    """The exponent's first (at most) 32 bytes as an integer, read without building huge strings."""
    start = 96 + len_b
    if start >= len(data):
        return 0
    n = min(len_e, 32)
    return int.from_bytes(_read(data, start, n), "big")


def _iterations(len_e: int, head: int, word_bits: int) -> int:
    if len_e <= 32:
        return max(head.bit_length() - 1, 0)
    return word_bits * (len_e - 32) + max(head.bit_length() - 1, 0)


def _complexity_eip198(x: int) -> int:
    if x <= 64:
        return x * x
    if x <= 1024:
        return x * x // 4 + 96 * x - 3072
    return x * x // 16 + 480 * x - 199680


def gas_modexp(data: bytes, rules: ForkRules) -> int:
    len_b, len_e, len_m = _lengths(data)
    head = _exp_head(data, len_b, len_e)
    max_len = max(len_b, len_m)
    if rules.fork >= Fork.OSAKA:  # EIP-7883
        words = (max_len + 7) // 8
        complexity = 16 if max_len <= 32 else 2 * words * words
        return max(500, complexity * max(_iterations(len_e, head, 16), 1))
    if rules.fork >= Fork.BERLIN:  # EIP-2565
        words = (max_len + 7) // 8
        return max(200, words * words * max(_iterations(len_e, head, 8), 1) // 3)
    return _complexity_eip198(max_len) * max(_iterations(len_e, head, 8), 1) // 20


def run_modexp(data: bytes, rules: ForkRules) -> bytes:
    len_b, len_e, len_m = _lengths(data)
    if rules.fork >= Fork.OSAKA and (
        len_b > MAX_LENGTH_OSAKA or len_e > MAX_LENGTH_OSAKA or len_m > MAX_LENGTH_OSAKA
    ):
        raise PrecompileError(f"modexp length over 1024 bytes (EIP-7823): {len_b}, {len_e}, {len_m}")
    if len_m == 0:
        return b""
    base = int.from_bytes(_read(data, 96, len_b), "big")
    exp = int.from_bytes(_read(data, 96 + len_b, len_e), "big")
    mod = int.from_bytes(_read(data, 96 + len_b + len_e, len_m), "big")
    if mod == 0:
        return bytes(len_m)
    return pow(base, exp, mod).to_bytes(len_m, "big")
