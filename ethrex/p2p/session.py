"""The devp2p base protocol over an RLPx transport (RLPx spec, "p2p Capability"): Hello with
capability negotiation, Disconnect with a reason, Ping/Pong.

Message ids 0x00-0x0f belong to the base protocol; each shared capability then gets a block of
ids, in the order of the capability names, sized by its negotiated version's message count.
Both sides send Hello first (never compressed); from p2p version 5 on, every later message is
snappy-compressed.
"""

import asyncio
from dataclasses import dataclass

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.p2p.enode import is_valid_public_key
from ethrex.p2p.errors import DisconnectReason, PeerError
from ethrex.p2p.rlpx.transport import Transport
from ethrex.p2p.wire import as_bytes, as_int, as_list, breach, decode

P2P_VERSION = 5
HELLO = 0x00
DISCONNECT = 0x01
PING = 0x02
PONG = 0x03
BASE_LENGTH = 0x10
MAX_BASE_MESSAGE = 2048  # go-ethereum's limit on Hello and the other base messages
HELLO_TIMEOUT = 5.0


class Disconnected(Exception):
    """The remote said Disconnect (or closed the connection)."""

    def __init__(self, reason: int | None) -> None:
        super().__init__("connection closed" if reason is None
                         else f"remote disconnected: {reason_name(reason)}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Hello:
    version: int
    client_id: str
    caps: tuple[tuple[str, int], ...]
    listen_port: int
    public_key: bytes


@dataclass(frozen=True, slots=True)
class SharedCap:
    """A capability both sides speak: its version and its block of message ids."""

    name: str
    version: int
    offset: int
    length: int


def encode_hello(h: Hello) -> bytes:
    return rlp.encode([h.version, h.client_id.encode(), [[n.encode(), v] for n, v in h.caps],
                       h.listen_port, h.public_key])


def decode_hello(payload: bytes) -> Hello:
    """A Hello; extra list elements are ignored (EIP-8)."""
    f = as_list(decode(payload, "Hello"), "Hello", min_length=5)
    caps = []
    for item in as_list(f[2], "capabilities"):
        cap = as_list(item, "capability", min_length=2)
        name = as_bytes(cap[0], "capability name")
        if len(name) > 32:
            raise breach("capability name longer than 32 bytes")
        caps.append((name.decode("latin-1"), as_int(cap[1], "capability version", 32)))
    public_key = as_bytes(f[4], "node id")
    if not is_valid_public_key(public_key):
        raise PeerError(DisconnectReason.INVALID_IDENTITY, "Hello node id is not a public key")
    return Hello(as_int(f[0], "p2p version", 32), as_bytes(f[1], "client id").decode(
        "utf-8", "replace"), tuple(caps), as_int(f[3], "listen port", 16), public_key)


def negotiate(ours: dict[str, dict[int, int]], theirs: tuple[tuple[str, int], ...]
              ) -> dict[str, SharedCap]:
    """The highest common version of every capability both speak, with its id offset."""
    best: dict[str, int] = {}
    for name, version in theirs:
        if version in ours.get(name, {}) and version > best.get(name, -1):
            best[name] = version
    shared: dict[str, SharedCap] = {}
    offset = BASE_LENGTH
    for name in sorted(best):
        length = ours[name][best[name]]
        shared[name] = SharedCap(name, best[name], offset, length)
        offset += length
    return shared


class Session:
    """An RLPx connection after Hello: send and receive messages by capability."""

    __slots__ = ("_by_offset", "caps", "hello", "transport")

    def __init__(self, transport: Transport, hello: Hello, caps: dict[str, SharedCap]) -> None:
        self.transport = transport
        self.hello = hello
        self.caps = caps
        self._by_offset = sorted(caps.values(), key=lambda c: c.offset)

    @classmethod
    async def start(cls, transport: Transport, local: Hello,
                    ours: dict[str, dict[int, int]]) -> "Session":
        """Exchange Hello messages; raises ``PeerError`` (after which the caller disconnects)
        or ``Disconnected``."""
        transport.write(HELLO, encode_hello(local))
        await transport.drain()
        async with asyncio.timeout(HELLO_TIMEOUT):
            code, payload = await transport.read(MAX_BASE_MESSAGE)
        if code == DISCONNECT:
            raise Disconnected(_reason(payload))
        if code != HELLO:
            raise breach(f"expected Hello, got message {code:#x}")
        hello = decode_hello(payload)
        if hello.public_key != transport.remote_public_key:
            raise PeerError(DisconnectReason.UNEXPECTED_IDENTITY,
                            "Hello node id differs from the handshake key")
        if hello.public_key == local.public_key:
            raise PeerError(DisconnectReason.CONNECTED_TO_SELF, "connected to ourselves")
        transport.snappy = hello.version >= 5  # from here on, our Disconnect is compressed too
        caps = negotiate(ours, hello.caps)
        if not caps:
            raise PeerError(DisconnectReason.USELESS_PEER, "no shared capability")
        return cls(transport, hello, caps)

    def send(self, cap: str, code: int, payload: bytes) -> None:
        shared = self.caps[cap]
        if code >= shared.length:
            raise ValueError(f"{cap} message {code:#x} outside its id range")
        self.transport.write(shared.offset + code, payload)

    def send_base(self, code: int, payload: bytes) -> None:
        self.transport.write(code, payload)

    async def read(self, max_size: int) -> tuple[str, int, bytes]:
        """The next message as ``(capability, id within it, payload)``; ``"p2p"`` for the base
        protocol. A Disconnect raises ``Disconnected``; unknown ids raise ``PeerError``."""
        code, payload = await self.transport.read(max_size)
        if code < BASE_LENGTH:
            if len(payload) > MAX_BASE_MESSAGE:
                raise breach(f"base message {code:#x} of {len(payload)} bytes")
            if code == DISCONNECT:
                raise Disconnected(_reason(payload))
            return "p2p", code, payload
        for cap in self._by_offset:
            if cap.offset <= code < cap.offset + cap.length:
                return cap.name, code - cap.offset, payload
        raise breach(f"message id {code:#x} outside every shared capability")

    async def disconnect(self, reason: DisconnectReason) -> None:
        """Say why, then close (waiting at most a second for the words to leave)."""
        await send_disconnect(self.transport, reason)


async def send_disconnect(transport: Transport, reason: DisconnectReason) -> None:
    """Write Disconnect, then close gently: whatever the peer still sends is read and dropped
    for a moment, since closing a socket with unread input resets the connection and the
    peer might never read our reason."""
    try:
        transport.write(DISCONNECT, rlp.encode([int(reason)]))
        async with asyncio.timeout(1.0):
            await transport.drain()
            if transport.writer.can_write_eof():
                transport.writer.write_eof()
            while await transport.reader.read(65536):
                pass
    except (OSError, TimeoutError, ValueError):
        pass
    finally:
        transport.close()


def reason_name(reason: int) -> str:
    try:
        return DisconnectReason(reason).name.lower()
    except ValueError:
        return f"reason {reason:#x}"


def _reason(payload: bytes) -> int | None:
    """The reason of a Disconnect: ``[reason]`` or (older clients) a bare reason."""
    try:
        item = rlp.decode(payload)
    except RLPDecodingError:  # a peer leaving with garbage still leaves
        return None
    while isinstance(item, list) and item:
        item = item[0]
    if isinstance(item, bytes) and len(item) <= 1:
        return item[0] if item else 0
    return None
