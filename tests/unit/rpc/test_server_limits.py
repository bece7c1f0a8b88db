"""RpcServer's limits on loopback (issue 12, findings 3, 5 and 6): a connection cap per port,
header, body and keep-alive timeouts, a bounded send queue per WebSocket that drops a client that
does not read, the time budget of ``@blocking`` calls (per call and per request), and a
server stop that aborts the calls in progress."""

import asyncio
import time
from dataclasses import replace
from typing import Any

import aiohttp
import orjson

from ethrex.evm.errors import ExecutionAborted
from ethrex.rpc.connections import Connection, SendQueues, current_connection, notification
from ethrex.rpc.limits import DEFAULT_LIMITS, RpcLimits
from ethrex.rpc.server import RpcServer, blocking, current_abort, tracing
from tests.unit.rpc.serving import with_server

JSON = {"Content-Type": "application/json"}


def _spin(seconds: float = 60.0) -> str:
    """EVM work as the server sees it: runs until its abort signal is set (the interpreter
    checks it at jumps), or for ``seconds``."""
    signal = current_abort()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if signal.requested:
            raise ExecutionAborted(signal.reason)
    return "done"


def _handlers() -> dict[str, Any]:
    async def flood(count: int, size: int) -> str:
        """Push ``count`` notifications of ``size`` bytes to this WebSocket."""
        conn = current_connection()
        assert conn is not None
        payload = orjson.dumps("x" * size)
        for _ in range(count):
            conn.send(notification("0x1", payload))
            await asyncio.sleep(0)
        return "0x1"

    return {"echo": lambda a: a, "flood": flood, "big": lambda n: "x" * n,
            "spin": blocking(lambda seconds=60.0: _spin(seconds)),
            "trace": tracing(lambda seconds=60.0: _spin(seconds))}


def _req(method: str, params: list[Any], req_id: int = 1) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": req_id, "method": method, "params": params})


async def _serving(limits: RpcLimits, fn: Any) -> Any:
    return await with_server(_handlers(), fn, limits=limits)


async def _call(session: aiohttp.ClientSession, server: RpcServer, body: bytes) -> Any:
    async with session.post(server.url, data=body, headers=JSON) as r:
        return orjson.loads(await r.read())


async def _open_idle(server: RpcServer, count: int
                     ) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    conns = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(count)]
    await asyncio.sleep(0.2)  # accepted
    return conns


async def _closed_by_peer(reader: asyncio.StreamReader) -> bool:
    """Whether the server closed (or refused) the connection, within 50 ms."""
    try:
        data = await asyncio.wait_for(reader.read(4096), 0.05)
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 503")


def test_connection_cap_refuses_the_excess_and_frees_slots() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        idle = await _open_idle(server, 3)
        assert server.connections == 3
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        refused = await asyncio.wait_for(reader.read(), 2)  # at once, then closed
        assert refused.startswith(b"HTTP/1.1 503") and refused.endswith(b"too many connections\n")
        writer.close()
        for _, w in idle:
            w.close()
        await asyncio.sleep(0.2)
        assert server.connections == 0
        assert (await _call(session, server, _req("echo", [5])))["result"] == 5

    asyncio.run(_serving(replace(DEFAULT_LIMITS, max_connections=3), go))


def test_header_timeout_closes_silent_and_half_sent_connections() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        (silent, w1), (partial, w2) = await _open_idle(server, 2)
        w2.write(b"POST / HTTP/1.1\r\nHost: localhost\r\n")  # and never the rest
        await asyncio.sleep(0.05)
        assert not await _closed_by_peer(silent) and not await _closed_by_peer(partial)
        await asyncio.sleep(0.6)
        assert await _closed_by_peer(silent) and await _closed_by_peer(partial)
        assert server.connections == 0
        w1.close()
        w2.close()
        # A client that sends its request in time is served on a keep-alive connection.
        assert (await _call(session, server, _req("echo", [1])))["result"] == 1
        await asyncio.sleep(0.6)
        assert server.connections == 1
        assert (await _call(session, server, _req("echo", [2])))["result"] == 2

    limits = replace(DEFAULT_LIMITS, header_timeout=0.4, idle_timeout=5)
    asyncio.run(_serving(limits, go))


def test_idle_keep_alive_is_closed() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        assert (await _call(session, server, _req("echo", [1])))["result"] == 1
        assert server.connections == 1
        await asyncio.sleep(1.5)  # aiohttp rounds the keep-alive timer up to a second
        assert server.connections == 0

    asyncio.run(_serving(replace(DEFAULT_LIMITS, idle_timeout=0.5), go))


def test_slow_body_is_refused_after_the_read_timeout() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"jsonrpc\"")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 3)
        assert status.startswith(b"HTTP/1.1 408"), status
        writer.close()

    asyncio.run(_serving(replace(DEFAULT_LIMITS, read_timeout=0.3), go))


