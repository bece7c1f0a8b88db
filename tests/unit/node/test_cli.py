"""The node's command line on the rpc-compat chain (Homestead through Osaka and the BPO forks):
import, restart, export, SIGKILL during an import, and bad input that must leave the store as
it was."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ethrex.blockchain.blockchain import Blockchain, UnknownBlock
from ethrex.blockchain.chainfile import ChainFile
from ethrex.cli import main
from ethrex.storage import Store
from ethrex.storage.schema import FLAT_ACCOUNTS, FLAT_STORAGE, TABLES
from ethrex.trie import Trie
from ethrex.types.account import decode_account
from ethrex.types.block import decode_block
from tests.fixtures_root import REPO_ROOT, fixtures_root


def rpc_compat() -> tuple[Path, Path]:
    root = fixtures_root() / "rpc-compat"
    return root / "genesis.json", root / "chain.rlp"


def file_blocks(path: Path) -> list[bytes]:
    """The block hashes of a chain file, in order."""
    with ChainFile(path) as blocks:
        return [decode_block(blocks.block(i)).hash() for i in range(len(blocks))]


def chain_args(datadir: Path) -> list[str]:
    genesis, _ = rpc_compat()
    return ["--network", str(genesis), "--datadir", str(datadir)]


def dump(datadir: Path) -> dict[str, dict[bytes, bytes]]:
    with Store.open(datadir / "chaindata") as store:
        return {table: dict(store.backend.scan(table)) for table in TABLES}


def check_consistent(datadir: Path) -> int:
    """The store reopens at a head whose block, canonical index and state agree: the flat
    tables rebuild exactly the head's state root. Returns the head number."""
    with Store.open(datadir / "chaindata") as store:
        chain = Blockchain.open(store)
        head = chain.head_header()
        head_hash = head.hash()
        assert store.get_block(head_hash) is not None
        assert store.get_canonical_hash(head.number) == head_hash
        assert store.get_canonical_hash(head.number + 1) is None
        assert store.flat_state_block() == head_hash
        accounts = Trie()
        for address_hash, leaf in store.backend.scan(FLAT_ACCOUNTS):
            accounts.put(address_hash, leaf)
            slots = Trie()
            for key, value in store.backend.scan(FLAT_STORAGE, address_hash):
                slots.put(key[32:], value)
            assert slots.root_hash() == decode_account(leaf).storage_root
        assert accounts.root_hash() == head.state_root
        state = chain.state_at(head_hash)  # the archive view of the same state
        assert state.state_root == head.state_root
        return head.number


def test_import_restart_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, chain_file = rpc_compat()
    hashes = file_blocks(chain_file)
    datadir = tmp_path / "node"
    assert main(["import", str(chain_file), *chain_args(datadir)]) == 0
    out = capsys.readouterr().out
    assert f"datadir {datadir}" in out
    assert "blocks/s" in out and "Mgas/s" in out
    assert check_consistent(datadir) == len(hashes)
    with Store.open(datadir / "chaindata") as store:
        assert store.head() == hashes[-1]
        assert [store.get_canonical_hash(n + 1) for n in range(len(hashes))] == hashes
    # A second import skips every known block.
    assert main(["import", str(chain_file), *chain_args(datadir)]) == 0
    assert f"({len(hashes)} already known)" in capsys.readouterr().out
    # Export, then import the export into a fresh datadir: the same chain.
    exported = tmp_path / "export.rlp"
    assert main(["export", str(exported), "--first", "1", *chain_args(datadir)]) == 0
    assert file_blocks(exported) == hashes
    assert exported.read_bytes() == chain_file.read_bytes()
    assert main(["export", str(tmp_path / "part.rlp"), "--first", "3", "--last", "5",
                 *chain_args(datadir)]) == 0
    assert file_blocks(tmp_path / "part.rlp") == hashes[2:5]
    other = tmp_path / "other"
    assert main(["import", str(exported), *chain_args(other)]) == 0
    assert dump(other) == dump(datadir)
    assert main(["removedb", "--datadir", str(other)]) == 0
    assert not (other / "chaindata").exists()


def test_init_then_import_and_export_without_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init`` writes the genesis once (``geth init``); ``import``/``export`` without
    ``--network`` then use the datadir's chain instead of reading the genesis again."""
    genesis, chain_file = rpc_compat()
    hashes = file_blocks(chain_file)
    datadir = tmp_path / "node"
    assert main(["init", str(genesis), "--datadir", str(datadir)]) == 0
    with Store.open(datadir / "chaindata") as store:
        genesis_hash = store.genesis_hash()
        assert store.head() == genesis_hash
    assert f"genesis 0x{genesis_hash.hex()}" in capsys.readouterr().out
    assert main(["import", str(chain_file), "--datadir", str(datadir)]) == 0
    assert check_consistent(datadir) == len(hashes)
    exported = tmp_path / "export.rlp"
    assert main(["export", str(exported), "--first", "1", "--datadir", str(datadir)]) == 0
    assert exported.read_bytes() == chain_file.read_bytes()
    reference = tmp_path / "reference"
    assert main(["import", str(chain_file), *chain_args(reference)]) == 0
    assert dump(reference) == dump(datadir)
    with pytest.raises(SystemExit):
        main(["init", "--datadir", str(datadir)])  # init needs the genesis file


