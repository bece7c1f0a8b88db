"""How each sequencer loop runs: a step every ``poll`` seconds until cancelled, again at once
while the step says more work waits. A failure of L1 (down, slow, errors, a transaction that
would not go through) is logged once per kind and retried at the next step: no loop stops
because of L1. Anything else is a bug and stops the node."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ethrex.l2.client import ClientError, NodeUnreachable
from ethrex.l2.sender import TxNotMined, TxReverted

log = logging.getLogger("ethrex.l2")

L1_FAILURES: tuple[type[Exception], ...] = (NodeUnreachable, ClientError, TxReverted, TxNotMined)


async def run_forever(name: str, poll: float, step: Callable[[], Awaitable[bool]],
                      failures: tuple[type[Exception], ...] = L1_FAILURES) -> None:
    """Run ``step`` until cancelled (see the module docstring)."""
    last_problem = ""
    while True:
        try:
            while await step():
                pass
            if last_problem:
                log.info("%s: L1 answers again", name)
                last_problem = ""
        except failures as exc:
            problem = f"{type(exc).__name__}: {exc}"
            if problem != last_problem:
                log.warning("%s: %s (retrying every %.1fs)", name, problem, poll)
                last_problem = problem
        await asyncio.sleep(poll)
