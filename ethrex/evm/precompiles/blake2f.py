"""0x09 BLAKE2F (Istanbul, EIP-152): the BLAKE2b compression function, one gas per round."""

import struct

from ethrex.crypto.blake2f import compress
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
    rounds = int.from_bytes(data[:4], "big")
    h = list(struct.unpack_from("<8Q", data, 4))
    m = list(struct.unpack_from("<16Q", data, 68))
    t0, t1 = struct.unpack_from("<2Q", data, 196)
    return struct.pack("<8Q", *compress(rounds, h, m, t0, t1, final == 1))
