"""The ``ethrex`` command line: the node (the seed's flags), ``import``, ``export``,
``removedb``, and ``test KIND PATH...`` for the official fixtures."""

import argparse
import logging
import sys

from ethrex import node
from ethrex.errors import EthrexError
from ethrex.fixtures import main as run_fixtures
from ethrex.rpc.limits import DEFAULT_LIMITS, MB

COMMANDS = ("import", "export", "removedb")
LOG_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO,
              "debug": logging.DEBUG, "trace": logging.DEBUG}


def node_parser() -> argparse.ArgumentParser:
    """Every node flag; ``ethrex.node.run_node`` reads the attribute names (dest)."""
    p = argparse.ArgumentParser(
        prog="ethrex", description="Ethereum execution client.",
        epilog="commands: import FILE | export FILE [--first N --last M] | removedb | "
               "test KIND PATH...")
    p.add_argument("command", nargs="?", choices=COMMANDS, help="what to do (default: run)")
    p.add_argument("file", nargs="?", help="the chain file of import/export")
    p.add_argument("--network", help="mainnet, sepolia, hoodi or a genesis.json file "
                   "(default: the dev chain)")
    p.add_argument("--datadir", help="data directory (default: ~/.local/share/ethrex)")
    p.add_argument("--import", dest="import_path", metavar="FILE",
                   help="import a chain file (concatenated RLP blocks) before starting")
    p.add_argument("--http.addr", dest="http_addr", default="127.0.0.1")
    p.add_argument("--http.port", dest="http_port", type=int, default=8545)
    p.add_argument("--authrpc.addr", dest="authrpc_addr", default="127.0.0.1")
    p.add_argument("--authrpc.port", dest="authrpc_port", type=int, default=8551)
    p.add_argument("--authrpc.jwtsecret", dest="authrpc_jwtsecret", metavar="FILE",
                   help="hex JWT secret of the Engine API; written when missing "
                        "(default: DATADIR/jwt.hex)")
    p.add_argument("--p2p.addr", dest="p2p_addr", default="0.0.0.0")
    p.add_argument("--p2p.port", dest="p2p_port", type=int, default=30303)
    p.add_argument("--discovery.addr", dest="discovery_addr", default="0.0.0.0")
    p.add_argument("--discovery.port", dest="discovery_port", type=int, default=30303)
    p.add_argument("--bootnodes", default="", help="comma-separated enode URLs")
    p.add_argument("--log.level", dest="log_level", choices=sorted(LOG_LEVELS), default="info")
    p.add_argument("--syncmode", choices=("full", "snap"), default="full")
    p.add_argument("--dev", action="store_true", help="produce blocks locally (dev chain)")
    p.add_argument("--dev.period", dest="dev_period", type=float, default=0.0,
                   help="seconds between dev blocks (0: one block per transaction)")
    p.add_argument("--first", type=int, help="export: first block number (default 0)")
    p.add_argument("--last", type=int, help="export: last block number (default: head)")
    add_rpc_guard_flags(p)
    return p


def _seconds(text: str) -> float:
    """A duration: ``5``, ``5s``, ``500ms`` or ``2m`` (geth writes ``--rpc.evmtimeout 5s``)."""
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def _megabytes(text: str) -> int:
    return int(float(text) * MB)


