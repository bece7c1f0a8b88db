"""The rollup end to end (issue 14, "Done when"), once with each L1: ``ethrex --dev``, anvil
and ``geth --dev``. With the contracts deployed by ``ethrex l2 deploy`` and the sequencer
``ethrex l2`` running as a subprocess: a deposit of 1 ETH appears on L2; web3.py makes an L2
transfer and deploys and uses a contract; a withdrawal of 0.5 ETH is claimed on L1 once its
batch is committed and verified, and the L1 balance rises by 0.5 ETH less the claim's fee; a
second claim and claims with forged proofs revert. And ``ethrex l2 --dev`` does it all from
one command.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.e2e.harness import (
    DEV_ADDRESSES,
    DEV_KEYS,
    REPO,
    STORE_SOL,
    Rpc,
    compile_solidity,
    free_port,
    require_node_modules,
    stop_process,
    wait_ready,
)
from tests.e2e.l2_harness import ENV, ETHER, L1_KINDS, ethrex_l2, l1_node, sequencer, wait_for

L2_CHAIN_ID = 65536999
ARTIFACTS = REPO / "ethrex" / "l2" / "artifacts"


def _abi(name: str) -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads((ARTIFACTS / f"{name}.json").read_text())["abi"]
    return abi


def _send(w3: Web3, account: Any, tx: dict[str, Any]) -> Any:
    """Fill, sign, send raw and wait for the receipt, as a web3.py script does."""
    tx = {"from": account.address, "chainId": w3.eth.chain_id,
          "nonce": w3.eth.get_transaction_count(account.address, "pending"), **tx}
    tx.setdefault("gas", w3.eth.estimate_gas(tx))
    tx.setdefault("maxFeePerGas", 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9)
    tx.setdefault("maxPriorityFeePerGas", 10**9)
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.1)


def _check_privileged_transaction(rpc: Rpc, l2: Web3, recipient: str, value: int) -> str:
    """The deposit is a type 0x7e transaction from the L2 bridge on L2: web3.py reads it in
    blocks and by hash, and its RLP (debug_getRawTransaction) hashes to its hash. Returns
    its hash."""
    found = None
    for number in range(l2.eth.block_number, -1, -1):
        block = l2.eth.get_block(number, full_transactions=True)
        found = next((tx for tx in block["transactions"] if tx["type"] == 0x7E), None)
        if found is not None:
            break
    assert found is not None
    assert found["from"] == Web3.to_checksum_address("0x" + "00" * 18 + "ffff")
    assert found["to"] == found["from"] and found["value"] == value and found["nonce"] == 0
    assert found["input"].hex().endswith(recipient[2:].lower())  # mintETH(recipient)
    tx_hash = found["hash"].to_0x_hex()
    assert l2.eth.get_transaction(tx_hash)["blockNumber"] == found["blockNumber"]
    assert l2.eth.get_transaction_receipt(tx_hash)["status"] == 1
    raw = rpc.call("debug_getRawTransaction", tx_hash)
    assert raw.startswith("0x7e") and Web3.keccak(hexstr=raw).to_0x_hex() == tx_hash
    return tx_hash


@pytest.mark.parametrize("l1_kind", L1_KINDS)
def test_deposit_transfer_deploy_withdraw_claim(l1_kind: str) -> None:
    user = Account.from_key(DEV_KEYS[1])
    with l1_node(l1_kind) as l1_url, sequencer(l1_url) as (node, deployment):
        l1, l2 = Web3(Web3.HTTPProvider(l1_url)), Web3(Web3.HTTPProvider(node.url))
        assert l2.eth.chain_id == L2_CHAIN_ID
        bridge = l1.eth.contract(address=Web3.to_checksum_address(deployment["bridge"]),
                                 abi=_abi("CommonBridge"))

        # deposit 1 ETH on L1 -> it appears on L2
        out = ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key",
                        DEV_KEYS[1], "--amount", "1").stdout
        assert re.match(r"deposit 0: 1 ETH to 0x[0-9a-f]{40} in L1 transaction 0x", out), out
        wait_for("the deposit on L2", lambda: l2.eth.get_balance(user.address) == ETHER)
        _check_privileged_transaction(node.rpc(), l2, user.address, ETHER)

        # an L2 transfer and a contract deployment through web3.py
        fresh = Account.create().address
        receipt = _send(l2, user, {"to": fresh, "value": ETHER // 10})
        assert receipt["status"] == 1 and l2.eth.get_balance(fresh) == ETHER // 10
        compiled = compile_solidity(STORE_SOL)["Store"]
        factory = l2.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
        created = _send(l2, user, factory.constructor(7).build_transaction(
            {"from": user.address, "nonce": l2.eth.get_transaction_count(user.address)}))
        assert created["status"] == 1
        store = l2.eth.contract(address=created["contractAddress"], abi=compiled.abi)
        assert store.functions.value().call() == 7
        assert _send(l2, user, store.functions.set(42).build_transaction(
            {"from": user.address}))["status"] == 1
        assert store.functions.value().call() == 42

        # withdraw 0.5 ETH on L2, claim it on L1 once the batch is verified
        out = ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", DEV_KEYS[1],
                        "--amount", "0.5").stdout
        withdrawal = re.search(r"L2 transaction (0x[0-9a-f]{64})", out)
        assert withdrawal is not None, out
        proofs = wait_for("the withdrawal's batch", lambda: node.rpc().call(
            "ethrex_getWithdrawalProof", withdrawal.group(1)), timeout=90)
        (proof,) = proofs
        assert int(proof["amount"], 16) == ETHER // 2
        assert proof["receiver"] == user.address.lower()
        args = (int(proof["amount"], 16), int(proof["batchNumber"], 16),
                int(proof["messageId"], 16), proof["proof"])

        # once the batch is verified on L1, claims with forged proofs revert
        def claim_call(sender: str, amount: int, batch: int, message: int,
                       merkle: list[str]) -> Any:
            return bridge.functions.claimWithdrawal(amount, batch, message, merkle).call(
                {"from": sender})

        wait_for("the batch verified", lambda: node.rpc().call(
            "ethrex_getBatchByNumber", proof["batchNumber"])["status"] == "verified", 60)
        forged = [(user.address, ETHER, *args[1:]),  # more than was withdrawn
                  (user.address, *args[:3], ["0x" + "11" * 32]),  # a made-up proof
                  (Account.from_key(DEV_KEYS[2]).address, *args)]  # someone else's
        for sender, *forgery in forged:
            with pytest.raises(ContractLogicError, match="invalid withdrawal proof"):
                claim_call(sender, *forgery)
        with pytest.raises(ContractLogicError, match="batch not verified"):
            claim_call(user.address, *args[:1], args[1] + 1, *args[2:])

        before = l1.eth.get_balance(user.address)
        out = ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                        "--private-key", DEV_KEYS[1], "--tx", withdrawal.group(1)).stdout
        claim = re.search(r"claimed 0.5 ETH in L1 transaction (0x[0-9a-f]{64})", out)
        assert claim is not None, out
        receipt = l1.eth.get_transaction_receipt(claim.group(1))
        fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
        assert l1.eth.get_balance(user.address, receipt["blockNumber"]) == \
            before + ETHER // 2 - fee

        batch = node.rpc().call("ethrex_getBatchByNumber", proof["batchNumber"])
        assert int(batch["commitGasUsed"], 16) > 0 and batch["verifyTransaction"]

        # a second claim reverts, through the command and on chain
        again = ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                          "--private-key", DEV_KEYS[1], "--tx", withdrawal.group(1),
                          check=False)
        assert again.returncode == 1 and "claimed already" in again.stderr, again.stderr
        with pytest.raises(ContractLogicError, match="withdrawal already claimed"):
            claim_call(user.address, *args)
        assert l1.eth.get_balance(user.address) == before + ETHER // 2 - fee


def test_dev_mode_is_one_command(tmp_path: Path) -> None:
    """``ethrex l2 --dev`` starts an L1 dev chain, deploys the contracts and runs the L2,
    printing the addresses and the funded accounts; a deposit then reaches the L2, where ethers
