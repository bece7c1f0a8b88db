"""The combined attack of issue 12 on ``ethrex --dev``: trace bombs, 50,000 subscriptions
attempted by clients that never read, and 1,500 idle connections, all at once, while a
consensus client's block cycle runs on the Engine API port. Done when every ``engine_*`` call
answers in under 1 s and ``eth_blockNumber`` has a p99 under 100 ms, with the node's memory
bounded. The figures are printed (``pytest -s``)."""

import asyncio
import time

from tests.e2e.harness import dev_node
from tests.hostile.attacks import (
    IdleConnections,
    Watch,
    idle_connections,
    open_fds,
    rss_mb,
    subscribe_flood,
    trace_bombs,
)

ATTACK_SECONDS = 25
ENGINE_MAX = 1.0
BLOCK_NUMBER_P99 = 0.100
RSS_MAX_MB = 1500


def test_combined_attack() -> None:
    with dev_node() as node:
        host, port = node.http_url.removeprefix("http://").split(":")
        ws_url = node.http_url.replace("http", "ws")
        baseline = rss_mb(node.pid)
        with Watch(node) as watch:

            async def attack() -> dict[str, object]:
                subs = await subscribe_flood(ws_url, 50, 1000)

                fds: list[int] = []

                async def idle_later() -> IdleConnections:
                    await asyncio.sleep(2)  # the bombers are connected by then
                    idle = await idle_connections(host, int(port), 1500)
                    fds.append(open_fds(node.pid))
                    return idle

                bombs, idle = await asyncio.gather(
                    trace_bombs(node.http_url, 8, ATTACK_SECONDS), idle_later())
                figures = {"idle held": len(idle.held), "idle refused": idle.refused,
                           "node's open files (idle held)": fds[0],
                           "subs accepted": subs.accepted, "subs refused": subs.refused,
                           "bombs answered": len(bombs),
                           "bombs cut off": sorted({b["error"]["message"] for b in bombs
                                                    if "error" in b}),
                           "bombs out of gas (50M) in time": sum("result" in b for b in bombs)}
                idle.close()
                await subs.close()
                return figures

            started = time.monotonic()
            figures = asyncio.run(attack())
            took = time.monotonic() - started
        print(f"\ncombined attack ({took:.0f} s), RSS before {baseline:.0f} MB:")
        for key, value in figures.items():
            print(f"  {key}: {value}")
        print(watch.report())
        assert watch.engine.values and not watch.engine.failures, watch.engine.failures[:3]
        assert max(watch.engine.values) < ENGINE_MAX
        assert not watch.block_number.failures, watch.block_number.failures[:3]
        assert sorted(watch.block_number.values)[int(len(watch.block_number.values) * 0.99)] \
            < BLOCK_NUMBER_P99
        assert max(watch.rss) < RSS_MAX_MB
