"""A scriptable devp2p peer for the p2p tests: it dials a node over RLPx, says Hello and
Status, then sends whatever the test wants (well-formed requests or garbage) and reads what comes
back. Built on ethrex's own RLPx transport, which the unit tests check against the EIP-8
vectors and which geth and the devp2p suites accept."""

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from ethrex import rlp
from ethrex.crypto.secp256k1 import private_key_to_public_key
from ethrex.p2p.enode import ENode, new_private_key, parse_enode
from ethrex.p2p.rlpx.transport import Transport, initiate
from ethrex.p2p.session import DISCONNECT, HELLO, PING, PONG, Hello, decode_hello, encode_hello

ETH_OFFSET = 0x10
ETH69_LENGTH = 18
SNAP_OFFSET = ETH_OFFSET + ETH69_LENGTH


@dataclass
class Closed(Exception):
    """The node ended the session: with a Disconnect reason, or by closing the socket."""

    reason: int | None


class WireClient:
    def __init__(self, transport: Transport, node: ENode, hello: Hello) -> None:
        self.transport = transport
        self.node = node
        self.hello = hello
        self.ids = itertools.count(1)

    @classmethod
    async def connect(cls, url: str, caps: tuple[tuple[str, int], ...] = (("eth", 69),
                                                                          ("snap", 1)),
                      key: bytes | None = None) -> "WireClient":
        node = parse_enode(url)
        key = key or new_private_key()
        reader, writer = await asyncio.open_connection(node.ip, node.tcp_port)
        transport = await initiate(reader, writer, key, node.public_key)
        transport.write(HELLO, encode_hello(Hello(5, "wireclient", caps, 0,
                                                  private_key_to_public_key(key))))
        await transport.drain()
        code, payload = await asyncio.wait_for(transport.read(), 5)
        if code != HELLO:
            raise Closed(None)
        hello = decode_hello(payload)
        transport.snappy = True
        return cls(transport, node, hello)

    def send(self, code: int, payload: bytes) -> None:
        self.transport.write(code, payload)

    async def read(self, timeout: float = 5.0) -> tuple[int, bytes]:
        """The next message that is not a Ping (Pings are answered); ``Closed`` when the node
        disconnects."""
        while True:
            try:
                code, payload = await asyncio.wait_for(self.transport.read(), timeout)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise Closed(None) from exc
            if code == DISCONNECT:
                item = rlp.decode(payload)
                while isinstance(item, list) and item:
                    item = item[0]
                raise Closed(item[0] if isinstance(item, bytes) and item else 0)
            if code == PING:
                self.send(PONG, b"\xc0")
                continue
            return code, payload

    async def status(self, status_payload: bytes) -> Any:
        """Exchange Status (eth/69): send ours, return theirs decoded."""
        self.send(ETH_OFFSET, status_payload)
        await self.transport.drain()
        code, payload = await self.read()
        assert code == ETH_OFFSET, f"expected Status, got {code:#x}"
        return rlp.decode(payload)

    async def request(self, code: int, fields: list[Any], response: int,
                      timeout: float = 10.0) -> list[Any]:
        """Send ``[id, *fields]`` and return the matching response's fields after its id."""
        request_id = next(self.ids)
        self.send(code, rlp.encode([request_id, *fields]))
        await self.transport.drain()
        while True:
            got, payload = await self.read(timeout)
            if got != response:
                continue
            items = rlp.decode(payload)
            assert isinstance(items, list)
            if int.from_bytes(items[0], "big") == request_id:
                return items[1:]

    def close(self) -> None:
        self.transport.close()


async def peer_with(url: str, status_payload: bytes, **kwargs: Any) -> WireClient:
    """Connect and exchange Status, echoing the node's own Status when ``status_payload`` is
    empty (same chain, same head)."""
    client = await WireClient.connect(url, **kwargs)
    code, payload = await client.read()
    assert code == ETH_OFFSET, f"expected Status, got {code:#x}"
    client.send(ETH_OFFSET, status_payload or payload)
    await client.transport.drain()
    return client
