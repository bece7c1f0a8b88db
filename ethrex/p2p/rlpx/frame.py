"""RLPx framing (RLPx spec, "Framing" and "MAC"): each message travels as one frame.

``header-ciphertext (16) || header-mac (16) || frame-ciphertext (padded to 16) || frame-mac (16)``.
The header holds the 24-bit frame size and ``rlp([0, 0])``; header and body are encrypted with
one AES-256-CTR stream per direction (zero IV, key ``aes-secret``). The MACs come from a running
keccak256 state per direction, mixed through AES-256-ECB with ``mac-secret``:

    header-mac = mac.update(aes(mac-secret, mac.digest()[:16]) ^ header-ciphertext).digest()[:16]
    mac.update(frame-ciphertext)
    frame-mac  = mac.update(aes(mac-secret, mac.digest()[:16]) ^ mac.digest()[:16]).digest()[:16]
"""

import hmac
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ethrex.p2p.errors import HandshakeError
from ethrex.p2p.rlpx.handshake import Secrets

HEADER_DATA = b"\xc2\x80\x80"  # rlp([capability-id = 0, context-id = 0]), unused by peers
MAX_FRAME_SIZE = 2**24 - 1  # the header's 24-bit size field


class FrameError(HandshakeError):
    """A frame whose MAC does not match: the stream is corrupt or forged, close it."""


def _xor16(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(16, "big")


class _Mac:
    """One direction's running MAC."""

    __slots__ = ("aes", "state")

    def __init__(self, state: Any, mac_secret: bytes) -> None:
        self.state = state
        self.aes = Cipher(algorithms.AES(mac_secret), modes.ECB()).encryptor()

    def _mix(self, seed: bytes) -> bytes:
        self.state.update(_xor16(self.aes.update(self.state.digest()[:16]), seed))
        return bytes(self.state.digest()[:16])

    def header(self, header_ciphertext: bytes) -> bytes:
        return self._mix(header_ciphertext)

    def frame(self, frame_ciphertext: bytes) -> bytes:
        self.state.update(frame_ciphertext)
        return self._mix(self.state.digest()[:16])


class FrameCodec:
    """Seals outgoing frames and opens incoming ones for one session."""

    __slots__ = ("_dec", "_egress", "_enc", "_ingress")

    def __init__(self, secrets: Secrets) -> None:
        cipher = Cipher(algorithms.AES(secrets.aes), modes.CTR(bytes(16)))
        self._enc = cipher.encryptor()
        self._dec = cipher.decryptor()
        self._egress = _Mac(secrets.egress_mac, secrets.mac)
        self._ingress = _Mac(secrets.ingress_mac, secrets.mac)

    def seal(self, frame: bytes) -> bytes:
        """The wire bytes of one frame holding ``frame`` (message id RLP || payload)."""
        size = len(frame)
        if size > MAX_FRAME_SIZE:
            raise ValueError(f"frame of {size} bytes exceeds the 24-bit size")
        header = self._enc.update((size.to_bytes(3, "big") + HEADER_DATA).ljust(16, b"\x00"))
        padded = frame + bytes(-size % 16)
        body = self._enc.update(padded)
        egress = self._egress
        return header + egress.header(header) + body + egress.frame(body)

    def open_header(self, header: bytes) -> int:
        """Check and decrypt a 32-byte header block; returns the frame size it announces (the
        body that follows is that size padded to 16 bytes, then a 16-byte MAC)."""
        ciphertext, mac = header[:16], header[16:32]
        if not hmac.compare_digest(self._ingress.header(ciphertext), mac):
            raise FrameError("bad frame header MAC")
        return int.from_bytes(self._dec.update(ciphertext)[:3], "big")

    def open_body(self, body: bytes, size: int) -> bytes:
        """Check and decrypt the padded body and MAC that follow a header announcing ``size``."""
        ciphertext, mac = body[:-16], body[-16:]
        if not hmac.compare_digest(self._ingress.frame(ciphertext), mac):
            raise FrameError("bad frame MAC")
        return self._dec.update(ciphertext)[:size]


def body_length(size: int) -> int:
    """Bytes to read after a header announcing ``size``: the padded body and its MAC."""
    return size + (-size % 16) + 16
