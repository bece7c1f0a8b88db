"""JSON-RPC 2.0 over HTTP and WebSocket on one port (aiohttp, orjson).

Single requests and batches; geth-like guards (``--http.corsdomain``, ``--http.vhosts``, a body
size limit and a batch size limit, each with a clear error); and, for the engine port, HS256 JWT
authentication (``Authorization: Bearer``, ``iat`` within 60 s; Engine API "Authentication").

A handler takes the JSON params positionally and returns a JSON-ready value or raises
``RpcError``. Handlers marked with ``@blocking`` (EVM work: calls, traces) run on a worker thread
so one slow call does not stall the event loop. On WebSocket connections the handler can reach
its ``Connection`` through ``current_connection()`` to push subscription notifications.
"""

import asyncio
import base64
import contextvars
import hashlib
import hmac
import inspect
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from ethrex.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
    from_exception,
)

log = logging.getLogger("ethrex.rpc")

Handler = Callable[..., Awaitable[Any] | Any]

DEFAULT_MAX_BODY = 5 * 1024 * 1024  # geth's httpBodyLimit
DEFAULT_MAX_BATCH = 1000  # geth's BatchRequestLimit
DEFAULT_MAX_BATCH_RESPONSE = 25 * 1024 * 1024  # geth's BatchResponseMaxSize
JWT_MAX_SKEW = 60  # seconds: Engine API authentication


def blocking(fn: Handler) -> Handler:
    """Mark a synchronous, CPU-heavy handler: it runs on a worker thread."""
    fn.rpc_blocking = True  # type: ignore[attr-defined]
    return fn


# -- JWT (HS256), written out: the Engine API needs only this one algorithm -----------------------

def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(secret: bytes, iat: int | None = None) -> str:
    """An HS256 token with an ``iat`` claim (what a consensus client sends)."""
    header = _b64url_encode(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    claims = _b64url_encode(orjson.dumps({"iat": int(time.time()) if iat is None else iat}))
    signing_input = f"{header}.{claims}".encode()
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64url_encode(signature)}"


def verify_jwt(token: str, secret: bytes, now: float | None = None) -> str | None:
    """None when ``token`` is a valid HS256 token with a fresh ``iat``, else why not."""
    parts = token.split(".")
    if len(parts) != 3:
        return "malformed token"
    try:
        header = orjson.loads(_b64url_decode(parts[0]))
        claims = orjson.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, orjson.JSONDecodeError):
        return "malformed token"
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return "token algorithm is not HS256"
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return "signature invalid"
    iat = claims.get("iat") if isinstance(claims, dict) else None
    if not isinstance(iat, int) or isinstance(iat, bool):
        return "missing iat claim"
    now = time.time() if now is None else now
    if abs(now - iat) > JWT_MAX_SKEW:
        return "stale token (iat more than 60 s away)"
    return None


# -- connections ------------------------------------------------------------------------------

