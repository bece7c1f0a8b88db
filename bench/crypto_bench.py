"""Hashing and signature recovery rates: keccak256 of 32-byte and 1 KiB inputs, ecrecover, and
transaction sender recovery (decode + signing hash + ecrecover) of the rpc-compat chain.

Run: ``.venv/bin/python bench/crypto_bench.py [SECONDS_PER_ITEM]``.
"""

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex.crypto.secp256k1 import recover_address, sign  # noqa: E402
from ethrex.primitives import keccak256  # noqa: E402
from ethrex.types.block import decode_blocks  # noqa: E402
from ethrex.types.transactions import (  # noqa: E402
    decode_transaction,
    encode_transaction,
    recover_sender,
)

CHAIN = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "rpc-compat" / "chain.rlp"


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (batches of 1000 calls)."""
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(1000):
            fn()
        calls += 1000
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    small, large = bytes(range(32)), bytes(1024)
    print(f"keccak256 32 B:   {rate(lambda: keccak256(small), seconds):12,.0f} /s")
    print(f"keccak256 1 KiB:  {rate(lambda: keccak256(large), seconds):12,.0f} /s")
    msg = keccak256(b"bench")
    parity, r, s = sign(msg, bytes([0x46]) * 32)
    recovers = rate(lambda: recover_address(msg, parity, r, s), seconds)
    print(f"ecrecover:        {recovers:12,.0f} /s")
    if CHAIN.exists():
        raw = [encode_transaction(tx) for b in decode_blocks(CHAIN.read_bytes())
               for tx in b.transactions]
        position = [0]

        def one_sender() -> None:
            i = position[0]
            position[0] = (i + 1) % len(raw)
            recover_sender(decode_transaction(raw[i]))

        print(f"tx decode+sender: {rate(one_sender, seconds):12,.0f} /s "
              f"({len(raw)} rpc-compat transactions, cycled)")


if __name__ == "__main__":
    main()
