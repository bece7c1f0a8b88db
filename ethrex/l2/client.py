"""A JSON-RPC client of an Ethereum node over aiohttp: how the sequencer talks to L1 (only
through its public JSON-RPC) and how the user commands talk to L1 and L2.

Two kinds of failure, so that callers can tell whom to blame: ``NodeUnreachable`` (no answer:
connection refused, timeout, a reply that is not JSON-RPC) means try again later;
``ClientError`` carries the node's own error (``code``, ``message``, revert ``data``).
"""

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
import orjson

from ethrex.errors import EthrexError
from ethrex.l2.abi import revert_reason
from ethrex.primitives import hex_to_bytes
from ethrex.rpc.server import make_jwt

Json = Any


class NodeUnreachable(EthrexError):
    """The node did not answer (down, slow, or not speaking JSON-RPC)."""


class ClientError(EthrexError):
    """The node answered with a JSON-RPC error."""

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        self.method, self.code, self.message, self.data = method, code, message, data
        super().__init__(f"{method}: {message}")

    def revert_data(self) -> bytes | None:
        """The revert payload of a failed call or gas estimate, if the node gave one."""
        if isinstance(self.data, str) and self.data.startswith("0x"):
            try:
                return bytes.fromhex(self.data[2:])
            except ValueError:
                return None
        return None

    def reason(self) -> str:
        """The revert reason when there is one, else the node's message."""
        data = self.revert_data()
        reason = revert_reason(data) if data else None
        return f"execution reverted: {reason}" if reason else self.message


def hex_int(value: Json) -> int:
    if not isinstance(value, str):
        raise NodeUnreachable(f"expected a hex quantity, got {value!r}")
    return int(value, 16)


def hex_qty(value: int) -> str:
    return hex(value)


def hex_data(value: bytes) -> str:
    return "0x" + value.hex()


def block_tag(block: int | str) -> str:
    return block if isinstance(block, str) else hex(block)


class EthClient:
    """``async with EthClient(url) as client:`` one HTTP session; each call times out after
    ``timeout`` seconds."""

    def __init__(self, url: str, timeout: float = 10.0, jwt_secret: bytes | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.jwt_secret = jwt_secret  # an Engine API port: each call carries a fresh token
        self._session: aiohttp.ClientSession | None = None
        self._next_id = 0

    async def __aenter__(self) -> "EthClient":
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=8))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, *params: Json) -> Json:
        """One JSON-RPC call; raises ``NodeUnreachable`` or ``ClientError``."""
        if self._session is None:
            raise RuntimeError("EthClient used outside `async with`")
        self._next_id += 1
        body = orjson.dumps({"jsonrpc": "2.0", "id": self._next_id, "method": method,
                             "params": list(params)})
        try:
            headers = {"Content-Type": "application/json"}
            if self.jwt_secret is not None:
                headers["Authorization"] = f"Bearer {make_jwt(self.jwt_secret)}"
            async with self._session.post(self.url, data=body, headers=headers) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise NodeUnreachable(f"{self.url} {method}: {type(exc).__name__} {exc}") from None
        try:
            reply = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise NodeUnreachable(f"{self.url} {method}: HTTP {status}, not JSON: "
                                  f"{raw[:200]!r}") from None
        if not isinstance(reply, dict):
            raise NodeUnreachable(f"{self.url} {method}: unexpected reply {reply!r:.200}")
        error = reply.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise ClientError(method, 0, str(error))
            raise ClientError(method, int(error.get("code", 0)), str(error.get("message", "")),
                              error.get("data"))
        if "result" not in reply:
            raise NodeUnreachable(f"{self.url} {method}: reply without result")
        return reply["result"]

    # -- the calls the rollup makes ------------------------------------------------------------

    async def chain_id(self) -> int:
        return hex_int(await self.call("eth_chainId"))

    async def block_number(self) -> int:
        return hex_int(await self.call("eth_blockNumber"))

    async def get_block(self, block: int | str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("eth_getBlockByNumber",
                                                        block_tag(block), False)
        return result

    async def balance(self, address: bytes, block: int | str = "latest") -> int:
        return hex_int(await self.call("eth_getBalance", hex_data(address), block_tag(block)))

    async def nonce(self, address: bytes, block: int | str = "latest") -> int:
        return hex_int(await self.call("eth_getTransactionCount", hex_data(address),
                                       block_tag(block)))

    async def code(self, address: bytes) -> bytes:
        return hex_to_bytes(await self.call("eth_getCode", hex_data(address), "latest"))

    async def eth_call(self, to: bytes, data: bytes, block: int | str = "latest",
                       sender: bytes | None = None, value: int = 0) -> bytes:
        call: dict[str, str] = {"to": hex_data(to), "data": hex_data(data)}
        if sender is not None:
            call["from"] = hex_data(sender)
        if value:
            call["value"] = hex_qty(value)
        return hex_to_bytes(await self.call("eth_call", call, block_tag(block)))

    async def estimate_gas(self, sender: bytes, to: bytes | None, data: bytes,
                           value: int = 0, blob_hashes: Sequence[bytes] = ()) -> int:
        call: dict[str, Any] = {"from": hex_data(sender), "data": hex_data(data),
                                "value": hex_qty(value)}
        if to is not None:
            call["to"] = hex_data(to)
        if blob_hashes:  # BLOBHASH reads them during the estimate
            call["blobVersionedHashes"] = [hex_data(h) for h in blob_hashes]
        return hex_int(await self.call("eth_estimateGas", call))

    async def get_logs(self, address: bytes, topics: list[Any], first: int,
                       last: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("eth_getLogs", {
            "address": hex_data(address), "topics": topics,
            "fromBlock": hex(first), "toBlock": hex(last)})
        return result

    async def blob_base_fee(self) -> int:
        return hex_int(await self.call("eth_blobBaseFee"))

    async def send_raw(self, raw: bytes) -> bytes:
        return hex_to_bytes(await self.call("eth_sendRawTransaction", hex_data(raw)))

    async def receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("eth_getTransactionReceipt",
                                                        hex_data(tx_hash))
        return result
