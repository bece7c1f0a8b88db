"""How provers and the sequencer's proof coordinator talk: TCP, one connection per exchange,
one JSON object on one line each way (the request, then the answer), then the connection
closes. Provers connect; a prover that dies loses nothing but its connection, and one that
finds the coordinator down tries again.

- ``{"type": "next", "backend": "exec"}`` -> ``{"type": "job", "batch": n, "chainId": n,
  "input": "0x" + ProverInput RLP, "expected": "0x" + public inputs}`` or ``{"type": "idle"}``
- ``{"type": "proof", "backend": .., "batch": n, "proof": "0x.."}`` -> ``{"type": "stored"}``
  or ``{"type": "rejected", "reason": ..}``
- ``{"type": "failed", "backend": .., "batch": n, "reason": ..}`` -> ``{"type": "noted"}``
- anything else -> ``{"type": "error", "reason": ..}``
"""

import asyncio
import json
from typing import Any

from ethrex.errors import EthrexError

MAX_REQUEST = 1 << 20  # a prover's request: a proof is a few hundred bytes
MAX_ANSWER = 1 << 30  # a job: a batch's blocks and witness


class ProtocolError(EthrexError):
    """A message that is not one of the protocol's."""


def encode_message(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode_message(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("a message is a JSON object with a \"type\"")
    return message


def hex_field(message: dict[str, Any], name: str) -> bytes:
    value = message.get(name)
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ProtocolError(f"{name!r} is not 0x-prefixed hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ProtocolError(f"{name!r} is not 0x-prefixed hex") from None


def int_field(message: dict[str, Any], name: str) -> int:
    value = message.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"{name!r} is not a non-negative integer")
    return value


async def exchange(host: str, port: int, request: dict[str, Any],
                   timeout: float = 60.0) -> dict[str, Any]:
    """Send ``request`` to the coordinator at ``host:port`` and return its answer. Raises
    ``OSError`` (``ConnectionError``, ``TimeoutError``) when it cannot be reached or hangs up,
    ``ProtocolError`` when it answers nonsense."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, limit=MAX_ANSWER), timeout)
    try:
        writer.write(encode_message(request))
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    finally:
        writer.close()
    if not line.endswith(b"\n"):
        raise ConnectionError("the coordinator closed the connection without an answer")
    return decode_message(line)
