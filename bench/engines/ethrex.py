"""ethrex importing a blockchain-test fixture through the node's own import path:
``Blockchain.add_block`` over an in-memory ``Store`` (the fixture runner's path).

Timed: writing the genesis state of ``pre`` into the store, then decoding every block's RLP
and importing it (header validation, execution, state/transactions/receipts roots, the block
and its receipts stored, the head moved); the head's hash is checked against
``lastblockhash``. Untimed: parsing the JSON. Each block is also timed on its own, so that a
worst-case fixture (setup block + benchmark block) is judged by its last block.
"""

import sys
import time
from typing import Any

from bench.engines.common import LAST_BLOCK_SECONDS, Mismatch, RunOnce, Unsupported, main

# Activation keys (genesis-file names) a single-fork blockchain test turns on at genesis.
_BLOCK_FORKS = (
    "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
    "constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock", "londonBlock",
)
_TIME_FORKS = ("Shanghai", "Cancun", "Prague", "Osaka")


def chain_config_dict(network: str, chain_id: int) -> dict[str, Any]:
    """The genesis ``config`` of a post-merge single-fork network (``Cancun`` etc.)."""
    if network not in _TIME_FORKS:
        raise Unsupported(f"bench adapter maps only {', '.join(_TIME_FORKS)}, not {network}")
    config: dict[str, Any] = {"chainId": chain_id, "terminalTotalDifficulty": 0,
                              "mergeNetsplitBlock": 0}
    config.update({key: 0 for key in _BLOCK_FORKS})
    for fork in _TIME_FORKS[: _TIME_FORKS.index(network) + 1]:
        config[f"{fork.lower()}Time"] = 0
    return config


def prepare(case: dict[str, Any]) -> RunOnce:
    """Decode nothing yet: each run decodes and imports the raw RLP, as a node would."""
    try:
        from ethrex.blockchain.blockchain import Blockchain
        from ethrex.cli import tune_gc
        from ethrex.crypto.kzg import load_trusted_setup
        from ethrex.errors import InvalidBlock
        from ethrex.fixtures.blockchain_tests import fixture_genesis, import_fixture_block
        from ethrex.storage import Store
        from ethrex.types.genesis import parse_chain_config
    except ImportError as exc:
        raise Unsupported(f"ethrex block import not available yet ({exc})") from exc

    config_json = case.get("config") or {}
    chain_id = int(config_json.get("chainid", "0x1"), 16)
    try:  # the fixture runner's mapping knows every network and the fixture's blobSchedule
        from ethrex.fixtures.blockchain_tests import network_config

        config = network_config(case["network"], chain_id, config_json.get("blobSchedule"))
    except ImportError:
        config = parse_chain_config(chain_config_dict(case["network"], chain_id))
    genesis = fixture_genesis(case, config)
    blocks = [(b["blockHeader"]["number"], bytes.fromhex(b["rlp"][2:])) for b in case["blocks"]]
    last_hash = bytes.fromhex(case["lastblockhash"][2:])
    load_trusted_setup()  # once per process, as at node start-up: not a block's cost
    tune_gc()  # the node's collector settings

    def run() -> float:
        start = time.perf_counter()
        chain = Blockchain.open(Store.in_memory(), genesis)
        block_start = time.perf_counter()
        for number, data in blocks:
            block_start = time.perf_counter()
            try:
                import_fixture_block(chain, data)
            except InvalidBlock as exc:  # it names the root or field that differs
                raise Mismatch(f"block {number}: {exc}"[:300]) from exc
            except ImportError as exc:  # a part of the chain still being written
                raise Unsupported(f"ethrex block import not complete yet ({exc})") from exc
        end = time.perf_counter()
        head = chain.head_header().hash()
        if head != last_hash:
            raise Mismatch(f"head {head.hex()} != lastblockhash {last_hash.hex()}")
        LAST_BLOCK_SECONDS.append(end - block_start)
        return end - start

    return run


def version() -> str:
    import subprocess

    import ethrex

    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    build = f", {len(ethrex.COMPILED)} modules compiled by Cython" if ethrex.COMPILED else ""
    return f"ethrex {rev.stdout.strip() or 'unknown'}{build}"


if __name__ == "__main__":
    sys.exit(main("ethrex", prepare, version()))
