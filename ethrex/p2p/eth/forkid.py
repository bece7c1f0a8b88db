"""Fork identifiers (EIP-2124): which chain and which fork a peer is on, in eight bytes.

``FORK_HASH`` is the CRC32 of the genesis hash extended, fork by fork, with every fork block
number and then every fork timestamp (EIP-6122) already passed, each as 8 big-endian bytes;
``FORK_NEXT`` is the next scheduled fork (0 when none). Forks at genesis are left out and a
fork shared by two fields counts once, as go-ethereum gathers them.
"""

import zlib
from dataclasses import dataclass, fields

from ethrex.types.genesis import ChainConfig

TIMESTAMP_THRESHOLD = 1438269973  # EIP-6122: a FORK_NEXT above this is a timestamp
NO_MORE_FORKS = 2**64 - 1


@dataclass(frozen=True, slots=True)
class ForkId:
    hash: bytes  # 4 bytes
    next: int


def gather_forks(config: ChainConfig, genesis_time: int) -> tuple[list[int], list[int]]:
    """The fork block numbers and the fork timestamps of ``config``, sorted, without duplicates
    and without the forks active at genesis."""
    blocks: set[int] = set()
    times: set[int] = set()
    for f in fields(config):
        value = getattr(config, f.name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if f.name.endswith("_block") and value > 0:
            blocks.add(value)
        elif f.name.endswith("_time") and value > genesis_time:
            times.add(value)
    return sorted(blocks), sorted(times)


class ForkFilter:
    """A chain's fork schedule: computes our fork id at a head and judges a peer's."""

    __slots__ = ("by_block", "forks", "sums")

    def __init__(self, config: ChainConfig, genesis_hash: bytes, genesis_time: int) -> None:
        blocks, times = gather_forks(config, genesis_time)
        self.forks = blocks + times + [NO_MORE_FORKS]
        self.by_block = len(blocks)
        crc = zlib.crc32(genesis_hash)
        self.sums = [crc]
        for fork in self.forks[:-1]:
            crc = zlib.crc32(fork.to_bytes(8, "big"), crc)
            self.sums.append(crc)

    def fork_id(self, number: int, timestamp: int) -> ForkId:
        """Our fork id with the head at block ``number`` and ``timestamp``."""
        for i, fork in enumerate(self.forks):
            head = number if i < self.by_block else timestamp
            if head < fork:
                return ForkId(self.sums[i].to_bytes(4, "big"),
                              0 if fork == NO_MORE_FORKS else fork)
        raise AssertionError("unreachable: the last fork never passes")

    def check(self, remote: ForkId, number: int, timestamp: int) -> str | None:
        """Why a peer announcing ``remote`` is on another chain or stale (None: compatible),
        by the four rules of EIP-2124."""
        remote_sum = int.from_bytes(remote.hash, "big")
        for i, fork in enumerate(self.forks):
            head = number if i < self.by_block else timestamp
            if head >= fork:
                continue
            if self.sums[i] == remote_sum:  # rule 1: same fork state
                passed = remote.next > 0 and (
                    head >= remote.next
                    or (remote.next > TIMESTAMP_THRESHOLD and timestamp >= remote.next))
                return "local chain passed the remote's next fork" if passed else None
            for j in range(i):  # rule 2: the remote is behind us
                if self.sums[j] == remote_sum:
                    if self.forks[j] != remote.next:
                        return "remote is stale: it misses a fork we passed"
                    return None
            for j in range(i + 1, len(self.sums)):  # rule 3: we are behind the remote
                if self.sums[j] == remote_sum:
                    return None
            return f"fork hash {remote.hash.hex()} is not on this chain"  # rule 4
        return None