def test_import_gcmode_full_keeps_whole_states_and_drops_the_rest(tmp_path: Path) -> None:
    """``--gcmode full`` stores the same chain, with the state of some blocks (each commit
    group's last, the head's) whole and the others absent, never a partial state."""
    _, chain_file = rpc_compat()
    hashes = file_blocks(chain_file)
    archive, full = tmp_path / "archive", tmp_path / "full"
    assert main(["import", str(chain_file), *chain_args(archive)]) == 0
    assert main(["import", str(chain_file), *chain_args(full), "--gcmode", "full"]) == 0
    assert check_consistent(full) == len(hashes)
    kept, everything = dump(full), dump(archive)
    pruned_nodes, all_nodes = kept.pop("trie_nodes"), everything.pop("trie_nodes")
    assert kept == everything  # blocks, receipts, indices, code and flat state alike
    assert pruned_nodes.items() < all_nodes.items()
    whole = 0
    with Store.open(full / "chaindata") as store:
        chain = Blockchain.open(store)
        for block_hash in hashes:
            root = store.get_header(block_hash).state_root  # type: ignore[union-attr]
            if not store.has_state(root):
                with pytest.raises(UnknownBlock):
                    chain.state_at(block_hash)
                continue
            whole += 1
            state = Trie(pruned_nodes, root, secure=True)
            for address_hash, leaf in state.items():  # every node of the state is there
                for _ in Trie(pruned_nodes, decode_account(leaf).storage_root).items():
                    pass
        assert store.has_state(store.get_header(hashes[-1]).state_root)  # type: ignore[union-attr]
    assert 0 < whole < len(hashes)
    # A second import skips every block, as in archive mode.
    assert main(["import", str(chain_file), *chain_args(full), "--gcmode", "full"]) == 0


