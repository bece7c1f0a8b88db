"""The dev methods against anvil (issue 16): the same script of calls goes to ``ethrex --dev``
and to anvil (same mnemonic, chain id, fork, gas limit and base fees); every answer must agree.

The script covers the dev accounts (``eth_accounts``, ``eth_sign``, ``personal_sign``,
``eth_signTypedData_v4``, ``eth_sendTransaction`` with nothing but from/to/value, and a
deployment), state edits (``anvil_setBalance``/``setNonce``/``setCode``/``setStorageAt`` and a
``hardhat_*`` alias), impersonation (a transaction sent for an account without its key, refused
again once impersonation stops), blocks and time (``evm_setNextBlockTimestamp``, ``evm_mine``
with and without a timestamp, ``anvil_mine`` with an interval, ``hardhat_mine``), automine off
and on, and ``evm_snapshot``/``evm_revert`` (twice the same id, then back to genesis).

Compared: every return value, receipts (status, gas, logs, fee, from/to, created address),
balances, nonces, code, storage, block numbers and the timestamps the script sets. Not compared:
block hashes (the two chains' headers differ in extra data, prevRandao and beacon root), the
hash of the impersonated transaction (each client has its own placeholder signature) and
wall-clock timestamps.
"""

from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from tests.e2e.harness import (
    DEV_ADDRESSES,
    STORE_SOL,
    Rpc,
    RpcError,
    anvil,
    compile_solidity,
    dev_node,
    ethrex_node,
)

WHALE = to_checksum_address("0x" + "6a" * 20)  # funded by setBalance, then impersonated
FRESH = to_checksum_address("0x" + "5a" * 20)
CODED = to_checksum_address("0x" + "7b" * 20)  # gets code and storage by the setters
FUTURE = 2_000_000_000  # a timestamp after both chains' heads
TYPED = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person[]"},
                 {"name": "contents", "type": "string"}, {"name": "tag", "type": "bytes32"},
                 {"name": "amount", "type": "int64"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 31337,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": [{"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"}],
                "contents": "Hello, Bob!", "tag": "0x" + "ab" * 32, "amount": -5},
}
RECEIPT = ("status", "gasUsed", "cumulativeGasUsed", "effectiveGasPrice", "type", "logsBloom",
           "contractAddress")


def _call_data(signature: str, *args: Any) -> str:
    types = signature[signature.index("(") + 1:-1]
    return "0x" + (keccak(text=signature)[:4] + encode([t for t in types.split(",") if t],
                                                       list(args))).hex()


class Script:
    """Runs calls on one node, recording what each answered (errors as "error")."""

    def __init__(self, url: str) -> None:
        self.rpc = Rpc(url)
        self.log: list[tuple[str, Any]] = []

    def ask(self, label: str, method: str, *params: Any) -> Any:
        try:
            result = self.rpc.call(method, *params)
        except RpcError:
            result = "error"
        self.log.append((label, result))
        return result

    def note(self, label: str, value: Any) -> None:
        self.log.append((label, value))

    def receipt(self, label: str, tx_hash: str) -> dict[str, Any]:
        receipt = self.rpc.wait_receipt(tx_hash)
        kept = {k: (receipt.get(k) or "").lower() or None for k in RECEIPT}
        kept["from"] = receipt["from"].lower()
        kept["to"] = (receipt.get("to") or "").lower() or None
        kept["logs"] = [{"address": log["address"].lower(), "topics": log["topics"],
                         "data": log["data"]} for log in receipt["logs"]]
        kept["blockNumber"] = receipt["blockNumber"]
        self.note(label, kept)
        return receipt

    def state(self, label: str, address: str) -> None:
        self.note(label, {
            "balance": self.rpc.call("eth_getBalance", address, "latest"),
            "nonce": self.rpc.call("eth_getTransactionCount", address, "latest"),
            "code": self.rpc.call("eth_getCode", address, "latest"),
            "slot1": self.rpc.call("eth_getStorageAt", address, "0x1", "latest"),
        })

    def block(self, label: str) -> None:
        block = self.rpc.call("eth_getBlockByNumber", "latest", False)
        self.note(label, {"number": block["number"], "timestamp": block["timestamp"],
                          "transactions": len(block["transactions"])})


