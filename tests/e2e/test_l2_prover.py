"""Proving the rollup's batches end to end (issue 15, items 2, 3 and 6), with ``ethrex l2``
and ``ethrex l2 prover`` subprocesses talking over loopback TCP:

- a deployment that requires exec AND attested proofs: an exec prover and an attested prover
  (two processes) prove 20 batches with deposits, transfers, contract calls and withdrawals,
  committed with their data in blobs; L1 verifies them (``ethrex --dev``, then anvil), the
  withdrawals are claimed, and ``ethrex l2 reconstruct`` rebuilds the L2 from those blobs
  to the committed roots. Forged proofs
  are refused on L1 (an unregistered signer, tampered inputs, a tampered exec proof, an exec
  proof from someone else) and by the coordinator (a prover with an unregistered key);
- a faulty sequencer (the ``--test.wrong-state-root`` hook) commits a wrong state root: its
  batch is rejected at verification, holds back the batches after it, and its withdrawal
  cannot be claimed, until ``ethrex l2 revert-batch`` drops it and the sequencer commits it
  again, right this time: then it is verified and the withdrawal claimed;
- a prover killed (SIGKILL) holding a batch, and the sequencer killed while a prover holds a
  proof: every batch is proven and verified after the restarts.
"""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.e2e.harness import DEV_KEYS, STORE_SOL, compile_solidity
from tests.e2e.l2_harness import (
    ETHER,
    SEQUENCER_KEY,
    ethrex_l2,
    l1_node,
    provers,
    sequencer,
    wait_for,
)
from tests.e2e.test_l2_bridge import _abi, _send

ATTESTER_KEY = "0x" + "a7" * 32
FORGER_KEY = "0x" + "f0" * 32
ATTESTER = Account.from_key(ATTESTER_KEY).address
BATCHES = 20  # the figure: committed with blobs, proven twice, verified, rebuilt


def _proposer(l1: Web3, deployment: dict[str, Any]) -> Any:
    return l1.eth.contract(address=Web3.to_checksum_address(deployment["on_chain_proposer"]),
                           abi=_abi("OnChainProposer"))


def _sign(digest: bytes, key: str) -> bytes:
    signed = Account.unsafe_sign_hash(digest, key)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])


def _deposit(l1_url: str, node: Any, key: str, amount: str) -> None:
    ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key", key,
              "--amount", amount)


def _withdraw(node: Any, key: str, amount: str) -> str:
    out = ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", key, "--amount",
                    amount).stdout
    found = re.search(r"L2 transaction (0x[0-9a-f]{64})", out)
    assert found is not None, out
    return found.group(1)


def _batch_status(node: Any, number: int) -> str | None:
    batch = node.rpc().call("ethrex_getBatchByNumber", hex(number))
    return None if batch is None else batch["status"]  # type: ignore[no-any-return]


def _forgeries_are_refused(l1: Web3, proposer: Any, sequencer_address: str) -> None:
    """On committed, unverified batch 1: each forged proof reverts; the true ones pass."""
    inputs = proposer.functions.publicInputs(1).call()
    assert len(inputs) == 288
    digest = Web3.keccak(inputs)
    tampered = inputs[:96] + b"\x01" * 32 + inputs[128:]  # another final state root

    def verify(proofs: list[bytes], sender: str = sequencer_address) -> Any:
        return proposer.functions.verifyBatch(1, proofs).call({"from": sender})

    verify([inputs, _sign(digest, ATTESTER_KEY)])  # what the provers will send: accepted
    for forged in (_sign(digest, FORGER_KEY), _sign(Web3.keccak(tampered), ATTESTER_KEY),
                   b"", _sign(digest, ATTESTER_KEY)[:64]):
        with pytest.raises(ContractLogicError, match="not from a registered attester"):
            verify([inputs, forged])
    with pytest.raises(ContractLogicError, match="exec proof does not match"):
        verify([tampered, _sign(Web3.keccak(tampered), ATTESTER_KEY)])
    with pytest.raises(ContractLogicError, match="exec proofs only from the sequencer"):
        verify([inputs, _sign(digest, ATTESTER_KEY)], Account.from_key(DEV_KEYS[3]).address)


