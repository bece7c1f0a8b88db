"""The built-in networks' genesis files give the well-known genesis hashes."""

import pytest

from ethrex.blockchain.genesis import genesis_block
from ethrex.blockchain.networks import NETWORKS, load_network

# The published genesis block hashes of each network.
GENESIS_HASHES = {
    "mainnet": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
    "sepolia": "25a5cc106eea7138acab33231d7160d69cb777ee0c2c553fcddf5138993e6dd9",
    "hoodi": "bbe312868b376a3001692a646dd2d7d1e4406380dfd86b98aa8a34d1557c971b",
}
CHAIN_IDS = {"mainnet": 1, "sepolia": 11155111, "hoodi": 560048}


@pytest.mark.parametrize("network", NETWORKS)
def test_genesis_hash(network: str) -> None:
    genesis = load_network(network)
    assert genesis.config.chain_id == CHAIN_IDS[network]
    assert genesis_block(genesis).header.hash().hex() == GENESIS_HASHES[network]


@pytest.mark.parametrize("network", NETWORKS)
def test_open_writes_the_genesis_state(network: str) -> None:
    from ethrex.blockchain.blockchain import Blockchain
    from ethrex.state import StateDB
    from ethrex.storage import Store

    genesis = load_network(network)
    chain = Blockchain.open(Store.in_memory(), genesis)
    assert chain.head_header().hash().hex() == GENESIS_HASHES[network]
    state = StateDB(chain.state_at(chain.genesis_hash()))
    for address, account in list(genesis.alloc.items())[:50]:
        assert state.get_balance(address) == account.balance
        assert state.get_code(address) == account.code
        for slot, value in account.storage.items():
            assert state.get_storage(address, int.from_bytes(slot, "big")) == value