class Connection:
    """One WebSocket client: a queue of outgoing messages and the tasks (subscriptions) it owns."""

    __slots__ = ("queue", "tasks", "group")

    def __init__(self, group: asyncio.TaskGroup) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.group = group

    def notify(self, subscription: str, result: Any) -> None:
        """Push an ``eth_subscription`` notification."""
        self.queue.put_nowait(orjson.dumps({
            "jsonrpc": "2.0", "method": "eth_subscription",
            "params": {"subscription": subscription, "result": result},
        }))

    def spawn(self, key: str, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` for as long as this connection lives (or until ``cancel(key)``)."""
        self.tasks[key] = self.group.create_task(coro)

    def cancel(self, key: str) -> bool:
        task = self.tasks.pop(key, None)
        if task is None:
            return False
        task.cancel()
        return True


_connection: contextvars.ContextVar[Connection | None] = contextvars.ContextVar(
    "rpc_connection", default=None
)


def current_connection() -> Connection | None:
    """The WebSocket connection serving the current request (None over HTTP)."""
    return _connection.get()


# -- the server -------------------------------------------------------------------------------

def _error(code: int, message: str, req_id: Any = None, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": req_id, "error": err}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:8545
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RpcServer:
    """JSON-RPC over HTTP and WebSocket on ``host:port`` (``port`` 0 picks a free port)."""

    def __init__(
        self,
        handlers: dict[str, Handler],
        host: str = "127.0.0.1",
        port: int = 8545,
        jwt_secret: bytes | None = None,
        cors: Iterable[str] = (),
        vhosts: Iterable[str] = ("localhost",),
        websocket: bool = True,
        max_body: int = DEFAULT_MAX_BODY,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_batch_response: int = DEFAULT_MAX_BATCH_RESPONSE,
        ws_handlers: dict[str, Handler] | None = None,
    ) -> None:
        self.handlers = handlers
        self.ws_handlers = ws_handlers  # what WebSocket clients get, when not ``handlers``
        self.host = host
        self.port = port
        self.jwt_secret = jwt_secret
        self.cors = {c.lower().rstrip("/") for c in cors}
        self.vhosts = {v.lower() for v in vhosts}
        self.websocket = websocket
        self.max_body = max_body
        self.max_batch = max_batch
        self.max_batch_response = max_batch_response
        self._signatures: dict[str, inspect.Signature | None] = {}
        self._runner: web.AppRunner | None = None

    # -- lifetime --------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=self.max_body + 1)
        app.router.add_route("POST", "/{tail:.*}", self._http)
        app.router.add_route("GET", "/{tail:.*}", self._get)
        app.router.add_route("OPTIONS", "/{tail:.*}", self._preflight)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server  # the bound socket tells the real port when 0 was asked
        if server is not None and getattr(server, "sockets", None):
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- guards ------------------------------------------------------------------------------------

    def _cors_headers(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if not origin or not self.cors:
            return {}
        if "*" in self.cors or origin.lower().rstrip("/") in self.cors:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _check_request(self, request: web.Request) -> web.Response | None:
        """vhosts and JWT; a refusal as an HTTP response, else None."""
        if self.jwt_secret is not None:
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return web.Response(status=401, text="missing token")
            problem = verify_jwt(auth[7:].strip(), self.jwt_secret)
            if problem is not None:
                return web.Response(status=401, text=problem)
        elif "*" not in self.vhosts:
            host = _host_name(request.headers.get("Host", "")).lower()
            if host and not _is_ip(host) and host not in self.vhosts:
                return web.Response(status=403, text="invalid host specified")
        return None

    async def _preflight(self, request: web.Request) -> web.Response:
        headers = self._cors_headers(request)
        if not headers:
            return web.Response(status=403 if request.headers.get("Origin") else 204)
        headers["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
        headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Content-Type"
        )
        headers["Access-Control-Max-Age"] = "600"
        return web.Response(status=204, headers=headers)

    # -- HTTP --------------------------------------------------------------------------------------

    def _json(self, payload: bytes, request: web.Request, status: int = 200) -> web.Response:
        headers = self._cors_headers(request)
        return web.Response(body=payload, status=status, content_type="application/json",
                            headers=headers)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        if self.websocket and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._ws(request)
        refused = self._check_request(request)
        if refused is not None:
            return refused
        return web.Response(status=405, text="JSON-RPC needs POST (or a WebSocket upgrade)")

    async def _http(self, request: web.Request) -> web.Response:
        refused = self._check_request(request)
        if refused is not None:
            return refused
        length = request.content_length
        if length is not None and length > self.max_body:
            return self._too_large(request, length)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._too_large(request, None)
        reply = await self.handle_raw(body)
        return self._json(reply, request)

    def _too_large(self, request: web.Request, length: int | None) -> web.Response:
        size = "" if length is None else f" ({length} bytes)"
        message = f"request body too large{size}: the limit is {self.max_body} bytes"
        return self._json(orjson.dumps(_error(INVALID_REQUEST, message)), request, status=413)

    # -- WebSocket ---------------------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        refused = self._check_request(request)
        if refused is not None:
            return refused
        ws = web.WebSocketResponse(max_msg_size=self.max_body, heartbeat=30)
        await ws.prepare(request)
        try:
            async with asyncio.TaskGroup() as group:
                conn = Connection(group)
                writer = group.create_task(self._ws_writer(ws, conn))
                token = _connection.set(conn)
                try:
                    async for msg in ws:
                        if msg.type == WSMsgType.TEXT or msg.type == WSMsgType.BINARY:
                            reply = await self.handle_raw(msg.data)
                            if reply:
                                conn.queue.put_nowait(reply)
                        elif msg.type == WSMsgType.ERROR:
                            break
                finally:
                    _connection.reset(token)
                    for key in list(conn.tasks):
                        conn.cancel(key)
                    conn.queue.put_nowait(None)
                await writer
        except* ConnectionResetError:
            pass  # the client went away mid-write
        return ws

    @staticmethod
    async def _ws_writer(ws: web.WebSocketResponse, conn: Connection) -> None:
        while True:
            data = await conn.queue.get()
            if data is None or ws.closed:
                return
            await ws.send_str(data.decode())

    # -- dispatch ----------------------------------------------------------------------------------

    async def handle_raw(self, body: bytes | str) -> bytes:
        """One HTTP body or WebSocket message in, the reply bytes out (b"" for notifications)."""
        try:
            msg = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return orjson.dumps(_error(PARSE_ERROR, f"parse error: {exc}"))
        if isinstance(msg, list):
            if not msg:
                return orjson.dumps(_error(INVALID_REQUEST, "empty batch"))
            if len(msg) > self.max_batch:
                return orjson.dumps(_error(
                    INVALID_REQUEST,
                    f"batch too large: {len(msg)} requests, the limit is {self.max_batch}",
                ))
            replies = []
            size = 0
            for item in msg:
                reply = await self.handle_request(item)
                if reply is None:
                    continue
                encoded = orjson.dumps(reply)
                size += len(encoded)
                if size > self.max_batch_response:
                    encoded = orjson.dumps(_error(
                        INVALID_REQUEST, "batch response too large",
                        item.get("id") if isinstance(item, dict) else None,
                    ))
                replies.append(encoded)
            return b"[" + b",".join(replies) + b"]" if replies else b""
        reply = await self.handle_request(msg)
        return b"" if reply is None else orjson.dumps(reply)

    def _bind_error(self, method: str, handler: Handler, params: list[Any]) -> str | None:
        sig = self._signatures.get(method, False)
        if sig is False:
            try:
                sig = inspect.signature(handler)
            except (TypeError, ValueError):
                sig = None
            self._signatures[method] = sig
        if sig is None:
            return None
        try:
            sig.bind(*params)
        except TypeError:
            positional = [p for p in sig.parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            required = sum(1 for p in positional if p.default is p.empty)
            if len(params) < required:
                return f"missing value for required argument {len(params)}"
            return f"too many arguments, want at most {len(positional)}"
        return None

    async def handle_request(self, req: Any) -> dict[str, Any] | None:
        """One request object in, its reply object out (None for a notification)."""
        if not isinstance(req, dict):
            return _error(INVALID_REQUEST, "invalid request: not an object")
        req_id = req.get("id")
        if isinstance(req_id, (dict, list)):
            return _error(INVALID_REQUEST, "invalid request: bad id")
        method = req.get("method")
        if req.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return _error(INVALID_REQUEST, "invalid request: needs jsonrpc 2.0 and a method",
                          req_id)
        notification = "id" not in req
        params = req.get("params")
        if params is None:
            params = []
        elif not isinstance(params, list):
            return _error(INVALID_PARAMS, "non-array params are not supported", req_id)
        table = self.handlers
        if self.ws_handlers is not None and _connection.get() is not None:
            table = self.ws_handlers  # --ws.api
        handler = table.get(method)
        if handler is None:
            return _error(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available",
                          req_id)
        problem = self._bind_error(method, handler, params)
        if problem is not None:
            return _error(INVALID_PARAMS, problem, req_id)
        try:
            if getattr(handler, "rpc_blocking", False):
                result = await asyncio.to_thread(contextvars.copy_context().run, handler,
                                                 *params)
            else:
                result = handler(*params)
                if inspect.isawaitable(result):
                    result = await result
        except RpcError as exc:
            return None if notification else {"jsonrpc": "2.0", "id": req_id,
                                              "error": exc.to_json()}
        except Exception as exc:  # noqa: BLE001 - the server must answer and stay up
            err = from_exception(exc)
            if err.code == INTERNAL_ERROR:
                log.warning("rpc %s failed: %r", method, exc, exc_info=exc)
            return None if notification else {"jsonrpc": "2.0", "id": req_id,
                                              "error": err.to_json()}
        if notification:
            return None
        return {"jsonrpc": "2.0", "id": req_id, "result": result}