reads it and sends a transfer."""
    l1_port, l2_port = free_port(), free_port()
    log = tmp_path / "dev.log"
    cmd = [sys.executable, "-m", "ethrex.cli", "l2", "--dev", "--datadir", str(tmp_path / "d"),
           "--dev.l1-port", str(l1_port), "--http.port", str(l2_port),
           "--proof.port", str(free_port())]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=out, stderr=subprocess.STDOUT)
    try:
        l2_url = f"http://127.0.0.1:{l2_port}"
        wait_ready(l2_url, proc, log, 60, "ethrex l2 --dev")
        wait_for("the sequencer", lambda: "sequencing" in log.read_text(), 30)
        text = log.read_text()
        assert re.search(r"CommonBridge 0x[0-9a-f]{40}, OnChainProposer 0x[0-9a-f]{40}", text)
        assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in text  # a funded dev account
        l1_url = f"http://127.0.0.1:{l1_port}"
        ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", l2_url, "--private-key",
                  DEV_KEYS[0], "--amount", "2")
        l2 = Web3(Web3.HTTPProvider(l2_url))
        wait_for("the deposit", lambda: l2.eth.get_balance(DEV_ADDRESSES[0]) == 2 * ETHER)
        out = ethrex_l2("balance", DEV_ADDRESSES[0], "--l2.rpc", l2_url).stdout
        assert out.strip() == "L2 2 ETH"
        # ethers reads the deposit and sends a transfer on the L2
        deposit = _check_privileged_transaction(Rpc(l2_url), l2, DEV_ADDRESSES[0], 2 * ETHER)
        config = {"http": l2_url, "chainId": L2_CHAIN_ID, "key": DEV_KEYS[0],
                  "deposit": deposit}
        run = subprocess.run([str(require_node_modules("ethers")),
                              str(REPO / "tests" / "e2e" / "ethers_l2.mjs"), json.dumps(config)],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, f"ethers on the L2:\n{run.stderr}\n{run.stdout}"
        assert json.loads(run.stdout.strip().splitlines()[-1])["ok"]
    finally:
        stop_process(proc)
    assert "stopped" in log.read_text()
