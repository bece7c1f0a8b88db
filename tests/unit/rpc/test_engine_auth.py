"""The Engine API behind RpcServer's JWT check on loopback: no token, a bad or a stale one
gets HTTP 401; a fresh token reaches the handlers (execution-apis authentication.md)."""

import asyncio
import time
from typing import Any

import aiohttp

from ethrex.rpc.engine import engine_handlers
from ethrex.rpc.server import RpcServer, make_jwt
from tests.unit.rpc.dev_chain import make_node

SECRET = bytes(range(32))


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any],
                token: str | None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with session.post(url, json=body, headers=headers) as r:
        return r.status, (await r.json() if r.status == 200 else await r.text())


async def _scenario() -> dict[str, Any]:
    ctx, api = make_node()
    server = RpcServer(engine_handlers(api, ctx.executor), "127.0.0.1", 0, jwt_secret=SECRET)
    await server.start()
    body = {"jsonrpc": "2.0", "id": 1, "method": "engine_exchangeCapabilities",
            "params": [["engine_newPayloadV4"]]}
    out: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession() as session:
            out["missing"] = await _post(session, server.url, body, None)
            out["bad"] = await _post(session, server.url, body, make_jwt(b"x" * 32))
            out["stale"] = await _post(session, server.url, body,
                                       make_jwt(SECRET, int(time.time()) - 120))
            out["garbage"] = await _post(session, server.url, body, "not.a.jwt")
            out["good"] = await _post(session, server.url, body, make_jwt(SECRET))
            head = "0x" + ctx.chain.head_header().hash().hex()
            fcu = {"jsonrpc": "2.0", "id": 2, "method": "engine_forkchoiceUpdatedV3",
                   "params": [{"headBlockHash": head, "safeBlockHash": head,
                               "finalizedBlockHash": head}, None]}
            out["fcu"] = await _post(session, server.url, fcu, make_jwt(SECRET))
    finally:
        await server.stop()
    return out


def test_jwt_guards_the_engine_port() -> None:
    out = asyncio.run(_scenario())
    for case in ("missing", "bad", "stale", "garbage"):
        assert out[case][0] == 401, case
    status, reply = out["good"]
    assert status == 200 and "engine_newPayloadV4" in reply["result"]
    status, reply = out["fcu"]
    assert status == 200 and reply["result"]["payloadStatus"]["status"] == "VALID"
