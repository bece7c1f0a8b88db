"""An RLPx connection over asyncio streams: the handshake, then messages in frames.

A message is ``rlp(message id) || payload``; once both sides said hello with version 5 the
payload is snappy-compressed (raw block format, ``cramjam``). The decompressed size is read
from snappy's length preamble and checked against the caller's limit before anything is
inflated, so a small frame cannot expand into a huge allocation.
"""

import asyncio

import cramjam

from ethrex import rlp
from ethrex.errors import RLPDecodingError
from ethrex.p2p.errors import DisconnectReason, PeerError
from ethrex.p2p.rlpx.frame import FrameCodec, body_length
from ethrex.p2p.rlpx.handshake import Initiator, check_size, respond

HANDSHAKE_TIMEOUT = 5.0  # seconds for auth/ack, as go-ethereum allows
MAX_MESSAGE_SIZE = 16 * 1024 * 1024  # 24-bit frame size: nothing larger can travel


def snappy_length(data: bytes) -> int:
    """The uncompressed length in a snappy block's varint preamble."""
    value = shift = 0
    for byte in data[:5]:
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
        shift += 7
    raise RLPDecodingError("bad snappy length preamble")


class Transport:
    """One established RLPx session: ``read()`` and ``write()`` whole messages."""

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "codec",
        "reader",
        "remote_public_key",
        "snappy",
        "writer",
    )

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 codec: FrameCodec, remote_public_key: bytes) -> None:
        self.reader = reader
        self.writer = writer
        self.codec = codec
        self.remote_public_key = remote_public_key
        self.snappy = False
        self.bytes_in = 0
        self.bytes_out = 0

    async def read(self, max_size: int = MAX_MESSAGE_SIZE) -> tuple[int, bytes]:
        """The next message ``(id, payload)``. A bad MAC raises ``HandshakeError`` (the stream
        is unusable); an oversized or undecodable message raises ``PeerError``."""
        header = await self.reader.readexactly(32)
        size = self.codec.open_header(header)
        if size > max_size + max_size // 6 + 64:  # beyond snappy's worst-case expansion
            raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                            f"frame of {size} bytes (limit {max_size})")
        body = await self.reader.readexactly(body_length(size))
        frame = self.codec.open_body(body, size)
        self.bytes_in += 32 + len(body)
        try:
            code_item, offset = rlp.decode_prefix(frame)
            code = rlp.decode_int(code_item)
        except RLPDecodingError as exc:
            raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL, f"bad message id: {exc}") from None
        payload = frame[offset:]
        if self.snappy:
            try:
                length = snappy_length(payload)
            except RLPDecodingError as exc:
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL, str(exc)) from None
            if length > max_size:
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                                f"message {code:#x} of {length} bytes (limit {max_size})")
            try:
                payload = bytes(cramjam.snappy.decompress_raw(payload))
            except cramjam.DecompressionError as exc:
                raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                                f"bad snappy data: {exc}") from None
        elif len(payload) > max_size:
            raise PeerError(DisconnectReason.BREACH_OF_PROTOCOL,
                            f"message {code:#x} of {len(payload)} bytes (limit {max_size})")
        return code, payload

    def write(self, code: int, payload: bytes) -> None:
        """Queue one message; ``drain()`` waits for the socket."""
        if self.snappy:
            payload = bytes(cramjam.snappy.compress_raw(payload))
        wire = self.codec.seal(rlp.encode(code) + payload)
        self.bytes_out += len(wire)
        self.writer.write(wire)

    async def drain(self) -> None:
        await self.writer.drain()

    def close(self) -> None:
        self.writer.close()


async def _read_packet(reader: asyncio.StreamReader) -> bytes:
    prefix = await reader.readexactly(2)
    return prefix + await reader.readexactly(check_size(prefix))


async def initiate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   private_key: bytes, remote_public_key: bytes,
                   timeout: float = HANDSHAKE_TIMEOUT) -> Transport:
    """Run the dialler's side of the handshake on an open connection."""
    async with asyncio.timeout(timeout):
        initiator = Initiator(private_key, remote_public_key)
        writer.write(initiator.auth_packet())
        await writer.drain()
        secrets = initiator.finish(await _read_packet(reader))
    return Transport(reader, writer, FrameCodec(secrets), remote_public_key)


async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, private_key: bytes,
                 timeout: float = HANDSHAKE_TIMEOUT) -> Transport:
    """Run the listener's side of the handshake on an accepted connection."""
    async with asyncio.timeout(timeout):
        ack, secrets = respond(private_key, await _read_packet(reader))
        writer.write(ack)
        await writer.drain()
    return Transport(reader, writer, FrameCodec(secrets), secrets.remote_public_key)
