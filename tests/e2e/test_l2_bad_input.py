"""Bad input to the rollup gets a clear error and loses nothing (issue 14, "Done when"): a
deposit to the zero address, withdrawals above the balance, privileged (type 0x7e)
transactions sent over RPC, and an L1 that answers with errors, does not answer or answers
late while the sequencer runs. L1 is ``ethrex --dev``."""

import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from ethrex.l2.abi import encode_call
from ethrex.types.transactions import PrivilegedL2Transaction, encode_transaction
from tests.e2e.harness import DEV_KEYS, REPO, Rpc, RpcError, dev_node
from tests.e2e.l2_harness import ETHER, ethrex_l2, sequencer, wait_for

ZERO = "0x" + "00" * 20
L2_BRIDGE = "0x" + "00" * 18 + "ffff"
BRIDGE_ABI = json.loads((REPO / "ethrex/l2/artifacts/CommonBridge.json").read_text())["abi"]
GWEI = 10**9


def _privileged_raw(recipient: str) -> str:
    tx = PrivilegedL2Transaction(65536999, 0, 0, 0, 100_000, bytes.fromhex(L2_BRIDGE[2:]),
                                 10 * ETHER, encode_call("mintETH(address)",
                                                         bytes.fromhex(recipient[2:])),
                                 (), bytes.fromhex(L2_BRIDGE[2:]))
    return "0x" + encode_transaction(tx).hex()


def test_bad_deposits_withdrawals_and_privileged_transactions() -> None:
    user = Account.from_key(DEV_KEYS[3])
    with dev_node(period=1) as l1_node, sequencer(l1_node.http_url) as (node, deployment):
        l1_url = l1_node.http_url
        l1, l2 = Web3(Web3.HTTPProvider(l1_url)), Web3(Web3.HTTPProvider(node.url))
        bridge = l1.eth.contract(address=Web3.to_checksum_address(deployment["bridge"]),
                                 abi=BRIDGE_ABI)
        l1_before = l1.eth.get_balance(user.address)

        # a deposit to the zero address: refused by the command and by the bridge
        run = ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key",
                        DEV_KEYS[3], "--amount", "1", "--to", ZERO, check=False)
        assert run.returncode == 1 and "zero address" in run.stderr, run.stderr
        with pytest.raises(ContractLogicError, match="deposit to the zero address"):
            bridge.functions.deposit(ZERO).call({"from": user.address, "value": ETHER})
        with pytest.raises(ContractLogicError, match="the deposit is zero"):
            bridge.functions.deposit(user.address).call({"from": user.address})
        assert bridge.functions.privilegedCount().call() == 0
        assert l1.eth.get_balance(user.address) == l1_before

        ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key",
                  DEV_KEYS[3], "--amount", "1")
        wait_for("the deposit", lambda: l2.eth.get_balance(user.address) == ETHER)

        # withdrawals above the balance: refused by the command and by the L2's pool
        run = ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", DEV_KEYS[3],
                        "--amount", "2", check=False)
        assert run.returncode == 1 and "more than the L2 balance" in run.stderr, run.stderr
        tx = {"chainId": l2.eth.chain_id, "nonce": 0, "to": Web3.to_checksum_address(L2_BRIDGE),
              "value": 2 * ETHER, "gas": 200_000, "maxFeePerGas": 10 * GWEI,
              "maxPriorityFeePerGas": GWEI,
              "data": encode_call("withdraw(address)", bytes.fromhex(user.address[2:]))}
        rpc = node.rpc()
        with pytest.raises(RpcError, match="insufficient funds"):
            rpc.call("eth_sendRawTransaction",
                     user.sign_transaction(tx).raw_transaction.to_0x_hex())
        with pytest.raises(RpcError, match="the withdrawal is zero"):
            rpc.call("eth_estimateGas", {"from": user.address, "to": L2_BRIDGE,
                                         "data": "0x" + tx["data"].hex()})
        assert l2.eth.get_balance(user.address) == ETHER

        # privileged transactions over RPC: well formed or not, the L2 refuses them clearly
        for raw in (_privileged_raw(user.address), "0x7e", "0x7ec0", "0x7e" + "ff" * 40):
            with pytest.raises(RpcError, match="come from the L1 bridge only") as refused:
                rpc.call("eth_sendRawTransaction", raw)
            assert refused.value.code == -32602
        with pytest.raises(RpcError, match="not enabled"):  # and the L1 knows none
            Rpc(l1_url).call("eth_sendRawTransaction", _privileged_raw(user.address))
        time.sleep(1.5)  # blocks go on; nothing was minted
        assert l2.eth.get_balance(user.address) == ETHER
        assert node.alive()


