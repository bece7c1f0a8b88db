"""The ``ethrex l2`` command line: the sequencer node (the default), ``--dev`` (an L1 dev
chain, the contracts and the L2 in one process), ``deploy``, ``prover`` (a prover client of
the sequencer's proof coordinator), ``revert-batch``, ``reconstruct`` (the L2 rebuilt from L1
and the published batch data) and the user's commands ``deposit``, ``withdraw``,
``claim-withdrawal`` and ``balance``.

``ethrex.cli`` hands ``ethrex l2 ...`` here; the node itself is wired by ``ethrex.node``.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.errors import EthrexError
from ethrex.l2 import commands
from ethrex.l2.client import EthClient, NodeUnreachable
from ethrex.l2.deploy import Deployment, deploy
from ethrex.l2.genesis import L2_CHAIN_ID, l2_genesis
from ethrex.l2.errors import L2ConfigError
from ethrex.l2.node import DEFAULT_L2_PORT, DEFAULT_PROOF_PORT, SequencerConfig
from ethrex.l2.prover.backends import BACKENDS
from ethrex.l2.prover.client import ProverClient, run_prover
from ethrex.l2.sender import TxSender
from ethrex.l2.sequencer.committer import BatchPolicy

DEFAULT_L1_RPC = "http://127.0.0.1:8545"
DEFAULT_L2_RPC = f"http://127.0.0.1:{DEFAULT_L2_PORT}"
USER_COMMANDS = ("deploy", "prover", "revert-batch", "deposit", "withdraw", "claim-withdrawal",
                 "balance", "reconstruct")


def _hex_bytes(text: str, size: int, what: str) -> bytes:
    raw = text[2:] if text.startswith("0x") else text
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hex: {text!r}") from None
    if len(value) != size:
        raise argparse.ArgumentTypeError(f"{what} is {size} bytes, got {len(value)}")
    return value


def _key(text: str) -> bytes:
    return _hex_bytes(text, 32, "a private key")


def _address(text: str) -> bytes:
    return _hex_bytes(text, 20, "an address")


def _tx_hash(text: str) -> bytes:
    return _hex_bytes(text, 32, "a transaction hash")


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"not HOST:PORT: {text!r}")
    return host, int(port)


def _proof_types(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"proof types are a comma-separated list of "
                                         f"{', '.join(BACKENDS)}; got {text!r}")
    return names


def _ms(text: str) -> float:
    try:
        value = float(text) / 1000
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def l2_parser() -> argparse.ArgumentParser:
    """Every ``ethrex l2`` flag and subcommand."""
    p = argparse.ArgumentParser(
        prog="ethrex l2", description="The L2 rollup: sequencer node, deployment, bridge.")
    p.add_argument("--dev", action="store_true",
                   help="start an L1 dev chain, deploy the contracts and run the L2 on it")
    p.add_argument("--datadir", help="data directory (default: ~/.local/share/ethrex/l2, "
                   "with --dev ~/.local/share/ethrex/l2-dev)")
    p.add_argument("--http.addr", dest="http_addr", default="127.0.0.1")
    p.add_argument("--http.port", dest="http_port", type=int, default=DEFAULT_L2_PORT)
    p.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC, help="L1 JSON-RPC URL")
    p.add_argument("--deployment", type=Path,
                   help="the JSON file `ethrex l2 deploy --out` wrote (bridge, proposer, chain)")
    p.add_argument("--bridge", type=_address, help="the L1 CommonBridge (proxy) address")
    p.add_argument("--proposer", type=_address, help="the L1 OnChainProposer (proxy) address")
    p.add_argument("--committer.key", dest="committer_key", type=_key,
                   help="L1 key of the proposer's sequencer (sends commitBatch)")
    p.add_argument("--verifier.key", dest="verifier_key", type=_key,
                   help="L1 key that sends verifyBatch (default: the committer key; exec "
                        "proofs are accepted only from the sequencer)")
    p.add_argument("--proof.addr", dest="proof_addr", default="127.0.0.1",
                   help="the proof coordinator's TCP address")
    p.add_argument("--proof.port", dest="proof_port", type=int, default=DEFAULT_PROOF_PORT,
                   help=f"the proof coordinator's TCP port (default {DEFAULT_PROOF_PORT})")
    p.add_argument("--proof.lease", dest="proof_lease", type=float, default=60.0,
                   help="seconds a prover has for a batch before another prover gets it")
    p.add_argument("--exec-prover", dest="exec_prover", action="store_true",
                   help="also run an exec prover inside the sequencer (development; --dev "
                        "does unless --no-exec-prover)")
    p.add_argument("--no-exec-prover", dest="no_exec_prover", action="store_true",
                   help=argparse.SUPPRESS)
    p.add_argument("--test.wrong-state-root", dest="wrong_state_root_batch", type=int,
                   default=0, help=argparse.SUPPRESS)  # a faulty sequencer, for the tests
    p.add_argument("--proofs", type=_proof_types, default=("exec",),
                   help="with --dev: the proof types L1 requires (default exec)")
    p.add_argument("--l2.chain-id", dest="l2_chain_id", type=int, default=None,
                   help=f"the L2 chain id (default {L2_CHAIN_ID}, or the deployment file's)")
    p.add_argument("--block-time", dest="block_time", type=_ms, default=1.0,
                   help="milliseconds between L2 blocks (default 1000)")
    p.add_argument("--coinbase", type=_address, default=bytes(20),
                   help="L2 address that earns the priority fees")
    p.add_argument("--batch.max-age", dest="batch_max_age", type=_ms, default=10.0,
                   help="milliseconds after which a batch with transactions is committed "
                        "(default 10000)")
    p.add_argument("--batch.max-blocks", dest="batch_max_blocks", type=int, default=1000)
    p.add_argument("--batch.max-bytes", dest="batch_max_bytes", type=int, default=120_000,
                   help="RLP bytes of a batch's blocks (default 120000: one blob)")
    p.add_argument("--validium", action="store_true",
                   help="batches commit to data this node keeps (served by "
                        "ethrex_getBatchData) instead of carrying it in blobs; the proposer "
                        "must be deployed with --validium (the deployment file says so)")
    p.add_argument("--l1.confirmations", dest="confirmations", type=int, default=2,
                   help="L1 blocks on top of a deposit's before the L2 includes it")
    p.add_argument("--l1.poll", dest="l1_poll", type=_ms, default=1.0,
                   help="milliseconds between the L1 watcher's and committer's steps")
    p.add_argument("--l1.bump-after", dest="bump_after", type=float, default=12.0,
                   help="seconds without a receipt before an L1 transaction's fees are bumped")
    p.add_argument("--dev.l1-port", dest="dev_l1_port", type=int, default=8545,
                   help="with --dev: the L1 dev chain's HTTP port")
    p.add_argument("--dev.l1-period", dest="dev_l1_period", type=float, default=1.0,
                   help="with --dev: seconds between L1 blocks")
    p.add_argument("--log.level", dest="log_level", default="info",
                   choices=("error", "warn", "info", "debug", "trace"))

    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("deploy", help="deploy and initialize the L1 contracts")
    d.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC)
    d.add_argument("--private-key", dest="key", type=_key, required=True,
                   help="the deployer's L1 key (the owner, and the sequencer by default)")
    d.add_argument("--sequencer", type=_address, help="L1 address allowed to commit batches "
                   "(default: the deployer)")
    d.add_argument("--owner", type=_address, help="L1 owner of the contracts (default: the "
                   "deployer)")
    d.add_argument("--l2.chain-id", dest="l2_chain_id", type=int, default=L2_CHAIN_ID)
    d.add_argument("--validium", action="store_true",
                   help="batches commit to data kept off L1 rather than carry blobs")
    d.add_argument("--out", type=Path, help="write the deployment (JSON) to this file")
    d.add_argument("--proofs", type=_proof_types, default=("exec",),
                   help="the proof types verifyBatch requires, comma-separated: "
                        f"{', '.join(BACKENDS)} (default exec; e.g. exec,attested)")
    d.add_argument("--attester", dest="attesters", type=_address, action="append", default=[],
                   help="an L1 address whose attestations L1 accepts (repeatable)")

    pr = sub.add_parser("prover", help="prove committed batches for a sequencer's proof "
                                       "coordinator")
    pr.add_argument("--backend", choices=sorted(BACKENDS), required=True,
                    help="exec: re-execute and check; attested: re-execute and sign the "
                         "public inputs with --key")
    pr.add_argument("--coordinator", type=_host_port, required=True,
                    help="the sequencer's proof coordinator, HOST:PORT")
    pr.add_argument("--key", type=_key, help="the attester's private key (attested backend)")
    pr.add_argument("--poll", type=_ms, default=1.0,
                    help="milliseconds between asks when there is no work (default 1000)")
    pr.add_argument("--test.hold", dest="hold", type=float, default=0.0,
                    help=argparse.SUPPRESS)  # seconds before delivering a proof (tests)

    rv = sub.add_parser("revert-batch", help="drop committed, unverified batches from L1 so "
                                             "the sequencer commits them again")
    rv.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC)
    rv.add_argument("--l2.rpc", dest="l2_rpc", default=DEFAULT_L2_RPC)
    rv.add_argument("--private-key", dest="key", type=_key, required=True,
                    help="the sequencer's L1 key")
    rv.add_argument("batch", type=int, help="the first batch to revert (it and every later one)")

    r = sub.add_parser("reconstruct", help="rebuild the L2 chain from the batches committed "
                       "on L1 and their published data (blobs, or a validium's kept data)")
    r.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC)
    r.add_argument("--deployment", type=Path, help="the deployment file (for the proposer "
                   "and the L2 chain id)")
    r.add_argument("--proposer", type=_address, help="the L1 OnChainProposer (proxy) address")
    r.add_argument("--l2.chain-id", dest="l2_chain_id", type=int, default=None)
    r.add_argument("--datadir", required=True,
                   help="where to write the L2 chain (`ethrex l2 --datadir` starts from it); "
                        "a datadir rebuilt before is continued")
    source = r.add_mutually_exclusive_group(required=True)
    source.add_argument("--blobs", type=Path, help="a directory of blob files "
                        "(0x<versioned hash>.blob) and validium data files "
                        "(0x<commitment>.data), as a sequencer keeps them in "
                        "DATADIR/batch-data")
    source.add_argument("--from-l2", dest="from_l2",
                        help="an L2 node's RPC URL serving ethrex_getBatchData")
    source.add_argument("--from-l1-engine", dest="from_l1_engine",
                        help="an L1 node's Engine API URL (engine_getBlobs: the blobs it still "
                             "keeps); with --l1.jwt-secret")
    r.add_argument("--l1.jwt-secret", dest="l1_jwt_secret", type=Path,
                   help="the L1 node's Engine API JWT secret file (hex)")

    dep = sub.add_parser("deposit", help="deposit ether from L1 to L2")
    dep.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC)
    dep.add_argument("--l2.rpc", dest="l2_rpc", default=DEFAULT_L2_RPC,
                     help="asked for the bridge address when --bridge is not given")
    dep.add_argument("--bridge", type=_address)
    dep.add_argument("--private-key", dest="key", type=_key, required=True)
    dep.add_argument("--amount", required=True, help="e.g. 1, 0.5ether, 20gwei")
    dep.add_argument("--to", type=_address, help="L2 recipient (default: the key's address)")

    w = sub.add_parser("withdraw", help="withdraw ether from L2 to L1")
    w.add_argument("--l2.rpc", dest="l2_rpc", default=DEFAULT_L2_RPC)
    w.add_argument("--private-key", dest="key", type=_key, required=True)
    w.add_argument("--amount", required=True)
    w.add_argument("--to", type=_address, help="L1 receiver (default: the key's address)")

    c = sub.add_parser("claim-withdrawal", help="claim on L1 a withdrawal made on L2")
    c.add_argument("--l1.rpc", dest="l1_rpc", default=DEFAULT_L1_RPC)
    c.add_argument("--l2.rpc", dest="l2_rpc", default=DEFAULT_L2_RPC)
    c.add_argument("--private-key", dest="key", type=_key, required=True,
                   help="the receiver's L1 key")
    c.add_argument("--tx", dest="tx_hash", type=_tx_hash, required=True,
                   help="the L2 withdrawal transaction")
    c.add_argument("--timeout", type=float, default=300.0,
                   help="seconds to wait for the batch to be verified")

    b = sub.add_parser("balance", help="an address's balance on L2 (and on L1)")
    b.add_argument("address", type=_address)
    b.add_argument("--l2.rpc", dest="l2_rpc", default=DEFAULT_L2_RPC)
    b.add_argument("--l1.rpc", dest="l1_rpc", default=None, help="also show the L1 balance")
    return p


def sequencer_config(args: argparse.Namespace,
                     deployment: Deployment | None = None,
                     key: bytes | None = None) -> tuple[SequencerConfig, int]:
    """The sequencer's configuration and L2 chain id from ``ethrex l2``'s flags, or from a
    ``deployment`` and ``key`` (``--dev``)."""
    bridge, proposer, chain_id = args.bridge, args.proposer, args.l2_chain_id
    validium = args.validium
    committer_key = key or args.committer_key
    if args.deployment is not None and deployment is None:
        deployment = Deployment.read(args.deployment)
    if deployment is not None:
        bridge = bridge or bytes.fromhex(deployment.bridge[2:])
        proposer = proposer or bytes.fromhex(deployment.on_chain_proposer[2:])
        chain_id = chain_id if chain_id is not None else deployment.l2_chain_id
        validium = validium or deployment.validium
    missing = [flag for flag, value in (("--bridge", bridge), ("--proposer", proposer),
                                        ("--committer.key", committer_key))
               if value is None]
    if missing:
        raise L2ConfigError(f"the sequencer needs {', '.join(missing)} (or --deployment FILE "
                          "for the addresses; `ethrex l2 --dev` makes everything itself)")
    config = SequencerConfig(
        l1_url=args.l1_rpc, bridge=bridge, proposer=proposer,
        committer_key=committer_key, verifier_key=args.verifier_key or committer_key,
        coinbase=args.coinbase, block_time=args.block_time, confirmations=args.confirmations,
        l1_poll=args.l1_poll, bump_after=args.bump_after,
        policy=BatchPolicy(args.batch_max_blocks, args.batch_max_bytes, args.batch_max_age),
        http_addr=args.http_addr, http_port=args.http_port, validium=validium,
        proof_addr=args.proof_addr, proof_port=args.proof_port, proof_lease=args.proof_lease,
        exec_prover=(args.exec_prover or args.dev) and not args.no_exec_prover,
        wrong_state_root_batch=args.wrong_state_root_batch)
    return config, chain_id if chain_id is not None else L2_CHAIN_ID


async def _run_prover(args: argparse.Namespace) -> None:
    if args.backend == "attested" and args.key is None:
        raise L2ConfigError("the attested backend signs with --key")
    host, port = args.coordinator
    client = ProverClient(host, port, args.backend, BACKENDS[args.backend], args.key,
                          lambda chain_id: l2_genesis(chain_id).config, args.poll, args.hold)
    signer = f", attester 0x{private_key_to_address(args.key).hex()}" if args.key else ""
    print(f"ethrex l2 prover: {args.backend} backend{signer}, coordinator {host}:{port}",
          flush=True)
    await run_prover(client)


async def _run_command(args: argparse.Namespace) -> None:
    if args.command == "prover":
        await _run_prover(args)
        return
    if args.command == "deploy":
        async with EthClient(args.l1_rpc) as l1:
            sender = TxSender(l1, args.key)
            result = await deploy(sender, args.sequencer or sender.address, args.owner,
                                  args.l2_chain_id, args.validium, args.proofs,
                                  tuple(args.attesters))
        print_deployment(result)
        if args.out is not None:
            result.write(args.out)
            print(f"deployment written to {args.out}")
        return
    if args.command == "balance":
        async with EthClient(args.l2_rpc) as l2:
            print(f"L2 {commands.format_ether(await l2.balance(args.address))}")
        if args.l1_rpc:
            async with EthClient(args.l1_rpc) as l1:
                print(f"L1 {commands.format_ether(await l1.balance(args.address))}")
        return
    if args.command == "withdraw":
        amount = commands.parse_amount(args.amount)
        async with EthClient(args.l2_rpc) as l2:
            tx_hash = await commands.withdraw(l2, args.key, amount, args.to)
        print(f"withdrawal of {commands.format_ether(amount)} in L2 transaction 0x{tx_hash.hex()}")
        print(f"claim it on L1 once its batch is verified: ethrex l2 claim-withdrawal "
              f"--tx 0x{tx_hash.hex()} --private-key ...")
        return
    async with EthClient(args.l1_rpc) as l1, EthClient(args.l2_rpc) as l2:
        if args.command == "revert-batch":
            tx_hash = await commands.revert_batches(l1, l2, args.key, args.batch)
            print(f"batches from {args.batch} on reverted in L1 transaction 0x{tx_hash.hex()}; "
                  "the sequencer commits them again")
        elif args.command == "deposit":
            amount = commands.parse_amount(args.amount)
            bridge = args.bridge or (await commands.l1_contracts(l2))[0]
            tx_hash, deposit_id = await commands.deposit(l1, bridge, args.key, amount, args.to)
            to = args.to or private_key_to_address(args.key)
            print(f"deposit {deposit_id}: {commands.format_ether(amount)} to 0x{to.hex()} in L1 "
                  f"transaction 0x{tx_hash.hex()}")
        else:
            tx_hash, amount = await commands.claim_withdrawal(l1, l2, args.key, args.tx_hash,
                                                              args.timeout)
            print(f"claimed {commands.format_ether(amount)} in L1 transaction "
                  f"0x{tx_hash.hex()}")


def print_deployment(d: Deployment) -> None:
    print(f"CommonBridge     {d.bridge}\nOnChainProposer  {d.on_chain_proposer}\n"
          f"owner {d.owner}, sequencer {d.sequencer}, L1 chain {d.l1_chain_id}, "
          f"L2 chain {d.l2_chain_id}, deployed at L1 block {d.deployed_at_block}"
          f"{', validium' if d.validium else ''}; proofs {','.join(d.proofs)}"
          f"{' attesters ' + ','.join(d.attesters) if d.attesters else ''}", flush=True)


def run_command(args: argparse.Namespace) -> int:
    """Run a deploy or user command; one line on stderr and exit code 1 when it fails."""
    try:
        asyncio.run(_run_command(args))
    except KeyboardInterrupt:
        return 0
    except NodeUnreachable as exc:
        print(f"ethrex l2: error: no answer from the node: {exc}", file=sys.stderr)
        return 1
    except EthrexError as exc:
        print(f"ethrex l2: error: {exc}", file=sys.stderr)
        return 1
    return 0
