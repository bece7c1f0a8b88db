"""JSON-RPC load generator: requests/s and p50/p99 latency on loopback.

    .venv/bin/python bench/rpc_load.py [--blocks 1000] [--seconds 3] [--concurrency 16]

Builds a chain in memory on the dev genesis with the node's own payload builder and
``Blockchain.add_block``: block 1 deploys a contract that logs ``calldata[0:32]`` as its topic
and returns 42; every later block calls it once (topic = the block number) plus an ether
transfer, and every tenth block calls it with a marker topic. Then it serves the chain with
the public handlers and measures eth_getBalance, eth_call, and eth_getLogs over all blocks
(every log, and a selective topic query that the header blooms mostly rule out).
"""

import argparse
import asyncio
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethrex.blockchain.blockchain import Blockchain  # noqa: E402
from ethrex.blockchain.payload import PayloadAttributes, build_payload  # noqa: E402
from ethrex.dev import dev_accounts, dev_genesis  # noqa: E402
from ethrex.evm.opcodes.system import compute_create_address  # noqa: E402
from ethrex.rpc.api import rpc_handlers  # noqa: E402
from ethrex.rpc.context import NodeContext, node_context  # noqa: E402
from ethrex.rpc.server import RpcServer  # noqa: E402
from ethrex.storage import Store  # noqa: E402
from ethrex.types.transactions import FeeMarketTransaction, sign_transaction  # noqa: E402

# runtime: mstore(0, 42); log1(0, 32, calldataload(0)); return(0, 32)
RUNTIME = bytes.fromhex("602a600052" "600035" "60206000a1" "60206000f3")
INIT = bytes.fromhex(f"60{len(RUNTIME):02x}600c600039" f"60{len(RUNTIME):02x}6000f3") + RUNTIME
MARKER = b"\xab" * 32  # the topic of every tenth block's extra call


def build_chain(blocks: int) -> tuple[NodeContext, bytes, bytes]:
    """A dev chain of ``blocks`` blocks; returns (context, contract address, sender)."""
    genesis = dev_genesis()
    chain = Blockchain.open(Store.in_memory(), genesis)
    (sender, key), (friend, _) = dev_accounts(2)
    chain_id = genesis.config.chain_id
    contract = compute_create_address(sender, 0)
    nonce = 0

    def tx(to: bytes, value: int, payload: bytes, gas: int) -> FeeMarketTransaction:
        nonlocal nonce
        unsigned = FeeMarketTransaction(chain_id, nonce, 10**9, 100 * 10**9, gas, to, value,
                                        payload, (), 0, 0, 0)
        nonce += 1
        return sign_transaction(unsigned, key)

    parent = chain.head_header()
    for number in range(1, blocks + 1):
        if number == 1:
            txs = [tx(b"", 0, INIT, 200_000)]
        else:
            txs = [tx(contract, 0, number.to_bytes(32, "big"), 60_000),
                   tx(friend, 1, b"", 21_000)]
            if number % 10 == 0:
                txs.append(tx(contract, 0, MARKER, 60_000))
        attrs = PayloadAttributes(parent.timestamp + 12, number.to_bytes(32, "big"), bytes(20),
                                  (), bytes(32))
        block = build_payload(chain, parent, attrs, forced=txs).block
        chain.add_block(block)
        chain.forkchoice_update(block.header.hash())
        parent = block.header
    return node_context(chain, ThreadPoolExecutor(1)), contract, sender  # reads: no thread


async def measure(url: str, method: str, params: list, seconds: float, workers: int) -> dict:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    latencies: list[float] = []
    sizes: list[int] = []
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
            if not sizes:
                result = reply["result"]
                sizes.append(len(result) if isinstance(result, list) else 1)

    began = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(workers)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"method": method, "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000,
            "items": sizes[0] if sizes else 0}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    began = time.perf_counter()
    ctx, contract, sender = build_chain(args.blocks)
    print(f"built {args.blocks} blocks in {time.perf_counter() - began:.1f} s")
    head = hex(args.blocks)
    to = "0x" + contract.hex()
    requests = [
        ("eth_getBalance", ["0x" + sender.hex(), "latest"]),
        ("eth_call", [{"to": to, "input": "0x" + "00" * 31 + "07"}, "latest"]),
        ("eth_getLogs", [{"fromBlock": "0x1", "toBlock": head}]),
        ("eth_getLogs", [{"fromBlock": "0x1", "toBlock": head, "address": to,
                          "topics": ["0x" + MARKER.hex()]}]),
    ]
    server = RpcServer(rpc_handlers(ctx), "127.0.0.1", 0)
    await server.start()
    try:
        for i, (method, params) in enumerate(requests):
            label = method
            if method == "eth_getLogs":
                label += " (all)" if len(params[0]) == 2 else " (topic)"
            r = await measure(server.url, method, params, args.seconds, args.concurrency)
            extra = f", {r['items']} logs" if method == "eth_getLogs" else ""
            print(f"{label:22} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:8.2f} ms  "
                  f"p99 {r['p99_ms']:8.2f} ms  ({r['requests']} requests{extra})")
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
