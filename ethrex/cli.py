"""The ``ethrex`` command line: the node (the seed's flags), ``import``, ``export``,
``removedb``, ``test KIND PATH...`` for the official fixtures, and ``l2 ...`` for the rollup
(its flags and subcommands: ``ethrex.l2.cli``)."""

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from ethrex import node
from ethrex.errors import EthrexError
from ethrex.fixtures import main as run_fixtures
from ethrex.l2.cli import l2_parser, run_command
from ethrex.rpc.limits import DEFAULT_LIMITS, MB

COMMANDS = ("import", "export", "removedb")
LOG_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO,
              "debug": logging.DEBUG, "trace": logging.DEBUG}


def _block_hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a hex block hash") from None
    if len(value) != 32:
        raise argparse.ArgumentTypeError(f"{text!r} is not 32 bytes")
    return value


def node_parser() -> argparse.ArgumentParser:
    """Every node flag; ``ethrex.node.run_node`` reads the attribute names (dest)."""
    p = argparse.ArgumentParser(
        prog="ethrex", description="Ethereum execution client.",
        epilog="commands: import FILE | export FILE [--first N --last M] | removedb | "
               "test KIND PATH... | l2 [--dev | deploy | deposit | withdraw | "
               "claim-withdrawal | balance] (ethrex l2 --help)")
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
    p.add_argument("--bootnodes", default="", help="comma-separated enode URLs or node records: "
                   "where discovery starts (dialled directly with --nodiscover); the built-in "
                   "networks have defaults")
    p.add_argument("--nodiscover", action="store_true", help="no discv4 (dial bootnodes only)")
    p.add_argument("--nat", metavar="extip:IP",
                   help="the address peers reach us at (enode, node record, discovery)")
    p.add_argument("--p2p.maxpeers", dest="max_peers", type=int, default=None,
                   help="most peers at once; 0 turns networking off (default 50, 0 with --dev)")
    p.add_argument("--log.level", dest="log_level", choices=sorted(LOG_LEVELS), default="info")
    p.add_argument("--syncmode", choices=("full", "snap"), default="full")
    p.add_argument("--sync.target", dest="sync_target", type=_block_hash, metavar="HASH",
                   help="sync towards this block hash from the peers (private networks, tests; "
                        "otherwise the consensus client names the head)")
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
    if args.max_peers is None:
        args.max_peers = 0 if args.dev else 50  # a dev chain is private, as geth's --dev
    return args


def _logging(level: str) -> None:
    logging.basicConfig(level=LOG_LEVELS[level],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def l2_main(argv: list[str]) -> int:
    """``ethrex l2 ...``: the sequencer node (``--dev``: with its own L1 dev chain), or a
    deploy or user command."""
    args = l2_parser().parse_args(argv)
    _logging(args.log_level)
    if args.command is not None:
        return run_command(args)
    try:
        return node.run_l2_dev(args) if args.dev else node.run_l2(args)
    except EthrexError as exc:
        return node.main_error(exc)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ethrex`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["l2"]:
        return l2_main(argv[1:])
    if argv[:1] == ["test"]:
        parser = argparse.ArgumentParser(prog="ethrex test", description="Run official fixtures.")
        parser.add_argument("kind", help="rlp, trie, transaction, state or blockchain")
        parser.add_argument("paths", nargs="+", help="fixture files or folders")
        targs = parser.parse_args(argv[1:])
        return run_fixtures(targs.kind, targs.paths)
    args = parse_node_args(argv)
    _logging(args.log_level)
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
