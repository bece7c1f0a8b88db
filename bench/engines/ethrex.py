"""ethrex importing a blockchain-test fixture through its own chain: ``Chain.add_block``.

Timed: building the genesis state from ``pre``, then decoding every block's RLP and importing
it (header validation, execution, state/transactions/receipts roots); the head's hash is
checked against ``lastblockhash``. Untimed: parsing the JSON. Each block is also timed on its
own, so that a worst-case fixture (setup block + benchmark block) is judged by its last block.
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
        from ethrex.blockchain.chain import Chain
        from ethrex.cli import tune_gc
        from ethrex.crypto.kzg import load_trusted_setup
        from ethrex.errors import InvalidBlock
        from ethrex.state import DictBackend
        from ethrex.types.block import decode_block
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
    genesis_rlp = bytes.fromhex(case["genesisRLP"][2:])
    blocks = [(b["blockHeader"]["number"], bytes.fromhex(b["rlp"][2:])) for b in case["blocks"]]
    pre = [
        (bytes.fromhex(a[2:]), int(acc["nonce"], 16), int(acc["balance"], 16),
         bytes.fromhex(acc["code"][2:]),
         {int(k, 16): int(v, 16) for k, v in acc["storage"].items()})
        for a, acc in case["pre"].items()
    ]
    last_hash = bytes.fromhex(case["lastblockhash"][2:])
    load_trusted_setup()  # once per process, as at node start-up: not a block's cost
    tune_gc()  # the node's collector settings

    def run() -> float:
        start = time.perf_counter()
        state = DictBackend()
        for address, nonce, balance, code, storage in pre:
            state.set_account(address, nonce, balance, code, storage)
        chain = Chain(config, decode_block(genesis_rlp), state)
        block_start = time.perf_counter()
        for number, data in blocks:
            block_start = time.perf_counter()
            try:
                chain.add_block(decode_block(data))
            except InvalidBlock as exc:  # it names the root or field that differs
                raise Mismatch(f"block {number}: {exc}"[:300]) from exc
            except ImportError as exc:  # a part of the chain still being written
                raise Unsupported(f"ethrex block import not complete yet ({exc})") from exc
        end = time.perf_counter()
        if chain.head != last_hash:
            raise Mismatch(f"head {chain.head.hex()} != lastblockhash {last_hash.hex()}")
        LAST_BLOCK_SECONDS.append(end - block_start)
        return end - start

    return run


def version() -> str:
    import subprocess

    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"ethrex {rev.stdout.strip() or 'unknown'}"


if __name__ == "__main__":
    sys.exit(main("ethrex", prepare, version()))
