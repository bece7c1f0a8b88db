"""JSON-RPC 2.0 over HTTP and WebSocket on one port (aiohttp's low-level server, orjson).

Single requests and batches, with geth's guards, each a clear refusal: ``--http.vhosts``
(403), ``Content-Type: application/json`` only (415: a web page cannot send a cross-site
"simple" request that runs), CORS headers for ``--http.corsdomain`` only, WebSocket origins
for ``--ws.origins``, and, for the engine port, HS256 JWT authentication (``Authorization:
Bearer``, ``iat`` within 60 s; Engine API "Authentication"). ``RpcLimits`` bound the rest:
body, batch and response sizes, open connections (``ConnectionGate``), the time to send
headers and body, idle keep-alive connections, each WebSocket's unsent bytes (a peer that stops
answering pings is closed by the heartbeat).

A handler takes the JSON params positionally and returns a JSON-ready value or raises
``RpcError``. Handlers marked ``@blocking`` (EVM work: calls, estimates, simulations) run on
the server's ``evm_workers`` threads, ``@tracing`` ones (``debug_trace*``) on its
``max_tracing_requests`` others, each with an ``AbortSignal`` (``current_abort()``) that fires
after ``evm_timeout`` seconds, when the request's own ``request_timeout`` runs out, when the
client goes away or when the server stops: the interpreter stops at its next jump and the call
answers "execution aborted". On WebSocket connections a handler reaches its ``Connection`` through
``current_connection()`` to push subscription notifications.
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
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiohttp import WSMsgType, web

from ethrex.evm.errors import NEVER, AbortSignal
from ethrex.rpc.connections import (
    Connection,
    ConnectionGate,
    SendQueues,
    current_connection,
    set_current_connection,
)
from ethrex.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REQUEST_TIMEOUT,
    RpcError,
    from_exception,
)
from ethrex.rpc.limits import DEFAULT_LIMITS, RpcLimits

log = logging.getLogger("ethrex.rpc")

Handler = Callable[..., Awaitable[Any] | Any]

JWT_MAX_SKEW = 60  # seconds: Engine API authentication
# geth's accepted request types; anything else is 415 (a browser sends text/plain cross-site
# without asking first, application/json only after a CORS preflight).
JSON_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")
WS_HEARTBEAT = 30.0  # seconds between pings: a dead peer is noticed within two
WS_WRITE_TIMEOUT = 10.0  # seconds a client may leave one message unread (geth's write wait)
WS_WRITES_PER_TURN = 64  # messages a writer sends before the loop serves others


def blocking(fn: Handler) -> Handler:
    """Mark a synchronous, CPU-heavy handler: it runs on an EVM worker thread under a time
    budget (``current_abort()``)."""
    fn.rpc_blocking = "calls"  # type: ignore[attr-defined]
    return fn


def tracing(fn: Handler) -> Handler:
    """``blocking``, on the tracers' own workers (``--rpc.max-tracing-requests``, as reth):
    trace requests never hold up ``eth_call``."""
    fn.rpc_blocking = "traces"  # type: ignore[attr-defined]
    return fn


_abort: contextvars.ContextVar[AbortSignal] = contextvars.ContextVar("rpc_abort", default=NEVER)


def current_abort() -> AbortSignal:
    """The signal that stops the current ``@blocking`` call's EVM work (``NEVER`` outside one):
    the transaction pipeline takes it in ``TxOptions.abort``."""
    return _abort.get()


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


def _origin_allowed(origin: str, allowed: set[str]) -> bool:
    """geth's rule for WebSocket origins: ``*``, or a listed origin, where a listed origin
    without scheme or port matches any."""
    if "*" in allowed:
        return True
    parts = urlsplit(origin.lower())
    for rule in allowed:
        want = urlsplit(rule if "://" in rule else "//" + rule)
        if want.hostname != parts.hostname:
            continue
        if want.scheme and want.scheme != parts.scheme:
            continue
        if want.port is not None and want.port != parts.port:
            continue
        return True
    return False


class RpcServer:
    """JSON-RPC over HTTP and WebSocket on ``host:port`` (``port`` 0 picks a free port).

    ``cors`` is ``--http.corsdomain``, ``vhosts`` ``--http.vhosts``, ``ws_origins``
    ``--ws.origins`` (empty: only ``localhost`` pages, as geth); ``limits`` the node's
    ``RpcLimits``, with ``max_connections`` for this port (default: the public port's)."""

    def __init__(
        self,
        handlers: dict[str, Handler],
        host: str = "127.0.0.1",
        port: int = 8545,
        jwt_secret: bytes | None = None,
        cors: Iterable[str] = (),
        vhosts: Iterable[str] = ("localhost",),
        ws_origins: Iterable[str] = (),
        websocket: bool = True,
        limits: RpcLimits = DEFAULT_LIMITS,
        max_connections: int | None = None,
        ws_handlers: dict[str, Handler] | None = None,
    ) -> None:
        self.handlers = handlers
        self.ws_handlers = ws_handlers  # what WebSocket clients get, when not ``handlers``
        self.host = host
        self.port = port
        self.jwt_secret = jwt_secret
        self.cors = {c.lower().rstrip("/") for c in cors}
        self.vhosts = {v.lower() for v in vhosts}
        self.ws_origins = {o.lower().rstrip("/") for o in ws_origins} or {"localhost"}
        self.websocket = websocket
        self.limits = limits
        self.max_connections = limits.max_connections if max_connections is None \
            else max_connections
        self._signatures: dict[str, inspect.Signature | None] = {}
        self._runner: web.ServerRunner | None = None
        self._gate: ConnectionGate | None = None
        self._workers: dict[str, ThreadPoolExecutor] = {}  # "calls" and "traces"
        self._running: set[AbortSignal] = set()  # the budgets of the calls in progress
        self._queues = SendQueues(limits.ws_send_queue_total)

    # -- lifetime --------------------------------------------------------------------------------

    async def start(self) -> None:
        limits = self.limits
        self._workers = {
            "calls": ThreadPoolExecutor(limits.evm_workers, thread_name_prefix="ethrex-rpc"),
            "traces": ThreadPoolExecutor(limits.max_tracing_requests,
                                         thread_name_prefix="ethrex-trace"),
        }
        # handler_cancellation: a client that goes away cancels its request, and with it the
        # EVM work it was waiting for (``_run_blocking``).
        self._gate = ConnectionGate(self._serve, self.max_connections, limits.header_timeout,
                                    handler_cancellation=True,
                                    keepalive_timeout=limits.idle_timeout)
        self._runner = web.ServerRunner(self._gate, handle_signals=False, shutdown_timeout=2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server  # the bound socket tells the real port when 0 was asked
        if server is not None and getattr(server, "sockets", None):
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop the calls in progress (their interpreters at the next jump), close every
        connection, wait for the workers."""
        for signal in list(self._running):
            signal.abort("execution aborted (the node is stopping)")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        workers, self._workers = self._workers, {}
        loop = asyncio.get_running_loop()
        for pool in workers.values():
            await loop.run_in_executor(None, pool.shutdown)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def connections(self) -> int:
        """Connections open now."""
        return 0 if self._gate is None else self._gate.open

    # -- guards ------------------------------------------------------------------------------------

    def _cors_headers(self, request: web.BaseRequest) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if not origin or not self.cors:
            return {}
        if "*" in self.cors or origin.lower().rstrip("/") in self.cors:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _check_request(self, request: web.BaseRequest) -> web.Response | None:
        """vhosts and JWT; a refusal as an HTTP response, else None."""
        if "*" not in self.vhosts:
            host = _host_name(request.headers.get("Host", "")).lower()
            if host and not _is_ip(host) and host not in self.vhosts:
                return web.Response(status=403, text="invalid host specified")
        if self.jwt_secret is not None:
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return web.Response(status=401, text="missing token")
            problem = verify_jwt(auth[7:].strip(), self.jwt_secret)
            if problem is not None:
                return web.Response(status=401, text=problem)
        return None

    async def _preflight(self, request: web.BaseRequest) -> web.Response:
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

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        """Every request of the port: POST is JSON-RPC, GET a WebSocket upgrade, OPTIONS a
        CORS preflight."""
        if self._gate is not None:
            self._gate.request_started(request.protocol)
        if request.method == "POST":
            return await self._http(request)
        if request.method == "GET":
            if self.websocket and request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._ws(request)
            refused = self._check_request(request)
            if refused is not None:
                return refused
            return web.Response(status=405, text="JSON-RPC needs POST (or a WebSocket upgrade)")
        if request.method == "OPTIONS":
            return await self._preflight(request)
        return web.Response(status=405, text="method not allowed")

    def _json(self, payload: bytes, request: web.BaseRequest, status: int = 200) -> web.Response:
        headers = self._cors_headers(request)
        return web.Response(body=payload, status=status, content_type="application/json",
                            headers=headers)

    async def _http(self, request: web.BaseRequest) -> web.Response:
        refused = self._check_request(request)
        if refused is not None:
            return refused
        if request.content_type not in JSON_TYPES:
            return web.Response(status=415, text="invalid content type, only application/json "
                                                 "is supported")
        body = await self._read_body(request)
        if isinstance(body, web.Response):
            return body
        reply = await self.handle_raw(body)
        return self._json(reply, request)

    async def _read_body(self, request: web.BaseRequest) -> bytes | web.Response:
        """The body, read within ``read_timeout`` and at most ``max_request_size`` bytes."""
        limit = self.limits.max_request_size
        length = request.content_length
        if length is not None and length > limit:
            return self._too_large(request, length)
        body = bytearray()
        try:
            async with asyncio.timeout(self.limits.read_timeout):
                async for chunk in request.content.iter_any():
                    body += chunk
                    if len(body) > limit:
                        return self._too_large(request, None)
        except TimeoutError:
            return web.Response(status=408, text="request body not received in time")
        return bytes(body)

    def _too_large(self, request: web.BaseRequest, length: int | None) -> web.Response:
        size = "" if length is None else f" ({length} bytes)"
        message = f"request body too large{size}: the limit is {self.limits.max_request_size} " \
                  "bytes"
        return self._json(orjson.dumps(_error(INVALID_REQUEST, message)), request, status=413)

    # -- WebSocket ---------------------------------------------------------------------------------

    async def _ws(self, request: web.BaseRequest) -> web.StreamResponse:
        refused = self._check_request(request)
        if refused is not None:
            return refused
        origin = request.headers.get("Origin")
        if origin is not None and not _origin_allowed(origin, self.ws_origins):
            return web.Response(status=403, text=f"origin {origin} not allowed (--ws.origins)")
        ws = web.WebSocketResponse(max_msg_size=self.limits.max_request_size,
                                   heartbeat=WS_HEARTBEAT)
        await ws.prepare(request)
        conn = Connection(self.limits.ws_send_queue_size, request.transport, self._queues)
        token = set_current_connection(conn)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._ws_writer(ws, conn))
                try:
                    await self._ws_reader(ws, conn)
                finally:
                    conn.close()
        except* ConnectionError:
            pass  # the client went away mid-write
        finally:
            token.var.reset(token)
        try:
            async with asyncio.timeout(2):
                await ws.close()
        except (TimeoutError, ConnectionError):
            pass
        return ws

    async def _ws_reader(self, ws: web.WebSocketResponse, conn: Connection) -> None:
        """Answer each message in turn until the client closes or is dropped (a peer that
        stops answering pings is closed by the heartbeat)."""
        while not conn.closed:
            msg = await ws.receive()
            if msg.type == WSMsgType.TEXT or msg.type == WSMsgType.BINARY:
                reply = await self.handle_raw(msg.data)
                if reply:
                    conn.send(reply)
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                              WSMsgType.ERROR):
                return

    @staticmethod
    async def _ws_writer(ws: web.WebSocketResponse, conn: Connection) -> None:
        """Send the queue in order; a write the client does not take within
        ``WS_WRITE_TIMEOUT`` drops it (geth's WebSocket write deadline)."""
        queue = conn.queue
        while not conn.closed:
            await conn.wake.wait()
            conn.wake.clear()
            count = 0
            while queue and not conn.closed and not ws.closed:
                data = queue.popleft()
                try:
                    async with asyncio.timeout(WS_WRITE_TIMEOUT):
                        await ws.send_str(data.decode())
                except TimeoutError:
                    conn.close(f"a write stalled for {WS_WRITE_TIMEOUT:g} s")
                    return
                conn.sent(data)
                count += 1
                if count % WS_WRITES_PER_TURN == 0:
                    await asyncio.sleep(0)  # let the other connections be served

    # -- dispatch ----------------------------------------------------------------------------------

    async def handle_raw(self, body: bytes | str) -> bytes:
        """One HTTP body or WebSocket message in, the reply bytes out (b"" for notifications).
        A batch shares one ``request_timeout``; its calls that find it spent are answered
        "request timed out" without running."""
        limits = self.limits
        deadline = time.monotonic() + limits.request_timeout
        try:
            msg = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return orjson.dumps(_error(PARSE_ERROR, f"parse error: {exc}"))
        if isinstance(msg, list):
            if not msg:
                return orjson.dumps(_error(INVALID_REQUEST, "empty batch"))
            if len(msg) > limits.batch_request_limit:
                return orjson.dumps(_error(
                    INVALID_REQUEST, f"batch too large: {len(msg)} requests, the limit is "
                                     f"{limits.batch_request_limit}"))
            replies = []
            size = 0
            for item in msg:
                reply = await self.handle_request(item, deadline)
                if reply is None:
                    continue
                encoded = orjson.dumps(reply)
                size += len(encoded)
                if size > limits.batch_response_max_size:
                    encoded = orjson.dumps(_error(
                        INVALID_REQUEST, "batch response too large",
                        item.get("id") if isinstance(item, dict) else None,
                    ))
                replies.append(encoded)
            return b"[" + b",".join(replies) + b"]" if replies else b""
        reply = await self.handle_request(msg, deadline)
        if reply is None:
            return b""
        encoded = orjson.dumps(reply)
        if len(encoded) > limits.max_response_size:
            return orjson.dumps(_error(
                LIMIT_EXCEEDED, f"response too large: {len(encoded)} bytes, the limit is "
                                f"{limits.max_response_size}", reply.get("id")))
        return encoded

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

    async def handle_request(self, req: Any, deadline: float | None = None
                             ) -> dict[str, Any] | None:
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
        if self.ws_handlers is not None and current_connection() is not None:
            table = self.ws_handlers  # --ws.api
        handler = table.get(method)
        if handler is None:
            return _error(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available",
                          req_id)
        problem = self._bind_error(method, handler, params)
        if problem is not None:
            return _error(INVALID_PARAMS, problem, req_id)
        try:
            pool = getattr(handler, "rpc_blocking", None)
            if pool is not None:
                result = await self._run_blocking(pool, handler, params, deadline)
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

    async def _run_blocking(self, pool: str, handler: Handler, params: list[Any],
                            deadline: float | None) -> Any:
        """Run ``handler`` on the ``pool`` workers with an abort signal set ``evm_timeout``
        seconds after it starts (sooner when the request's deadline comes first), or as soon
        as the client goes away (its request is cancelled). A call that waited in line past
        its deadline does not start."""
        loop = asyncio.get_running_loop()
        budget = self.limits.evm_timeout
        signal = AbortSignal()
        timers: list[asyncio.TimerHandle] = []

        def arm() -> None:  # on the loop, as the worker starts
            left = budget if deadline is None else min(budget, deadline - time.monotonic())
            reason = f"execution aborted (timeout = {budget:g}s)" if left >= budget \
                else "request timed out"
            timers.append(loop.call_later(max(left, 0.0), signal.abort, reason))

        def work() -> Any:
            if signal.requested or (deadline is not None and time.monotonic() >= deadline):
                raise RpcError(REQUEST_TIMEOUT, "request timed out")
            loop.call_soon_threadsafe(arm)
            _abort.set(signal)
            return handler(*params)

        workers = self._workers.get(pool)
        if workers is None:
            raise RpcError(INTERNAL_ERROR, "the server is not running")
        self._running.add(signal)
        try:
            return await loop.run_in_executor(workers, contextvars.copy_context().run, work)
        except asyncio.CancelledError:
            signal.abort("execution aborted (the client went away)")
            raise
        finally:
            self._running.discard(signal)
            for timer in timers:
                timer.cancel()
