"""Node identities: the node key kept in the data directory, node ids and enode URLs.

A node is known by its secp256k1 public key (64 bytes, x || y). Its *id* in discovery's
Kademlia space is ``keccak256(public key)``; an enode URL names the key and the endpoint:
``enode://<128 hex digits>@<ip>:<tcp port>[?discport=<udp port>]``.
"""

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from coincurve import PublicKey

from ethrex.crypto.secp256k1 import SECP256K1N, private_key_to_public_key
from ethrex.errors import EthrexError
from ethrex.primitives import keccak256

NODE_KEY_FILE = "nodekey"  # hex private key in the data directory, as geth keeps it


class InvalidEnode(EthrexError):
    """An enode URL (bootnode, admin_addPeer) that does not parse."""


def node_id(public_key: bytes) -> bytes:
    """The discovery id of a node: keccak256 of its 64-byte public key."""
    return keccak256(public_key)


def is_valid_public_key(public_key: bytes) -> bool:
    """Whether 64 bytes are a point on secp256k1 (a peer's claimed identity)."""
    if len(public_key) != 64:
        return False
    try:
        PublicKey(b"\x04" + public_key)
    except ValueError:
        return False
    return True


def load_node_key(datadir: Path) -> bytes:
    """The node's private key from ``datadir/nodekey``, written (0600) on first start so that
    the node keeps its identity (and enode) across restarts."""
    path = datadir / NODE_KEY_FILE
    if not path.exists():
        datadir.mkdir(parents=True, exist_ok=True)
        key = new_private_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex())
    text = path.read_text().strip().removeprefix("0x")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise EthrexError(f"node key {path} is not hex") from None
    if len(key) != 32 or not 0 < int.from_bytes(key, "big") < SECP256K1N:
        raise EthrexError(f"node key {path} is not a secp256k1 private key")
    return key


def new_private_key() -> bytes:
    while True:
        key = secrets.token_bytes(32)
        if 0 < int.from_bytes(key, "big") < SECP256K1N:
            return key


@dataclass(frozen=True, slots=True)
class ENode:
    """A node's public key and endpoint (IPv4 or IPv6 address, TCP and UDP ports)."""

    public_key: bytes  # 64 bytes
    ip: str
    tcp_port: int
    udp_port: int

    @property
    def id(self) -> bytes:
        return node_id(self.public_key)

    def url(self) -> str:
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        url = f"enode://{self.public_key.hex()}@{host}:{self.tcp_port}"
        if self.udp_port != self.tcp_port:
            url += f"?discport={self.udp_port}"
        return url


def parse_enode(url: str) -> ENode:
    """An ``enode://`` URL; raises ``InvalidEnode`` naming what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme != "enode":
        raise InvalidEnode(f"{url!r}: not an enode:// URL")
    try:
        public_key = bytes.fromhex(parts.username or "")
        port = parts.port
    except ValueError as exc:
        raise InvalidEnode(f"{url!r}: {exc}") from None
    if not is_valid_public_key(public_key):
        raise InvalidEnode(f"{url!r}: the node id is not a 64-byte secp256k1 public key")
    if parts.hostname is None or port is None:
        raise InvalidEnode(f"{url!r}: needs an IP address and a TCP port")
    try:
        ip = str(ipaddress.ip_address(parts.hostname))
    except ValueError:
        raise InvalidEnode(f"{url!r}: {parts.hostname} is not an IP address") from None
    udp_port = port
    discport = parse_qs(parts.query).get("discport")
    if discport:
        try:
            udp_port = int(discport[0])
        except ValueError:
            raise InvalidEnode(f"{url!r}: bad discport") from None
    if not (0 < port < 65536 and 0 <= udp_port < 65536):
        raise InvalidEnode(f"{url!r}: port out of range")
    return ENode(public_key, ip, port, udp_port)


def local_enode(private_key: bytes, ip: str, tcp_port: int, udp_port: int) -> ENode:
    return ENode(private_key_to_public_key(private_key), ip, tcp_port, udp_port)
