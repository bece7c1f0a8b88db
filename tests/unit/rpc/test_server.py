"""RpcServer over loopback: JSON-RPC 2.0 framing, errors, limits, JWT, CORS/vhosts, content
types, WebSocket origins and notifications (issue 12, finding 7)."""

import asyncio
import time
from dataclasses import replace
from typing import Any

import aiohttp
import orjson

from ethrex.rpc.connections import current_connection, notification
from ethrex.rpc.errors import RpcError, reverted
from ethrex.rpc.limits import DEFAULT_LIMITS
from ethrex.rpc.server import RpcServer, make_jwt, verify_jwt
from tests.unit.rpc.serving import with_server

SECRET = b"secretsecretsecretsecretsecretse"
CALLS: list[Any] = []  # what the "echo" handler saw


def _handlers() -> dict[str, Any]:
    async def subscribe() -> str:
        conn = current_connection()
        assert conn is not None

        def pump() -> None:  # after the reply, as a subscription's events come
            for i in range(3):
                conn.send(notification("0x1", orjson.dumps(i)))

        asyncio.get_running_loop().call_soon(pump)
        return "0x1"

    def echo(a: Any, b: Any = None) -> list[Any]:
        CALLS.append(a)
        return [a, b]

    def fail() -> None:
        raise reverted(bytes.fromhex("08c379a0" + "20".rjust(64, "0") + "4".rjust(64, "0")
                                     + b"nope".hex().ljust(64, "0")))

    def boom() -> None:
        raise ZeroDivisionError

    return {
        "echo": echo,
        "fail": fail,
        "boom": boom,
        "bad": lambda: (_ for _ in ()).throw(RpcError(-32602, "bad param")),
        "sub": subscribe,
    }


async def _with_server(fn: Any, **kwargs: Any) -> Any:
    return await with_server(_handlers(), fn, **kwargs)


async def _post(session: aiohttp.ClientSession, server: RpcServer, body: bytes | str,
                **headers: str) -> tuple[int, Any]:
    async with session.post(server.url, data=body,
                            headers={"Content-Type": "application/json", **headers}) as r:
        raw = await r.read()
        try:
            return r.status, orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return r.status, raw


def _req(method: str, params: list[Any] | None = None, req_id: Any = 1) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": req_id, "method": method,
                         "params": params or []})


def test_errors_and_server_stays_up() -> None:
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        assert (await _post(s, server, b"{not json"))[1]["error"]["code"] == -32700
        assert (await _post(s, server, b"[]"))[1]["error"]["code"] == -32600
        assert (await _post(s, server, b'{"id":1}'))[1]["error"]["code"] == -32600
        assert (await _post(s, server, _req("nope")))[1]["error"]["code"] == -32601
        assert (await _post(s, server, _req("echo")))[1]["error"]["code"] == -32602
        assert (await _post(s, server, _req("echo", [1, 2, 3])))[1]["error"]["code"] == -32602
        assert (await _post(s, server, _req("bad")))[1]["error"]["code"] == -32602
        err = (await _post(s, server, _req("fail")))[1]["error"]
        assert err["code"] == 3 and err["message"] == "execution reverted: nope"
        assert err["data"].startswith("0x08c379a0")
        assert (await _post(s, server, _req("boom")))[1]["error"]["code"] == -32603
        status, reply = await _post(s, server, _req("echo", ["x"]))
        assert status == 200 and reply == {"jsonrpc": "2.0", "id": 1, "result": ["x", None]}

    asyncio.run(_with_server(go))


def test_batches_and_limits() -> None:
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        batch = b"[" + b",".join(_req("echo", [i], i) for i in range(5)) + b"]"
        _, reply = await _post(s, server, batch)
        assert [r["result"][0] for r in reply] == list(range(5))
        notification = orjson.dumps({"jsonrpc": "2.0", "method": "echo", "params": [1]})
        assert (await _post(s, server, notification))[1] is None
        huge = b"[" + b",".join(_req("echo", [i], i) for i in range(11)) + b"]"
        _, reply = await _post(s, server, huge)
        assert reply["error"]["code"] == -32600 and "batch too large" in reply["error"]["message"]
        status, reply = await _post(s, server, _req("echo", ["x" * 5000]))
        assert status == 413 and "too large" in reply["error"]["message"]
        assert (await _post(s, server, _req("echo", [1])))[1]["result"] == [1, None]

    asyncio.run(_with_server(go, limits=replace(DEFAULT_LIMITS, batch_request_limit=10,
                                                max_request_size=4096)))


