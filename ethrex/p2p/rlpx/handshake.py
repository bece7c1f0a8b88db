"""The RLPx key agreement in its EIP-8 form (RLPx spec, "Initial Handshake").

The dialler (initiator) knows the listener's public key. It sends
``auth = size || ecies(listener, rlp([sig, initiator-pubk, initiator-nonce, 4]) || padding)``
where ``sig`` signs ``static-shared-secret ^ initiator-nonce`` with a fresh ephemeral key; the
listener recovers that ephemeral key from the signature and answers
``ack = size || ecies(initiator, rlp([recipient-ephemeral-pubk, recipient-nonce, 4]) || pad)``.
Both sides then derive the same ``Secrets`` from the ephemeral ECDH, both nonces and both
packets. Extra list elements and a different version are ignored (EIP-8); the pre-EIP-8 fixed
format is refused, as go-ethereum refuses it.
"""

import os
import secrets as random
from dataclasses import dataclass
from typing import Any

from ethrex import rlp
from ethrex.crypto.secp256k1 import ecdh, private_key_to_public_key, recover_public_key, sign
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.p2p.enode import is_valid_public_key, new_private_key
from ethrex.p2p.errors import HandshakeError
from ethrex.p2p.rlpx import ecies
from ethrex.primitives import keccak256, keccak256_hasher

MAX_HANDSHAKE_SIZE = 2048  # go-ethereum's limit on an auth or ack packet
VERSION = 4


@dataclass(slots=True)
class Secrets:
    """What a completed handshake yields: the frame cipher key, the MAC key, the two running
    keccak MAC states, and the remote node's static public key."""

    aes: bytes
    mac: bytes
    egress_mac: Any  # keccak_256 state
    ingress_mac: Any
    remote_public_key: bytes


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def _seal(remote_public_key: bytes, body: list[object]) -> bytes:
    """``size || ecies(...)`` with 100-199 bytes of zero padding (EIP-8)."""
    plain = rlp.encode(body) + bytes(100 + random.randbelow(100))
    prefix = (len(plain) + ecies.OVERHEAD).to_bytes(2, "big")
    return prefix + ecies.encrypt(remote_public_key, plain, prefix)


def _open(private_key: bytes, packet: bytes) -> list[Any]:
    """Decrypt a sealed packet and read its leading RLP list (trailing padding ignored)."""
    prefix, body = packet[:2], packet[2:]
    plain = ecies.decrypt(private_key, body, prefix)
    try:
        item, _ = rlp.decode_prefix(plain)
    except RLPDecodingError as exc:
        raise HandshakeError(f"handshake body is not RLP: {exc}") from None
    if not isinstance(item, list):
        raise HandshakeError("handshake body is not an RLP list")
    return item


def _field(items: list[Any], index: int, size: int, name: str) -> bytes:
    if len(items) <= index or not isinstance(items[index], bytes) or len(items[index]) != size:
        raise HandshakeError(f"handshake {name} missing or not {size} bytes")
    value: bytes = items[index]
    return value


def _derive(ephemeral_key: bytes, remote_ephemeral_public: bytes, initiator_nonce: bytes,
            recipient_nonce: bytes, auth: bytes, ack: bytes, initiator: bool,
            remote_public_key: bytes) -> Secrets:
    try:
        shared = ecdh(ephemeral_key, remote_ephemeral_public)
    except ValueError:
        raise HandshakeError("remote ephemeral key is not on the curve") from None
    shared_secret = keccak256(shared + keccak256(recipient_nonce + initiator_nonce))
    aes = keccak256(shared + shared_secret)
    mac = keccak256(shared + aes)
    mac1 = keccak256_hasher()
    mac1.update(_xor(mac, recipient_nonce) + auth)
    mac2 = keccak256_hasher()
    mac2.update(_xor(mac, initiator_nonce) + ack)
    egress, ingress = (mac1, mac2) if initiator else (mac2, mac1)
    return Secrets(aes, mac, egress, ingress, remote_public_key)


def check_size(prefix: bytes) -> int:
    """The packet length a 2-byte size prefix announces; refuses oversized packets."""
    size = int.from_bytes(prefix, "big")
    if size > MAX_HANDSHAKE_SIZE or size < ecies.OVERHEAD:
        raise HandshakeError(f"handshake packet of {size} bytes")
    return size


class Initiator:
    """The dialler's side: ``auth_packet()``, then ``finish(ack_packet)``."""

    __slots__ = ("auth", "ephemeral_key", "nonce", "private_key", "remote_public_key")

    def __init__(self, private_key: bytes, remote_public_key: bytes,
                 ephemeral_key: bytes | None = None, nonce: bytes | None = None) -> None:
        self.private_key = private_key
        self.remote_public_key = remote_public_key
        self.ephemeral_key = new_private_key() if ephemeral_key is None else ephemeral_key
        self.nonce = os.urandom(32) if nonce is None else nonce
        self.auth = b""

    def auth_packet(self) -> bytes:
        token = ecdh(self.private_key, self.remote_public_key)
        parity, r, s = sign(_xor(token, self.nonce), self.ephemeral_key)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((parity,))
        body = [signature, private_key_to_public_key(self.private_key), self.nonce, VERSION]
        self.auth = _seal(self.remote_public_key, body)
        return self.auth

    def finish(self, ack: bytes) -> Secrets:
        items = _open(self.private_key, ack)
        remote_ephemeral = _field(items, 0, 64, "recipient ephemeral key")
        recipient_nonce = _field(items, 1, 32, "recipient nonce")
        return _derive(self.ephemeral_key, remote_ephemeral, self.nonce, recipient_nonce,
                       self.auth, ack, True, self.remote_public_key)


def respond(private_key: bytes, auth: bytes, ephemeral_key: bytes | None = None,
            nonce: bytes | None = None) -> tuple[bytes, Secrets]:
    """The listener's side: read ``auth``, return the ack packet and the session secrets."""
    items = _open(private_key, auth)
    signature = _field(items, 0, 65, "signature")
    remote_public = _field(items, 1, 64, "initiator public key")
    initiator_nonce = _field(items, 2, 32, "initiator nonce")
    if not is_valid_public_key(remote_public):
        raise HandshakeError("initiator public key is not on the curve")
    token = ecdh(private_key, remote_public)
    try:
        remote_ephemeral = recover_public_key(_xor(token, initiator_nonce), signature[64],
                                              int.from_bytes(signature[:32], "big"),
                                              int.from_bytes(signature[32:64], "big"))
    except InvalidTransaction:
        raise HandshakeError("auth signature does not recover a key") from None
    ephemeral = new_private_key() if ephemeral_key is None else ephemeral_key
    recipient_nonce = os.urandom(32) if nonce is None else nonce
    ack = _seal(remote_public, [private_key_to_public_key(ephemeral), recipient_nonce, VERSION])
    return ack, _derive(ephemeral, remote_ephemeral, initiator_nonce, recipient_nonce, auth, ack,
                        False, remote_public)
