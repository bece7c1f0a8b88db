"""Metrics: the exposition format, the RPC timing wrapper (signature and @blocking kept, errors
counted, histogram cumulative), rates since the previous scrape, and the endpoint itself. Also
``--http.api``/``--ws.api`` namespace selection."""

import asyncio
import http.client
import inspect
from typing import Any

import aiohttp
import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.dev import dev_genesis
from ethrex.rpc.api import parse_namespaces, rpc_handlers
from ethrex.rpc.errors import RpcError
from ethrex.rpc.metrics import Metrics, MetricsServer, RpcStats, instrument
from ethrex.rpc.server import RpcServer, blocking
from ethrex.storage import Store
from tests.unit.rpc.dev_chain import make_node


def test_instrument_times_every_call_and_keeps_what_the_server_reads() -> None:
    stats = RpcStats()

    @blocking
    def slow(a: int, b: int = 0) -> int:
        return a + b

    async def fails() -> None:
        raise RpcError(-32000, "no")

    handlers = instrument({"x_slow": slow, "x_fails": fails}, stats)
    assert getattr(handlers["x_slow"], "rpc_blocking", False)
    assert str(inspect.signature(handlers["x_slow"])) == "(a: int, b: int = 0) -> int"
    assert handlers["x_slow"](1, 2) == 3
    with pytest.raises(RpcError):
        asyncio.run(handlers["x_fails"]())
    lines = "\n".join(stats.lines())
    assert 'ethrex_rpc_requests_total{method="x_slow"} 1' in lines
    assert 'ethrex_rpc_errors_total{method="x_fails"} 1' in lines
    assert 'ethrex_rpc_errors_total{method="x_slow"} 0' in lines
    assert 'ethrex_rpc_request_duration_seconds_bucket{method="x_slow",le="+Inf"} 1' in lines
    stats.observe("x_slow", 0.3, False)
    lines = "\n".join(stats.lines())
    assert 'ethrex_rpc_request_duration_seconds_bucket{method="x_slow",le="0.25"} 1' in lines
    assert 'ethrex_rpc_request_duration_seconds_bucket{method="x_slow",le="0.5"} 2' in lines


def test_render_and_rates_since_the_previous_scrape() -> None:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    now = [0.0]
    metrics = Metrics(chain, None, "dev", clock=lambda: now[0])
    chain.imported = (10, 21_000_000)
    now[0] = 2.0
    text = metrics.render()
    assert 'ethrex_info{network="dev"} 1' in text
    assert "ethrex_head_block_number 0\n" in text
    assert "ethrex_blocks_imported_total 10\n" in text
    assert "ethrex_import_blocks_per_second 5.0\n" in text
    assert "ethrex_import_mgas_per_second 10.5\n" in text
    assert "# TYPE ethrex_mempool_transactions gauge" in text
    now[0] = 2.5  # within a second: the same figures
    assert "ethrex_import_blocks_per_second 5.0\n" in metrics.render()
    now[0] = 4.5
    assert "ethrex_import_blocks_per_second 0.0\n" in metrics.render()


def test_the_endpoint_serves_metrics_and_nothing_else() -> None:
    chain = Blockchain.open(Store.in_memory(), dev_genesis())
    server = MetricsServer(Metrics(chain), "127.0.0.1", 0)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/metrics")
        reply = conn.getresponse()
        assert reply.status == 200 and b"ethrex_head_block_number 0" in reply.read()
        conn.request("GET", "/other")
        assert conn.getresponse().status == 404
    finally:
        server.stop()


def test_namespaces_choose_the_methods() -> None:
    ctx, _ = make_node()
    assert parse_namespaces("eth, net") == ("eth", "net")
    with pytest.raises(ValueError, match="unknown namespace foo"):
        parse_namespaces("eth,foo")
    everything = rpc_handlers(ctx)
    assert "testing_buildBlockV1" not in everything and "debug_traceTransaction" in everything
    eth_only = rpc_handlers(ctx, ("eth",))
    assert eth_only and all(name.startswith("eth_") for name in eth_only)
    assert "testing_buildBlockV1" in rpc_handlers(ctx, ("eth", "testing"))


async def _http_and_ws(server: RpcServer) -> tuple[Any, Any]:
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            request = {"jsonrpc": "2.0", "id": 1, "method": "net_version", "params": []}
            async with session.post(server.url, json=request) as resp:
                over_http = await resp.json()
            async with session.ws_connect(f"ws://127.0.0.1:{server.port}") as ws:
                await ws.send_json(request)
                over_ws = await ws.receive_json()
        return over_http, over_ws
    finally:
        await server.stop()


def test_ws_api_restricts_websocket_clients_only() -> None:
    ctx, _ = make_node()
    server = RpcServer(rpc_handlers(ctx), "127.0.0.1", 0,
                       ws_handlers=rpc_handlers(ctx, ("eth",)))
    over_http, over_ws = asyncio.run(_http_and_ws(server))
    assert "result" in over_http
    assert over_ws["error"]["code"] == -32601