def test_a_websocket_client_that_does_not_read_is_dropped_and_freed() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        # A WebSocket handshake by hand, then one request, then never read again.
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        body = _req("flood", [20_000, 10_000])  # 200 MB of notifications
        mask = b"\x00\x00\x00\x00"
        writer.write(bytes([0x81, 0xFE]) + len(body).to_bytes(2, "big") + mask + body)
        await writer.drain()
        await asyncio.sleep(3)
        assert server.connections == 0  # dropped: a few MB queued at most, then freed
        writer.close()
        async with session.ws_connect(server.url) as ws:  # others are served
            await ws.send_bytes(_req("echo", [3]))
            assert orjson.loads((await ws.receive(timeout=3)).data)["result"] == 3

    asyncio.run(_serving(replace(DEFAULT_LIMITS, ws_send_queue_size=1024 * 1024), go))


def test_a_reading_websocket_client_gets_every_notification() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(server.url) as ws:
            await ws.send_bytes(_req("flood", [2000, 1000]))
            got = 0
            while got < 2001:
                msg = await ws.receive(timeout=5)
                assert msg.type == aiohttp.WSMsgType.TEXT
                got += 1
            assert server.connections == 1

    asyncio.run(_serving(replace(DEFAULT_LIMITS, ws_send_queue_size=1024 * 1024), go))


def test_blocking_calls_are_aborted_after_the_evm_timeout() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        started = time.monotonic()
        reply = await _call(session, server, _req("spin", []))
        assert reply["error"] == {"code": -32000, "message": "execution aborted (timeout = 0.3s)"}
        assert time.monotonic() - started < 2
        assert (await _call(session, server, _req("spin", [0.05])))["result"] == "done"

    asyncio.run(_serving(replace(DEFAULT_LIMITS, evm_timeout=0.3), go))


def test_a_batch_shares_the_request_timeout() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        batch = b"[" + b",".join(_req("spin", [], i) for i in range(5)) + b"]"
        started = time.monotonic()
        replies = await _call(session, server, batch)
        assert time.monotonic() - started < 2.5
        errors = [r["error"] for r in replies]
        assert errors[0]["message"] == "execution aborted (timeout = 0.5s)"
        assert errors[1]["message"] == "request timed out"  # the rest of the 0.8 s
        assert errors[2:] == [{"code": -32002, "message": "request timed out"}] * 3  # not run

    limits = replace(DEFAULT_LIMITS, evm_timeout=0.5, request_timeout=0.8)
    asyncio.run(_serving(limits, go))


def test_stop_aborts_the_calls_in_progress() -> None:
    async def go() -> float:
        server = RpcServer(_handlers(), "127.0.0.1", 0)
        await server.start()
        async with aiohttp.ClientSession() as session:
            call = asyncio.ensure_future(_call(session, server, _req("spin", [])))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            await server.stop()
            try:
                await call
            except aiohttp.ClientError:
                pass
        return time.monotonic() - started

    assert asyncio.run(go()) < 3  # the default budget is 5 s, the call 60 s


def test_response_size_cap() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        reply = await _call(session, server, _req("big", [2000]))
        assert reply["error"]["code"] == -32005 and "response too large" in \
            reply["error"]["message"]
        assert (await _call(session, server, _req("big", [10])))["result"] == "x" * 10

    asyncio.run(_serving(replace(DEFAULT_LIMITS, max_response_size=1000), go))


def test_all_send_queues_together_drop_the_client_furthest_behind() -> None:
    queues = SendQueues(250)
    a, b, c = (Connection(100, None, queues) for _ in range(3))
    a.send(b"x" * 90)
    b.send(b"x" * 60)
    c.send(b"x" * 80)
    assert queues.total == 230 and not any(conn.closed for conn in (a, b, c))
    b.send(b"x" * 25)  # 255 in all: a is furthest behind, not b who sent last
    assert a.closed and not b.closed and not c.closed and queues.total == 165
    c.sent(b"x" * 80)
    assert queues.total == 85 and queues.open == {b, c}
    c.send(b"x" * 101)  # over its own limit
    assert c.closed and queues.total == 85


def test_a_client_that_goes_away_stops_its_call() -> None:
    """Finding 3: clients gave up after 5 s, the node kept executing their calls."""
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        for _ in range(3):  # three impatient clients, one worker
            try:
                async with session.post(server.url, data=_req("spin", []), headers=JSON,
                                        timeout=aiohttp.ClientTimeout(total=0.3)) as r:
                    await r.read()
            except TimeoutError:
                pass
        started = time.monotonic()
        assert (await _call(session, server, _req("spin", [0.05])))["result"] == "done"
        assert time.monotonic() - started < 2  # not behind 3 x 30 s of abandoned work

    asyncio.run(_serving(replace(DEFAULT_LIMITS, evm_workers=1, evm_timeout=30), go))


def test_traces_do_not_hold_up_calls() -> None:
    async def go(server: RpcServer, session: aiohttp.ClientSession) -> None:
        traces = [asyncio.ensure_future(_call(session, server, _req("trace", [], i)))
                  for i in range(3)]
        await asyncio.sleep(0.2)
        started = time.monotonic()
        assert (await _call(session, server, _req("spin", [0.05])))["result"] == "done"
        assert time.monotonic() - started < 1
        for reply in await asyncio.gather(*traces):
            assert reply["error"]["message"] in ("execution aborted (timeout = 1s)",
                                                 "request timed out")

    limits = replace(DEFAULT_LIMITS, evm_workers=1, max_tracing_requests=1, evm_timeout=1,
                     request_timeout=2.5)
    asyncio.run(_serving(limits, go))
