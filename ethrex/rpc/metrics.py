"""Prometheus metrics (``--metrics``, ``--metrics.addr``, ``--metrics.port``): ``GET /metrics``
in the text exposition format (version 0.0.4).

The figures: the head block number; blocks and gas imported (counters, from
``Blockchain.add_block``) and the import rate since the previous scrape (blocks/s, Mgas/s);
the transactions in the pool; the peers; the store's size on disk; JSON-RPC requests, errors
and latency per method (a histogram). Gauges are read from the node's objects when scraped.

Written out rather than taken from ``prometheus_client``: the format is a line per sample, the
node needs three kinds of metric, and reading its objects at scrape time needs no process-wide
registry. The server is the standard library's, on its own thread, so a scrape is answered
while a chain imports (before the event loop runs) as well as while the node serves.
"""

import functools
import inspect
import logging
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.rpc.context import NodeContext

log = logging.getLogger("ethrex.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds: from a cached read to a slow trace.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class RpcStats:
    """Requests, errors and a latency histogram per JSON-RPC method (thread-safe: handlers run
    on the event loop and on worker threads)."""

    __slots__ = ("lock", "requests", "errors", "buckets", "sums")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.buckets: dict[str, list[int]] = {}  # per bucket bound, not cumulative
        self.sums: dict[str, float] = {}

    def observe(self, method: str, seconds: float, failed: bool) -> None:
        with self.lock:
            self.requests[method] = self.requests.get(method, 0) + 1
            if failed:
                self.errors[method] = self.errors.get(method, 0) + 1
            counts = self.buckets.get(method)
            if counts is None:
                counts = self.buckets[method] = [0] * (len(LATENCY_BUCKETS) + 1)
            i = 0
            while i < len(LATENCY_BUCKETS) and seconds > LATENCY_BUCKETS[i]:
                i += 1
            counts[i] += 1
            self.sums[method] = self.sums.get(method, 0.0) + seconds

    def lines(self) -> list[str]:
        out = ["# HELP ethrex_rpc_requests_total JSON-RPC requests served, per method.",
               "# TYPE ethrex_rpc_requests_total counter"]
        with self.lock:
            methods = sorted(self.requests)
            for m in methods:
                out.append(f'ethrex_rpc_requests_total{{method="{_label(m)}"}} '
                           f"{self.requests[m]}")
            out += ["# HELP ethrex_rpc_errors_total JSON-RPC requests answered with an error.",
                    "# TYPE ethrex_rpc_errors_total counter"]
            for m in methods:
                out.append(f'ethrex_rpc_errors_total{{method="{_label(m)}"}} '
                           f"{self.errors.get(m, 0)}")
            out += ["# HELP ethrex_rpc_request_duration_seconds JSON-RPC request latency.",
                    "# TYPE ethrex_rpc_request_duration_seconds histogram"]
            for m in methods:
                name = _label(m)
                total = 0
                for bound, count in zip((*LATENCY_BUCKETS, "+Inf"), self.buckets[m]):
                    total += count
                    out.append(f'ethrex_rpc_request_duration_seconds_bucket{{method="{name}",'
                               f'le="{bound}"}} {total}')
                out.append(f'ethrex_rpc_request_duration_seconds_sum{{method="{name}"}} '
                           f"{self.sums[m]:.6f}")
                out.append(f'ethrex_rpc_request_duration_seconds_count{{method="{name}"}} '
                           f"{self.requests[m]}")
        return out


def instrument(handlers: dict[str, Any], stats: RpcStats) -> dict[str, Any]:
    """The same handler table, each handler timed into ``stats`` (its signature and its
    ``@blocking`` mark kept: the server reads both)."""

    def timed(method: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*params: Any) -> Any:
                start = time.perf_counter()
                failed = True
                try:
                    result = await fn(*params)
                    failed = False
                    return result
                finally:
                    stats.observe(method, time.perf_counter() - start, failed)
            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*params: Any) -> Any:
            start = time.perf_counter()
            failed = True
            try:
                result = fn(*params)
                failed = False
                return result
            finally:
                stats.observe(method, time.perf_counter() - start, failed)
        return wrapper

    return {method: timed(method, fn) for method, fn in handlers.items()}


