"""The chain: genesis, block import, fork choice, payload building and the mempool (synchronous
core, driven from the async edges)."""
