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
