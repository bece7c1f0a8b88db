"""The sequencer killed at random moments loses nothing (issue 14, "Done when").

With anvil as L1 (a block a second) and ``ethrex l2`` as a subprocess, 200 deposits (from
eight L1 accounts to eight L2 accounts), 200 L2 transfers among those accounts and five
withdrawals are sent while the sequencer is killed with SIGKILL ten times and started again on
the same datadir. Each L2 transaction is sent until the sequencer accepts it once (a client
retries only when it got no answer). In the end every L2 balance is what the deposits,
transfers and fees say, no block seen before a kill is gone or changed after it, every batch
on L1 matches the L2 chain, and every withdrawal is claimed on L1.
"""

import random
import threading
import time
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ethrex.dev import dev_accounts
from ethrex.l2.abi import encode_call
from tests.e2e.harness import anvil
from tests.e2e.l2_harness import ETHER, sequencer, wait_for

L2_BRIDGE = Web3.to_checksum_address("0x" + "00" * 18 + "ffff")
DEPOSITS, TRANSFERS, WITHDRAWALS, KILLS = 200, 200, 5, 10
USERS = 8
GWEI = 10**9
TRANSFER = ETHER // 1000


def _deposit_amount(i: int) -> int:
    return ETHER // 100 * (1 + i % 5)


class Sender:
    """Signs and sends one account's transactions with its own nonces; each is sent until
    the node accepts it once (connection errors retried, "already known" / "nonce too low"
    after a lost answer count as accepted)."""

    def __init__(self, url: str, key: bytes, chain_id: int) -> None:
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
        self.account = Account.from_key(key)
        self.chain_id = chain_id
        self.nonce = self.w3.eth.get_transaction_count(self.account.address, "pending")
        self.hashes: list[str] = []

    def send(self, to: str, value: int, data: bytes = b"", gas: int = 21000) -> str:
        tx = {"chainId": self.chain_id, "nonce": self.nonce, "to": to, "value": value,
              "data": data, "gas": gas, "maxFeePerGas": 20 * GWEI,
              "maxPriorityFeePerGas": GWEI}
        signed = self.account.sign_transaction(tx)
        tx_hash = signed.hash.to_0x_hex()
        while True:
            try:
                self.w3.eth.send_raw_transaction(signed.raw_transaction)
                break
            except OSError:
                time.sleep(0.2)  # the node is down: it restarts
            except ValueError as exc:  # a JSON-RPC error
                text = str(exc).lower()
                if "already known" in text or "nonce too low" in text:
                    break
                raise
        self.nonce += 1
        self.hashes.append(tx_hash)
        return tx_hash


def _receipt(w3: Web3, tx_hash: str) -> Any:
    """The receipt, or None while the transaction waits in the restarted node's pool (web3
    raises for a null receipt; ``wait_for`` polls on None)."""
    try:
        return w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return None


