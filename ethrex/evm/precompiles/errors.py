"""The one error a precompile raises."""

from ethrex.errors import EthrexError


class PrecompileError(EthrexError):
    """The input is invalid for this precompile: the call fails and consumes all the gas it was given."""
