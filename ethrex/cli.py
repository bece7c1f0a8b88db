"""The ``ethrex`` command line: the node (the seed's flags), ``import``, ``export``,
``removedb``, ``test KIND PATH...`` for the official fixtures, and ``l2 ...`` for the rollup
(its flags and subcommands: ``ethrex.l2.cli``)."""

import argparse
import gc
import logging
import sys

from ethrex import node
from ethrex.dev import DEV_ACCOUNTS, DEV_MNEMONIC
from ethrex.errors import EthrexError
from ethrex.fixtures import main as run_fixtures
from ethrex.l2.cli import l2_parser, run_command

COMMANDS = ("init", "import", "export", "removedb")
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
        epilog="commands: init GENESIS | import FILE | export FILE [--first N --last M] | "
               "removedb | test KIND PATH... | l2 [--dev | deploy | deposit | withdraw | "
               "claim-withdrawal | balance | reconstruct] (ethrex l2 --help; import and export "
               "without --network use the chain already in the datadir)")
    p.add_argument("command", nargs="?", choices=COMMANDS, help="what to do (default: run)")
    p.add_argument("file", nargs="?", help="the chain file of import/export, the genesis of init")
    p.add_argument("--network", help="mainnet, sepolia, hoodi or a genesis.json file "
                   "(default: the dev chain)")
    p.add_argument("--datadir", help="data directory (default: ~/.local/share/ethrex)")
    p.add_argument("--import", dest="import_path", metavar="FILE",
                   help="import a chain file (concatenated RLP blocks) before starting")
    p.add_argument("--http.addr", dest="http_addr", default="127.0.0.1")
    p.add_argument("--http.port", dest="http_port", type=int, default=8545)
    p.add_argument("--http.api", dest="http_api", type=node.namespaces_flag, metavar="LIST",
                   help=f"namespaces served over HTTP, comma-separated, {node.NAMESPACES_HELP}")
    p.add_argument("--ws.api", dest="ws_api", type=node.namespaces_flag, metavar="LIST",
                   help="namespaces served over WebSocket (same port; default: as --http.api)")
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
    p.add_argument("--miner.gaslimit", dest="miner_gaslimit", type=int, metavar="GAS",
                   help="the gas limit the payloads this node builds move towards, by the most "
                        "a block may (default: the parent's; geth's default is 60,000,000)")
    p.add_argument("--log.level", dest="log_level", choices=sorted(LOG_LEVELS), default="info")
    p.add_argument("--metrics", action="store_true",
                   help="serve Prometheus metrics at http://METRICS.ADDR:METRICS.PORT/metrics")
    p.add_argument("--metrics.addr", dest="metrics_addr", default="127.0.0.1")
    p.add_argument("--metrics.port", dest="metrics_port", type=int, default=6060)
    p.add_argument("--syncmode", choices=("full", "snap"), default="full")
    p.add_argument("--sync.target", dest="sync_target", type=_block_hash, metavar="HASH",
                   help="sync towards this block hash from the peers (private networks, tests; "
                        "otherwise the consensus client names the head)")
    p.add_argument("--dev", action="store_true", help="produce blocks locally (dev chain)")
    p.add_argument("--dev.period", dest="dev_period", type=float, default=0.0,
                   help="seconds between dev blocks (0: one block per transaction)")
    p.add_argument("--dev.accounts", dest="dev_accounts", type=int, default=DEV_ACCOUNTS,
                   metavar="N", help=f"dev accounts to fund (default {DEV_ACCOUNTS})")
    p.add_argument("--dev.mnemonic", dest="dev_mnemonic", default=DEV_MNEMONIC,
                   help="BIP-39 mnemonic of the dev accounts (default: anvil's and hardhat's)")
    p.add_argument("--gcmode", choices=("archive", "full"), default="archive",
                   help="import and --import: archive (default) keeps the state of every "
                        "block; full keeps only the state of the last block of each commit "
                        "group (up to 16 blocks) and of the head, and writes less")
    p.add_argument("--first", type=int, help="export: first block number (default 0)")
    p.add_argument("--last", type=int, help="export: last block number (default: head)")
    node.add_rpc_guard_flags(p)
    return p


def parse_node_args(argv: list[str]) -> argparse.Namespace:
    parser = node_parser()
    args = parser.parse_args(argv)
    if args.command in ("init", "import", "export") and not args.file:
        parser.error(f"{args.command} needs a FILE")
    if args.command == "init" and args.network is not None:
        parser.error("init takes the genesis file, not --network")
    if args.command not in ("init", "import", "export") and args.file:
        parser.error(f"unexpected argument {args.file!r}")
    if args.command != "export" and (args.first is not None or args.last is not None):
        parser.error("--first/--last belong to export")
    if args.network is None and args.command is None:
        args.dev = True  # the embedded default: the dev chain
    if args.max_peers is None:
        args.max_peers = 0 if args.dev else 50  # a dev chain is private, as geth's --dev
    return args


# CPython's cyclic collector walks every tracked object on a full collection, and a node keeps
# hundreds of thousands of decoded trie nodes alive (``NodeCache``): with the default
# thresholds (700, 10, 10) collections took a fifth of an import's CPU time. Young objects are
# collected every 20,000 allocations and old ones rarely; the core makes little cyclic garbage.
GC_THRESHOLDS = (20_000, 50, 50)


def tune_gc() -> None:
    """The collector settings of an ethrex process (the node, and benchmarks that mimic it)."""
    gc.set_threshold(*GC_THRESHOLDS)


def _logging(level: str) -> None:
    logging.basicConfig(level=LOG_LEVELS[level],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def l2_main(argv: list[str]) -> int:
    """``ethrex l2 ...``: the sequencer node (``--dev``: with its own L1 dev chain), or a
    deploy or user command."""
    args = l2_parser().parse_args(argv)
    _logging(args.log_level)
    if args.command == "reconstruct":  # writes a datadir: ethrex.node opens stores
        try:
            return node.run_l2_reconstruct(args)
        except EthrexError as exc:
            return node.main_error(exc)
    if args.command is not None:
        return run_command(args)
    try:
        return node.run_l2_dev(args) if args.dev else node.run_l2(args)
    except EthrexError as exc:
        return node.main_error(exc)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ethrex`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    tune_gc()
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
        if args.command == "init":
            return node.cmd_init(args)
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
