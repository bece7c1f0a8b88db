"""The attacks of issue 12 as loopback clients of an ``ethrex --dev`` subprocess, and what the
suite measures while they run: the latency of ``eth_blockNumber`` and of the Engine API (a
consensus client's block cycle on the authenticated port), and the node's memory and CPU time
read from ``/proc``. Every attack is bounded in count and time."""

import asyncio
import os
import resource
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from tests.e2e.harness import DevNode, Rpc

JSON = {"Content-Type": "application/json"}
LOOP_CODE = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP: a 4-byte endless loop
BOMB_ADDRESS = "0x" + "42" * 20
BEACON_ROOT = "0x" + "11" * 32


# -- the node, from /proc ------------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (``VmRSS`` of /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# -- measurements --------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


@dataclass
class Latencies:
    """Seconds per call of one kind, and the calls that failed."""

    values: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        if not self.values:
            return f"{name}: no answers, {len(self.failures)} failures"
        ms = [v * 1000 for v in self.values]
        return (f"{name}: {len(ms)} calls, p50 {percentile(ms, 0.5):.1f} ms, "
                f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms, "
                f"{len(self.failures)} failures")


class Watch:
    """Background threads that keep calling the node while attacks run: ``eth_blockNumber``
    on a connection opened before them, a block cycle through the Engine API port, and the
    node's memory."""

    def __init__(self, node: DevNode, probe_interval: float = 0.01,
                 block_interval: float = 0.5) -> None:
        self.node = node
        self.block_number = Latencies()
        self.engine = Latencies()
        self.rss: list[float] = []
        self.blocks = 0
        self._stop = threading.Event()
        self._probe_rpc = Rpc(node.http_url, timeout=30)
        self._probe_rpc.call("eth_blockNumber")  # connected before any attack
        self._engine_rpc = node.engine_rpc()
        self._threads = [
            threading.Thread(target=self._probe, args=(probe_interval,), daemon=True),
            threading.Thread(target=self._blocks, args=(block_interval,), daemon=True),
        ]

    def __enter__(self) -> "Watch":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)
        self._probe_rpc.close()
        self._engine_rpc.close()

    def _probe(self, interval: float) -> None:
        last_rss = 0.0
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                self._probe_rpc.call("eth_blockNumber")
                self.block_number.values.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 - a failed probe is a measured result
                self.block_number.failures.append(repr(exc))
                self._probe_rpc.close()
            if started - last_rss > 0.25:
                self.rss.append(rss_mb(self.node.pid))
                last_rss = started
            self._stop.wait(interval)

    def _blocks(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                produce_block(self._engine_rpc, self.engine)
                self.blocks += 1
            except Exception as exc:  # noqa: BLE001
                self.engine.failures.append(repr(exc))
                self._engine_rpc.close()
            self._stop.wait(interval)

    def report(self) -> str:
        return "\n".join([
            self.block_number.line("eth_blockNumber"),
            self.engine.line(f"engine_* ({self.blocks} blocks)"),
            f"node RSS: max {max(self.rss):.0f} MB, last {self.rss[-1]:.0f} MB",
        ])


def _timed(engine: Rpc, latencies: Latencies, method: str, *params: Any) -> Any:
    started = time.perf_counter()
    result = engine.call(method, *params)
    latencies.values.append(time.perf_counter() - started)
    return result


def produce_block(engine: Rpc, latencies: Latencies | None = None) -> str:
    """One block as a consensus client makes it on the Engine API port: forkchoiceUpdated with
    attributes, getPayload, newPayload, forkchoiceUpdated to it. Its hash."""
    lat = latencies if latencies is not None else Latencies()
    head = engine.call("eth_getBlockByNumber", "latest", False)
    timestamp = max(int(time.time()), int(head["timestamp"], 16) + 1)
    attrs = {"timestamp": hex(timestamp), "prevRandao": BEACON_ROOT,
             "suggestedFeeRecipient": "0x" + "00" * 20, "withdrawals": [],
             "parentBeaconBlockRoot": BEACON_ROOT}
    fcu = _timed(engine, lat, "engine_forkchoiceUpdatedV3", _state(head["hash"]), attrs)
    envelope = _timed(engine, lat, "engine_getPayloadV5", fcu["payloadId"])
    payload = envelope["executionPayload"]
    status = _timed(engine, lat, "engine_newPayloadV4", payload, [], BEACON_ROOT,
                    envelope["executionRequests"])
    if status["status"] != "VALID":
        raise AssertionError(f"our own block refused: {status}")
    _timed(engine, lat, "engine_forkchoiceUpdatedV3", _state(payload["blockHash"]), None)
    return str(payload["blockHash"])


def _state(head: str) -> dict[str, str]:
    return {"headBlockHash": head, "safeBlockHash": head, "finalizedBlockHash": head}


# -- attacks (asyncio, in the test's thread) ----------------------------------------------------

def request(method: str, *params: Any, req_id: int = 1) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": req_id, "method": method,
                         "params": list(params)})


