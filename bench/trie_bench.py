"""Root of a 100,000-account trie built from scratch: incremental ``Trie.put`` + ``root_hash``
and one-shot ``secure_root``.

Run: ``.venv/bin/python bench/trie_bench.py [ACCOUNTS]``. Keys are random 20-byte addresses,
keccak'd into 32-byte paths as in the state trie; values are RLP accounts
``[nonce, balance, storage_root, code_hash]``. A last figure times a block-sized batch of
updates on the stored trie.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex import rlp  # noqa: E402
from ethrex.primitives import EMPTY_HASH  # noqa: E402
from ethrex.trie import EMPTY_ROOT, Trie, secure_root  # noqa: E402


def make_accounts(count: int, seed: int = 1) -> dict[bytes, bytes]:
    """``count`` random addresses mapped to RLP accounts."""
    rng = random.Random(seed)
    accounts = {}
    for _ in range(count):
        address = rng.randbytes(20)
        account = [rng.randrange(1000), rng.randrange(10**21), EMPTY_ROOT, EMPTY_HASH]
        accounts[address] = rlp.encode(account)
    return accounts


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    accounts = make_accounts(count)

    start = time.perf_counter()
    trie = Trie(secure=True)  # keys are keccak'd inside, as for the state trie
    put = trie.put
    for address, value in accounts.items():
        put(address, value)
    mid = time.perf_counter()
    incremental = trie.root_hash()
    end = time.perf_counter()
    print(
        f"Trie.put x{count} + root_hash: {end - start:.2f} s "
        f"(puts {mid - start:.2f} s, root_hash {end - mid:.2f} s)"
    )

    start = time.perf_counter()
    one_shot = secure_root(accounts)
    print(f"secure_root of {count} accounts: {time.perf_counter() - start:.2f} s")

    if one_shot != incremental:
        raise SystemExit("roots differ: incremental and one-shot disagree")

    # A block's worth of updates on the stored trie: nodes are loaded from the store on demand.
    rng = random.Random(2)
    touched = rng.sample(sorted(accounts), min(1000, count))
    start = time.perf_counter()
    reopened = Trie(trie.db, incremental, secure=True)
    for address in touched:
        reopened.put(address, rlp.encode([1, 1, EMPTY_ROOT, EMPTY_HASH]))
    reopened.root_hash()
    print(f"reopen + {len(touched)} updates + root_hash: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
