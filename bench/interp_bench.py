"""The interpreter alone on the shapes of the slowest worst-case blocks and the compute loop.

Run: ``.venv/bin/python bench/interp_bench.py [REPEATS]``. Each program runs in one frame on an
in-memory state (Osaka rules), as a call of the block's transaction would; prints Mgas/s on
CPU time (best of ``REPEATS``), so that other processes on the machine disturb it less.

| program | shape (from execution-spec-tests' benchmark cases) |
|---|---|
| caller | ``CALLER`` x 1024, the frame called again and again (2-gas environment ops) |
| calldataload | ``PUSH0`` then ``CALLDATALOAD`` x 16,000 |
| mload | ``DUP1 MLOAD POP`` x 5,000 over initialised memory |
| mstore | ``MSIZE DUP1 MSTORE`` x 5,000 (memory grows a word each time) |
| compute | ``bench.contracts.compute_loop``: KECCAK256, MUL, XOR, MSTORE, SUB, JUMPI |
| arith | ``PUSH0`` then ``PUSH1 1 ADD DUP1 PUSH1 3 AND POP`` x 3,000 |
| jumpdest | the analysis of 24 KB of fresh random code (a new contract each time) |
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import contracts  # noqa: E402
from ethrex.evm.env import BlockEnv, TxEnv  # noqa: E402
from ethrex.evm.frame import Frame, jump_destinations  # noqa: E402
from ethrex.evm.vm import make_context, process_message  # noqa: E402
from ethrex.forks import OSAKA  # noqa: E402
from ethrex.state import DictBackend, StateDB  # noqa: E402

CONTRACT = b"\xc0" * 20
CALLER = b"\xca" * 20
BLOCK = BlockEnv(chain_id=1, coinbase=b"\xcb" * 20, number=1, timestamp=1, gas_limit=30_000_000)


def run(code: bytes, data: bytes = b"", gas: int = 10_000_000, calls: int = 1) -> tuple[int, float]:
    """(gas used, CPU seconds) of ``calls`` calls of ``code``."""
    backend = DictBackend()
    backend.set_account(CONTRACT, 1, 0, code, {})
    backend.set_account(CALLER, 0, 10**18, b"", {})
    state = StateDB(backend)
    state.begin_transaction()
    ctx = make_context(state, OSAKA, BLOCK, TxEnv(CALLER, 1))
    used = 0
    start = time.process_time()
    for _ in range(calls):
        frame = Frame(ctx, CALLER, CONTRACT, CONTRACT, 0, data, code, gas, 0, False)
        process_message(frame)
        if frame.error is not None:
            raise SystemExit(f"program failed: {frame.error!r}")
        used += gas - frame.gas
    return used, time.process_time() - start


def programs() -> dict[str, tuple[bytes, bytes, int]]:
    """name -> (code, calldata, calls)."""
    mload = bytes.fromhex("602b600052602a6000") + bytes.fromhex("805150") * 5000
    return {
        "caller": (b"\x33" * 1024, b"", 400),
        "calldataload": (b"\x5f" + b"\x35" * 16000, b"\x00" * 4, 20),
        "mload": (mload, b"", 20),
        "mstore": (bytes.fromhex("598052") * 5000, b"", 20),
        "compute": (contracts.compute_loop(), (20_000).to_bytes(32, "big"), 2),
        "arith": (b"\x5f" + bytes.fromhex("6001018060031650") * 3000, b"", 20),
    }


def jumpdest_rate(repeats: int) -> float:
    """MB/s of jump-destination analysis over fresh random 24 KB codes."""
    rng = random.Random(1)
    codes = [rng.randbytes(24576) for _ in range(20)]
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for code in codes:
            jump_destinations(code + rng.randbytes(1))  # never seen before: not cached
        best = min(best, time.process_time() - start)
    return len(codes) * 24576 / best / 1e6


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for name, (code, data, calls) in programs().items():
        best = min((run(code, data, calls=calls) for _ in range(repeats)), key=lambda r: r[1])
        gas, seconds = best
        print(f"{name:>13}: {gas / seconds / 1e6:7.1f} Mgas/s ({gas:,} gas)")
    print(f"{'jumpdest':>13}: {jumpdest_rate(repeats):7.1f} MB/s of code analysed")


if __name__ == "__main__":
    main()