class FlakyProxy:
    """An HTTP proxy to an L1 that can answer JSON-RPC errors, not answer, or answer late."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.mode = "ok"
        self.requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.requests += 1
                mode = proxy.mode
                if mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"<html>service unavailable</html>")
                    return
                if mode == "slow":
                    time.sleep(12)  # longer than the sequencer's L1 timeout
                if mode == "error":
                    req = json.loads(body)
                    reply = json.dumps({"jsonrpc": "2.0", "id": req.get("id"), "error": {
                        "code": -32000, "message": "internal error: database unavailable"}})
                    data = reply.encode()
                else:
                    request = urllib.request.Request(proxy.target, body, {
                        "Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=30) as resp:
                        data = resp.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def flaky_proxy(target: str) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(target)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()


def test_l1_errors_delay_but_lose_nothing() -> None:
    user = Account.from_key(DEV_KEYS[4])
    with dev_node(period=1) as l1_node, flaky_proxy(l1_node.http_url) as proxy:
        l1_url = l1_node.http_url
        with sequencer(l1_url, "--l1.rpc", proxy.url) as (node, deployment):
            l2 = Web3(Web3.HTTPProvider(node.url))
            deposit = ["deposit", "--l1.rpc", l1_url, "--bridge", deployment["bridge"],
                       "--private-key", DEV_KEYS[4], "--amount"]
            ethrex_l2(*deposit, "1")
            wait_for("the first deposit", lambda: l2.eth.get_balance(user.address) == ETHER)

            for mode in ("error", "down", "slow"):
                proxy.mode = mode
                seen = proxy.requests
                ethrex_l2(*deposit, "0.25")  # straight to L1: the sequencer cannot see it
                # the L2 goes on: a transfer is mined while L1 misbehaves
                tx = {"chainId": l2.eth.chain_id, "to": Account.create().address,
                      "value": 1000, "gas": 21000, "maxFeePerGas": 10 * GWEI,
                      "maxPriorityFeePerGas": GWEI,
                      "nonce": l2.eth.get_transaction_count(user.address)}
                tx_hash = l2.eth.send_raw_transaction(
                    user.sign_transaction(tx).raw_transaction)
                assert l2.eth.wait_for_transaction_receipt(tx_hash, 30)["status"] == 1
                wait_for(f"the sequencer to meet an L1 in mode {mode}",
                         lambda s=seen: proxy.requests > s, 30)
                time.sleep(3)
                assert node.alive()
                assert l2.eth.get_balance(user.address) < ETHER  # no deposit read meanwhile

            proxy.mode = "ok"
            wait_for("the deposits made while L1 failed",
                     lambda: l2.eth.get_balance(user.address) > ETHER + ETHER // 2, 60)
            out = ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", DEV_KEYS[4],
                            "--amount", "0.5").stdout
            withdrawal = out.split("L2 transaction ")[1].split()[0]
            ethrex_l2("claim-withdrawal", "--l1.rpc", l1_url, "--l2.rpc", node.url,
                      "--private-key", DEV_KEYS[4], "--tx", withdrawal, "--timeout", "90")
            log = node.log_text()
            for problem in ("ClientError", "NodeUnreachable"):
                assert problem in log, log[-3000:]
            assert "Traceback" not in log
