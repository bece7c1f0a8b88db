"""The Python execution-layer specification (``ethereum-execution`` on PyPI) importing a fixture.

Timed: building the pre-state, decoding every block's RLP and applying it with the spec's own
``state_transition`` (which checks gas used, state, transactions, receipts and withdrawals
roots and the bloom); the last block's hash is checked against ``lastblockhash``.
Untimed: parsing the JSON.
"""

import sys
import time
from importlib import import_module
from importlib.metadata import version
from types import ModuleType
from typing import Any

from bench.engines.common import Mismatch, RunOnce, Unsupported, main


class SpecFork:
    """The spec modules of one fork (``Cancun`` -> ``ethereum.forks.cancun``)."""

    def __init__(self, network: str) -> None:
        base = f"ethereum.forks.{network.lower()}"
        try:
            self.fork: ModuleType = import_module(f"{base}.fork")
        except ModuleNotFoundError as exc:
            raise Unsupported(f"the spec has no fork {network}") from exc
        self.state: ModuleType = import_module(f"{base}.state")
        self.blocks: ModuleType = import_module(f"{base}.blocks")
        self.fork_types: ModuleType = import_module(f"{base}.fork_types")
        self.transactions: ModuleType = import_module(f"{base}.transactions")
        self.trie: ModuleType = import_module(f"{base}.trie")

    def build_state(self, pre: dict[str, Any]) -> Any:
        """A spec ``State`` holding the fixture's ``pre`` accounts and storage."""
        from ethereum_types.bytes import Bytes20, Bytes32
        from ethereum_types.numeric import U256, Uint

        state = self.state.State()
        for address_hex, account in pre.items():
            address = Bytes20(bytes.fromhex(address_hex[2:]))
            self.state.set_account(state, address, self.fork_types.Account(
                nonce=Uint(int(account["nonce"], 16)),
                balance=U256(int(account["balance"], 16)),
                code=bytes.fromhex(account["code"][2:]),
            ))
            for key, value in account["storage"].items():
                slot = Bytes32(int(key, 16).to_bytes(32, "big"))
                self.state.set_storage(state, address, slot, U256(int(value, 16)))
        return state

    def header_hash(self, header: Any) -> bytes:
        """keccak256 of the RLP header: the block hash."""
        from ethereum.crypto.hash import keccak256
        from ethereum_rlp import rlp

        return bytes(keccak256(rlp.encode(header)))


def prepare(case: dict[str, Any]) -> RunOnce:
    """Pick the fork modules once; each run applies the blocks to a fresh state."""
    from ethereum_rlp import rlp
    from ethereum_types.numeric import U64

    spec = SpecFork(case["network"])
    chain_id = U64(int(case.get("config", {}).get("chainid", "0x1"), 16))
    genesis_rlp = bytes.fromhex(case["genesisRLP"][2:])
    blocks = [(b["blockHeader"]["number"], bytes.fromhex(b["rlp"][2:])) for b in case["blocks"]]
    last_hash = bytes.fromhex(case["lastblockhash"][2:])

    def run() -> float:
        start = time.perf_counter()
        genesis = rlp.decode_to(spec.blocks.Block, genesis_rlp)
        chain = spec.fork.BlockChain(
            blocks=[genesis], state=spec.build_state(case["pre"]), chain_id=chain_id
        )
        for number, data in blocks:
            try:
                spec.fork.state_transition(chain, rlp.decode_to(spec.blocks.Block, data))
            except Exception as exc:  # the spec raises InvalidBlock without saying which root
                raise Mismatch(f"block {number}: {type(exc).__name__}: {exc}"[:300]) from exc
        head = spec.header_hash(chain.blocks[-1].header)
        elapsed = time.perf_counter() - start
        if head != last_hash:
            raise Mismatch(f"head {head.hex()} != lastblockhash {last_hash.hex()}")
        return elapsed

    return run


if __name__ == "__main__":
    sys.exit(main("spec", prepare, f"ethereum-execution {version('ethereum-execution')}"))