def trace_bomb(kind: str = "struct") -> bytes:
    """``debug_traceCall`` of the 4-byte loop with 2**40 gas (findings 2 and 3)."""
    options: dict[str, Any] = {"stateOverrides": {BOMB_ADDRESS: {"code": LOOP_CODE}}}
    if kind != "struct":
        options["tracer"] = kind
    return request("debug_traceCall", {"to": BOMB_ADDRESS, "gas": hex(2**40)}, "latest",
                   options)


async def post(session: aiohttp.ClientSession, url: str, body: bytes,
               timeout: float = 120) -> Any:
    async with session.post(url, data=body, headers=JSON,
                            timeout=aiohttp.ClientTimeout(total=timeout)) as r:
        return orjson.loads(await r.read())


async def trace_bombs(url: str, clients: int, seconds: float) -> list[Any]:
    """``clients`` clients each sending trace bombs (struct logs and callTracer, in turn) for
    ``seconds``; the answers."""
    answers: list[Any] = []
    deadline = time.monotonic() + seconds

    async def client(i: int) -> None:
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                kind = "struct" if i % 2 == 0 else "callTracer"
                answers.append(await post(session, url, trace_bomb(kind)))

    await asyncio.gather(*(client(i) for i in range(clients)))
    return answers


@dataclass
class Subscribers:
    """WebSocket clients holding subscriptions and never reading their notifications."""

    sockets: list[aiohttp.ClientWebSocketResponse]
    session: aiohttp.ClientSession
    accepted: int
    refused: int

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        await self.session.close()


async def subscribe_flood(url: str, connections: int, per_connection: int,
                          kind: str = "newHeads") -> Subscribers:
    """``connections`` WebSockets each asking ``per_connection`` subscriptions in batches of
    1,000 (the batch limit); the replies are read, the notifications never."""
    session = aiohttp.ClientSession()
    sockets = []
    accepted = refused = 0
    for _ in range(connections):
        ws = await session.ws_connect(url, max_msg_size=0)
        sockets.append(ws)
        left = per_connection
        while left:
            size = min(left, 1000)
            left -= size
            await ws.send_bytes(b"[" + b",".join(request("eth_subscribe", kind, req_id=i)
                                                 for i in range(size)) + b"]")
            while True:  # notifications may come first
                msg = await ws.receive(timeout=60)
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise AssertionError(f"subscription reply: {msg}")
                replies = orjson.loads(msg.data)
                if isinstance(replies, list):
                    break
            accepted += sum(1 for r in replies if "result" in r)
            refused += sum(1 for r in replies if "error" in r)
    return Subscribers(sockets, session, accepted, refused)


@dataclass
class IdleConnections:
    """Raw TCP connections that never send a byte."""

    held: list[asyncio.StreamWriter]
    refused: int

    def close(self) -> None:
        for writer in self.held:
            writer.close()


async def idle_connections(host: str, port: int, count: int) -> IdleConnections:
    """Open ``count`` connections that send nothing; the node refuses those over its cap with
    a 503 and closes them at once, the rest it holds until the header timeout."""
    need_files(count + 512)
    held: list[asyncio.StreamWriter] = []
    readers: list[asyncio.StreamReader] = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection(host, port)
        held.append(writer)
        readers.append(reader)
    await asyncio.sleep(1.0)

    async def answered(reader: asyncio.StreamReader) -> bool:
        try:
            await asyncio.wait_for(reader.read(64), 0.2)  # a 503, or the end
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        return True

    refusals = await asyncio.gather(*(answered(r) for r in readers))
    still = [w for w, refused in zip(held, refusals) if not refused]
    for w, refused in zip(held, refusals):
        if refused:
            w.close()
    return IdleConnections(still, count - len(still))


def need_files(count: int) -> None:
    """Raise this process's open-file limit to ``count`` (up to the hard limit, as the node
    does for itself); fail, not skip, when the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= count or soft == resource.RLIM_INFINITY:
        return
    assert hard == resource.RLIM_INFINITY or hard >= count, \
        f"the attack needs {count} open files, the hard limit is {hard}: raise `ulimit -Hn`"
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))