def _script(url: str, deploy_code: str) -> list[tuple[str, Any]]:
    s = Script(url)
    me, you = DEV_ADDRESSES[0], DEV_ADDRESSES[1]
    s.ask("accounts", "eth_accounts")
    s.ask("eth_sign", "eth_sign", me, "0xdeadbeef")
    s.ask("personal_sign", "personal_sign", "0x68656c6c6f", me)
    s.ask("typed data", "eth_signTypedData_v4", me, TYPED)
    s.ask("sign without a key", "eth_sign", FRESH, "0x00")
    s.ask("first snapshot", "evm_snapshot")

    transfer = s.ask("transfer hash", "eth_sendTransaction", {"from": me, "to": FRESH,
                                                              "value": hex(10**15)})
    s.receipt("transfer", transfer)
    deploy = s.ask("deploy hash", "eth_sendTransaction", {"from": you, "data": deploy_code,
                                                          "value": "0x7"})
    contract = s.receipt("deploy", deploy)["contractAddress"]
    s.state("contract", contract)

    s.ask("setBalance", "anvil_setBalance", WHALE, hex(5 * 10**18))
    s.ask("setNonce", "anvil_setNonce", WHALE, "0x5")
    s.ask("setCode", "anvil_setCode", CODED, "0x60016000f3")
    s.ask("setStorageAt", "anvil_setStorageAt", CODED, "0x1", "0x" + "00" * 31 + "2a")
    s.ask("hardhat_setBalance", "hardhat_setBalance", FRESH, "1000")
    s.state("whale", WHALE)
    s.state("coded", CODED)
    s.state("fresh", FRESH)
    s.ask("blockNumber after edits", "eth_blockNumber")

    s.ask("impersonate", "anvil_impersonateAccount", WHALE)
    call = s.rpc.call("eth_sendTransaction", {  # its hash is each client's own (see above)
        "from": WHALE, "to": contract, "data": _call_data("set(uint256)", 99)})
    s.receipt("impersonated", call)
    s.state("whale after", WHALE)
    s.ask("stop impersonating", "anvil_stopImpersonatingAccount", WHALE)
    s.ask("send after stop", "eth_sendTransaction", {"from": WHALE, "to": FRESH, "value": "0x1"})
    s.ask("call sees the impersonated write", "eth_call",
          {"to": contract, "data": _call_data("value()")}, "latest")

    s.ask("set next timestamp", "evm_setNextBlockTimestamp", FUTURE)
    s.ask("evm_mine", "evm_mine")
    s.block("exact timestamp")
    s.ask("anvil_mine with interval", "anvil_mine", "0x3", "0xc")
    s.block("after interval mining")
    s.ask("evm_mine at a timestamp", "evm_mine", FUTURE + 100)
    s.block("mined at a timestamp")
    s.ask("timestamp in the past", "evm_setNextBlockTimestamp", FUTURE - 1)
    s.ask("hardhat_mine", "hardhat_mine", "0x2")
    s.ask("blockNumber after mining", "eth_blockNumber")

    s.ask("automine off", "anvil_setAutomine", False)
    pending = s.ask("pending send", "eth_sendTransaction", {"from": me, "to": FRESH,
                                                            "value": "0x3"})
    s.ask("not mined yet", "eth_getTransactionReceipt", pending)
    s.ask("still the same block", "eth_blockNumber")
    s.ask("mine it", "evm_mine")
    s.receipt("mined by evm_mine", pending)
    s.ask("automine on", "evm_setAutomine", True)

    snap = s.ask("second snapshot", "evm_snapshot")
    later = s.ask("send after the snapshot", "eth_sendTransaction", {"from": you, "to": FRESH,
                                                                     "value": "0x5"})
    s.receipt("before revert", later)
    s.ask("revert", "evm_revert", snap)
    s.ask("revert the same id again", "evm_revert", snap)
    s.ask("receipt of the reverted send", "eth_getTransactionReceipt", later)
    s.state("fresh after revert", FRESH)
    s.ask("back to genesis", "evm_revert", "0x0")
    s.ask("blockNumber at genesis", "eth_blockNumber")
    s.state("whale at genesis", WHALE)
    s.state("fresh at genesis", FRESH)
    s.ask("balance of the first account", "eth_getBalance", me, "latest")
    s.rpc.close()
    return s.log


def test_dev_methods_answer_as_anvil() -> None:
    store = compile_solidity(STORE_SOL)["Store"]
    deploy_code = store.bytecode + encode(["uint256"], [7]).hex()
    with dev_node() as node, anvil("osaka") as anvil_url:
        ours = _script(node.http_url, deploy_code)
        theirs = _script(anvil_url, deploy_code)
    assert [label for label, _ in ours] == [label for label, _ in theirs]
    diffs = [f"{label}: ethrex {a!r} != anvil {b!r}"
             for (label, a), (_, b) in zip(ours, theirs) if a != b]
    assert not diffs, "ethrex and anvil disagree:\n" + "\n".join(diffs)
    # The script did what it says (agreeing is not agreeing on nothing).
    answers = dict(ours)
    assert answers["deploy"]["status"] == "0x1" and answers["impersonated"]["status"] == "0x1"
    assert answers["impersonated"]["from"] == WHALE.lower()
    assert answers["whale after"]["nonce"] == "0x6"
    assert answers["send after stop"] == "error" and answers["sign without a key"] == "error"
    assert answers["exact timestamp"]["timestamp"] == hex(FUTURE)
    assert answers["revert"] is True and answers["revert the same id again"] is False
    assert answers["blockNumber at genesis"] == "0x0"
    assert answers["not mined yet"] is None and answers["receipt of the reverted send"] is None


def test_dev_accounts_and_mnemonic_flags_fund_what_anvil_funds() -> None:
    """``--dev.accounts 3 --dev.mnemonic M`` and anvil's ``--accounts 3 --mnemonic M``: the
    same accounts, balances, and a transfer from the last one answered alike."""
    mnemonic = "abandon " * 11 + "about"  # BIP-39's all-zero entropy phrase
    with ethrex_node("--dev", "--dev.accounts", "3", "--dev.mnemonic", mnemonic) as node, \
            anvil("osaka", accounts=3, mnemonic=mnemonic) as anvil_url:
        answers = []
        for url in (node.http_url, anvil_url):
            rpc = Rpc(url)
            accounts = rpc.call("eth_accounts")
            balances = [rpc.call("eth_getBalance", a, "latest") for a in accounts]
            tx = rpc.call("eth_sendTransaction", {"from": accounts[2], "to": accounts[0],
                                                  "value": "0x1"})
            receipt = rpc.wait_receipt(tx)
            answers.append((accounts, balances, {k: receipt[k] for k in RECEIPT + ("from",)}))
            rpc.close()
        log = node.log.read_text()
    assert answers[0] == answers[1]
    accounts, balances, receipt = answers[0]
    assert len(accounts) == 3 and set(balances) == {hex(10_000 * 10**18)}
    assert accounts[0].lower() not in {a.lower() for a in DEV_ADDRESSES}  # not the default ones
    assert receipt["status"] == "0x1" and receipt["from"] == accounts[2].lower()
    assert f"Mnemonic: {mnemonic}" in log and "(2) " in log and "(3) " not in log
