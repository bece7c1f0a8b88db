"""0x09 BLAKE2F (Istanbul, EIP-152): the BLAKE2b compression function, one gas per round."""

from blake2b import decode_and_compress

from ethrex.forks import ForkRules

from .errors import PrecompileError


def gas_blake2f(data: bytes, rules: ForkRules) -> int:
    # A malformed input fails in run_blake2f; its gas no longer matters then.
    if len(data) != 213:
        return 0
    return int.from_bytes(data[:4], "big")


def run_blake2f(data: bytes, rules: ForkRules) -> bytes:
    """rounds (4, BE) || h (64) || m (128) || t (16) || f (1): the words themselves are LE."""
    if len(data) != 213:
        raise PrecompileError(f"blake2f input must be 213 bytes, got {len(data)}")
    final = data[212]
    if final > 1:
        raise PrecompileError(f"blake2f final-block flag must be 0 or 1, got {final}")
    # blake2b-py (Rust): a call may ask for millions of rounds, about 50x faster than the
    # pure-Python reference in ethrex.crypto.blake2f, which the tests check it against.
    return bytes(decode_and_compress(data))
