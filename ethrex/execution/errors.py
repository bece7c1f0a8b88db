"""Why a transaction cannot run, by kind, and the two ways a top-level creation fails.

Each kind is an ``InvalidTransaction``: block import turns any of them into ``InvalidBlock``;
the RPC maps the kinds to its error codes (``eth_simulateV1`` has one per kind). The messages
follow the reference client's, because RPC users read them.
"""

from ethrex.errors import InvalidTransaction
from ethrex.evm.errors import ExceptionalHalt


class NonceTooLow(InvalidTransaction):
    pass


class NonceTooHigh(InvalidTransaction):
    pass


class NonceMax(InvalidTransaction):
    """The sender's nonce cannot be incremented (EIP-2681)."""


class SenderNotEOA(InvalidTransaction):
    """EIP-3607: the sender has code that is not an EIP-7702 delegation."""


class TipAboveFeeCap(InvalidTransaction):
    pass


class FeeCapTooLow(InvalidTransaction):
    """The fee cap (or legacy gas price) is below the block's base fee (EIP-1559)."""


class BlobFeeCapTooLow(InvalidTransaction):
    """The blob fee cap is below the block's blob base fee (EIP-4844)."""


class InsufficientFunds(InvalidTransaction):
    pass


class IntrinsicGasTooLow(InvalidTransaction):
    """Gas below the intrinsic gas or the EIP-7623 calldata floor."""


class InitCodeTooLarge(InvalidTransaction):
    """EIP-3860."""


class BlockGasExceeded(InvalidTransaction):
    """The transaction's gas (or blob gas) does not fit in what is left of the block's."""


class AddressCollision(ExceptionalHalt):
    """EIP-684/EIP-7610: a creation over an account with a nonce, code or storage fails and
    burns its gas."""

    def __init__(self) -> None:
        super().__init__("contract address collision")


class NonceOverflow(ExceptionalHalt):
    """A creation whose sender nonce cannot be incremented fails (it keeps its gas)."""

    def __init__(self) -> None:
        super().__init__("nonce uint64 overflow")