def add_rpc_guard_flags(p: argparse.ArgumentParser) -> None:
    """Who may call the RPC ports and what one client may cost (README, "RPC limits"); the
    limits' dests are the fields of ``RpcLimits``, their defaults its defaults."""
    d = DEFAULT_LIMITS
    p.add_argument("--http.corsdomain", dest="http_corsdomain", default="",
                   help="comma-separated origins whose pages may read the answers, or *")
    p.add_argument("--http.vhosts", dest="http_vhosts", default="localhost",
                   help="comma-separated Host names accepted (IPs always are), or *")
    p.add_argument("--ws.origins", dest="ws_origins", default="",
                   help="comma-separated origins whose pages may open a WebSocket, or * "
                        "(default: localhost pages only)")
    p.add_argument("--authrpc.vhosts", dest="authrpc_vhosts", default="localhost",
                   help="Host names the Engine API port accepts (IPs always are), or *")
    g = p.add_argument_group("RPC limits")
    g.add_argument("--rpc.gascap", dest="gas_cap", type=int, default=d.gas_cap,
                   help="gas of any call, estimate, simulation or traced call (%(default)s)")
    g.add_argument("--rpc.evmtimeout", dest="evm_timeout", type=_seconds,
                   default=d.evm_timeout, help="EVM time per call or trace (5s)")
    g.add_argument("--rpc.evm-workers", dest="evm_workers", type=int, default=d.evm_workers,
                   help="calls, estimates and simulations running at once per port "
                        "(%(default)s)")
    g.add_argument("--rpc.max-tracing-requests", dest="max_tracing_requests", type=int,
                   default=d.max_tracing_requests,
                   help="debug_trace* requests running at once per port (%(default)s)")
    g.add_argument("--rpc.request-timeout", dest="request_timeout", type=_seconds,
                   default=d.request_timeout, help="time of a whole request or batch (30s)")
    g.add_argument("--rpc.max-request-size", dest="max_request_size", type=_megabytes,
                   default=d.max_request_size, metavar="MB", help="request body size (5)")
    g.add_argument("--rpc.max-response-size", dest="max_response_size", type=_megabytes,
                   default=d.max_response_size, metavar="MB", help="response size (160)")
    g.add_argument("--rpc.batch-request-limit", dest="batch_request_limit", type=int,
                   default=d.batch_request_limit, help="requests in one batch (%(default)s)")
    g.add_argument("--rpc.batch-response-max-size", dest="batch_response_max_size", type=int,
                   default=d.batch_response_max_size, metavar="BYTES",
                   help="bytes of a batch's answers (%(default)s)")
    g.add_argument("--rpc.max-connections", dest="max_connections", type=int,
                   default=d.max_connections, help="open connections on the HTTP/WS port (%(default)s)")
    g.add_argument("--authrpc.max-connections", dest="authrpc_max_connections", type=int,
                   default=d.authrpc_max_connections,
                   help="open connections on the Engine API port (%(default)s)")
    g.add_argument("--rpc.header-timeout", dest="header_timeout", type=_seconds,
                   default=d.header_timeout, help="time for a new connection's request "
                                                  "headers (30s)")
    g.add_argument("--rpc.read-timeout", dest="read_timeout", type=_seconds,
                   default=d.read_timeout, help="time for a request body (30s)")
    g.add_argument("--rpc.idle-timeout", dest="idle_timeout", type=_seconds,
                   default=d.idle_timeout, help="idle keep-alive, or WebSocket without "
                                                "subscriptions (120s)")
    g.add_argument("--rpc.max-subscriptions-per-connection",
                   dest="max_subscriptions_per_connection", type=int,
                   default=d.max_subscriptions_per_connection, metavar="N",
                   help="subscriptions of one WebSocket (%(default)s)")
    g.add_argument("--rpc.max-subscriptions", dest="max_subscriptions", type=int,
                   default=d.max_subscriptions, help="subscriptions of all connections (%(default)s)")
    g.add_argument("--ws.send-queue-size", dest="ws_send_queue_size", type=_megabytes,
                   default=d.ws_send_queue_size, metavar="MB",
                   help="unsent bytes before a WebSocket client is dropped (16)")
    g.add_argument("--rpc.trace-max-logs", dest="trace_max_logs", type=int,
                   default=d.trace_max_logs, help="struct logs in one trace request (%(default)s)")
    g.add_argument("--rpc.trace-max-size", dest="trace_max_size", type=_megabytes,
                   default=d.trace_max_size, metavar="MB",
                   help="estimated JSON size of one trace request (64)")


def parse_node_args(argv: list[str]) -> argparse.Namespace:
    parser = node_parser()
    args = parser.parse_args(argv)
    if args.command in ("import", "export") and not args.file:
        parser.error(f"{args.command} needs a FILE")
    if args.command not in ("import", "export") and args.file:
        parser.error(f"unexpected argument {args.file!r}")
    if args.command != "export" and (args.first is not None or args.last is not None):
        parser.error("--first/--last belong to export")
    if args.network is None and args.command is None:
        args.dev = True  # the embedded default: the dev chain
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ethrex`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        parser = argparse.ArgumentParser(prog="ethrex test", description="Run official fixtures.")
        parser.add_argument("kind", help="rlp, trie, transaction, state or blockchain")
        parser.add_argument("paths", nargs="+", help="fixture files or folders")
        targs = parser.parse_args(argv[1:])
        return run_fixtures(targs.kind, targs.paths)
    args = parse_node_args(argv)
    logging.basicConfig(level=LOG_LEVELS[args.log_level],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "import":
            return node.cmd_import(args)
        if args.command == "export":
            return node.cmd_export(args)
        if args.command == "removedb":
            return node.cmd_removedb(args)
        return node.run_node(args)
    except EthrexError as exc:
        return node.main_error(exc)
    except KeyboardInterrupt:
        print("ethrex: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
