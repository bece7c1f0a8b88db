"""JSON-RPC load generator: requests/s and p50/p99 latency on loopback.

    .venv/bin/python bench/rpc_load.py [--seconds 3] [--concurrency 16]

Serves the rpc-compat chain (../shared/fixtures/rpc-compat) in-process and measures
eth_getBalance, eth_call and eth_getLogs over the whole chain (54 blocks: the fixture chain is
what is available without a block generator; a 1,000-block chain is future work).
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex.rpc.api import rpc_handlers  # noqa: E402
from ethrex.rpc.server import RpcServer  # noqa: E402
from tests.fixtures_root import fixtures_root  # noqa: E402
from tests.rpc.compat import forkchoice_from_headfcu, load_node  # noqa: E402

REQUESTS = {
    "eth_getBalance": ["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df", "latest"],
    "eth_call": [{"from": "0x0000000000000000000000000000000000000000",
                  "to": "0x9344b07175800259691961298ca11c824e65032d"}, "latest"],
    "eth_getLogs": [{"fromBlock": "0x0", "toBlock": "latest"}],
}


async def measure(url: str, method: str, params: list, seconds: float, workers: int) -> dict:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            async with session.post(url, data=body,
                                    headers={"Content-Type": "application/json"}) as r:
                reply = orjson.loads(await r.read())
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(workers)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"method": method, "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    root = fixtures_root() / "rpc-compat"
    ctx = load_node(root)
    forkchoice_from_headfcu(ctx, root)
    server = RpcServer(rpc_handlers(ctx), "127.0.0.1", 0)
    await server.start()
    try:
        for method, params in REQUESTS.items():
            r = await measure(server.url, method, params, args.seconds, args.concurrency)
            print(f"{r['method']:16} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                  f"p99 {r['p99_ms']:7.2f} ms  ({r['requests']} requests)")
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
