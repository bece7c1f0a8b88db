"""The KV backend contract, run against both engines."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ethrex.storage import KVBackend, LmdbBackend, MemoryBackend

TABLES = ("a", "b")


class Boom(Exception):
    pass


@pytest.fixture(params=["memory", "lmdb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KVBackend]:
    kv: KVBackend = MemoryBackend(TABLES) if request.param == "memory" else LmdbBackend(
        tmp_path / "db", TABLES, map_size=1 << 24
    )
    yield kv
    kv.close()


def test_put_get_delete_per_table(backend: KVBackend) -> None:
    with backend.write() as tx:
        tx.put("a", b"k", b"1")
        tx.put("b", b"k", b"2")
    assert backend.get("a", b"k") == b"1"
    assert backend.get("b", b"k") == b"2"
    assert backend.get("a", b"missing") is None
    with backend.write() as tx:
        tx.delete("a", b"k")
        tx.delete("a", b"never-there")
    assert backend.get("a", b"k") is None
    assert backend.get("b", b"k") == b"2"


def test_batch_reads_its_own_writes(backend: KVBackend) -> None:
    with backend.write() as tx:
        tx.put("a", b"x", b"old")
    with backend.write() as tx:
        tx.put("a", b"x", b"new")
        tx.put("a", b"y", b"1")
        tx.delete("a", b"y")
        assert tx.get("a", b"x") == b"new"
        assert tx.get("a", b"y") is None
        assert backend.get("a", b"x") == b"old"  # not committed yet
    assert backend.get("a", b"x") == b"new"
    assert backend.get("a", b"y") is None


def test_failing_write_leaves_nothing(backend: KVBackend) -> None:
    with backend.write() as tx:
        tx.put("a", b"keep", b"1")
    with pytest.raises(Boom):
        with backend.write() as tx:
            tx.put("a", b"k1", b"v")
            tx.put("b", b"k2", b"v")
            tx.delete("a", b"keep")
            raise Boom
    assert backend.get("a", b"k1") is None
    assert backend.get("b", b"k2") is None
    assert backend.get("a", b"keep") == b"1"
    with backend.write() as tx:  # the writer is free again
        tx.put("a", b"after", b"1")
    assert backend.get("a", b"after") == b"1"


def test_unknown_table_is_an_error(backend: KVBackend) -> None:
    with pytest.raises(KeyError):
        with backend.write() as tx:
            tx.put("nope", b"k", b"v")


def test_scan_prefix_in_key_order(backend: KVBackend) -> None:
    with backend.write() as tx:
        for key in (b"p\x02", b"p\x01", b"q\x00", b"o\xff", b"p"):
            tx.put("a", key, key[::-1])
    assert [k for k, _ in backend.scan("a", b"p")] == [b"p", b"p\x01", b"p\x02"]
    assert [k for k, _ in backend.scan("a")] == [b"o\xff", b"p", b"p\x01", b"p\x02", b"q\x00"]
    assert list(backend.scan("a", b"z")) == []
    with backend.write() as tx:
        tx.put("a", b"p\x00", b"new")
        tx.delete("a", b"p\x01")
        assert [k for k, _ in tx.scan("a", b"p")] == [b"p", b"p\x00", b"p\x02"]


def test_delete_prefix(backend: KVBackend) -> None:
    with backend.write() as tx:
        for i in range(5):
            tx.put("a", b"acct1" + bytes([i]), b"v")
        tx.put("a", b"acct2", b"v")
    with backend.write() as tx:
        tx.put("a", b"acct1\x09", b"pending")
        tx.delete_prefix("a", b"acct1")
        assert tx.get("a", b"acct1\x09") is None
        tx.put("a", b"acct1\x07", b"rewritten")  # writes after the wipe survive it
    assert [k for k, _ in backend.scan("a")] == [b"acct1\x07", b"acct2"]


def test_snapshot_read_is_consistent(backend: KVBackend) -> None:
    with backend.write() as tx:
        tx.put("a", b"k", b"1")
    with backend.read() as view:
        assert view.get("a", b"k") == b"1"
        assert [k for k, _ in view.scan("a")] == [b"k"]


def test_other_threads_see_committed_data_only(backend: KVBackend) -> None:
    seen: list[bytes | None] = []
    inside = threading.Event()
    done = threading.Event()

    def reader() -> None:
        inside.wait()
        seen.append(backend.get("a", b"k"))
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    with backend.write() as tx:
        tx.put("a", b"k", b"uncommitted")
        inside.set()
        assert done.wait(5)
    thread.join()
    assert seen == [None]
    assert backend.get("a", b"k") == b"uncommitted"


def test_writers_are_serialised(backend: KVBackend) -> None:
    order: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with backend.write() as tx:
            order.append("second")
            tx.put("a", b"w", b"2")

    thread = threading.Thread(target=second)
    thread.start()
    with backend.write() as tx:
        first_in.set()
        thread.join(0.2)  # the second writer is blocked until this batch commits
        order.append("first")
        tx.put("a", b"w", b"1")
    thread.join()
    assert order == ["first", "second"]
    assert backend.get("a", b"w") == b"2"


def _reopen(tmp_path: Path) -> Callable[[], LmdbBackend]:
    return lambda: LmdbBackend(tmp_path / "db", TABLES, map_size=1 << 20)


def test_lmdb_persists_across_reopen(tmp_path: Path) -> None:
    kv = _reopen(tmp_path)()
    with kv.write() as tx:
        tx.put("b", b"k", b"v")
    kv.close()
    kv = _reopen(tmp_path)()
    assert kv.get("b", b"k") == b"v"
    kv.close()


def test_lmdb_map_grows_when_full(tmp_path: Path) -> None:
    kv = LmdbBackend(tmp_path / "db", TABLES, map_size=1 << 20)  # 1 MiB
    start = kv.map_size
    with kv.write() as tx:
        for i in range(64):  # 4 MiB in one batch
            tx.put("a", i.to_bytes(4, "big"), bytes([i]) * 65536)
    assert kv.map_size > start
    assert kv.get("a", (63).to_bytes(4, "big")) == bytes([63]) * 65536
    kv.close()


def test_lmdb_bulk_store_flushes_when_it_closes(tmp_path: Path) -> None:
    """Not ``durable`` (``ethrex import``): commits leave the flush to the kernel, the close
    flushes them all; what was committed is there after a reopen either way."""
    kv = LmdbBackend(tmp_path / "db", TABLES, map_size=1 << 20, durable=False)
    assert kv._env.flags()["sync"] is False
    with kv.write() as tx:
        tx.put("a", b"k", b"v")
    assert kv.get("a", b"k") == b"v"
    kv.close()
    kv = _reopen(tmp_path)()
    assert kv._env.flags()["sync"] is True  # the default: each commit flushed
    assert kv.get("a", b"k") == b"v"
    kv.close()