def test_sequencer_killed_ten_times_loses_nothing() -> None:
    rng = random.Random(14)
    l1_keys = [key for _, key in dev_accounts()[:USERS]]
    l2_keys = [Web3.keccak(text=f"l2 user {i}") for i in range(USERS)]
    l2_users = [Account.from_key(k).address for k in l2_keys]
    with anvil(block_time=1) as l1_url, sequencer(l1_url) as (node, deployment):
        l1 = Web3(Web3.HTTPProvider(l1_url))
        bridge = Web3.to_checksum_address(deployment["bridge"])
        l1_senders = [Sender(l1_url, k, l1.eth.chain_id) for k in l1_keys]
        l2_chain = Web3(Web3.HTTPProvider(node.url)).eth.chain_id
        errors: list[BaseException] = []
        deposits: list[tuple[int, int]] = []  # (L2 user, amount)

        def send_deposits() -> None:
            for i in range(DEPOSITS):
                user = i % USERS
                l1_senders[i % USERS].send(bridge, _deposit_amount(i),
                                           encode_call("deposit(address)",
                                                       bytes.fromhex(l2_users[user][2:])),
                                           gas=150_000)
                deposits.append((user, _deposit_amount(i)))
                time.sleep(0.12)

        l2_senders: list[Sender] = []
        sent: list[tuple[int, str, int, str]] = []  # (from user, to, value, tx hash)

        def send_transfers() -> None:
            l2 = Web3(Web3.HTTPProvider(node.url))
            for user in range(USERS):  # each spends only once its first deposit is in
                wait_for(f"L2 user {user} funded",
                         lambda: l2.eth.get_balance(l2_users[user]) > 0, 60)
            l2_senders.extend(_retrying(lambda k=k: Sender(node.url, k, l2_chain))
                              for k in l2_keys)
            for i in range(TRANSFERS + WITHDRAWALS):
                user = i % USERS
                if i % ((TRANSFERS + WITHDRAWALS) // WITHDRAWALS) == 3 and \
                        sum(1 for s in sent if s[1] == L2_BRIDGE) < WITHDRAWALS:
                    receiver = Account.from_key(l1_keys[user]).address
                    data = encode_call("withdraw(address)", bytes.fromhex(receiver[2:]))
                    tx_hash = l2_senders[user].send(L2_BRIDGE, TRANSFER, data, gas=200_000)
                    sent.append((user, L2_BRIDGE, TRANSFER, tx_hash))
                else:
                    to = l2_users[(user + 1 + i // USERS) % USERS]
                    tx_hash = l2_senders[user].send(to, TRANSFER)
                    sent.append((user, to, TRANSFER, tx_hash))
                time.sleep(0.15)

        def guarded(fn: Any) -> Any:
            def run() -> None:
                try:
                    fn()
                except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                    errors.append(exc)
            return run

        threads = [threading.Thread(target=guarded(f)) for f in (send_deposits, send_transfers)]
        for t in threads:
            t.start()
        heads: list[tuple[int, str]] = []
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.5, 4.0))
            head = _retrying(lambda: node.rpc().call("eth_getBlockByNumber", "latest", False))
            node.kill()
            heads.append((int(head["number"], 16), head["hash"]))
            node.start()
        for t in threads:
            t.join(300)
        assert not errors, errors
        assert node.starts == KILLS + 1 and len(deposits) == DEPOSITS
        assert len(sent) == TRANSFERS + WITHDRAWALS

        l2 = Web3(Web3.HTTPProvider(node.url))
        # no block seen before a kill is lost or changed
        for number, block_hash in heads:
            assert l2.eth.get_block(number)["hash"].to_0x_hex() == block_hash
        # every L1 transaction went through; every L2 one is in a block
        for s in l1_senders:
            for tx_hash in s.hashes:
                assert l1.eth.wait_for_transaction_receipt(tx_hash, 60)["status"] == 1
        receipts = {tx_hash: wait_for(f"L2 receipt {tx_hash}",
                                      lambda h=tx_hash: _receipt(l2, h), 60)
                    for *_, tx_hash in sent}
        assert all(r["status"] == 1 for r in receipts.values())

        expected = [0] * USERS
        for user, amount in deposits:
            expected[user] += amount
        for user, to, value, tx_hash in sent:
            r = receipts[tx_hash]
            expected[user] -= value + r["gasUsed"] * r["effectiveGasPrice"]
            if to in l2_users:
                expected[l2_users.index(to)] += value
        wait_for("every deposit on L2", lambda: [l2.eth.get_balance(u) for u in l2_users]
                 == expected, 90)

        # every batch on L1 is the L2 chain's; every withdrawal is claimed on L1
        proposer = l1.eth.contract(address=Web3.to_checksum_address(
            deployment["on_chain_proposer"]), abi=_PROPOSER_ABI)
        withdrawals = [(user, tx_hash) for user, to, _, tx_hash in sent if to == L2_BRIDGE]
        proofs = [wait_for("a withdrawal proof", lambda h=h: node.rpc().call(
            "ethrex_getWithdrawalProof", h), 90)[0] for _, h in withdrawals]
        last = max(int(p["batchNumber"], 16) for p in proofs)
        wait_for("the withdrawals' batches verified",
                 lambda: proposer.functions.lastVerifiedBatch().call() >= last, 90)
        previous_last = 0
        for number in range(1, proposer.functions.lastCommittedBatch().call() + 1):
            state_root, _, _, last_hash, first_block, last_block = \
                proposer.functions.batches(number).call()
            assert first_block == previous_last + 1
            header = l2.eth.get_block(last_block)
            assert header["stateRoot"] == state_root and header["hash"] == last_hash
            previous_last = last_block
        for (user, _), proof in zip(withdrawals, proofs):
            before = l1.eth.get_balance(Account.from_key(l1_keys[user]).address)
            claim = l1_senders[user].send(bridge, 0, encode_call(
                "claimWithdrawal(uint256,uint256,uint256,bytes32[])", int(proof["amount"], 16),
                int(proof["batchNumber"], 16), int(proof["messageId"], 16),
                [bytes.fromhex(p[2:]) for p in proof["proof"]]), gas=200_000)
            r = l1.eth.wait_for_transaction_receipt(claim, 60)
            assert r["status"] == 1
            after = l1.eth.get_balance(Account.from_key(l1_keys[user]).address,
                                       r["blockNumber"])
            assert after - before <= TRANSFER  # the claim paid TRANSFER, less its fee
        assert "Traceback" not in node.log_text()


def _retrying(fn: Any) -> Any:
    """``fn()`` once the restarting node answers."""
    return wait_for("the sequencer", lambda: [fn()], 60)[0]


_PROPOSER_ABI = [
    {"type": "function", "name": name, "stateMutability": "view", "inputs": [],
     "outputs": [{"type": "uint256", "name": ""}]}
    for name in ("lastCommittedBatch", "lastVerifiedBatch")
] + [{"type": "function", "name": "batches", "stateMutability": "view",
      "inputs": [{"type": "uint256", "name": ""}],
      "outputs": [{"type": t, "name": n} for t, n in (
          ("bytes32", "stateRoot"), ("bytes32", "messagesRoot"),
          ("bytes32", "privilegedRollingHash"), ("bytes32", "lastBlockHash"),
          ("uint64", "firstBlock"), ("uint64", "lastBlock"))]}]
