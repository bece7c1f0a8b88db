"""The error kinds of ethrex, split by who is at fault.

* ``InvalidBlock`` / ``InvalidTransaction``: the input (a peer, a user, a fixture) is bad.
* ``ExceptionalHalt`` / ``Revert``: an EVM frame stopped; caught once at the frame boundary.
* ``InternalError``: our bug or a storage failure; it propagates and is never reported as INVALID.
"""


class EthrexError(Exception):
    """Base of every error ethrex raises on purpose."""


class RLPDecodingError(EthrexError):
    """Bytes that are not canonical RLP, or not the RLP shape a type expects."""


class InvalidTransaction(EthrexError):
    """A transaction that no valid block may include (bad signature, nonce, fees, gas...)."""


class InvalidBlock(EthrexError):
    """A block or header that breaks a consensus rule."""


class InternalError(EthrexError):
    """A bug or an unusable store: never the input's fault."""
