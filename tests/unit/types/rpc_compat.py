"""Read the rpc-compat chain and its recorded JSON-RPC exchanges: known-good vectors for types."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ethrex.types.block import Block, decode_blocks
from tests.fixtures_root import fixtures_root


def rpc_compat_dir() -> Path:
    return fixtures_root() / "rpc-compat"


@lru_cache(maxsize=1)
def chain_blocks() -> tuple[Block, ...]:
    """Blocks 1.. of ``chain.rlp``."""
    blocks = decode_blocks((rpc_compat_dir() / "chain.rlp").read_bytes())
    if not blocks:
        raise AssertionError("chain.rlp holds no block")
    return tuple(blocks)


def exchange(method: str, name: str) -> tuple[Any, Any]:
    """The (request, response) JSON objects of ``<method>/<name>.io``."""
    request = response = None
    for line in (rpc_compat_dir() / method / f"{name}.io").read_text().splitlines():
        if line.startswith(">> "):
            request = json.loads(line[3:])
        elif line.startswith("<< "):
            response = json.loads(line[3:])
    if request is None or response is None:
        raise AssertionError(f"{method}/{name}.io lacks a request or a response")
    return request, response
