"""Senders recovered ahead in a worker process (``SenderPrefetch``) during an import: the same
chain and the same errors as without it, and a worker that dies or is left behind costs
nothing but the head start."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.chainfile import ChainFile
from ethrex.blockchain.importer import BlockImportError, import_chain_file
from ethrex.blockchain.senders import SenderPrefetch, block_senders
from ethrex.storage import Store
from ethrex.types.block import Block, decode_block, encode_block
from ethrex.types.genesis import load_genesis
from ethrex.types.transactions import recover_sender
from tests.fixtures_root import REPO_ROOT, fixtures_root


def rpc_compat() -> tuple[Path, Path]:
    root = fixtures_root() / "rpc-compat"
    return root / "genesis.json", root / "chain.rlp"


def open_chain(datadir: Path) -> Blockchain:
    genesis, _ = rpc_compat()
    return Blockchain.open(Store.open(datadir), load_genesis(genesis))


def whole_file(chain_file: Path) -> tuple[bytes, list[tuple[int, int]]]:
    """The file's bytes and its blocks' spans."""
    with ChainFile(chain_file) as blocks:
        return chain_file.read_bytes(), blocks.spans


def blocks_with_transactions() -> list[Block]:
    _, chain_file = rpc_compat()
    with ChainFile(chain_file) as chain_blocks:
        blocks = [decode_block(chain_blocks.block(i)) for i in range(len(chain_blocks))]
    return [b for b in blocks if b.transactions]


def test_block_senders_recovers_each_sender_and_marks_the_unrecoverable() -> None:
    block = blocks_with_transactions()[0]
    assert block_senders(encode_block(block)) == [recover_sender(tx) for tx in block.transactions]
    tx = block.transactions[0]
    bad = Block(block.header, (replace(tx, r=0), *block.transactions[1:]), block.ommers,
                block.withdrawals)
    assert block_senders(encode_block(bad))[0] is None  # r = 0 recovers no key
    assert block_senders(b"\xc3\x01\x02\x03") == []  # does not decode: the importer says so


def test_import_with_and_without_the_worker_gives_the_same_chain(tmp_path: Path) -> None:
    _, chain_file = rpc_compat()
    heads = []
    for prefetch in (False, True):
        chain = open_chain(tmp_path / f"prefetch-{prefetch}")
        done = import_chain_file(chain, chain_file, prefetch=prefetch)
        assert done.imported == done.total == 54
        heads.append((chain.head_header().hash(), chain.head_header().state_root))
        chain.store.close()
    assert heads[0] == heads[1]


def test_a_bad_signature_is_refused_the_same_way_with_the_worker(tmp_path: Path) -> None:
    _, chain_file = rpc_compat()
    data, spans = whole_file(chain_file)
    blocks = [decode_block(data[a:b]) for a, b in spans]
    index = next(i for i, b in enumerate(blocks) if i > 5 and b.transactions)
    block = blocks[index]
    tx = block.transactions[0]
    bad = Block(block.header, (replace(tx, s=tx.s + 1), *block.transactions[1:]),
                block.ommers, block.withdrawals)  # recovers another sender
    bad_file = tmp_path / "bad.rlp"
    bad_file.write_bytes(data[: spans[index][0]] + encode_block(bad) + data[spans[index][1]:])
    errors = []
    for prefetch in (False, True):
        chain = open_chain(tmp_path / f"prefetch-{prefetch}")
        with pytest.raises(BlockImportError) as caught:
            import_chain_file(chain, bad_file, prefetch=prefetch)
        errors.append(str(caught.value))
        assert chain.head_header().number == index  # the blocks before it stay
        chain.store.close()
    assert errors[0] == errors[1]
    assert f"#{index + 1} " in errors[0]


def test_a_dead_worker_costs_only_the_head_start() -> None:
    _, chain_file = rpc_compat()
    data, spans = whole_file(chain_file)
    expected = [block_senders(data[a:b]) or None for a, b in spans]
    assert any(expected[:3]) and any(expected[20:])
    with SenderPrefetch(chain_file, len(spans)) as prefetch:
        assert prefetch.senders(1) == expected[1]
        assert prefetch.senders(3) == expected[3]  # a skipped block is dropped
        assert prefetch.senders(2) is None  # behind: its answer is gone
        assert prefetch.senders(12) == expected[12]  # far ahead of what was asked
        process = prefetch._process
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        got = [prefetch.senders(i) for i in range(13, len(spans))]
    assert all(g is None or g == e for g, e in zip(got, expected[13:], strict=True))
    assert got[-1] is None  # the worker is gone: the caller recovers


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_the_worker_ends_with_a_killed_importer(tmp_path: Path) -> None:
    """``kill -9`` of ``ethrex import`` leaves no worker behind."""
    genesis, chain_file = rpc_compat()
    data = chain_file.read_bytes()
    long_file = tmp_path / "long.rlp"  # long enough for a worker: the chain, then itself again
    long_file.write_bytes(data + data)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ethrex", "import", str(long_file), "--network", str(genesis),
         "--datadir", str(tmp_path / "node")],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            workers = [c for c in _children(proc.pid)
                       if b"ethrex.blockchain.senders" in Path(f"/proc/{c}/cmdline").read_bytes()]
            time.sleep(0.01)
        assert workers, "no sender worker started"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
            time.sleep(0.05)
        assert not any(Path(f"/proc/{w}").exists() for w in workers), "worker left behind"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """The worker is a ``python -c`` child, not a ``multiprocessing`` one, which would run the
    caller's main script again in it."""
    genesis, chain_file = rpc_compat()
    runs = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(
        "from ethrex.blockchain.blockchain import Blockchain\n"
        "from ethrex.blockchain.importer import import_chain_file\n"
        "from ethrex.storage import Store\n"
        "from ethrex.types.genesis import load_genesis\n"
        f"open({str(runs)!r}, 'a').write('run\\n')\n"
        f"chain = Blockchain.open(Store.open({str(tmp_path / 'db')!r}), "
        f"load_genesis({str(genesis)!r}))\n"
        f"done = import_chain_file(chain, {str(chain_file)!r}, prefetch=True)\n"
        "print(done.imported)\n"
        "chain.store.close()\n")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["54"]
    assert result.stderr == ""
    assert runs.read_text() == "run\n"
