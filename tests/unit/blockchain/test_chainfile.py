"""``ChainFile``: the framing is checked when it opens, blocks are read one at a time, and a
file that shrinks under an import stops it cleanly at the first block it can no longer read."""

from pathlib import Path

import pytest

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.chainfile import ChainFile, ChainFileError
from ethrex.blockchain.importer import BlockImportError, import_chain_file
from ethrex.storage import Store
from ethrex.types.block import decode_block
from ethrex.types.genesis import load_genesis
from tests.fixtures_root import fixtures_root


def rpc_compat() -> tuple[Path, Path]:
    root = fixtures_root() / "rpc-compat"
    return root / "genesis.json", root / "chain.rlp"


def test_blocks_read_one_at_a_time_match_the_file(tmp_path: Path) -> None:
    _, chain_file = rpc_compat()
    data = chain_file.read_bytes()
    with ChainFile(chain_file) as blocks:
        assert blocks.spans[0][0] == 0 and blocks.spans[-1][1] == len(data)
        for i, (start, end) in enumerate(blocks.spans):
            assert blocks.block(i) == data[start:end]
            blocks.forget(i)  # only a hint to the page cache: the block reads the same again
            assert decode_block(blocks.block(i)).header.number == i + 1
    empty = tmp_path / "empty.rlp"
    empty.write_bytes(b"")
    with pytest.raises(ChainFileError, match="empty"):
        ChainFile(empty)
    with pytest.raises(ChainFileError, match="expected an RLP list"):
        (tmp_path / "junk.rlp").write_bytes(b"\x01" + data)
        ChainFile(tmp_path / "junk.rlp")


def test_a_file_truncated_during_the_import_stops_it_after_the_blocks_before(
    tmp_path: Path,
) -> None:
    genesis, chain_file = rpc_compat()
    copy = tmp_path / "chain.rlp"
    copy.write_bytes(chain_file.read_bytes())
    with ChainFile(copy) as blocks:
        cut = blocks.spans[30][0] + 5
    chain = Blockchain.open(Store.open(tmp_path / "node"), load_genesis(genesis))
    imported: list[int] = []

    def progress(p: object) -> None:
        if not imported:  # the file is open and checked: now it shrinks
            with open(copy, "r+b") as file:
                file.truncate(cut)
        imported.append(1)

    with pytest.raises(BlockImportError, match="block 30 of the file .*truncated during"):
        import_chain_file(chain, copy, progress, every=0.0, prefetch=False)
    assert chain.head_header().number == 30  # the blocks before it are committed
    chain.store.close()
