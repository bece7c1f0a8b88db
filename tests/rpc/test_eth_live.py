"""eth_* over a live server on the rpc-compat chain: bad params, unknown blocks, and a
WebSocket newHeads + logs subscription that sees a block imported while it is open."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import orjson

from ethrex.blockchain.blockchain import Blockchain
from ethrex.rpc.api import rpc_handlers
from ethrex.rpc.context import node_context
from ethrex.rpc.server import RpcServer
from ethrex.storage import Store
from ethrex.types.block import decode_blocks
from ethrex.types.genesis import load_genesis
from tests.fixtures_root import fixtures_root


def _req(method: str, params: list[Any]) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})


def test_errors_and_subscriptions() -> None:
    root = fixtures_root() / "rpc-compat"
    chain = Blockchain.open(Store.in_memory(), load_genesis(root / "genesis.json"))
    blocks = decode_blocks((root / "chain.rlp").read_bytes())
    for block in blocks[:-1]:
        chain.add_block(block)
    chain.forkchoice_update(blocks[-2].header.hash())
    ctx = node_context(chain, ThreadPoolExecutor(1))  # reads only: no thread starts

    async def go() -> None:
        server = RpcServer(rpc_handlers(ctx), "127.0.0.1", 0)
        await server.start()
        try:
            async with aiohttp.ClientSession() as s:
                async def call(method: str, params: list[Any]) -> Any:
                    async with s.post(server.url, data=_req(method, params),
                                      headers={"Content-Type": "application/json"}) as r:
                        return orjson.loads(await r.read())

                assert (await call("eth_getBalance", ["0x12", "latest"]))["error"]["code"] \
                    == -32602
                assert (await call("eth_getBalance", [12, "latest"]))["error"]["code"] == -32602
                unknown = await call("eth_getBalance", ["0x" + "00" * 20, "0x999"])
                assert unknown["error"]["code"] == -32000
                assert (await call("eth_getBlockByNumber", ["0x999", False]))["result"] is None
                assert (await call("eth_getBlockByNumber", ["latest", "yes"]))["error"][
                    "code"] == -32602
                async with s.ws_connect(server.url) as ws:
                    await ws.send_bytes(_req("eth_subscribe", ["newHeads"]))
                    heads = orjson.loads((await ws.receive()).data)["result"]
                    await ws.send_bytes(_req("eth_subscribe", ["logs", {}]))
                    logs = orjson.loads((await ws.receive()).data)["result"]
                    last = blocks[-1]
                    chain.add_block(last)
                    chain.forkchoice_update(last.header.hash())
                    seen: dict[str, list[Any]] = {heads: [], logs: []}
                    want_logs = sum(len(r.logs) for r in chain.store.get_receipts(
                        last.header.hash()) or [])
                    while not seen[heads] or len(seen[logs]) < want_logs:
                        msg = orjson.loads((await asyncio.wait_for(ws.receive(), 5)).data)
                        seen[msg["params"]["subscription"]].append(msg["params"]["result"])
                    assert seen[heads][0]["hash"] == "0x" + last.header.hash().hex()
                    assert all(item["blockNumber"] == hex(last.header.number)
                               for item in seen[logs])
                    assert want_logs > 0
        finally:
            await server.stop()

    asyncio.run(go())
