"""Wiring the node: command-line options -> genesis -> store -> ``Blockchain`` -> the edges.

``run_node(args)`` takes the parsed options of ``ethrex.cli`` (attribute names below), opens
the store in the data directory, imports a chain file when asked, then serves JSON-RPC (HTTP
and the JWT-guarded Engine API) and, with ``--dev``, runs the dev block producer
(``ethrex.dev``) until SIGINT or SIGTERM. ``run_l2(args)`` does the same for an L2 sequencer
(``ethrex.l2``) and ``run_l2_dev(args)`` for an L1 dev chain with an L2 on it, in one
process. This module alone wires the edges together.
Everything async lives here and in the edges; block execution runs on one worker thread
(``NodeContext.executor``), the store's only writer.

Options read from ``args`` (``ethrex.cli.node_parser`` defines them): network, datadir,
import_path, gcmode, http_addr, http_port, authrpc_addr, authrpc_port, authrpc_jwtsecret,
p2p_addr, p2p_port, discovery_addr, discovery_port, bootnodes, log_level, syncmode, dev,
dev_period, dev_accounts, dev_mnemonic, http_api, ws_api, miner_gaslimit, metrics, metrics_addr,
metrics_port, http_corsdomain, http_vhosts, ws_origins, authrpc_vhosts, and the fields of
``RpcLimits``.

The data directory and ``chaindata/`` are created 0700 and the JWT secret 0600, as geth does:
they hold the chain and the Engine API's key. The open-file limit is raised to its hard limit at
start (geth does too) and the public port's connection cap is lowered when the two ports' caps
would not fit under it, so idle clients on the public port cannot take the file descriptors the
Engine API needs.
"""

import argparse
import asyncio
import fcntl
import logging
import os
import resource
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.chainfile import ChainFile, ChainFileError, write_blocks
from ethrex.blockchain.importer import BlockImportError, ImportProgress, import_chain_file
from ethrex.blockchain.networks import load_network, network_genesis_path
from ethrex.crypto.kzg import load_trusted_setup
from ethrex.dev import dev_accounts, dev_genesis, print_dev_accounts, run_dev_producer
from ethrex.errors import EthrexError
from ethrex.l2.cli import sequencer_config
from ethrex.l2.client import EthClient
from ethrex.l2.deploy import Deployment, deploy
from ethrex.l2.errors import L2ConfigError
from ethrex.l2.genesis import L2_CHAIN_ID, l2_genesis
from ethrex.l2.node import serve_l2
from ethrex.l2.reconstruct import DataSource, reconstruct
from ethrex.l2.sequencer.committer import BatchFiles
from ethrex.l2.rollup.hooks import L2Hooks
from ethrex.l2.sender import TxSender
from ethrex.p2p.bootnodes import BOOTNODES, parse_node
from ethrex.p2p.enode import InvalidEnode, load_node_key
from ethrex.p2p.service import P2PConfig, P2PService
from ethrex.progress import Progress
from ethrex.rpc.api import DEFAULT_NAMESPACES, NAMESPACES, parse_namespaces, rpc_handlers
from ethrex.rpc.context import NodeContext, node_context
from ethrex.rpc.engine import engine_handlers
from ethrex.rpc.flags import add_rpc_guard_flags  # noqa: F401 - cli.py adds them through us
from ethrex.rpc.limits import RpcLimits
from ethrex.rpc.metrics import Metrics, MetricsServer, instrument
from ethrex.rpc.server import RpcServer
from ethrex.storage import Store
from ethrex.types.genesis import Genesis

log = logging.getLogger("ethrex")

CHAINDATA = "chaindata"  # the store's folder inside the data directory
SWITCH_INTERVAL = 0.0001  # seconds a thread holds the GIL while another waits (Python: 0.005)
JWT_FILE = "jwt.hex"
LOCK_FILE = "LOCK"


class NodeError(EthrexError):
    """A problem with the node's inputs or environment, reported as one line."""