def _ethrex(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ethrex", *args], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 30) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    proc.kill()
    raise AssertionError(f"no {text!r} in {lines} / {proc.stderr.read() if proc.stderr else ''}")


def test_node_imports_then_serves_until_sigterm_and_restarts_at_the_head(
    tmp_path: Path,
) -> None:
    _, chain_file = rpc_compat()
    last = len(file_blocks(chain_file))
    ports = ["--http.port", "0", "--authrpc.port", "0"]
    datadir = tmp_path / "node"
    proc = _ethrex(*chain_args(datadir), "--import", str(chain_file), *ports)
    _wait_for(proc, f"head #{last} ")
    _wait_for(proc, "ready")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert (datadir / "jwt.hex").read_text().startswith("0x")
    assert len(bytes.fromhex((datadir / "jwt.hex").read_text()[2:])) == 32
    proc = _ethrex(*chain_args(datadir), *ports)  # a restart reopens that head
    _wait_for(proc, f"head #{last} ")
    _wait_for(proc, "ready")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 0


@pytest.mark.parametrize("gcmode", ["archive", "full"])
def test_sigkill_during_import_leaves_a_consistent_resumable_store(
    tmp_path: Path, gcmode: str
) -> None:
    _, chain_file = rpc_compat()
    total = len(file_blocks(chain_file))
    datadir = tmp_path / "node"
    rng = random.Random(int(os.environ.get("ETHREX_KILL_SEED", "7")))
    heads = []
    head = 0
    while len(heads) < 8 and head < total - 3:
        # Debug logging prints a line per block: kill a few ms after a random block early in
        # what is left, which lands between blocks or inside one's store transaction.
        proc = _ethrex("import", str(chain_file), *chain_args(datadir), "--log.level", "debug",
                       "--gcmode", gcmode)
        target = rng.randrange(head + 1, head + 2 + (total - head) // 4)
        _wait_for(proc, f": #{target} ")
        time.sleep(rng.uniform(0.0, 0.005))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        if (datadir / "chaindata" / "data.mdb").exists():
            head = check_consistent(datadir)
            heads.append(head)
    print("heads after each kill:", heads)
    assert heads == sorted(heads)  # every restart resumed, never went back
    assert sum(0 < h < total for h in heads) >= 4, f"too few kills landed mid-import: {heads}"
    proc = _ethrex("import", str(chain_file), *chain_args(datadir), "--gcmode", gcmode)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert check_consistent(datadir) == total


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("ethrex: error: ")
    return err[0]


def test_bad_input_leaves_the_store_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    genesis, chain_file = rpc_compat()
    data = chain_file.read_bytes()
    datadir = tmp_path / "node"
    half = tmp_path / "half.rlp"
    half.write_bytes(data[: len(data) // 3])  # ends inside a block
    part = tmp_path / "part.rlp"
    with ChainFile(chain_file) as blocks:
        spans = blocks.spans
    part.write_bytes(data[: spans[9][1]])
    assert main(["import", str(part), *chain_args(datadir)]) == 0
    capsys.readouterr()
    before = dump(datadir)

    truncated = tmp_path / "truncated.rlp"
    truncated.write_bytes(data[: spans[20][1]] + data[spans[20][1] : spans[21][1] - 7])
    for bad in (half, truncated):
        assert main(["import", str(bad), *chain_args(datadir)]) == 1
        assert "truncated" in _one_error_line(capsys)
        assert dump(datadir) == before

    # A block that decodes but is invalid: the blocks before it stay, it names the bad one.
    tampered = bytearray(data[: spans[14][1]])
    start, end = spans[13]
    block = decode_block(bytes(tampered[start:end]))
    from dataclasses import replace

    from ethrex.types.block import Block, encode_block

    bad_block = Block(replace(block.header, gas_used=block.header.gas_used + 1),
                      block.transactions, block.ommers, block.withdrawals)
    bad_file = tmp_path / "bad.rlp"
    bad_file.write_bytes(bytes(tampered[:start]) + encode_block(bad_block))
    assert main(["import", str(bad_file), *chain_args(datadir)]) == 1
    line = _one_error_line(capsys)
    assert f"#{bad_block.header.number} 0x{bad_block.hash().hex()}" in line
    assert "gas" in line
    assert check_consistent(datadir) == 13

    # A genesis without a required field: no datadir is created.
    import json

    obj = json.loads(genesis.read_text())
    del obj["gasLimit"]
    broken = tmp_path / "genesis.json"
    broken.write_text(json.dumps(obj))
    fresh = tmp_path / "fresh"
    assert main(["import", str(chain_file), "--network", str(broken),
                 "--datadir", str(fresh)]) == 1
    assert "gasLimit" in _one_error_line(capsys)
    assert not fresh.exists()

    # An unwritable datadir: one line, nothing written anywhere.
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    assert main(["import", str(chain_file), *chain_args(blocker / "sub")]) == 1
    assert "datadir" in _one_error_line(capsys)
    assert blocker.read_text() == "a file, not a folder"
    if os.geteuid() != 0:  # root writes anywhere: the permission case needs a plain user
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert main(["import", str(chain_file), *chain_args(locked)]) == 1
        assert "not writable" in _one_error_line(capsys)

    # A datadir another node holds.
    from ethrex import node

    held = node.open_store(datadir)
    try:
        assert main(["import", str(chain_file), *chain_args(datadir)]) == 1
        assert "in use" in _one_error_line(capsys)
        assert main(["removedb", "--datadir", str(datadir)]) == 1
        assert "in use" in _one_error_line(capsys)
    finally:
        node.close_store(held)

    # A chain of another network: the first block names its unknown parent.
    assert main(["import", str(chain_file), "--network", "sepolia",
                 "--datadir", str(tmp_path / "sepolia")]) == 1
    assert "#1 " in (line := _one_error_line(capsys)) and "unknown parent" in line

    # A missing chain file, an unknown network.
    assert main(["import", str(tmp_path / "nope.rlp"), *chain_args(datadir)]) == 1
    assert "no such file" in _one_error_line(capsys)
    assert main(["import", str(chain_file), "--network", "nonet",
                 "--datadir", str(datadir)]) == 1
    assert "nonet" in _one_error_line(capsys)


def test_no_network_starts_the_dev_chain_with_rpc(tmp_path: Path) -> None:
    import json
    import urllib.request

    proc = _ethrex("--datadir", str(tmp_path / "dev"), "--http.port", "0",
                   "--authrpc.port", "0")
    lines = _wait_for(proc, "ready")
    http = next(line for line in lines if "http listening on" in line)
    port = int(http.rsplit(":", 1)[1])
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                         "params": []}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    from ethrex.dev import dev_genesis

    assert int(reply["result"], 16) == dev_genesis().config.chain_id


def test_only_the_bulk_import_opens_the_store_without_a_flush_per_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, chain_file = rpc_compat()
    opened: list[bool] = []
    real_open = Store.open

    def spy(path: Path, map_size: int = 1 << 40, durable: bool = True) -> Store:
        opened.append(durable)
        return real_open(path, map_size, durable)

    monkeypatch.setattr(Store, "open", spy)
    datadir = tmp_path / "node"
    assert main(["import", str(chain_file), *chain_args(datadir)]) == 0
    assert main(["export", str(tmp_path / "out.rlp"), *chain_args(datadir)]) == 0
    assert opened == [False, True]
    monkeypatch.undo()
    assert check_consistent(datadir) == len(file_blocks(chain_file))
