"""A contract test module as a web3.py user writes it, against ``EthereumTesterProvider()``.

It names no backend: eth-tester picks one (py-evm by default, or the one
``ETHEREUM_TESTER_CHAIN_BACKEND`` names). ``test_web3_provider.py`` runs it unchanged on
``ethrex.tester.EthrexBackend``. The contract is the end-to-end tests' ``Store.sol``, compiled by
solc-js: storage, events with indexed topics, a custom error, a panic and a require reason.
"""

from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from web3 import EthereumTesterProvider, Web3
from web3.exceptions import ContractPanicError

from tests.e2e.harness import STORE_SOL, compile_solidity

CUSTOM_ERROR = keccak(text="TooBig(uint256,uint256)")[:4]


@pytest.fixture
def w3() -> Web3:
    return Web3(EthereumTesterProvider())


@pytest.fixture
def store(w3: Web3) -> Any:
    compiled = compile_solidity(STORE_SOL, "prague")["Store"]
    factory = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    tx_hash = factory.constructor(7).transact({"from": w3.eth.accounts[0], "value": 10**15})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    assert w3.eth.get_code(receipt["contractAddress"]).to_0x_hex() == compiled.runtime
    return w3.eth.contract(address=receipt["contractAddress"], abi=compiled.abi)


def test_accounts_and_a_transfer(w3: Web3) -> None:
    alice, bob = w3.eth.accounts[:2]
    before = w3.eth.get_balance(bob)
    number = w3.eth.block_number
    tx_hash = w3.eth.send_transaction({"from": alice, "to": bob, "value": 12345})
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["gasUsed"] == 21000
    assert w3.eth.block_number == number + 1
    assert w3.eth.get_balance(bob) == before + 12345
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["from"] == alice and tx["to"] == bob and tx["blockNumber"] == number + 1


def test_deploy_call_and_events(w3: Web3, store: Any) -> None:
    alice = w3.eth.accounts[0]
    assert store.functions.value().call() == 7
    assert w3.eth.get_balance(store.address) == 10**15
    receipt = w3.eth.wait_for_transaction_receipt(
        store.functions.set(42).transact({"from": alice}))
    (event,) = store.events.Stored().process_receipt(receipt)
    assert event["args"] == {"who": alice, "previous": 7, "value": 42}
    assert store.functions.value().call() == 42
    assert store.functions.value().call(block_identifier=receipt["blockNumber"] - 1) == 7
    logs = store.events.Stored().get_logs(from_block=0, argument_filters={"previous": 7})
    assert [log["transactionHash"] for log in logs] == [receipt["transactionHash"]]


def test_reverts_reach_the_caller(w3: Web3, store: Any) -> None:
    # EthereumTesterProvider reports every revert as eth-tester's TransactionFailed with the
    # revert data (web3's typed contract errors come with the JSON-RPC providers).
    alice = w3.eth.accounts[0]
    too_big = "execution reverted: " + repr(CUSTOM_ERROR + (5000).to_bytes(32, "big")
                                            + (1000).to_bytes(32, "big"))
    with pytest.raises(TransactionFailed) as call_error:
        store.functions.set(5000).call({"from": alice})
    assert call_error.value.args[0] == too_big
    with pytest.raises(TransactionFailed):
        store.functions.set(5000).estimate_gas({"from": alice})
    with pytest.raises(ContractPanicError, match="Panic error 0x11"):
        store.functions.withdraw(1).call({"from": alice})  # underflow
    estimate = store.functions.set(9).estimate_gas({"from": alice})
    receipt = w3.eth.wait_for_transaction_receipt(
        store.functions.set(9).transact({"from": alice, "gas": estimate}))
    assert receipt["status"] == 1 and receipt["gasUsed"] <= estimate


def test_snapshot_revert_mine_and_time_travel(w3: Web3, store: Any) -> None:
    alice = w3.eth.accounts[0]
    snapshot = w3.testing.snapshot()
    store.functions.set(100).transact({"from": alice})
    w3.testing.mine(3)
    assert store.functions.value().call() == 100
    w3.testing.revert(snapshot)
    assert store.functions.value().call() == 7
    start = w3.eth.get_block("latest")["timestamp"]
    w3.testing.timeTravel(start + 3600)
    assert w3.eth.get_block("pending")["timestamp"] == start + 3600


def test_filters(w3: Web3, store: Any) -> None:
    alice = w3.eth.accounts[0]
    blocks = w3.eth.filter("latest")
    events = store.events.Stored.create_filter(from_block="latest")
    store.functions.set(1).transact({"from": alice})
    store.functions.set(2).transact({"from": alice})
    assert len(w3.eth.get_filter_changes(blocks.filter_id)) == 2
    assert [e["args"]["value"] for e in events.get_new_entries()] == [1, 2]
    assert events.get_new_entries() == []


def test_manual_mining(w3: Web3) -> None:
    alice, bob = w3.eth.accounts[:2]
    provider = w3.provider
    assert isinstance(provider, EthereumTesterProvider)
    provider.ethereum_tester.disable_auto_mine_transactions()
    number = w3.eth.block_number
    tx_hash = w3.eth.send_transaction({"from": alice, "to": bob, "value": 1})
    assert w3.eth.block_number == number
    w3.testing.mine()
    assert w3.eth.get_transaction_receipt(tx_hash)["blockNumber"] == number + 1
