"""web3.py against ``ethrex --dev`` (issue 7, "Done when"): deploy a Solidity contract compiled
by solc-js and use it — constructor argument and value, views, a logging transaction and its
decoded event, a custom-error revert seen by eth_call and eth_estimateGas, ether in and out."""

from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from tests.e2e.harness import CHAIN_ID, DEV_KEYS, STORE_SOL, compile_solidity, dev_node


def _transact(w3: Web3, account: Any, tx: dict[str, Any]) -> Any:
    """Fill, sign with the dev key, send raw and wait for the receipt, as a script would."""
    tx = {"from": account.address, "chainId": CHAIN_ID,
          "nonce": w3.eth.get_transaction_count(account.address, "pending"), **tx}
    if "gas" not in tx:
        tx["gas"] = w3.eth.estimate_gas(tx)
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)


def test_web3_deploys_and_calls_a_contract() -> None:
    compiled = compile_solidity(STORE_SOL)["Store"]
    account = Account.from_key(DEV_KEYS[0])
    with dev_node() as node:
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        assert w3.eth.chain_id == CHAIN_ID
        factory = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)

        deploy = factory.constructor(7).build_transaction(
            {"from": account.address, "value": 10**15, "nonce": 0, "chainId": CHAIN_ID})
        created = _transact(w3, account, deploy)
        assert created["status"] == 1 and created["contractAddress"] is not None
        address = created["contractAddress"]
        assert w3.eth.get_code(address).to_0x_hex() == compiled.runtime
        assert w3.eth.get_balance(address) == 10**15
        store = w3.eth.contract(address=address, abi=compiled.abi)
        assert store.functions.value().call() == 7

        receipt = _transact(w3, account, store.functions.set(42).build_transaction(
            {"from": account.address}))
        assert receipt["status"] == 1
        (event,) = store.events.Stored().process_receipt(receipt)
        assert event["args"] == {"who": account.address, "previous": 7, "value": 42}
        assert store.functions.value().call() == 42
        logs = store.events.Stored().get_logs(from_block=0, argument_filters={"previous": 7})
        assert [log["transactionHash"] for log in logs] == [receipt["transactionHash"]]
        assert store.events.Stored().get_logs(from_block=0,
                                              argument_filters={"previous": 8}) == []

        # The custom error reaches the client with its arguments, from eth_call and from
        # eth_estimateGas alike.
        too_big = store.functions.set(5000)
        with pytest.raises(ContractCustomError) as call_error:
            too_big.call({"from": account.address})
        expected = (keccak(b"TooBig(uint256,uint256)")[:4] + (5000).to_bytes(32, "big")
                    + (1000).to_bytes(32, "big"))
        assert call_error.value.data == "0x" + expected.hex()
        with pytest.raises(ContractCustomError):
            too_big.estimate_gas({"from": account.address})
        with pytest.raises(ContractLogicError):  # panic 0x11: nothing deposited yet
            store.functions.withdraw(1).call({"from": account.address})

        # digest() reads storage and its own address.
        data = b"ethrex"
        want = keccak(data + (42).to_bytes(32, "big") + bytes.fromhex(address[2:]))
        assert store.functions.digest(data).call() == want

        deposited = _transact(w3, account, store.functions.deposit().build_transaction(
            {"from": account.address, "value": 3 * 10**15}))
        (dep,) = store.events.Deposited().process_receipt(deposited)
        assert dep["args"]["amount"] == 3 * 10**15
        assert store.functions.credits(account.address).call() == 3 * 10**15
        before = w3.eth.get_balance(account.address)
        withdrawn = _transact(w3, account, store.functions.withdraw(10**15).build_transaction(
            {"from": account.address}))
        fee = withdrawn["gasUsed"] * withdrawn["effectiveGasPrice"]
        assert w3.eth.get_balance(account.address) == before + 10**15 - fee
        assert w3.eth.get_balance(address) == 3 * 10**15
        assert store.functions.credits(account.address).call() == 2 * 10**15
