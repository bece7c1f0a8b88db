"""The rollup's own error kind besides those of the core and of its L1 client."""

from ethrex.errors import EthrexError


class L2ConfigError(EthrexError):
    """A problem with the L2 node's inputs or environment (its command line, the L1 contracts
    it points at): reported to the user as one line."""
