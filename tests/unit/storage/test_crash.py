"""Crash consistency: SIGKILL a writer process at random moments, then reopen the store.

Every block commits in one LMDB transaction with the head move, so whatever instant the kill
lands on, the reopened store has a head whose header, body, receipts and full state trie are
present, a canonical index contiguous from genesis to the head, and flat state for the head.
"""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ethrex.storage import Store
from ethrex.trie import Trie
from ethrex.types import decode_account

REPO_ROOT = Path(__file__).resolve().parents[3]
ROUNDS = 6


def check_consistent(path: Path) -> int:
    """Assert the invariants; return the head's number."""
    with Store.open(path, 1 << 26) as store:
        head = store.head()
        assert head is not None
        header = store.get_header(head)
        assert header is not None, "head header missing"
        assert store.get_block(head) is not None, "head body missing"
        assert store.get_receipts(head) is not None, "head receipts missing"
        assert store.has_state(header.state_root), "head state root node missing"
        # Walk the whole state trie: every node of the head's state must be there.
        state = dict(Trie(store.nodes, header.state_root, secure=True).items())
        assert state
        # The flat state moved in the same transaction as the head.
        assert store.flat_state_block() == head
        for i in range(40):
            address = i.to_bytes(20, "big")
            leaf = Trie(store.nodes, header.state_root, secure=True).get(address)
            assert store.get_account(address) == (None if leaf is None else decode_account(leaf))
        # Canonical chain: contiguous from genesis to the head, nothing above it.
        assert store.get_canonical_hash(header.number) == head
        assert store.get_canonical_hash(header.number + 1) is None
        child = header
        for number in range(header.number - 1, -1, -1):
            block_hash = store.get_canonical_hash(number)
            assert block_hash == child.parent_hash, f"canonical gap at {number}"
            parent = store.get_header(block_hash)
            assert parent is not None and parent.number == number
            assert store.get_block_number(block_hash) == number
            child = parent
        assert store.genesis_hash() == child.hash()
        return header.number


def test_sigkill_at_random_moments_leaves_a_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "db"
    rng = random.Random(1234)
    heads = []
    for round_ in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.storage.crash_writer", str(path), str(round_)],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line == "ready\n", child.stderr.read() if child.stderr else line
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        stderr = child.stderr.read() if child.stderr else ""
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL, stderr  # it was still writing when killed
        heads.append(check_consistent(path))
    print("heads after each kill:", heads)
    assert heads[-1] > ROUNDS, f"the writer made too little progress to test anything: {heads}"
