"""World state for execution: a cache and journal (``StateDB``) over a small backend protocol."""

from ethrex.state.backend import AccountInfo, DictBackend, StateBackend
from ethrex.state.statedb import StateDB

__all__ = ["AccountInfo", "DictBackend", "StateBackend", "StateDB"]
