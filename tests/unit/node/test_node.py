"""Small pieces of the node: flags, the default data directory, the JWT secret file."""

import os
import stat
import threading
from pathlib import Path

import pytest

from ethrex.cli import parse_node_args
from ethrex import node
from ethrex.node import NodeError, default_datadir, jwt_secret, start_exec_thread


def test_seed_flags_parse_to_the_names_run_node_reads() -> None:
    args = parse_node_args([
        "--network", "hoodi", "--datadir", "/d", "--import", "c.rlp", "--http.addr", "0.0.0.0",
        "--http.port", "1", "--authrpc.addr", "::1", "--authrpc.port", "2",
        "--authrpc.jwtsecret", "j.hex", "--p2p.addr", "1.2.3.4", "--p2p.port", "3",
        "--discovery.addr", "5.6.7.8", "--discovery.port", "4", "--bootnodes", "enode://x",
        "--log.level", "debug", "--syncmode", "snap", "--dev", "--dev.period", "2.5",
    ])
    assert (args.network, args.datadir, args.import_path) == ("hoodi", "/d", "c.rlp")
    assert (args.http_addr, args.http_port, args.authrpc_addr, args.authrpc_port) == (
        "0.0.0.0", 1, "::1", 2)
    assert args.authrpc_jwtsecret == "j.hex"
    assert (args.p2p_addr, args.p2p_port, args.discovery_addr, args.discovery_port) == (
        "1.2.3.4", 3, "5.6.7.8", 4)
    assert (args.bootnodes, args.log_level, args.syncmode) == ("enode://x", "debug", "snap")
    assert args.dev and args.dev_period == 2.5 and args.command is None


def test_subcommands_and_the_dev_default() -> None:
    args = parse_node_args(["export", "out.rlp", "--first", "3", "--last", "9"])
    assert (args.command, args.file, args.first, args.last) == ("export", "out.rlp", 3, 9)
    assert parse_node_args([]).dev  # no --network: the dev chain
    assert not parse_node_args(["--network", "sepolia"]).dev
    for bad in (["import"], ["removedb", "x"], ["--first", "1"], ["frobnicate"]):
        with pytest.raises(SystemExit):
            parse_node_args(bad)


def test_default_datadir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_datadir() == tmp_path / "ethrex"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_datadir() == Path.home() / ".local" / "share" / "ethrex"


def test_jwt_secret_written_once_then_read(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "jwt.hex"
    secret = jwt_secret(path)
    assert len(secret) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert jwt_secret(path) == secret  # kept, not replaced
    other = tmp_path / "given.hex"
    other.write_text(("ab" * 32) + "\n")  # no 0x prefix, trailing newline: as geth accepts
    assert jwt_secret(other) == bytes.fromhex("ab" * 32)
    for bad in ("zz" * 32, "ab" * 31):
        other.write_text(bad)
        with pytest.raises(NodeError):
            jwt_secret(other)


def test_exec_thread_loads_the_kzg_setup_before_any_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded on first use, the KZG setup (seconds) held every Engine API call behind the first
    blob transaction: prysm's getPayload (1 s timeout) failed and its slot went empty (found by
    make localnet). The node's execution thread loads it first, before any call queues."""
    loaded_on: list[str] = []
    monkeypatch.setattr(node, "load_trusted_setup",
                        lambda: loaded_on.append(threading.current_thread().name))
    executor = start_exec_thread()
    try:
        first_call_on = executor.submit(lambda: threading.current_thread().name).result()
    finally:
        executor.shutdown(wait=True)
    assert loaded_on == [first_call_on]
    assert first_call_on.startswith("ethrex-exec")
