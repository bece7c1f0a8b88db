"""The BLAKE2b compression function F with a caller-chosen round count (EIP-152, RFC 7693 §3.2).

hashlib's blake2b fixes the round count at 12, so F is written out here. The EVM charges one gas per
round, so the loop keeps everything in locals and avoids per-round allocation.
"""

_M64 = 0xFFFFFFFFFFFFFFFF

IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)  # fmt: skip

SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)  # fmt: skip


def compress(rounds: int, h: list[int], m: list[int], t0: int, t1: int, final: bool) -> list[int]:
    """F(h, m, t, f) with ``rounds`` rounds: eight 64-bit state words in, eight out."""
    M = _M64
    v0, v1, v2, v3, v4, v5, v6, v7 = h
    v8, v9, v10, v11 = IV[0], IV[1], IV[2], IV[3]
    v12 = IV[4] ^ t0
    v13 = IV[5] ^ t1
    v14 = IV[6] ^ M if final else IV[6]
    v15 = IV[7]
    # The message words in each round's SIGMA order, built once: a round then unpacks one tuple.
    schedule = [tuple(m[i] for i in s) for s in SIGMA]
    for r in range(rounds):
        m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = schedule[r % 10]
        # One round: the G mixing function on the four columns, then on the four diagonals.
        # G(a, b, c, d, x, y) is inlined by hand for speed; rotations are right rotations.
        v0 = (v0 + v4 + m0) & M; v12 ^= v0; v12 = (v12 >> 32) | (v12 << 32) & M
        v8 = (v8 + v12) & M; v4 ^= v8; v4 = (v4 >> 24) | (v4 << 40) & M
        v0 = (v0 + v4 + m1) & M; v12 ^= v0; v12 = (v12 >> 16) | (v12 << 48) & M
        v8 = (v8 + v12) & M; v4 ^= v8; v4 = (v4 >> 63) | (v4 << 1) & M
        v1 = (v1 + v5 + m2) & M; v13 ^= v1; v13 = (v13 >> 32) | (v13 << 32) & M
        v9 = (v9 + v13) & M; v5 ^= v9; v5 = (v5 >> 24) | (v5 << 40) & M
        v1 = (v1 + v5 + m3) & M; v13 ^= v1; v13 = (v13 >> 16) | (v13 << 48) & M
        v9 = (v9 + v13) & M; v5 ^= v9; v5 = (v5 >> 63) | (v5 << 1) & M
        v2 = (v2 + v6 + m4) & M; v14 ^= v2; v14 = (v14 >> 32) | (v14 << 32) & M
        v10 = (v10 + v14) & M; v6 ^= v10; v6 = (v6 >> 24) | (v6 << 40) & M
        v2 = (v2 + v6 + m5) & M; v14 ^= v2; v14 = (v14 >> 16) | (v14 << 48) & M
        v10 = (v10 + v14) & M; v6 ^= v10; v6 = (v6 >> 63) | (v6 << 1) & M
        v3 = (v3 + v7 + m6) & M; v15 ^= v3; v15 = (v15 >> 32) | (v15 << 32) & M
        v11 = (v11 + v15) & M; v7 ^= v11; v7 = (v7 >> 24) | (v7 << 40) & M
        v3 = (v3 + v7 + m7) & M; v15 ^= v3; v15 = (v15 >> 16) | (v15 << 48) & M
        v11 = (v11 + v15) & M; v7 ^= v11; v7 = (v7 >> 63) | (v7 << 1) & M
        v0 = (v0 + v5 + m8) & M; v15 ^= v0; v15 = (v15 >> 32) | (v15 << 32) & M
        v10 = (v10 + v15) & M; v5 ^= v10; v5 = (v5 >> 24) | (v5 << 40) & M
        v0 = (v0 + v5 + m9) & M; v15 ^= v0; v15 = (v15 >> 16) | (v15 << 48) & M
        v10 = (v10 + v15) & M; v5 ^= v10; v5 = (v5 >> 63) | (v5 << 1) & M
        v1 = (v1 + v6 + m10) & M; v12 ^= v1; v12 = (v12 >> 32) | (v12 << 32) & M
        v11 = (v11 + v12) & M; v6 ^= v11; v6 = (v6 >> 24) | (v6 << 40) & M
        v1 = (v1 + v6 + m11) & M; v12 ^= v1; v12 = (v12 >> 16) | (v12 << 48) & M
        v11 = (v11 + v12) & M; v6 ^= v11; v6 = (v6 >> 63) | (v6 << 1) & M
        v2 = (v2 + v7 + m12) & M; v13 ^= v2; v13 = (v13 >> 32) | (v13 << 32) & M
        v8 = (v8 + v13) & M; v7 ^= v8; v7 = (v7 >> 24) | (v7 << 40) & M
        v2 = (v2 + v7 + m13) & M; v13 ^= v2; v13 = (v13 >> 16) | (v13 << 48) & M
        v8 = (v8 + v13) & M; v7 ^= v8; v7 = (v7 >> 63) | (v7 << 1) & M
        v3 = (v3 + v4 + m14) & M; v14 ^= v3; v14 = (v14 >> 32) | (v14 << 32) & M
        v9 = (v9 + v14) & M; v4 ^= v9; v4 = (v4 >> 24) | (v4 << 40) & M
        v3 = (v3 + v4 + m15) & M; v14 ^= v3; v14 = (v14 >> 16) | (v14 << 48) & M
        v9 = (v9 + v14) & M; v4 ^= v9; v4 = (v4 >> 63) | (v4 << 1) & M
    return [
        h[0] ^ v0 ^ v8, h[1] ^ v1 ^ v9, h[2] ^ v2 ^ v10, h[3] ^ v3 ^ v11,
        h[4] ^ v4 ^ v12, h[5] ^ v5 ^ v13, h[6] ^ v6 ^ v14, h[7] ^ v7 ^ v15,
    ]  # fmt: skip
