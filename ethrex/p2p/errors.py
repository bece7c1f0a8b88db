"""Why a peer session ends: the devp2p disconnect reasons and ``PeerError``, which carries one.

Every protocol violation a remote peer commits is raised as ``PeerError(reason, message)``;
the session catches it once, sends ``Disconnect(reason)`` and closes the connection, and the
peer set bans the node for a short while when the reason says it misbehaved.
"""

from enum import IntEnum

from ethrex.errors import EthrexError


class DisconnectReason(IntEnum):
    """devp2p ``Disconnect`` reasons (RLPx spec, "Disconnect (0x01)")."""

    REQUESTED = 0x00
    TCP_ERROR = 0x01
    BREACH_OF_PROTOCOL = 0x02
    USELESS_PEER = 0x03
    TOO_MANY_PEERS = 0x04
    ALREADY_CONNECTED = 0x05
    INCOMPATIBLE_VERSION = 0x06
    INVALID_IDENTITY = 0x07
    CLIENT_QUITTING = 0x08
    UNEXPECTED_IDENTITY = 0x09
    CONNECTED_TO_SELF = 0x0A
    PING_TIMEOUT = 0x0B
    SUBPROTOCOL_ERROR = 0x10


# Reasons that mean the remote misbehaved: the peer set bans the node for a short while.
MISBEHAVIOUR = frozenset({DisconnectReason.BREACH_OF_PROTOCOL, DisconnectReason.SUBPROTOCOL_ERROR,
                          DisconnectReason.INVALID_IDENTITY, DisconnectReason.USELESS_PEER})


class PeerError(EthrexError):
    """The remote peer broke a rule (or is of no use): the session ends with ``reason``."""

    def __init__(self, reason: DisconnectReason, message: str) -> None:
        super().__init__(f"{reason.name.lower()}: {message}")
        self.reason = reason


class HandshakeError(EthrexError):
    """The RLPx handshake failed (bad auth/ack, wrong key, bad MAC): no session exists, so the
    connection is just closed."""
