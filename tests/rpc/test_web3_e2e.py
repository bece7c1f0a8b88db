"""web3.py against a live ``ethrex --dev`` node (issue 6, "Done when"): chain id, blocks and
balances over HTTP; deploy a contract and call it (estimateGas, call, receipt, getLogs); and
over WebSocket a ``newHeads`` and a ``logs`` subscription that see the block of the call."""

import asyncio
from typing import Any

from eth_account import Account
from web3 import AsyncHTTPProvider, AsyncWeb3, WebSocketProvider

from tests.rpc.devnode import DEV_ADDRESS, DEV_CHAIN_ID, DEV_KEY, INIT_CODE, LOG_TOPIC, dev_node

TIMEOUT = 20


async def _send(w3: AsyncWeb3, tx: dict[str, Any]) -> Any:
    """Fill nonce, fees and gas the way a wallet does, sign with the dev key, wait."""
    tx = {"from": DEV_ADDRESS, "chainId": DEV_CHAIN_ID, **tx}
    tx["nonce"] = await w3.eth.get_transaction_count(DEV_ADDRESS, "pending")
    tx["maxPriorityFeePerGas"] = await w3.eth.max_priority_fee
    latest = await w3.eth.get_block("latest")
    tx["maxFeePerGas"] = 2 * latest["baseFeePerGas"] + tx["maxPriorityFeePerGas"]
    tx["gas"] = await w3.eth.estimate_gas(tx)
    signed = Account.sign_transaction(tx, DEV_KEY)
    tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
    return await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=TIMEOUT, poll_latency=0.1)


async def _scenario(http_url: str, ws_url: str) -> None:
    w3 = AsyncWeb3(AsyncHTTPProvider(http_url))
    assert await w3.eth.chain_id == DEV_CHAIN_ID
    genesis = await w3.eth.get_block(0)
    assert genesis["number"] == 0 and len(genesis["hash"]) == 32
    assert await w3.eth.get_balance(DEV_ADDRESS) == 10_000 * 10**18

    created = await _send(w3, {"data": INIT_CODE})
    assert created["status"] == 1
    contract = created["contractAddress"]
    assert (await w3.eth.get_code(contract)).hex().endswith("60206000f3")
    # eth_call returns the word 42; estimateGas covers the call plus its log.
    assert int.from_bytes(await w3.eth.call({"to": contract, "data": "0x"}), "big") == 42
    assert await w3.eth.estimate_gas({"from": DEV_ADDRESS, "to": contract}) > 21_000

    async with AsyncWeb3(WebSocketProvider(ws_url)) as ws:
        heads_id = await ws.eth.subscribe("newHeads")
        logs_id = await ws.eth.subscribe("logs", {"address": contract})
        receipt = await _send(w3, {"to": contract, "data": "0x"})
        assert receipt["status"] == 1 and len(receipt["logs"]) == 1
        heads: list[Any] = []
        logs: list[Any] = []
        async with asyncio.timeout(TIMEOUT):
            async for message in ws.socket.process_subscriptions():
                target = heads if message["subscription"] == heads_id else logs
                target.append(message["result"])
                if any(h["number"] == receipt["blockNumber"] for h in heads) and logs:
                    break
        assert logs[0]["topics"][0].to_0x_hex() == LOG_TOPIC
        assert logs[0]["transactionHash"] == receipt["transactionHash"]
        assert await ws.eth.unsubscribe(heads_id) and await ws.eth.unsubscribe(logs_id)

    found = await w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": contract})
    assert [log["transactionHash"] for log in found] == [receipt["transactionHash"]]
    assert int.from_bytes(found[0]["data"], "big") == 42
    block = await w3.eth.get_block(receipt["blockNumber"], full_transactions=True)
    assert block["transactions"][0]["hash"] == receipt["transactionHash"]
    assert await w3.eth.get_balance(DEV_ADDRESS) < 10_000 * 10**18


def test_web3_end_to_end() -> None:
    with dev_node() as node:
        asyncio.run(_scenario(node.http_url, node.ws_url))
