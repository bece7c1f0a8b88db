"""eth_subscribe over a live server on a dev chain (issue 12, finding 4): subscriptions are
capped per connection and in all, freed with their connection, and driven by the chain's and the
pool's events: no task or poll per subscription, notifications for every new head, log and
pending transaction."""

import asyncio
import time
from dataclasses import replace
from typing import Any

import aiohttp
import orjson
import pytest

from ethrex.rpc.api import rpc_handlers
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.connections import Connection, set_current_connection
from ethrex.rpc.errors import RpcError
from ethrex.rpc.limits import DEFAULT_LIMITS
from ethrex.rpc.server import RpcServer
from ethrex.rpc.subscriptions import SubscriptionHandlers
from tests.unit.rpc.serving import with_server
from ethrex.types.transactions import transaction_hash
from tests.unit.rpc.dev_chain import build, fc_state, make_node, new_payload_params, transfer


def _req(method: str, params: list[Any], req_id: int = 1) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": req_id, "method": method, "params": params})


async def _rpc(ws: aiohttp.ClientWebSocketResponse, method: str, *params: Any) -> Any:
    await ws.send_bytes(_req(method, list(params)))
    while True:
        reply = orjson.loads((await ws.receive(timeout=5)).data)
        if "id" in reply:
            return reply


async def _serve(ctx: Any, fn: Any) -> Any:
    return await with_server(rpc_handlers(ctx), fn, limits=ctx.limits)


def test_caps_per_connection_and_in_all_and_freed_on_close() -> None:
    ctx, _ = make_node()
    ctx.limits = replace(DEFAULT_LIMITS, max_subscriptions_per_connection=3,
                         max_subscriptions=5)

    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url) as a:
            ids = [(await _rpc(a, "eth_subscribe", "newHeads"))["result"] for _ in range(3)]
            over = await _rpc(a, "eth_subscribe", "newHeads")
            assert over["error"]["code"] == -32005 and "connection" in over["error"]["message"]
            async with session.ws_connect(server.url) as b:
                for _ in range(2):
                    assert "result" in await _rpc(b, "eth_subscribe", "logs", {})
                full = await _rpc(b, "eth_subscribe", "newPendingTransactions")
                assert full["error"]["code"] == -32005 and "node" in full["error"]["message"]
                assert (await _rpc(a, "eth_unsubscribe", ids[0]))["result"] is True
                assert (await _rpc(b, "eth_unsubscribe", ids[1]))["result"] is False  # not b's
                assert "result" in await _rpc(b, "eth_subscribe", "syncing")
            await asyncio.sleep(0.2)  # b closed: its three are gone
            for _ in range(1):
                assert "result" in await _rpc(a, "eth_subscribe", "newHeads")
            assert (await _rpc(a, "eth_subscribe", "newHeads"))["error"]["code"] == -32005

    asyncio.run(_serve(ctx, go))


def test_no_task_or_polling_per_subscription() -> None:
    """Finding 4: each subscription polled the head every 50 ms; 10k took a whole core."""
    ctx, _ = make_node()
    ctx.limits = replace(DEFAULT_LIMITS, max_subscriptions_per_connection=2000)

    async def go(server: RpcServer, session: aiohttp.ClientSession) -> float:
        async with session.ws_connect(server.url) as ws:
            await _rpc(ws, "eth_subscribe", "newHeads")
            tasks = len(asyncio.all_tasks())
            for size in (1000, 999):  # the batch limit is 1,000
                batch = b"[" + b",".join(_req("eth_subscribe", ["newHeads"], i)
                                         for i in range(size)) + b"]"
                await ws.send_bytes(batch)
                replies = orjson.loads((await ws.receive(timeout=10)).data)
                assert all("result" in r for r in replies) and len(replies) == size
            assert len(asyncio.all_tasks()) == tasks
            started = time.process_time()
            await asyncio.sleep(1.0)  # an idle chain
            return time.process_time() - started

    cpu = asyncio.run(_serve(ctx, go))
    assert cpu < 0.2, f"{cpu:.2f} s of CPU in 1 s with 2,000 idle subscriptions"


def test_heads_logs_and_pending_transactions_are_notified() -> None:
    ctx, api = make_node()

    def produce(timestamp: int) -> str:
        head = "0x" + ctx.chain.head_header().hash().hex()
        env = build(api, head, timestamp)
        assert api.new_payload(4, new_payload_params(env))["status"] == "VALID"
        block_hash = env["executionPayload"]["blockHash"]
        api.forkchoice_updated(3, [fc_state(block_hash)])
        return str(block_hash)

    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        loop = asyncio.get_running_loop()
        async with session.ws_connect(server.url) as ws:
            heads = (await _rpc(ws, "eth_subscribe", "newHeads"))["result"]
            pending = (await _rpc(ws, "eth_subscribe", "newPendingTransactions"))["result"]
            tx = transfer(0, 0)
            ctx.mempool.add(tx)  # the pool tells the subscription
            msg = orjson.loads((await ws.receive(timeout=5)).data)["params"]
            assert msg == {"subscription": pending, "result": "0x" + transaction_hash(tx).hex()}
            first = await loop.run_in_executor(ctx.executor, produce, 100)
            second = await loop.run_in_executor(ctx.executor, produce, 112)
            got = []
            while len(got) < 2:
                msg = orjson.loads((await ws.receive(timeout=5)).data)["params"]
                assert msg["subscription"] == heads
                got.append(msg["result"]["hash"])
            assert got == [first, second]

    asyncio.run(_serve(ctx, go))


def test_a_dropped_connection_keeps_no_subscription() -> None:
    """A batch of subscribes still being answered when its client is dropped must not leave
    subscriptions behind (they would count against the node's cap for ever)."""
    ctx, _ = make_node()
    subs = SubscriptionHandlers(ChainView(ctx))

    async def go() -> None:
        conn = Connection(1024)
        set_current_connection(conn)
        await subs.subscribe("newHeads")
        await subs.subscribe("logs", {})
        assert subs.count() == 2
        conn.close("dropped")
        assert subs.count() == 0
        with pytest.raises(RpcError):
            await subs.subscribe("newHeads")
        assert subs.count() == 0

    asyncio.run(go())
