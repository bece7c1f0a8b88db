"""The RPC guard and limit flags of the node (README, "RPC guards and limits"): who may call
the RPC ports and what one client may cost. The RPC edge owns them, as ``ethrex.l2.cli`` owns the
rollup's; ``ethrex.node`` adds them to the node's command line and reads them back into
``RpcLimits`` (a limit's ``dest`` is its field)."""

import argparse
from collections.abc import Callable
from typing import Any

from ethrex.rpc.limits import DEFAULT_LIMITS, MB


def _seconds(text: str) -> float:
    """A duration: ``5``, ``5s``, ``500ms`` or ``2m`` (geth writes ``--rpc.evmtimeout 5s``)."""
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def _megabytes(text: str) -> int:
    return int(float(text) * MB)


# The RPC limit flags: flag, the ``RpcLimits`` field it sets, how it reads, what it bounds.
LIMIT_FLAGS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("--rpc.gascap", "gas_cap", int, "gas of any call, estimate, simulation or traced call"),
    ("--rpc.evmtimeout", "evm_timeout", _seconds, "EVM seconds per call or trace"),
    ("--rpc.request-timeout", "request_timeout", _seconds, "seconds of a request or batch"),
    ("--rpc.evm-workers", "evm_workers", int, "calls and simulations at once per port"),
    ("--rpc.max-tracing-requests", "max_tracing_requests", int,
     "debug_trace* requests at once per port"),
    ("--rpc.trace-max-logs", "trace_max_logs", int, "struct logs of one trace request"),
    ("--rpc.trace-max-size", "trace_max_size", _megabytes,
     "estimated JSON of one trace request"),
    ("--rpc.max-request-size", "max_request_size", _megabytes, "a request body"),
    ("--rpc.max-response-size", "max_response_size", _megabytes, "one answer"),
    ("--rpc.batch-request-limit", "batch_request_limit", int, "requests in one batch"),
    ("--rpc.batch-response-max-size", "batch_response_max_size", int,
     "bytes of a batch's answers"),
    ("--rpc.max-connections", "max_connections", int, "open connections, HTTP/WS port"),
    ("--authrpc.max-connections", "authrpc_max_connections", int,
     "open connections, Engine API port"),
    ("--rpc.header-timeout", "header_timeout", _seconds,
     "seconds for a new connection's request headers"),
    ("--rpc.read-timeout", "read_timeout", _seconds, "seconds for a request body"),
    ("--rpc.idle-timeout", "idle_timeout", _seconds, "seconds of an idle keep-alive"),
    ("--rpc.max-subscriptions-per-connection", "max_subscriptions_per_connection", int,
     "subscriptions of one WebSocket"),
    ("--rpc.max-subscriptions", "max_subscriptions", int, "subscriptions of all WebSockets"),
    ("--ws.send-queue-size", "ws_send_queue_size", _megabytes,
     "unsent bytes before a WebSocket client is dropped"),
)


def add_rpc_guard_flags(p: argparse.ArgumentParser) -> None:
    """Who may call the RPC ports and what one client may cost (README, "RPC guards and
    limits"); a limit's dest is its ``RpcLimits`` field, its default that field's default."""
    p.add_argument("--http.corsdomain", dest="http_corsdomain", default="",
                   help="comma-separated origins whose pages may read the answers, or *")
    p.add_argument("--http.vhosts", dest="http_vhosts", default="localhost",
                   help="comma-separated Host names accepted (IPs always are), or *")
    p.add_argument("--ws.origins", dest="ws_origins", default="",
                   help="comma-separated origins whose pages may open a WebSocket, or * "
                        "(default: localhost pages only)")
    p.add_argument("--authrpc.vhosts", dest="authrpc_vhosts", default="localhost",
                   help="Host names the Engine API port accepts (IPs always are), or *")
    group = p.add_argument_group("RPC limits")
    for flag, dest, kind, what in LIMIT_FLAGS:
        default = getattr(DEFAULT_LIMITS, dest)
        in_mb = kind is _megabytes
        group.add_argument(flag, dest=dest, type=kind, default=default,
                           metavar="MB" if in_mb else "N",
                           help=f"{what} ({default // MB if in_mb else default})")
