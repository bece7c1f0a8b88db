"""An ``RpcServer`` on a free loopback port for the length of one test coroutine."""

from typing import Any

import aiohttp

from ethrex.rpc.server import RpcServer


async def with_server(handlers: dict[str, Any], fn: Any, **kwargs: Any) -> Any:
    """``await fn(server, session)`` with a started server over ``handlers`` (``kwargs`` go to
    ``RpcServer``) and a client session; the server is stopped after."""
    server = RpcServer(handlers, "127.0.0.1", 0, **kwargs)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            return await fn(server, session)
    finally:
        await server.stop()
