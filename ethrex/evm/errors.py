"""How an EVM frame stops early. Both are caught once, at the frame boundary in ``vm.py``.

``ExceptionalHalt`` burns all the frame's gas and discards its changes; ``Revert`` (EIP-140)
discards the changes but returns the unused gas and the output.
"""

from ethrex.errors import EthrexError


class ExceptionalHalt(EthrexError):
    """The frame broke a rule of the machine: every kind of failure below burns all its gas."""


class OutOfGas(ExceptionalHalt):
    pass


class StackUnderflow(ExceptionalHalt):
    pass


class StackOverflow(ExceptionalHalt):
    pass


class InvalidOpcode(ExceptionalHalt):
    pass


class InvalidJump(ExceptionalHalt):
    pass


class WriteInStaticContext(ExceptionalHalt):
    """EIP-214: a state change inside STATICCALL."""


class ReturnDataOutOfBounds(ExceptionalHalt):
    """EIP-211: RETURNDATACOPY past the end of the return data."""


class InvalidContractPrefix(ExceptionalHalt):
    """EIP-3541: new code may not start with 0xEF."""


class Revert(EthrexError):
    """REVERT (EIP-140): undo the frame's changes, keep the gas left and the output."""


class ExecutionAborted(EthrexError):
    """The transaction was stopped from outside (``AbortSignal``): not a halt of one frame, so
    no frame catches it; it unwinds the whole transaction, whose state is then thrown away."""


class AbortSignal:
    """A flag another thread sets to stop a running transaction: an RPC call past its time
    budget (geth's ``--rpc.evmtimeout``), or the node shutting down. The interpreter reads it
    at every taken jump and at every frame start, so any unbounded run stops within a few
    steps; a block's transactions run with ``NEVER``, which nobody sets."""

    __slots__ = ("requested", "reason")

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""

    def abort(self, reason: str) -> None:
        self.reason = reason
        self.requested = True


NEVER = AbortSignal()
