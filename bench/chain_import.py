"""Time ethrex importing the rpc-compat chain (``chain.rlp`` on ``genesis.json``), a chain that
walks through every fork from Frontier rules to Osaka. Prints one JSON line.

Run in ethrex's interpreter: ``python -m bench.chain_import ../shared/fixtures/rpc-compat``.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any


def import_chain(folder: Path) -> dict[str, Any]:
    """Import every block; the result says how many, how long and how much gas."""
    try:
        from ethrex.blockchain.blockchain import Blockchain
        from ethrex.errors import InvalidBlock
        from ethrex.storage import Store
        from ethrex.types.block import decode_blocks
        from ethrex.types.genesis import load_genesis
    except ImportError as exc:
        return {"ok": False, "reason": f"ethrex chain import not available yet ({exc})"}
    genesis = load_genesis(folder / "genesis.json")
    data = (folder / "chain.rlp").read_bytes()
    start = time.perf_counter()
    chain = Blockchain.open(Store.in_memory(), genesis)
    blocks = decode_blocks(data)
    gas = 0
    for block in blocks:
        try:
            chain.add_block(block, make_head=True)
        except InvalidBlock as exc:
            return {"ok": False, "reason": f"block {block.header.number}: {exc}"[:300]}
        except ImportError as exc:
            return {"ok": False, "reason": f"ethrex block import not complete yet ({exc})"}
        gas += block.header.gas_used
    seconds = time.perf_counter() - start
    head = chain.head_header().number
    if head != blocks[-1].header.number:
        return {"ok": False, "reason": f"head is block {head}, not {blocks[-1].header.number}"}
    return {"ok": True, "blocks": len(blocks), "gas": gas, "seconds": seconds}


def main() -> int:
    folder = Path(sys.argv[1])
    try:
        result = import_chain(folder)
    except Exception as exc:  # reported in the table, not a crash of the whole benchmark
        result = {"ok": False, "reason": f"crashed: {type(exc).__name__}: {exc}"[:300]}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
