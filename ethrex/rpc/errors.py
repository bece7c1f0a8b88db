"""JSON-RPC errors in one place: the standard codes, ``RpcError`` that handlers raise, and the
mapping of the node's own exceptions to ``code/message/data``."""

from typing import Any

from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.evm.errors import ExecutionAborted

PARSE_ERROR = -32700  # the body is not JSON
INVALID_REQUEST = -32600  # JSON, but not a JSON-RPC request object
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # geth's catch-all for "the request was fine, the node says no"
EXECUTION_REVERTED = 3  # eth_call / eth_estimateGas: the revert data goes in ``data``
LIMIT_EXCEEDED = -32005
REQUEST_TIMEOUT = -32002  # geth's errcodeTimeout: the request's time ran out before this call


class RpcError(Exception):
    """A JSON-RPC error reply; raised by handlers, rendered by the server."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


def server_error(message: str) -> RpcError:
    return RpcError(SERVER_ERROR, message)


def abi_revert_reason(data: bytes) -> str | None:
    """The string of an ABI ``Error(string)`` revert payload, if that is what ``data`` is."""
    if len(data) < 68 or data[:4] != bytes.fromhex("08c379a0"):
        return None
    offset = int.from_bytes(data[4:36], "big")
    start = 4 + offset
    if start + 32 > len(data):
        return None
    size = int.from_bytes(data[start : start + 32], "big")
    raw = data[start + 32 : start + 32 + size]
    if len(raw) != size:
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def reverted(output: bytes) -> RpcError:
    """Code 3 with the revert data; an ABI ``Error(string)`` reason joins the message."""
    reason = abi_revert_reason(output)
    message = "execution reverted" if reason is None else f"execution reverted: {reason}"
    return RpcError(EXECUTION_REVERTED, message, "0x" + output.hex())


def from_exception(exc: Exception) -> RpcError:
    """The reply for an exception a handler let escape (who is at fault decides the code)."""
    if isinstance(exc, RpcError):
        return exc
    if isinstance(exc, (InvalidTransaction, InvalidBlock, ExecutionAborted)):
        return RpcError(SERVER_ERROR, str(exc))
    return RpcError(INTERNAL_ERROR, f"internal error: {type(exc).__name__}")
