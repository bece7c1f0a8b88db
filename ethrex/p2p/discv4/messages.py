"""discv4 packets (devp2p ``discv4.md``, EIP-8 and EIP-868 extensions).

``packet = hash || signature || packet-type || packet-data`` where ``signature`` signs
``keccak256(packet-type || packet-data)`` (65 bytes, ``r || s || v``) and
``hash = keccak256(signature || packet-type || packet-data)``; the sender's identity is the key
the signature recovers. Packet data are RLP lists; extra elements and trailing bytes are
ignored (EIP-8), unknown packet types are dropped. A packet is at most 1280 bytes.
"""

import ipaddress
import time
from dataclasses import dataclass

from ethrex import rlp
from ethrex.crypto.secp256k1 import recover_public_key, sign
from ethrex.errors import EthrexError, InvalidTransaction, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.rlp import Item

MAX_PACKET_SIZE = 1280
EXPIRATION = 20  # seconds a packet we send stays valid
HEAD_SIZE = 32 + 65

PING = 0x01
PONG = 0x02
FIND_NODE = 0x03
NEIGHBORS = 0x04
ENR_REQUEST = 0x05
ENR_RESPONSE = 0x06


class BadPacket(EthrexError):
    """A datagram that is not a valid discv4 packet: it is dropped."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    ip: str
    udp: int
    tcp: int


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """One node of a Neighbors packet."""

    endpoint: Endpoint
    public_key: bytes


@dataclass(frozen=True, slots=True)
class Packet:
    """A decoded packet: its type, its fields (RLP items) and who sent it."""

    kind: int
    fields: list[Item]
    hash: bytes
    public_key: bytes


def expiration() -> int:
    return int(time.time()) + EXPIRATION


def is_expired(ts: int) -> bool:
    """Past ``ts``; read as a signed 64-bit Unix time, as go-ethereum reads it (a huge value
    is a negative time, long past)."""
    if ts >= 2**63:
        ts -= 2**64
    return ts < time.time()


def encode_endpoint(e: Endpoint) -> list[object]:
    return [ipaddress.ip_address(e.ip).packed, e.udp, e.tcp]


def decode_endpoint(item: Item) -> Endpoint:
    f = _list(item, 3)
    raw = _bytes(f[0])
    if len(raw) == 4:
        ip = str(ipaddress.IPv4Address(raw))
    elif len(raw) == 16:
        ip = str(ipaddress.IPv6Address(raw))
    elif not raw:
        ip = ""
    else:
        raise BadPacket(f"endpoint IP of {len(raw)} bytes")
    return Endpoint(ip, _uint(f[1], 16), _uint(f[2], 16))


def encode_packet(private_key: bytes, kind: int, fields: list[object]) -> tuple[bytes, bytes]:
    """The signed packet and its hash."""
    body = bytes((kind,)) + rlp.encode(fields)
    parity, r, s = sign(keccak256(body), private_key)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((parity,))
    packet_hash = keccak256(signature + body)
    return packet_hash + signature + body, packet_hash


def decode_packet(data: bytes) -> Packet:
    """Check the hash and the signature, recover the sender; raises ``BadPacket``."""
    if len(data) > MAX_PACKET_SIZE or len(data) < HEAD_SIZE + 2:
        raise BadPacket(f"packet of {len(data)} bytes")
    packet_hash, signature, body = data[:32], data[32:97], data[97:]
    if keccak256(data[32:]) != packet_hash:
        raise BadPacket("packet hash mismatch")
    try:
        public_key = recover_public_key(keccak256(body), signature[64],
                                        int.from_bytes(signature[:32], "big"),
                                        int.from_bytes(signature[32:64], "big"))
    except InvalidTransaction:
        raise BadPacket("bad packet signature") from None
    try:
        item, _ = rlp.decode_prefix(body, 1)  # trailing bytes are ignored (EIP-8)
    except RLPDecodingError as exc:
        raise BadPacket(f"packet data: {exc}") from None
    if not isinstance(item, list):
        raise BadPacket("packet data is not a list")
    return Packet(body[0], item, packet_hash, public_key)


# -- field readers (BadPacket on anything malformed) --------------------------------------------

def _list(item: Item, min_length: int) -> list[Item]:
    if not isinstance(item, list) or len(item) < min_length:
        raise BadPacket("malformed packet list")
    return item


def _bytes(item: Item, size: int | None = None) -> bytes:
    if not isinstance(item, bytes) or (size is not None and len(item) != size):
        raise BadPacket("malformed packet field")
    return item


def _uint(item: Item, bits: int = 64) -> int:
    raw = _bytes(item)
    if len(raw) * 8 > bits:
        raise BadPacket("integer field too large")
    return int.from_bytes(raw, "big")


def read_ping(p: Packet) -> tuple[Endpoint, Endpoint, int, int | None]:
    """``[version, from, to, expiration, enr-seq?]``: from, to, expiration, ENR seq."""
    f = _list(p.fields, 4)
    seq = _uint(f[4]) if len(f) > 4 and isinstance(f[4], bytes) else None
    return decode_endpoint(f[1]), decode_endpoint(f[2]), _uint(f[3]), seq


def read_pong(p: Packet) -> tuple[Endpoint, bytes, int, int | None]:
    """``[to, ping-hash, expiration, enr-seq?]``."""
    f = _list(p.fields, 3)
    seq = _uint(f[3]) if len(f) > 3 and isinstance(f[3], bytes) else None
    return decode_endpoint(f[0]), _bytes(f[1]), _uint(f[2]), seq


def read_find_node(p: Packet) -> tuple[bytes, int]:
    f = _list(p.fields, 2)
    return _bytes(f[0], 64), _uint(f[1])


def read_neighbors(p: Packet) -> tuple[list[NodeEntry], int]:
    f = _list(p.fields, 2)
    nodes = []
    for item in _list(f[0], 0):
        n = _list(item, 4)
        endpoint = decode_endpoint([n[0], n[1], n[2]])
        nodes.append(NodeEntry(endpoint, _bytes(n[3], 64)))
    return nodes, _uint(f[1])


def read_enr_request(p: Packet) -> int:
    return _uint(_list(p.fields, 1)[0])


def read_enr_response(p: Packet) -> tuple[bytes, bytes]:
    """``[request-hash, record]``: the hash and the record's encoding."""
    f = _list(p.fields, 2)
    return _bytes(f[0], 32), rlp.encode(f[1])
