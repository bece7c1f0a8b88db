"""ethrex: an Ethereum execution client in readable Python."""

__version__ = "0.1.0"
