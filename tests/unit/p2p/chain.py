"""A small generated chain in memory, shared by the p2p unit tests."""

from functools import cache
from typing import Any

from bench.sync_chain import build_chain
from ethrex.blockchain.blockchain import Blockchain


@cache
def small_chain() -> tuple[Blockchain, list[Any]]:
    chain, blocks, _ = build_chain(60)
    return chain, blocks