@pytest.mark.parametrize("l1_kind", ["ethrex", "anvil"])
def test_exec_and_attested_provers_verify_batches(l1_kind: str, tmp_path: Path) -> None:
    user = Account.from_key(DEV_KEYS[1])
    deploy_args = ("--proofs", "exec,attested", "--attester", ATTESTER)
    with l1_node(l1_kind) as l1_url, \
            sequencer(l1_url, deploy_args=deploy_args, exec_prover=False) as (node, deployment):
        l1, l2 = Web3(Web3.HTTPProvider(l1_url)), Web3(Web3.HTTPProvider(node.url))
        proposer = _proposer(l1, deployment)
        assert proposer.functions.requiredProofs().call() == 0b11
        assert proposer.functions.attesters(ATTESTER).call()
        with provers(node, ("exec", None)) as running:
            # batch 1: a deposit, proven by the exec prover alone: not verified
            _deposit(l1_url, node, DEV_KEYS[1], "2")
            wait_for("the deposit on L2", lambda: l2.eth.get_balance(user.address) == 2 * ETHER)
            wait_for("batch 1 committed", lambda: proposer.functions.lastCommittedBatch()
                     .call() >= 1, 60)
            _forgeries_are_refused(l1, proposer,
                                   Web3.to_checksum_address(deployment["sequencer"]))
            # a prover whose key L1 does not know: the coordinator refuses its attestation
            with provers(node, ("attested", FORGER_KEY)):
                wait_for("the forged attestation refused",
                         lambda: "not a registered attester" in node.log_text(), 60)
            assert proposer.functions.lastVerifiedBatch().call() == 0
            with provers(node, ("attested", ATTESTER_KEY)) as attested:
                running += attested
                wait_for("batch 1 verified", lambda: _batch_status(node, 1) == "verified", 60)
                # transfers, a contract deployed and called, two withdrawals
                _send(l2, user, {"to": Account.create().address, "value": ETHER // 10})
                compiled = compile_solidity(STORE_SOL)["Store"]
                factory = l2.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
                created = _send(l2, user, factory.constructor(7).build_transaction(
                    {"from": user.address,
                     "nonce": l2.eth.get_transaction_count(user.address)}))
                store = l2.eth.contract(address=created["contractAddress"], abi=compiled.abi)
                first = _withdraw(node, DEV_KEYS[1], "0.25")
                assert _send(l2, user, store.functions.set(42).build_transaction(
                    {"from": user.address}))["status"] == 1
                time.sleep(2.5)  # the next batch
                _send(l2, user, {"to": Account.create().address, "value": ETHER // 10})
                second = _withdraw(node, DEV_KEYS[1], "0.5")
                proof = wait_for("the last withdrawal's batch", lambda: node.rpc().call(
                    "ethrex_getWithdrawalProof", second), 60)[0]
                assert int(proof["batchNumber"], 16) >= 3
                # more batches, each with a transfer, some with a deposit or a contract call,
                # until 20 are committed with blobs; all of them proven and verified
                for n in range(4 * BATCHES):
                    if proposer.functions.lastCommittedBatch().call() >= BATCHES:
                        break
                    if n % 5 == 0:
                        _deposit(l1_url, node, DEV_KEYS[1], "0.01")
                    if n % 3 == 0:
                        _send(l2, user, store.functions.set(n).build_transaction(
                            {"from": user.address}))
                    _send(l2, user, {"to": Account.create().address, "value": ETHER // 100})
                    time.sleep(1)
                last = proposer.functions.lastCommittedBatch().call()
                assert last >= BATCHES
                wait_for(f"batch {last} verified",
                         lambda: _batch_status(node, last) == "verified", 240)
                assert all(p.alive() for p in running)
        assert proposer.functions.lastVerifiedBatch().call() >= last
        # each verification carried the exec proof (the committed inputs) and an attestation
        # that recovers to the registered attester
        for number in range(1, last + 1):
            batch = node.rpc().call("ethrex_getBatchByNumber", hex(number))
            tx = l1.eth.get_transaction(batch["verifyTransaction"])
            _, args = proposer.decode_function_input(tx["input"])
            exec_proof, signature = args["proofs"]
            assert exec_proof == proposer.functions.publicInputs(number).call()
            assert Account._recover_hash(Web3.keccak(exec_proof), signature=signature) == \
                ATTESTER
            receipt = l1.eth.get_transaction_receipt(batch["verifyTransaction"])
            print(f"verifyBatch {number} (exec + attested): {receipt['gasUsed']} L1 gas")
        for tx_hash, amount in ((first, ETHER // 4), (second, ETHER // 2)):
            before = l1.eth.get_balance(user.address)
            out = ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                            "--private-key", DEV_KEYS[1], "--tx", tx_hash).stdout
            claim = re.search(r"in L1 transaction (0x[0-9a-f]{64})", out)
            assert claim is not None, out
            receipt = l1.eth.get_transaction_receipt(claim.group(1))
            fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
            assert l1.eth.get_balance(user.address, receipt["blockNumber"]) == \
                before + amount - fee
        # the blobs of those batches alone rebuild the L2, batch by batch, to the roots that
        # L1 committed and verified
        rebuilt = tmp_path / "rebuilt"
        out = ethrex_l2("reconstruct", "--l1.rpc", l1_url, "--deployment",
                        str(node.datadir.parent / "deployment.json"), "--datadir",
                        str(rebuilt), "--blobs", str(node.datadir / "batch-data")).stdout
        for number in range(1, last + 1):
            root = proposer.functions.batches(number).call()[0]
            assert f"batch {number}: " in out and f"state root 0x{root.hex()}" in out, out
        # (the sequencer kept committing its empty blocks: the rebuild ends where L1 does)
        found = re.search(r"head #(\d+) (0x[0-9a-f]{64}), state root (0x[0-9a-f]{64})", out)
        assert found is not None, out
        head = l2.eth.get_block(int(found.group(1)))
        assert int(found.group(1)) >= int(node.rpc().call(
            "ethrex_getBatchByNumber", hex(last))["lastBlock"], 16)
        assert (found.group(2), found.group(3)) == (head["hash"].to_0x_hex(),
                                                    head["stateRoot"].to_0x_hex())


def test_a_wrong_state_root_is_rejected_and_blocks_the_batches_until_replaced() -> None:
    user = Account.from_key(DEV_KEYS[1])
    with l1_node("ethrex") as l1_url, \
            sequencer(l1_url, "--test.wrong-state-root", "2") as (node, deployment):
        l1, l2 = Web3(Web3.HTTPProvider(l1_url)), Web3(Web3.HTTPProvider(node.url))
        proposer = _proposer(l1, deployment)
        bridge = l1.eth.contract(address=Web3.to_checksum_address(deployment["bridge"]),
                                 abi=_abi("CommonBridge"))
        _deposit(l1_url, node, DEV_KEYS[1], "2")
        wait_for("the deposit on L2", lambda: l2.eth.get_balance(user.address) == 2 * ETHER)
        wait_for("batch 1 verified", lambda: _batch_status(node, 1) == "verified", 60)
        withdrawal = _withdraw(node, DEV_KEYS[1], "0.5")
        (proof,) = wait_for("the withdrawal's batch", lambda: node.rpc().call(
            "ethrex_getWithdrawalProof", withdrawal), 60)
        assert int(proof["batchNumber"], 16) == 2
        _send(l2, user, {"to": Account.create().address, "value": ETHER // 10})
        wait_for("batch 3 committed",
                 lambda: proposer.functions.lastCommittedBatch().call() >= 3, 60)
        wait_for("batch 2's verification refused",
                 lambda: "exec proof does not match the committed batch" in node.log_text(), 60)
        time.sleep(3)  # a few more proof sender steps
        assert proposer.functions.lastVerifiedBatch().call() == 1
        committed_root = proposer.functions.batches(2).call()[0]
        batch = node.rpc().call("ethrex_getBatchByNumber", "0x2")
        assert committed_root != l2.eth.get_block(int(batch["lastBlock"], 16))["stateRoot"]
        assert _batch_status(node, 2) == _batch_status(node, 3) == "committed"
        args = (int(proof["amount"], 16), 2, int(proof["messageId"], 16), proof["proof"])
        with pytest.raises(ContractLogicError, match="batch not verified"):
            bridge.functions.claimWithdrawal(*args).call({"from": user.address})
        claim = ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                          "--private-key", DEV_KEYS[1], "--tx", withdrawal, "--timeout", "3",
                          check=False)
        assert claim.returncode == 1 and "not verified" in claim.stderr, claim.stderr
        # replaced: reverted on L1, committed again by the sequencer, verified, claimable
        with pytest.raises(ContractLogicError, match="only committed, unverified"):
            proposer.functions.revertBatches(1, 1).call(
                {"from": Web3.to_checksum_address(deployment["sequencer"])})
        out = ethrex_l2("revert-batch", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                        "--private-key", SEQUENCER_KEY, "2").stdout
        assert "batches from 2 on reverted" in out, out
        wait_for("batch 3 verified", lambda: _batch_status(node, 3) == "verified", 60)
        assert proposer.functions.batches(2).call()[0] == \
            l2.eth.get_block(int(batch["lastBlock"], 16))["stateRoot"]
        ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                  "--private-key", DEV_KEYS[1], "--tx", withdrawal)


def test_killed_prover_and_coordinator_lose_no_batch() -> None:
    user = Account.from_key(DEV_KEYS[1])
    with l1_node("ethrex") as l1_url, \
            sequencer(l1_url, exec_prover=False) as (node, deployment):
        l2 = Web3(Web3.HTTPProvider(node.url))
        # a prover killed while it holds batch 1: the batch goes to the next prover
        with provers(node, ("exec", None)) as (holder,):
            holder.cmd += ["--test.hold", "600"]
            holder.stop()
            holder.start()
            _deposit(l1_url, node, DEV_KEYS[1], "2")
            wait_for("batch 1 held by the prover",
                     lambda: "holding the proof" in holder.log_text(), 60)
            holder.kill()
        assert _batch_status(node, 1) == "committed"
        with provers(node, ("exec", None)) as (prover,):
            prover.cmd += ["--test.hold", "4"]
            prover.stop()
            prover.start()
            wait_for("batch 1 verified", lambda: _batch_status(node, 1) == "verified", 60)
            # the sequencer killed while the prover holds batch 2's proof
            _send(l2, user, {"to": Account.create().address, "value": ETHER // 10})
            wait_for("batch 2 held by the prover",
                     lambda: prover.log_text().count("holding the proof") >= 2, 60)
            node.kill()
            node.start()
            wait_for("batch 2 verified", lambda: _batch_status(node, 2) == "verified", 60)
            assert "batch 2 proven" in prover.log_text() and prover.alive()
        assert node.starts == 2
