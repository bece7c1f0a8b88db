"""The Kademlia routing table of discv4: nodes by log distance to us, 16 per bucket.

Only nodes that proved their endpoint (answered our Ping) enter a bucket. A full bucket keeps
its members and puts the newcomer in a small replacement list; when the liveness check finds a
member dead, the freshest replacement takes its place. Within a bucket the most recently seen
node comes first, so the liveness check pings the last one, the least recently seen.
"""

import random
import time
from dataclasses import dataclass, field

from ethrex.p2p.enode import ENode

BUCKET_SIZE = 16
REPLACEMENTS = 10
ID_BITS = 256


def log_distance(a: bytes, b: bytes) -> int:
    """Bit length of ``a xor b`` (0 for the same id, 256 at most)."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_length()


@dataclass(slots=True)
class Entry:
    node: ENode
    id: bytes
    added: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)  # last Pong from it
    failures: int = 0


class Table:
    """Buckets of verified nodes around ``self_id``."""

    def __init__(self, self_id: bytes) -> None:
        self.self_id = self_id
        self.buckets: list[list[Entry]] = [[] for _ in range(ID_BITS)]
        self.replacements: list[list[Entry]] = [[] for _ in range(ID_BITS)]

    def _index(self, node_id: bytes) -> int:
        return max(log_distance(self.self_id, node_id), 1) - 1

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets)

    def get(self, node_id: bytes) -> Entry | None:
        for entry in self.buckets[self._index(node_id)]:
            if entry.id == node_id:
                return entry
        return None

    def add_verified(self, node: ENode) -> None:
        """A node answered our Ping: move it to the front of its bucket, or queue it as a
        replacement when the bucket is full."""
        node_id = node.id
        if node_id == self.self_id:
            return
        index = self._index(node_id)
        bucket = self.buckets[index]
        for i, entry in enumerate(bucket):
            if entry.id == node_id:
                entry.node = node
                entry.seen = time.monotonic()
                entry.failures = 0
                bucket.insert(0, bucket.pop(i))
                return
        if len(bucket) < BUCKET_SIZE:
            bucket.insert(0, Entry(node, node_id))
            return
        replacements = [e for e in self.replacements[index] if e.id != node_id]
        replacements.insert(0, Entry(node, node_id))
        self.replacements[index] = replacements[:REPLACEMENTS]

    def remove(self, node_id: bytes) -> None:
        """Drop a dead node; the freshest replacement takes its slot."""
        index = self._index(node_id)
        bucket = self.buckets[index]
        for i, entry in enumerate(bucket):
            if entry.id == node_id:
                del bucket[i]
                if self.replacements[index]:
                    bucket.append(self.replacements[index].pop(0))
                return

    def closest(self, target_id: bytes, count: int = BUCKET_SIZE) -> list[ENode]:
        """The ``count`` nodes closest to ``target_id`` by XOR distance."""
        target = int.from_bytes(target_id, "big")
        entries = [e for bucket in self.buckets for e in bucket]
        entries.sort(key=lambda e: int.from_bytes(e.id, "big") ^ target)
        return [e.node for e in entries[:count]]

    def liveness_candidate(self) -> Entry | None:
        """The least recently seen node of a random non-empty bucket."""
        filled = [b for b in self.buckets if b]
        return random.choice(filled)[-1] if filled else None

    def nodes(self) -> list[ENode]:
        return [e.node for bucket in self.buckets for e in bucket]