def disk_usage(path: Path) -> int:
    """Bytes the files under ``path`` take on disk (LMDB's file is sparse)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass  # removed meanwhile
    return total


class Metrics:
    """The node's figures; ``ctx`` joins once the node serves (pool, peers)."""

    def __init__(self, chain: Blockchain, store_path: Path | None = None,
                 network: str = "dev", clock: Callable[[], float] = time.monotonic) -> None:
        self.chain = chain
        self.store_path = store_path
        self.network = network
        self.clock = clock
        self.ctx: NodeContext | None = None
        self.rpc = RpcStats()
        self.lock = threading.Lock()
        self.last = (clock(), *chain.imported)
        self.rates = (0.0, 0.0)  # blocks/s, Mgas/s over the last scrape interval
        self.server: MetricsServer | None = None  # the endpoint serving these, once started

    def _import_rates(self) -> tuple[float, float]:
        """Blocks/s and Mgas/s since the previous scrape (the last figures when scraped again
        within a second)."""
        with self.lock:
            now = self.clock()
            blocks, gas = self.chain.imported
            then, blocks0, gas0 = self.last
            if now - then >= 1.0:
                self.rates = ((blocks - blocks0) / (now - then),
                              (gas - gas0) / (now - then) / 1e6)
                self.last = (now, blocks, gas)
            return self.rates

    def render(self) -> str:
        chain = self.chain
        head = chain.store.head_header()
        blocks, gas = chain.imported
        blocks_per_s, mgas_per_s = self._import_rates()
        ctx = self.ctx
        pool = 0 if ctx is None else len(ctx.mempool)
        peers = 0 if ctx is None or ctx.peers is None else ctx.peers.peer_count()
        samples: list[tuple[str, str, str, float | int]] = [
            ("ethrex_head_block_number", "gauge", "Number of the canonical head block.",
             -1 if head is None else head.number),
            ("ethrex_blocks_imported_total", "counter", "Blocks executed and stored.", blocks),
            ("ethrex_gas_imported_total", "counter", "Gas of the blocks executed and stored.",
             gas),
            ("ethrex_import_blocks_per_second", "gauge",
             "Blocks imported per second since the previous scrape.", round(blocks_per_s, 3)),
            ("ethrex_import_mgas_per_second", "gauge",
             "Million gas imported per second since the previous scrape.", round(mgas_per_s, 3)),
            ("ethrex_mempool_transactions", "gauge", "Transactions in the pool.", pool),
            ("ethrex_peers", "gauge", "Connected peers.", peers),
        ]
        if self.store_path is not None:
            samples.append(("ethrex_store_size_bytes", "gauge", "The store's size on disk.",
                            disk_usage(self.store_path)))
        out = ["# HELP ethrex_info The node and the network it follows.",
               "# TYPE ethrex_info gauge",
               f'ethrex_info{{network="{_label(self.network)}"}} 1']
        for name, kind, text, value in samples:
            out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {value}"]
        out += self.rpc.lines()
        return "\n".join(out) + "\n"


class MetricsServer:
    """``GET /metrics`` on ``host:port`` (0 picks a free port), on a daemon thread."""

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 6060) -> None:
        self.metrics = metrics
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        metrics = self.metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404, "metrics are at /metrics")
                    return
                try:
                    body = metrics.render().encode()
                except Exception:  # noqa: BLE001 - a scrape must not take the node down
                    log.warning("metrics render failed", exc_info=True)
                    self.send_error(500, "metrics render failed")
                    return
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # scrapes every few seconds would flood the log

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="ethrex-metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
