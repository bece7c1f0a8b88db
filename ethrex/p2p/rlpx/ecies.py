"""ECIES as RLPx uses it for the auth and ack handshake messages (RLPx spec, "ECIES Encryption").

``R || iv || c || d``: ``R`` is an ephemeral public key (65 bytes, uncompressed), the shared
secret is the x coordinate of ECDH(r, recipient), NIST SP 800-56 concatenation KDF with SHA-256
gives 32 bytes: the first 16 key AES-128-CTR, SHA-256 of the last 16 keys HMAC-SHA256 over
``iv || c || shared_mac_data`` (the packet's 2-byte size prefix, EIP-8).
"""

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ethrex.crypto.secp256k1 import ecdh, private_key_to_public_key
from ethrex.p2p.enode import is_valid_public_key, new_private_key
from ethrex.p2p.errors import HandshakeError

OVERHEAD = 65 + 16 + 32  # ephemeral key, IV, MAC


def concat_kdf(secret: bytes, length: int) -> bytes:
    """NIST SP 800-56 concatenation KDF with SHA-256 and no other info."""
    out = b""
    counter = 1
    while len(out) < length:
        out += hashlib.sha256(counter.to_bytes(4, "big") + secret).digest()
        counter += 1
    return out[:length]


def _keys(shared: bytes) -> tuple[bytes, bytes]:
    material = concat_kdf(shared, 32)
    return material[:16], hashlib.sha256(material[16:]).digest()


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return cipher.update(data) + cipher.finalize()


def encrypt(public_key: bytes, message: bytes, shared_mac_data: bytes = b"",
            ephemeral_key: bytes | None = None, iv: bytes | None = None) -> bytes:
    """Encrypt ``message`` to the holder of the 64-byte ``public_key``."""
    ephemeral = new_private_key() if ephemeral_key is None else ephemeral_key
    iv = os.urandom(16) if iv is None else iv
    enc_key, mac_key = _keys(ecdh(ephemeral, public_key))
    body = iv + _aes_ctr(enc_key, iv, message)
    tag = hmac.new(mac_key, body + shared_mac_data, hashlib.sha256).digest()
    return b"\x04" + private_key_to_public_key(ephemeral) + body + tag


def decrypt(private_key: bytes, data: bytes, shared_mac_data: bytes = b"") -> bytes:
    """Decrypt a message to us; ``HandshakeError`` when it is malformed or its MAC is wrong."""
    if len(data) < OVERHEAD or data[0] != 4:
        raise HandshakeError(f"ECIES message of {len(data)} bytes is malformed")
    ephemeral_public = data[1:65]
    if not is_valid_public_key(ephemeral_public):
        raise HandshakeError("ECIES ephemeral key is not on the curve")
    enc_key, mac_key = _keys(ecdh(private_key, ephemeral_public))
    body, tag = data[65:-32], data[-32:]
    want = hmac.new(mac_key, body + shared_mac_data, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, want):
        raise HandshakeError("ECIES MAC mismatch")
    return _aes_ctr(enc_key, body[:16], body[16:])
