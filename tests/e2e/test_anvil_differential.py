"""Differential test against anvil (issue 7, "Done when"): the same signed transactions go to
``ethrex --dev`` and to anvil (npm ``@foundry-rs/anvil-linux-amd64``) at the same fork (Osaka,
the dev chain's), chain id and accounts; every receipt (status, gas used, logs, effective gas
price, created address) and the final balances, nonces, code and storage must agree.

The transactions are signed here with eth_account, one per block on both sides (each is sent
after the previous one's receipt), so base fees evolve alike. They cover a contract deployment,
logging calls, a custom-error revert, an arithmetic panic, an out-of-gas call, failing
creations, ether in and out of a contract, legacy/EIP-2930/EIP-1559 transfers and an EIP-7702
self-delegation.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from tests.e2e.harness import (
    CHAIN_ID,
    DEV_ADDRESSES,
    DEV_KEYS,
    STORE_SOL,
    Rpc,
    anvil,
    compile_solidity,
    dev_node,
)

GWEI = 10**9
COINBASE = "0x" + "00" * 20  # both nodes' default fee recipient
FRESH = to_checksum_address("0x" + "5a" * 20)  # an account that starts empty


def _call(signature: str, *args: Any) -> str:
    types = signature[signature.index("(") + 1:-1]
    encoded = encode([t for t in types.split(",") if t], list(args))
    return "0x" + (keccak(text=signature)[:4] + encoded).hex()


def _transactions() -> tuple[list[str], str]:
    """The raw signed transactions, and the address the first one creates."""
    store = compile_solidity(STORE_SOL)["Store"]
    keys = [Account.from_key(k) for k in DEV_KEYS]
    nonces = [0] * len(keys)
    contract = to_checksum_address(keccak(bytes.fromhex("d694" + keys[0].address[2:].lower()
                                                        + "80"))[12:])
    raws: list[str] = []

    def send(i: int, tx: dict[str, Any], kind: int = 2) -> None:
        tx = {"chainId": CHAIN_ID, "nonce": nonces[i], "value": 0, "data": "0x", **tx}
        if kind == 2 or kind == 4:
            tx.setdefault("maxFeePerGas", 3 * GWEI)
            tx.setdefault("maxPriorityFeePerGas", GWEI // 2 + i)
        else:
            tx.setdefault("gasPrice", 2 * GWEI)
        if kind == 1:
            tx["type"] = 1
        if "to" in tx and tx["to"] is None:
            del tx["to"]
        raws.append("0x" + keys[i].sign_transaction(tx).raw_transaction.hex())
        nonces[i] += 1

    constructor = store.bytecode + encode(["uint256"], [7]).hex()
    send(0, {"to": None, "data": constructor, "value": 10**15, "gas": 600_000})
    send(1, {"to": contract, "data": _call("set(uint256)", 42), "gas": 100_000})
    send(1, {"to": contract, "data": _call("set(uint256)", 5000), "gas": 100_000})  # TooBig
    send(2, {"to": contract, "data": _call("deposit()"), "value": 3 * 10**15, "gas": 100_000})
    send(2, {"to": contract, "data": _call("withdraw(uint256)", 5 * 10**15),
             "gas": 100_000})  # underflow: panic 0x11
    send(2, {"to": contract, "data": _call("withdraw(uint256)", 10**15), "gas": 100_000})
    send(0, {"to": contract, "data": _call("set(uint256)", 10), "gas": 22_500})  # out of gas
    send(0, {"to": None, "data": "0x60006000fd", "gas": 100_000})  # init code reverts
    send(0, {"to": None, "data": "0xfe", "gas": 100_000})  # INVALID: all gas burnt
    send(3, {"to": FRESH, "value": 15 * 10**17, "gas": 21_000}, kind=0)
    send(3, {"to": DEV_ADDRESSES[4], "value": 12345, "gas": 30_000,
             "accessList": [{"address": contract, "storageKeys": ["0x" + "00" * 32]}]}, kind=1)
    send(4, {"to": contract, "value": 1, "gas": 50_000})  # receive()
    # EIP-7702: account 4 delegates to the contract in its own transaction (authorization nonce
    # one past the transaction's) and calls set on itself.
    auth = Account.sign_authorization({"chainId": CHAIN_ID, "address": contract,
                                       "nonce": nonces[4] + 1}, DEV_KEYS[4])
    send(4, {"to": DEV_ADDRESSES[4], "data": _call("set(uint256)", 77), "gas": 150_000,
             "authorizationList": [auth]}, kind=4)
    send(1, {"to": DEV_ADDRESSES[4], "data": _call("set(uint256)", 78), "gas": 100_000})
    send(1, {"to": FRESH, "value": 1, "gas": 21_000})
    return raws, contract


RECEIPT_FIELDS = ("status", "gasUsed", "cumulativeGasUsed", "effectiveGasPrice", "type",
                  "logsBloom", "blobGasUsed")
LOG_FIELDS = ("address", "topics", "data", "logIndex", "transactionIndex", "removed")


def _normal(receipt: dict[str, Any]) -> dict[str, Any]:
    out = {k: receipt.get(k) for k in RECEIPT_FIELDS if k != "blobGasUsed"}
    out["to"] = (receipt.get("to") or "").lower() or None
    out["from"] = receipt["from"].lower()
    if receipt["status"] == "0x1" and receipt.get("contractAddress"):
        out["contractAddress"] = receipt["contractAddress"].lower()
    out["logs"] = [{k: (log[k].lower() if isinstance(log[k], str) else log[k])
                    for k in LOG_FIELDS} for log in receipt["logs"]]
    return out


def _run(url: str, raws: list[str], watch: list[str]) -> dict[str, Any]:
    rpc = Rpc(url)
    receipts = []
    base_fees = []
    for raw in raws:
        tx_hash = rpc.call("eth_sendRawTransaction", raw)
        receipt = rpc.wait_receipt(tx_hash)
        receipts.append(_normal(receipt))
        block = rpc.call("eth_getBlockByNumber", receipt["blockNumber"], False)
        assert block["transactions"] == [tx_hash], "one transaction per block"
        base_fees.append(block["baseFeePerGas"])
    state: dict[str, Any] = {}
    for address in watch:
        state[address] = {
            "balance": rpc.call("eth_getBalance", address, "latest"),
            "nonce": rpc.call("eth_getTransactionCount", address, "latest"),
            "code": rpc.call("eth_getCode", address, "latest"),
            "slots": [rpc.call("eth_getStorageAt", address, hex(slot), "latest")
                      for slot in range(2)],
        }
    rpc.close()
    return {"receipts": receipts, "base_fees": base_fees, "state": state}


def _compare(ours: Any, theirs: Any, where: str, diffs: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            _compare(ours.get(key), theirs.get(key), f"{where}.{key}", diffs)
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{where}[{i}]", diffs)
    elif ours != theirs:
        diffs.append(f"{where}: ethrex {ours!r} != anvil {theirs!r}")


def test_same_transactions_same_results_as_anvil() -> None:
    raws, contract = _transactions()
    watch = [a.lower() for a in (*DEV_ADDRESSES, contract, FRESH, COINBASE)]
    with dev_node() as node, anvil("osaka") as anvil_url:
        with ThreadPoolExecutor(2) as pool:
            runs: list[Callable[[], dict[str, Any]]] = [
                lambda: _run(node.http_url, raws, watch), lambda: _run(anvil_url, raws, watch)]
            ours, theirs = [f.result() for f in [pool.submit(r) for r in runs]]
    diffs: list[str] = []
    _compare(ours, theirs, "", diffs)
    assert not diffs, "ethrex and anvil disagree:\n" + "\n".join(diffs)
    # The scenario does what it says (so agreeing is not agreeing on nothing).
    statuses = [r["status"] for r in ours["receipts"]]
    assert statuses == ["0x1", "0x1", "0x0", "0x1", "0x0", "0x1", "0x0", "0x0", "0x0", "0x1",
                        "0x1", "0x1", "0x1", "0x1", "0x1"]
    assert ours["receipts"][0]["contractAddress"] == contract.lower()
    assert [len(r["logs"]) for r in ours["receipts"]][:4] == [0, 1, 0, 1]
    assert ours["receipts"][8]["gasUsed"] == hex(100_000)
    assert ours["state"][DEV_ADDRESSES[4].lower()]["code"] == "0xef0100" + contract[2:].lower()
    assert int(ours["state"][DEV_ADDRESSES[4].lower()]["slots"][0], 16) == 78
    assert int(ours["state"][FRESH.lower()]["balance"], 16) == 15 * 10**17 + 1
