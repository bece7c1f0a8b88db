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
        from ethrex.blockchain.chain import Chain
        from ethrex.blockchain.genesis import genesis_block
        from ethrex.errors import InvalidBlock
        from ethrex.state import DictBackend
        from ethrex.types.block import decode_blocks
        from ethrex.types.genesis import load_genesis
    except ImportError as exc:
        return {"ok": False, "reason": f"ethrex chain import not available yet ({exc})"}
    genesis = load_genesis(folder / "genesis.json")
    data = (folder / "chain.rlp").read_bytes()
    start = time.perf_counter()
    state = DictBackend()
    for address, account in genesis.alloc.items():
        slots = {int.from_bytes(k, "big"): v for k, v in account.storage.items()}
        state.set_account(address, account.nonce, account.balance, account.code, slots)
    chain = Chain(genesis.config, genesis_block(genesis), state)
    blocks = decode_blocks(data)
    gas = 0
    for block in blocks:
        try:
            chain.add_block(block)
        except InvalidBlock as exc:
            return {"ok": False, "reason": f"block {block.header.number}: {exc}"[:300]}
        except ImportError as exc:
            return {"ok": False, "reason": f"ethrex block import not complete yet ({exc})"}
        gas += block.header.gas_used
    seconds = time.perf_counter() - start
    head = chain.head_block.header.number
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
