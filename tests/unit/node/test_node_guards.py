"""The node's own guards (issue 12): a private data directory (finding 8), the RPC limit flags
and their defaults, the open-file limit and the connection caps that fit under it."""

import resource
import stat
from dataclasses import replace
from pathlib import Path

from ethrex.cli import parse_node_args
from ethrex.node import (
    FD_RESERVE,
    close_store,
    fit_connection_caps,
    jwt_secret,
    open_store,
    raise_file_limit,
    rpc_limits,
)
from ethrex.rpc.limits import DEFAULT_LIMITS, MB


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_datadir_chaindata_lock_and_jwt_are_private(tmp_path: Path) -> None:
    datadir = tmp_path / "new" / "ethrex"
    close_store(open_store(datadir))
    jwt_secret(datadir / "jwt.hex")
    assert _mode(datadir) == 0o700
    assert _mode(datadir / "chaindata") == 0o700
    assert _mode(datadir / "LOCK") == 0o600
    assert _mode(datadir / "jwt.hex") == 0o600


def test_chaindata_of_an_earlier_version_is_tightened_the_users_folder_is_not(
        tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "chaindata").mkdir(mode=0o755)
    close_store(open_store(tmp_path))
    assert _mode(tmp_path / "chaindata") == 0o700
    assert _mode(tmp_path) == 0o755  # --datadir pointed at an existing folder of the user's


def test_limit_flags_default_to_rpc_limits_and_parse_units() -> None:
    assert rpc_limits(parse_node_args([])) == DEFAULT_LIMITS
    args = parse_node_args(["--rpc.gascap", "1000", "--rpc.evmtimeout", "500ms",
                            "--rpc.max-request-size", "10", "--rpc.idle-timeout", "2m",
                            "--rpc.max-connections", "7", "--ws.send-queue-size", "0.5",
                            "--http.corsdomain", "https://a.example,https://b.example"])
    limits = rpc_limits(args)
    assert (limits.gas_cap, limits.evm_timeout, limits.max_request_size, limits.idle_timeout,
            limits.max_connections, limits.ws_send_queue_size) == (
        1000, 0.5, 10 * MB, 120.0, 7, MB // 2)
    assert args.http_corsdomain == "https://a.example,https://b.example"
    assert (args.http_vhosts, args.authrpc_vhosts, args.ws_origins) == ("localhost",
                                                                        "localhost", "")


def test_open_file_limit_is_raised_and_the_public_cap_fits_under_it() -> None:
    limit = raise_file_limit()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert limit == soft and (hard == resource.RLIM_INFINITY or soft == hard)
    assert fit_connection_caps(DEFAULT_LIMITS, 100_000) == DEFAULT_LIMITS
    tight = fit_connection_caps(DEFAULT_LIMITS, 600)
    assert tight.max_connections == 600 - FD_RESERVE - DEFAULT_LIMITS.authrpc_max_connections
    assert tight.authrpc_max_connections == DEFAULT_LIMITS.authrpc_max_connections
    assert replace(tight, max_connections=500) == DEFAULT_LIMITS
