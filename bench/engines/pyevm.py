"""py-evm (``py-evm`` on PyPI) importing a blockchain-test fixture block by block.

Timed: building the chain from the fixture's genesis and ``pre``, then decoding and importing
every block with full validation (state, transactions and receipts roots); the last block's hash
is checked against ``lastblockhash``. Untimed: parsing the JSON into py-evm's normalised form.
(py-evm's own fixture helpers import pytest, so the chain is set up here instead.)
"""

import sys
import time
from importlib.metadata import version
from typing import Any

from bench.engines.common import Mismatch, RunOnce, Unsupported, main

# The fixture's genesis header fields that py-evm lets a genesis configure, by py-evm's names.
GENESIS_FIELDS = {
    "coinbase": "coinbase", "stateRoot": "state_root", "transactionsTrie": "transaction_root",
    "receiptTrie": "receipt_root", "difficulty": "difficulty", "gasLimit": "gas_limit",
    "timestamp": "timestamp", "extraData": "extra_data", "mixHash": "mix_hash", "nonce": "nonce",
    "baseFeePerGas": "base_fee_per_gas", "withdrawalsRoot": "withdrawals_root",
    "blobGasUsed": "blob_gas_used", "excessBlobGas": "excess_blob_gas",
    "parentBeaconBlockRoot": "parent_beacon_block_root", "requestsHash": "requests_hash",
}


def vm_class(network: str) -> Any:
    """py-evm's VM class for a single-fork network name."""
    from eth.vm import forks

    vm = getattr(forks, f"{network}VM", None)
    if vm is None:
        raise Unsupported(f"py-evm {version('py-evm')} has no rules for network {network}")
    return vm


def prepare(case: dict[str, Any]) -> RunOnce:
    """Normalise the fixture once; each run imports it into a fresh in-memory chain."""
    import rlp
    from eth.chains.mainnet import MainnetChain
    from eth.db.atomic import AtomicDB
    from eth.tools._utils.normalization import normalize_blockchain_fixtures
    from eth.tools.builder.chain import disable_pow_check

    vm = vm_class(case["network"])
    fixture = normalize_blockchain_fixtures(case)
    genesis = fixture["genesisBlockHeader"]
    params = {ours: genesis[theirs] for theirs, ours in GENESIS_FIELDS.items() if theirs in genesis}
    chain_class = MainnetChain.configure("BenchChain", vm_configuration=((0, vm),))
    if case.get("sealEngine") == "NoProof":
        chain_class = disable_pow_check(chain_class)
    block_class = vm.get_block_class()
    blocks = [(block["blockHeader"]["number"], block["rlp"]) for block in fixture["blocks"]]

    def run() -> float:
        start = time.perf_counter()
        chain = chain_class.from_genesis(AtomicDB(), params, fixture["pre"])
        for number, data in blocks:
            try:
                chain.import_block(rlp.decode(data, sedes=block_class))
            except Exception as exc:  # py-evm reports a bad root as ValidationError
                raise Mismatch(f"block {number}: {type(exc).__name__}: {exc}"[:300]) from exc
        head = chain.get_canonical_head().hash
        elapsed = time.perf_counter() - start
        if head != fixture["lastblockhash"]:
            raise Mismatch(f"head {head.hex()} != lastblockhash {fixture['lastblockhash'].hex()}")
        return elapsed

    return run


if __name__ == "__main__":
    sys.exit(main("pyevm", prepare, f"py-evm {version('py-evm')}"))