def default_datadir() -> Path:
    """``$XDG_DATA_HOME/ethrex``, else ``~/.local/share/ethrex``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ethrex"


def datadir_of(args: argparse.Namespace) -> Path:
    return Path(args.datadir).expanduser() if args.datadir else default_datadir()


def _dev_accounts(args: argparse.Namespace) -> tuple[tuple[bytes, bytes], ...]:
    """The funded dev accounts: ``--dev.accounts`` of ``--dev.mnemonic``."""
    return dev_accounts(args.dev_accounts, args.dev_mnemonic)


def network_genesis(args: argparse.Namespace) -> Genesis:
    """The genesis of ``--network`` (a built-in name or a file), or the dev chain's."""
    network = args.network
    if network is None:
        return dev_genesis(_dev_accounts(args))
    path = network_genesis_path(network)
    try:
        return load_network(network)
    except FileNotFoundError:
        raise NodeError(f"--network {network}: no such built-in network or genesis file "
                        f"({path})") from None
    except OSError as exc:
        raise NodeError(f"--network {network}: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        raise NodeError(f"--network {network}: bad genesis file {path}: {exc}") from None


_LOCKS: dict[int, int] = {}  # id(store) -> the fd holding its datadir lock


def make_private_dir(path: Path) -> None:
    """Create ``path`` 0700, only its owner can enter it (missing parents get the usual mode);
    an existing directory is left as it is: it may be the user's own (``--datadir .``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)


def open_store(datadir: Path, durable: bool = True) -> Store:
    """The LMDB store in ``datadir/chaindata``, locked against a second ethrex process; a
    clear ``NodeError`` when it cannot be opened. ``durable``: see ``Store.open``."""
    path = datadir / CHAINDATA
    try:
        make_private_dir(datadir)
        make_private_dir(path)
        if path.stat().st_mode & 0o077:  # ours: made 0755 by earlier versions
            path.chmod(0o700)
        fd = os.open(datadir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise NodeError(f"datadir {datadir} is in use by another ethrex process") from None
        try:
            store = Store.open(path, durable=durable)
        except BaseException:
            os.close(fd)
            raise
        _LOCKS[id(store)] = fd
        return store
    except PermissionError:
        raise NodeError(f"datadir {datadir} is not writable") from None
    except OSError as exc:
        raise NodeError(f"datadir {datadir}: {exc.strerror or exc}") from None
    except NodeError:
        raise
    except Exception as exc:  # lmdb.Error and friends: the message names the problem
        raise NodeError(f"cannot open the store in {path}: {exc}") from None


def close_store(store: Store) -> None:
    """Close the store and release its datadir lock."""
    store.close()
    fd = _LOCKS.pop(id(store), None)
    if fd is not None:
        os.close(fd)


def open_chain(args: argparse.Namespace, durable: bool = True) -> tuple[Blockchain, Path]:
    """Genesis first (a bad file must not create a datadir), then the store and chain.
    ``import`` and ``export`` without ``--network`` use the chain the datadir holds (as
    geth does after ``geth init``), and the dev chain's genesis only in an empty one: a large
    genesis is read once, by ``init``."""
    stored = args.network is None and args.command in ("import", "export")
    genesis = None if stored else network_genesis(args)
    datadir = datadir_of(args)
    print(f"ethrex: datadir {datadir}", flush=True)
    store = open_store(datadir, durable)
    try:
        if stored and store.genesis_hash() is None:
            genesis = network_genesis(args)
        return Blockchain.open(store, genesis), datadir
    except EthrexError as exc:
        close_store(store)
        raise NodeError(str(exc)) from None


def jwt_secret(path: Path) -> bytes:
    """The Engine API secret in ``path`` (hex); a fresh random one is written when the file
    is missing, as geth does."""
    if not path.exists():
        if not path.parent.exists():
            make_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("0x" + secrets.token_hex(32))
        print(f"ethrex: wrote a new JWT secret to {path}", flush=True)
    text = path.read_text().strip()
    try:
        secret = bytes.fromhex(text[2:] if text.startswith("0x") else text)
    except ValueError:
        raise NodeError(f"JWT secret {path} is not hex") from None
    if len(secret) != 32:
        raise NodeError(f"JWT secret {path} is {len(secret)} bytes, expected 32")
    return secret


def import_file(chain: Blockchain, path: str, keep_inner_states: bool = True) -> None:
    """Import a chain file showing its progress (``ethrex.progress``: a bar on a terminal,
    lines otherwise; with debug logging a line per block, its number and hash);
    ``NodeError`` at the first bad block. Without ``keep_inner_states`` (``--gcmode full``)
    only each commit group's last block keeps its state."""
    per_block = log.isEnabledFor(logging.DEBUG)
    shown: list[Progress] = []

    def show(p: ImportProgress) -> None:
        if per_block:
            print(p.line(), flush=True)
            return
        if not shown:
            shown.append(Progress(p.total, "blocks", sys.stdout, label=f"import {path}"))
        shown[0].update(p.imported + p.skipped, p.gas)

    try:
        result = import_chain_file(chain, path, show, 0.0, keep_inner_states=keep_inner_states)
    except FileNotFoundError:
        raise NodeError(f"import: no such file {path}") from None
    except ChainFileError as exc:
        raise NodeError(f"import {path}: {exc}") from None
    except BlockImportError as exc:
        raise NodeError(f"import {path} stopped: {exc}") from None
    finally:
        if shown:
            shown[0].finish()
    print(result.line(), flush=True)


def check_chain_file(path: str) -> None:
    """Refuse a missing or truncated chain file before anything else is touched."""
    try:
        ChainFile(path).close()
    except FileNotFoundError:
        raise NodeError(f"import: no such file {path}") from None
    except OSError as exc:
        raise NodeError(f"import: cannot read {path}: {exc.strerror}") from None
    except ChainFileError as exc:
        raise NodeError(f"import {path}: {exc}") from None


# -- subcommands -------------------------------------------------------------------------------

def cmd_init(args: argparse.Namespace) -> int:
    """Write the genesis of the file ``args.file`` into the datadir (``geth init``)."""
    args.network = args.file
    start = time.perf_counter()
    chain, _ = open_chain(args)
    try:
        print(f"ethrex: genesis 0x{chain.genesis_hash().hex()} in "
              f"{time.perf_counter() - start:.2f}s", flush=True)
    finally:
        close_store(chain.store)
    return 0


def start_metrics(args: argparse.Namespace, chain: Blockchain, datadir: Path) -> Metrics | None:
    """The Prometheus endpoint when ``--metrics`` asks for it (up before any import, so a
    scrape sees the import's progress)."""
    if not args.metrics:
        return None
    metrics = Metrics(chain, datadir / CHAINDATA, args.network or "dev")
    server = MetricsServer(metrics, args.metrics_addr, args.metrics_port)
    try:
        server.start()
    except OSError as exc:
        raise NodeError(f"metrics: cannot listen on {args.metrics_addr}:{args.metrics_port}: "
                        f"{exc.strerror or exc}") from None
    metrics.server = server
    print(f"ethrex: metrics on http://{server.host}:{server.port}/metrics", flush=True)
    return metrics


def stop_metrics(metrics: Metrics | None) -> None:
    if metrics is not None and metrics.server is not None:
        metrics.server.stop()


def cmd_import(args: argparse.Namespace) -> int:
    """``ethrex import``: a bulk import, its commits flushed to disk once, when it ends (a
    killed import still resumes; after an OS crash during it, import again into a fresh
    datadir: see ``ethrex.storage.lmdb_backend``)."""
    check_chain_file(args.file)
    chain, datadir = open_chain(args, durable=False)
    metrics = None
    try:
        metrics = start_metrics(args, chain, datadir)
        import_file(chain, args.file, args.gcmode == "archive")
    finally:
        stop_metrics(metrics)
        close_store(chain.store)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    chain, _ = open_chain(args)
    try:
        head = chain.head_header().number
        first = args.first if args.first is not None else 0
        last = head if args.last is None else min(args.last, head)
        if first < 0 or first > last:
            raise NodeError(f"export: empty range {first}..{last} (head is #{head})")
        tmp = Path(args.file + ".tmp")
        count = 0
        with open(tmp, "wb") as out:
            for _ in write_blocks(out, chain.store.canonical_blocks(first, last)):
                count += 1
        os.replace(tmp, args.file)  # a complete file or none
        print(f"exported {count} blocks #{first}..#{first + count - 1} to {args.file}",
              flush=True)
    finally:
        close_store(chain.store)
    return 0


def cmd_removedb(args: argparse.Namespace) -> int:
    datadir = datadir_of(args)
    path = datadir / CHAINDATA
    if not path.exists():
        print(f"ethrex: no database at {path}", flush=True)
        return 0
    close_store(open_store(datadir))  # refuses while a node holds the datadir
    shutil.rmtree(path)
    print(f"ethrex: removed {path}", flush=True)
    return 0


# -- the node ----------------------------------------------------------------------------------

def run_node(args: argparse.Namespace) -> int:
    """Open the chain (importing ``--import`` first), serve until SIGINT/SIGTERM."""
    if args.import_path:
        check_chain_file(args.import_path)
    # Until the event loop takes over, SIGTERM stops the node like Ctrl-C: between blocks or
    # inside one, whose store transaction then never commits.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    # While EVM threads (RPC calls, traces, block import) keep the GIL busy, the event loop and
    # the writer thread wait a whole switch interval for it after every socket write and LMDB
    # call: a block's newHeads fan-out or commit makes hundreds of those. At 1 ms, an Engine
    # API call beside one trace bomb took up to 0.6 s (1.8 s on CI); at 0.1 ms, under 0.1 s
    # (tests/hostile/test_combined.py), the trace itself ~6% slower. It costs nothing while only
    # one thread runs.
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        return _run_node(args)
    except KeyboardInterrupt:
        print("ethrex: stopped", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def start_exec_thread() -> ThreadPoolExecutor:
    """The block-execution thread. Its first job loads the KZG trusted setup (seconds, outside
    the GIL): loaded on first use instead, the first blob transaction held every Engine API
    call behind it for that long, past the 1 s a consensus client waits for getPayload
    (execution-apis engine/paris.md timeouts; prysm missed its proposal)."""
    executor = ThreadPoolExecutor(1, thread_name_prefix="ethrex-exec")
    executor.submit(load_trusted_setup)
    return executor


def _run_node(args: argparse.Namespace) -> int:
    chain, datadir = open_chain(args)
    metrics = None
    try:
        metrics = start_metrics(args, chain, datadir)
        if args.import_path:
            import_file(chain, args.import_path, args.gcmode == "archive")
        secret_path = Path(args.authrpc_jwtsecret) if args.authrpc_jwtsecret \
            else datadir / JWT_FILE
        secret = jwt_secret(secret_path)
        limits = fit_connection_caps(rpc_limits(args), raise_file_limit())
        executor = start_exec_thread()
        keys = dict(_dev_accounts(args)) if args.dev else None
        ctx = node_context(chain, executor, dev_mode=args.dev, network=args.network or "dev",
                           datadir=datadir, jwt_secret=secret, dev_keys=keys, limits=limits)
        ctx.engine.gas_limit = args.miner_gaslimit
        if ctx.dev is not None:
            ctx.dev.automine = not args.dev_period
            print_dev_accounts(_dev_accounts(args), args.dev_mnemonic)
        head = chain.head_header()
        print(f"ethrex: head #{head.number} 0x{head.hash().hex()}", flush=True)
        if metrics is not None:
            metrics.ctx = ctx
        try:
            run_tasks(serve(ctx, args, metrics))
        finally:
            executor.shutdown(wait=True)
    finally:
        stop_metrics(metrics)
        close_store(chain.store)
    print("ethrex: stopped", flush=True)
    return 0


def run_tasks(main: Coroutine[Any, Any, None]) -> None:
    """Run the node's tasks; a failed task stops them all and is reported as a
    ``NodeError`` (one line for ours, the traceback in the log for a bug)."""
    try:
        asyncio.run(main)
    except ExceptionGroup as group:  # a task or server failed: say which, exit non-zero
        first = group.exceptions[0]
        while isinstance(first, ExceptionGroup):
            first = first.exceptions[0]
        if isinstance(first, (NodeError, L2ConfigError)):
            raise NodeError(str(first)) from None
        log.error("node task failed", exc_info=first)
        raise NodeError(f"stopped by a failure: {type(first).__name__}: {first}") from None


async def until_signal(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """``run(stop)`` with ``stop`` set by SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def serve(ctx: NodeContext, args: argparse.Namespace,
                metrics: Metrics | None = None) -> None:
    """Start the RPC servers and, with ``--dev``, the block producer; wait for SIGINT or
    SIGTERM; stop them in reverse order. Every task belongs to one TaskGroup."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[RpcServer] = []
    try:
        async with asyncio.TaskGroup() as group:
            for name, server in _servers(ctx, args, metrics):
                try:
                    await server.start()
                except OSError as exc:
                    raise NodeError(f"{name}: cannot listen on {server.host}:{server.port}: "
                                    f"{exc.strerror or exc}") from None
                started.append(server)
                print(f"ethrex: {name} listening on {server.host}:{server.port}", flush=True)
            p2p = await start_p2p(ctx, args)
            if p2p is not None:
                started.append(p2p)
                p2p_task = group.create_task(p2p.run())
            producer = _dev_producer(ctx, args)
            task = group.create_task(producer) if producer is not None else None
            print("ethrex: ready (Ctrl-C or SIGTERM stops)", flush=True)
            await stop.wait()
            if task is not None:
                task.cancel()
            if p2p is not None:
                p2p_task.cancel()
    finally:
        for server in reversed(started):
            await server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def start_p2p(ctx: NodeContext, args: argparse.Namespace) -> P2PService | None:
    """The devp2p service (``ethrex.p2p``) unless ``--p2p.maxpeers 0`` (the default of
    ``--dev``): binds its ports, prints the enode, and is kept in the context for the admin and
    net RPC namespaces and the Engine API's sync hook."""
    if args.max_peers == 0 or ctx.datadir is None:
        return None
    urls = [u.strip() for u in args.bootnodes.split(",") if u.strip()] \
        or list(BOOTNODES.get(ctx.network, ()))
    bootnodes = []
    for url in urls:
        try:
            bootnodes.append(parse_node(url))
        except InvalidEnode as exc:
            raise NodeError(f"--bootnodes: {exc}") from None
    external_ip = None
    if args.nat:
        kind, _, ip = args.nat.partition(":")
        if kind != "extip" or not ip:
            raise NodeError(f"--nat {args.nat}: only extip:IP is supported")
        external_ip = ip
    config = P2PConfig(
        private_key=load_node_key(ctx.datadir), listen_addr=args.p2p_addr,
        tcp_port=args.p2p_port, discovery_addr=args.discovery_addr,
        udp_port=args.discovery_port, discovery=not args.nodiscover, bootnodes=tuple(bootnodes),
        max_peers=args.max_peers, client_id=ctx.client_version, sync_mode=args.syncmode,
        external_ip=external_ip)
    service = P2PService(ctx.chain, ctx.mempool, ctx.executor, config, ctx.datadir)
    if args.sync_target:
        service.sync.request_sync(args.sync_target)
    ctx.engine.on_unknown_head = service.sync.request_sync
    try:
        await service.start()
    except OSError as exc:
        raise NodeError(f"p2p: cannot listen on {args.p2p_addr}:{args.p2p_port}: "
                        f"{exc.strerror or exc}") from None
    ctx.peers = service
    print(f"ethrex: p2p listening on {args.p2p_addr}:{service.tcp_port}, discovery on "
          f"{args.discovery_addr}:{service.udp_port}", flush=True)
    print(f"ethrex: enode {service.enode.url()}", flush=True)
    return service


NAMESPACES_HELP = (f"of {','.join(NAMESPACES)} (default: {','.join(DEFAULT_NAMESPACES)}, and the "
                   "dev ones on --dev)")


def namespaces_flag(text: str) -> tuple[str, ...]:
    """The value of ``--http.api``/``--ws.api`` (``ethrex.rpc.api.parse_namespaces``; the
    command line reaches the RPC edge only through this module): an unknown namespace is a
    usage error."""
    try:
        return parse_namespaces(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _servers(ctx: NodeContext, args: argparse.Namespace,
             metrics: Metrics | None = None) -> list[tuple[str, RpcServer]]:
    """The JSON-RPC servers of the node: public HTTP (``--http.api``; WebSocket on the same
    port, ``--ws.api``) and the JWT-guarded Engine API (which serves the public namespaces too,
    as geth's does); every handler timed when ``--metrics`` is on."""
    def table(namespaces: tuple[str, ...] | None = None) -> dict[str, Any]:
        handlers = rpc_handlers(ctx, namespaces)
        return handlers if metrics is None else instrument(handlers, metrics.rpc)

    public = table()
    engine_table = engine_handlers(ctx.engine, ctx.executor)
    if metrics is not None:
        engine_table = instrument(engine_table, metrics.rpc)
    ws = None if args.ws_api is None else table(args.ws_api)
    limits = ctx.limits
    http = RpcServer(public if args.http_api is None else table(args.http_api),
                     args.http_addr, args.http_port, ws_handlers=ws,
                     cors=_names(args.http_corsdomain), vhosts=_names(args.http_vhosts),
                     ws_origins=_names(args.ws_origins), limits=limits)
    engine = RpcServer({**public, **engine_table},
                       args.authrpc_addr, args.authrpc_port, jwt_secret=ctx.jwt_secret,
                       vhosts=_names(args.authrpc_vhosts), limits=limits,
                       max_connections=limits.authrpc_max_connections)
    return [("http", http), ("authrpc", engine)]


def _names(flag: str) -> list[str]:
    """A comma-separated flag value as a list."""
    return [name.strip() for name in flag.split(",") if name.strip()]


def rpc_limits(args: argparse.Namespace) -> RpcLimits:
    """The ``--rpc.*`` limits of ``args`` (their dests are ``RpcLimits``' fields)."""
    return RpcLimits(**{f.name: getattr(args, f.name) for f in fields(RpcLimits)})


FD_RESERVE = 256  # files the node needs besides client connections: store, peers, logs


def raise_file_limit() -> int:
    """Raise the soft open-file limit to the hard one, as geth does; the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft == resource.RLIM_INFINITY:
        return soft if soft != resource.RLIM_INFINITY else 1 << 20
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def fit_connection_caps(limits: RpcLimits, file_limit: int) -> RpcLimits:
    """``limits`` with the public port's connection cap lowered, if need be, so that both
    ports' caps and ``FD_RESERVE`` fit in ``file_limit``: a full public port then leaves the
    Engine API its descriptors."""
    room = file_limit - FD_RESERVE - limits.authrpc_max_connections
    if limits.max_connections <= room:
        return limits
    cap = max(room, 1)
    print(f"ethrex: warning: --rpc.max-connections {limits.max_connections} lowered to {cap} "
          f"(open-file limit {file_limit})", flush=True)
    return replace(limits, max_connections=cap)


def _dev_producer(ctx: NodeContext, args: argparse.Namespace) -> Coroutine[Any, Any, None] | None:
    """The dev-mode block producer (``ethrex.dev``) when ``--dev`` asks for it: a block every
    ``--dev.period`` seconds, or one per transaction when the period is 0."""
    if not args.dev:
        return None
    return run_dev_producer(ctx, args.dev_period or None)


def main_error(exc: EthrexError) -> int:
    """One line on stderr, exit code 1."""
    print(f"ethrex: error: {exc}", file=sys.stderr, flush=True)
    return 1


# -- the L2 -----------------------------------------------------------------------------------

L2_DEV_SEQUENCER = 9  # the dev account that deploys, owns and sequences
L2_DEV_ATTESTER = 8  # the dev account whose attestations L1 accepts (--proofs ...attested)
DEPLOYMENT_FILE = "deployment.json"


def open_l2_chain(datadir: Path, chain_id: int) -> Blockchain:
    """The L2 chain of ``chain_id`` in ``datadir`` (its genesis written on first use)."""
    store = open_store(datadir)
    try:
        return Blockchain.open(store, l2_genesis(chain_id), hooks=L2Hooks())
    except EthrexError as exc:
        close_store(store)
        raise NodeError(str(exc)) from None


def run_l2(args: argparse.Namespace) -> int:
    """``ethrex l2``: the sequencer node until SIGINT or SIGTERM."""
    config, chain_id = sequencer_config(args)
    datadir = Path(args.datadir).expanduser() if args.datadir else default_datadir() / "l2"
    print(f"ethrex l2: datadir {datadir}", flush=True)
    chain = open_l2_chain(datadir, chain_id)
    executor = start_exec_thread()
    try:
        ctx = node_context(chain, executor, network="l2", datadir=datadir)
        head = chain.head_header()
        print(f"ethrex l2: chain {chain_id}, head #{head.number} 0x{head.hash().hex()}",
              flush=True)
        run_tasks(until_signal(lambda stop: serve_l2(ctx, config, stop)))
    except KeyboardInterrupt:
        pass
    finally:
        executor.shutdown(wait=True)
        close_store(chain.store)
    print("ethrex l2: stopped", flush=True)
    return 0


def run_l2_reconstruct(args: argparse.Namespace) -> int:
    """``ethrex l2 reconstruct``: the L2 chain rebuilt into ``--datadir`` from L1's committed
    batches and their published data (``ethrex.l2.reconstruct``)."""
    proposer, chain_id = args.proposer, args.l2_chain_id
    if args.deployment is not None:
        deployment = Deployment.read(args.deployment)
        proposer = proposer or bytes.fromhex(deployment.on_chain_proposer[2:])
        chain_id = chain_id if chain_id is not None else deployment.l2_chain_id
    if proposer is None:
        raise L2ConfigError("ethrex l2 reconstruct needs --proposer or --deployment FILE")
    chain_id = chain_id if chain_id is not None else L2_CHAIN_ID
    secret = None
    if args.from_l1_engine:
        if args.l1_jwt_secret is None or not args.l1_jwt_secret.exists():
            raise L2ConfigError("--from-l1-engine needs --l1.jwt-secret FILE (the L1 node's)")
        secret = jwt_secret(args.l1_jwt_secret)
    datadir = Path(args.datadir).expanduser()
    chain = open_l2_chain(datadir, chain_id)

    async def rebuild() -> int:
        async with EthClient(args.l1_rpc) as l1:
            if args.from_l2:
                async with EthClient(args.from_l2) as l2:
                    return await reconstruct(chain, l1, proposer, DataSource(l2=l2), _say)
            if args.from_l1_engine:
                async with EthClient(args.from_l1_engine, jwt_secret=secret) as engine:
                    return await reconstruct(chain, l1, proposer, DataSource(engine=engine),
                                             _say)
            return await reconstruct(chain, l1, proposer,
                                     DataSource(files=BatchFiles(args.blobs)), _say)

    try:
        last = asyncio.run(rebuild())
        head = chain.head_header()
    finally:
        close_store(chain.store)
    print(f"ethrex l2 reconstruct: {last} batches, head #{head.number} 0x{head.hash().hex()}, "
          f"state root 0x{head.state_root.hex()}, in {datadir}", flush=True)
    return 0


def _say(line: str) -> None:
    print(f"ethrex l2 reconstruct: {line}", flush=True)


def run_l2_dev(args: argparse.Namespace) -> int:
    """``ethrex l2 --dev``: an L1 dev chain (blocks every ``--dev.l1-period`` seconds, RPC on
    ``--dev.l1-port``), the rollup's contracts deployed on it (once per datadir) and the L2
    sequencing on it, in one process."""
    datadir = Path(args.datadir).expanduser() if args.datadir else default_datadir() / "l2-dev"
    chain_id = args.l2_chain_id if args.l2_chain_id is not None else L2_CHAIN_ID
    print(f"ethrex l2 --dev: datadir {datadir}", flush=True)
    store = open_store(datadir / "l1")
    try:
        l1_chain = Blockchain.open(store, dev_genesis())
    except EthrexError as exc:
        close_store(store)
        raise NodeError(str(exc)) from None
    l2_chain = open_l2_chain(datadir / "l2", chain_id)
    l1_exec, l2_exec = start_exec_thread(), start_exec_thread()
    try:
        l1_ctx = node_context(l1_chain, l1_exec, dev_mode=True, network="dev",
                              datadir=datadir / "l1", dev_keys=dict(dev_accounts()))
        l1_ctx.dev.automine = not args.dev_l1_period  # with a period: a block per period only
        print_dev_accounts(dev_accounts())
        l2_ctx = node_context(l2_chain, l2_exec, network="l2", datadir=datadir / "l2")
        run_tasks(until_signal(lambda stop: _serve_l2_dev(l1_ctx, l2_ctx, args, chain_id,
                                                          datadir, stop)))
    except KeyboardInterrupt:
        pass
    finally:
        l1_exec.shutdown(wait=True)
        l2_exec.shutdown(wait=True)
        close_store(l2_chain.store)
        close_store(l1_chain.store)
    print("ethrex l2 --dev: stopped", flush=True)
    return 0


async def _dev_deployment(l1_url: str, key: bytes, chain_id: int, datadir: Path,
                          validium: bool, proofs: tuple[str, ...]) -> Deployment:
    """The contracts on the dev L1: deployed once, then read from the datadir. Attested
    proofs are signed by dev account ``L2_DEV_ATTESTER``."""
    path = datadir / DEPLOYMENT_FILE
    async with EthClient(l1_url) as l1:
        if path.exists():
            deployment = Deployment.read(path)
            if await l1.code(bytes.fromhex(deployment.bridge[2:])):
                return deployment
        sender = TxSender(l1, key, bump_after=5.0)
        attesters = (dev_accounts()[L2_DEV_ATTESTER][0],) if "attested" in proofs else ()
        deployment = await deploy(sender, sender.address, l2_chain_id=chain_id,
                                  validium=validium, proofs=proofs, attesters=attesters)
    deployment.write(path)
    return deployment


async def _serve_l2_dev(l1_ctx: NodeContext, l2_ctx: NodeContext, args: argparse.Namespace,
                        chain_id: int, datadir: Path, stop: asyncio.Event) -> None:
    l1_server = RpcServer(rpc_handlers(l1_ctx), "127.0.0.1", args.dev_l1_port)
    try:
        await l1_server.start()
    except OSError as exc:
        raise NodeError(f"L1 dev chain: cannot listen on 127.0.0.1:{args.dev_l1_port}: "
                        f"{exc.strerror or exc}") from None
    l1_url = f"http://127.0.0.1:{args.dev_l1_port}"
    print(f"ethrex l2 --dev: L1 dev chain (chain id {l1_ctx.config.chain_id}) at {l1_url}",
          flush=True)
    try:
        async with asyncio.TaskGroup() as group:
            producer = group.create_task(run_dev_producer(l1_ctx, args.dev_l1_period))
            address, key = dev_accounts()[L2_DEV_SEQUENCER]
            deployment = await _dev_deployment(l1_url, key, chain_id, datadir, args.validium,
                                               args.proofs)
            print(f"ethrex l2 --dev: CommonBridge {deployment.bridge}, OnChainProposer "
                  f"{deployment.on_chain_proposer} (owner and sequencer: dev account "
                  f"{L2_DEV_SEQUENCER}, 0x{address.hex()}); L2 chain id {chain_id}; "
                  f"deployment in {datadir / DEPLOYMENT_FILE}", flush=True)
            args.l1_rpc = l1_url
            config, _ = sequencer_config(args, deployment, key)
            await serve_l2(l2_ctx, config, stop)
            producer.cancel()
    finally:
        await l1_server.stop()