def test_jwt() -> None:
    now = int(time.time())
    assert verify_jwt(make_jwt(SECRET, now), SECRET) is None
    assert verify_jwt(make_jwt(SECRET, now - 61), SECRET) is not None
    assert verify_jwt(make_jwt(SECRET, now + 61), SECRET) is not None
    assert verify_jwt(make_jwt(b"x" * 32, now), SECRET) is not None
    assert verify_jwt("a.b", SECRET) is not None

    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        assert (await _post(s, server, _req("echo", [1])))[0] == 401
        stale = make_jwt(SECRET, now - 120)
        assert (await _post(s, server, _req("echo", [1]), Authorization=f"Bearer {stale}"))[0] \
            == 401
        status, reply = await _post(s, server, _req("echo", [1]),
                                    Authorization=f"Bearer {make_jwt(SECRET)}")
        assert status == 200 and reply["result"] == [1, None]

    asyncio.run(_with_server(go, jwt_secret=SECRET))


def test_cors_and_vhosts() -> None:
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        async with s.post(server.url, data=_req("echo", [1]),
                          headers={"Origin": "https://app.example",
                                   "Content-Type": "application/json"}) as r:
            assert r.headers.get("Access-Control-Allow-Origin") == "https://app.example"
        async with s.post(server.url, data=_req("echo", [1]),
                          headers={"Origin": "https://evil.example",
                                   "Content-Type": "application/json"}) as r:
            assert "Access-Control-Allow-Origin" not in r.headers
        async with s.options(server.url, headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"}) as r:
            assert r.status == 403 and "Access-Control-Allow-Origin" not in r.headers
        async with s.options(server.url, headers={"Origin": "https://app.example",
                                                  "Access-Control-Request-Method": "POST"}) as r:
            assert r.headers.get("Access-Control-Allow-Origin") == "https://app.example"
        async with s.post(server.url, data=_req("echo", [1]),
                          headers={"Host": "evil.example", "Content-Type": "application/json"}
                          ) as r:
            assert r.status == 403
        async with s.post(server.url, data=_req("echo", [1]),
                          headers={"Host": "localhost", "Content-Type": "application/json"}) as r:
            assert r.status == 200

    asyncio.run(_with_server(go, cors=["https://app.example"]))


def test_only_json_requests_run() -> None:
    """A web page can POST text/plain (or a form) to a local node without a CORS preflight:
    such a request is refused with 415 before anything runs, as geth does."""
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        CALLS.clear()
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", None):
            headers = {"Origin": "https://evil.example"}
            if content_type is not None:
                headers["Content-Type"] = content_type
            async with s.post(server.url, data=_req("echo", ["csrf"]), headers=headers) as r:
                assert r.status == 415, content_type
                assert "application/json" in await r.text()
        assert CALLS == []  # nothing ran
        for content_type in ("application/json", "application/json; charset=utf-8",
                             "application/json-rpc", "application/jsonrequest"):
            async with s.post(server.url, data=_req("echo", ["ok"]),
                              headers={"Content-Type": content_type}) as r:
                assert r.status == 200, content_type
        assert CALLS == ["ok"] * 4

    asyncio.run(_with_server(go))


def test_websocket_origins() -> None:
    """Browsers do not apply CORS to WebSockets: the server checks the Origin itself
    (``--ws.origins``; by default only localhost pages, as geth)."""
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        for origin, allowed in (("https://evil.example", False), ("http://localhost:3000", True),
                                ("http://localhost", True), (None, True)):
            headers = {} if origin is None else {"Origin": origin}
            try:
                async with s.ws_connect(server.url, headers=headers) as ws:
                    await ws.send_bytes(_req("echo", [1]))
                    assert orjson.loads((await ws.receive()).data)["result"] == [1, None]
                    opened = True
            except aiohttp.WSServerHandshakeError as exc:
                assert exc.status == 403
                opened = False
            assert opened == allowed, origin

    asyncio.run(_with_server(go))

    async def listed(server: RpcServer, s: aiohttp.ClientSession) -> None:
        async with s.ws_connect(server.url, headers={"Origin": "https://app.example"}) as ws:
            await ws.send_bytes(_req("echo", [2]))
            assert orjson.loads((await ws.receive()).data)["result"] == [2, None]

    asyncio.run(_with_server(listed, ws_origins=["https://app.example"]))


def test_websocket_requests_and_notifications() -> None:
    async def go(server: RpcServer, s: aiohttp.ClientSession) -> None:
        async with s.ws_connect(server.url) as ws:
            await ws.send_bytes(_req("echo", [7]))
            assert orjson.loads((await ws.receive()).data)["result"] == [7, None]
            await ws.send_str("garbage")
            assert orjson.loads((await ws.receive()).data)["error"]["code"] == -32700
            await ws.send_bytes(_req("sub"))
            assert orjson.loads((await ws.receive()).data)["result"] == "0x1"
            got = [orjson.loads((await ws.receive()).data)["params"]["result"] for _ in range(3)]
            assert got == [0, 1, 2]

    asyncio.run(_with_server(go))
