"""The rollup's data availability end to end (issue 15, items 4 and 5): batches with a
deposit, transfers, a contract deployment and call and a withdrawal are committed with their
data in EIP-4844 blobs, on ``ethrex --dev`` and on anvil as L1. The commit transactions are
type 3; the versioned hashes ``commitBatch`` recorded (BLOBHASH) are the ones recomputed here
from the L2's blocks (``batch_blob_versioned_hashes``, what a prover recomputes);
``ethrex l2 reconstruct`` rebuilds the chain from the blob files alone, reaching every
committed state root, and a sequencer started on the rebuilt datadir carries on. Truncated or
wrong blobs fail with a clear error. Our L1 node also serves the blobs back (engine_getBlobs)
for a rebuild. A validium commits no blobs, only a commitment to the
data it keeps, and reconstruct rebuilds from that data (files or the sequencer's RPC).
"""

import json
import re
import shutil
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from ethrex.l2.abi import decode, encode_call
from ethrex.l2.rollup.batch_data import batch_blob_versioned_hashes, data_commitment
from ethrex.primitives import hex_to_bytes, keccak256
from ethrex.types.block import Block, decode_block
from tests.e2e.harness import DEV_KEYS, STORE_SOL, Rpc, compile_solidity, dev_node
from tests.e2e.l2_harness import (
    ETHER,
    SEQUENCER_KEY,
    Sequencer,
    ethrex_l2,
    l1_node,
    deploy,
    wait_for,
)
from tests.e2e.test_l2_bridge import _send

GWEI = 10**9


def _eth_call(l1: Rpc, to: str, signature: str, *args: object) -> bytes:
    return hex_to_bytes(l1.call("eth_call", {"to": to, "data": "0x" + encode_call(
        signature, *args).hex()}, "latest"))


def _blocks(l2: Rpc, first: int, last: int) -> list[Block]:
    return [decode_block(hex_to_bytes(l2.call("debug_getRawBlock", hex(n))))
            for n in range(first, last + 1)]


def _activity(node: Sequencer, l1_url: str) -> int:
    """A deposit, two transfers, a contract deployed and called, a withdrawal; returns the
    last L2 block holding one of them."""
    user = Account.from_key(DEV_KEYS[1])
    l2 = Web3(Web3.HTTPProvider(node.url))
    ethrex_l2("deposit", "--l1.rpc", l1_url, "--l2.rpc", node.url, "--private-key",
              DEV_KEYS[1], "--amount", "2")
    wait_for("the deposit on L2", lambda: l2.eth.get_balance(user.address) == 2 * ETHER)
    for _ in range(2):
        assert _send(l2, user, {"to": Account.create().address, "value": ETHER // 10}
                     )["status"] == 1
    compiled = compile_solidity(STORE_SOL)["Store"]
    factory = l2.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    created = _send(l2, user, factory.constructor(7).build_transaction(
        {"from": user.address, "nonce": l2.eth.get_transaction_count(user.address)}))
    store = l2.eth.contract(address=created["contractAddress"], abi=compiled.abi)
    assert _send(l2, user, store.functions.set(42).build_transaction(
        {"from": user.address}))["status"] == 1
    out = ethrex_l2("withdraw", "--l2.rpc", node.url, "--private-key", DEV_KEYS[1],
                    "--amount", "0.5").stdout
    tx_hash = re.search(r"L2 transaction (0x[0-9a-f]{64})", out)
    assert tx_hash is not None, out
    return int(l2.eth.get_transaction_receipt(tx_hash.group(1))["blockNumber"])


def _committed_through(node: Sequencer, l1: Rpc, proposer: str, block: int) -> int:
    """Wait until L1 has committed the batch holding L2 block ``block``; returns the last
    committed batch."""
    def covered() -> int:
        last = int.from_bytes(_eth_call(l1, proposer, "lastCommittedBatch()"), "big")
        if not last:
            return 0
        record = node.rpc().call("ethrex_getBatchByNumber", hex(last))
        done = record and int(record["lastBlock"], 16) >= block and record["commitTransaction"]
        return last if done else 0  # and the sequencer saw the receipt
    return int(wait_for(f"L2 block {block} committed on L1", covered, timeout=90))


def _l1_batch(l1: Rpc, proposer: str, number: int) -> tuple[bytes, int, int, list[bytes]]:
    """(state root, first block, last block, blob versioned hashes) of a committed batch."""
    root, _, _, _, first, last = decode(
        ["bytes32", "bytes32", "bytes32", "bytes32", "uint64", "uint64"],
        _eth_call(l1, proposer, "batches(uint256)", number))
    (hashes,) = decode(["bytes32[]"], _eth_call(l1, proposer, "batchBlobHashes(uint256)",
                                                number))
    return root, first, last, hashes


def _reconstruct(deployment: Path, l1_url: str, datadir: Path, *source: str,
                 check: bool = True) -> Any:
    return ethrex_l2("reconstruct", "--l1.rpc", l1_url, "--deployment", str(deployment),
                     "--datadir", str(datadir), *source, check=check)


def test_batches_in_blobs_and_reconstruct_on_anvil(tmp_path: Path) -> None:
    with l1_node("anvil") as l1_url:
        _commit_and_reconstruct("anvil", l1_url, tmp_path)


def test_batches_in_blobs_and_reconstruct_on_ethrex(tmp_path: Path) -> None:
    """Also: the L1 node serves the blobs back (engine_getBlobs) to rebuild from, and a
    sequencer started on the rebuilt datadir carries on."""
    with dev_node(period=1) as dev:
        l1_url = dev.http_url
        rebuilt, deployment_file, end, last, end_hash = _commit_and_reconstruct(
            "ethrex", l1_url, tmp_path)
        out = _reconstruct(deployment_file, l1_url, tmp_path / "from-l1", "--from-l1-engine",
                           dev.auth_url, "--l1.jwt-secret", str(dev.datadir / "jwt.hex")).stdout
        assert f"{last} batches, head #{end} {end_hash}" in out, out

        restarted = Sequencer(l1_url, deployment_file, rebuilt)
        restarted.start()
        try:
            l2 = Web3(Web3.HTTPProvider(restarted.url))
            user = Account.from_key(DEV_KEYS[1])
            assert l2.eth.get_block(end)["hash"].to_0x_hex() == end_hash
            assert _send(l2, user, {"to": Account.create().address, "value": 1})["status"] == 1
            proposer = json.loads(deployment_file.read_text())["on_chain_proposer"]
            after = _committed_through(restarted, Rpc(l1_url), proposer, l2.eth.block_number - 1)
            assert after > last
        finally:
            restarted.stop()


def _commit_and_reconstruct(l1_kind: str, l1_url: str, tmp_path: Path
                            ) -> tuple[Path, Path, int, int, str]:
    """The activity committed in blobs and checked, then, the sequencer stopped, rebuilt from
    the blob files; returns the rebuilt datadir, the deployment file, the last committed block
    and batch and the block's hash."""
    deployment_file = tmp_path / "deployment.json"
    deployment = deploy(l1_url, deployment_file)
    node = Sequencer(l1_url, deployment_file, tmp_path / "l2")
    node.start()
    try:
        l1, l2 = Rpc(l1_url), node.rpc()
        proposer = deployment["on_chain_proposer"]
        last_block = _activity(node, l1_url)
        last = _committed_through(node, l1, proposer, last_block)

        gas = []
        for number in range(1, last + 1):
            root, first, end, hashes = _l1_batch(l1, proposer, number)
            blocks = _blocks(l2, first, end)
            assert hashes == batch_blob_versioned_hashes(blocks)  # what a prover recomputes
            assert _eth_call(l1, proposer, "batchDataCommitment(uint256)", number) == \
                data_commitment(blocks)
            assert root == blocks[-1].header.state_root
            record = l2.call("ethrex_getBatchByNumber", hex(number))
            commit = l1.call("eth_getTransactionByHash", record["commitTransaction"])
            assert int(commit["type"], 16) == 3
            assert [hex_to_bytes(h) for h in commit["blobVersionedHashes"]] == hashes
            gas.append((int(record["commitGasUsed"], 16), len(hashes),
                         int(record["transactions"], 16)))
        print(f"\n{l1_kind}: {last} batches committed with blobs; (commit gas, blobs, L2 "
              f"transactions) per batch: {gas}")

        assert node.alive(), node.log_text()
    finally:
        node.stop()
    # L1 is final for this deployment now: what it committed last
    last = int.from_bytes(_eth_call(l1, proposer, "lastCommittedBatch()"), "big")
    root, _, end, _ = _l1_batch(l1, proposer, last)
    end_hash = _eth_call(l1, proposer, "batches(uint256)", last)[96:128]

    # the blob files alone rebuild the chain, batch by batch, to the same state root
    blob_dir = node.datadir / "batch-data"
    rebuilt = tmp_path / "rebuilt"
    out = _reconstruct(deployment_file, l1_url, rebuilt, "--blobs", str(blob_dir)).stdout
    for number in range(1, last + 1):
        assert f"batch {number}: " in out, out
        assert f"state root 0x{_l1_batch(l1, proposer, number)[0].hex()}" in out, out
    assert f"head #{end} 0x{end_hash.hex()}, state root 0x{root.hex()}" in out, out

    # bad blob data fails clearly
    hashes = _l1_batch(l1, proposer, 1)[3]
    bad = tmp_path / "bad"
    shutil.copytree(blob_dir, bad)
    blob_file = bad / f"0x{hashes[0].hex()}.blob"
    blob_file.write_bytes(blob_file.read_bytes()[:100_000])
    run = _reconstruct(deployment_file, l1_url, tmp_path / "r1", "--blobs", str(bad),
                       check=False)
    assert run.returncode == 1 and "batch 1: blob 0 is 100000 bytes" in run.stderr, run.stderr
    other = next(p for p in blob_dir.iterdir() if p.name != blob_file.name)
    shutil.copy(other, blob_file)  # another batch's blob under this one's hash
    run = _reconstruct(deployment_file, l1_url, tmp_path / "r2", "--blobs", str(bad),
                       check=False)
    assert run.returncode == 1 and f"L1 recorded 0x{hashes[0].hex()}" in run.stderr, run.stderr
    blob_file.unlink()
    run = _reconstruct(deployment_file, l1_url, tmp_path / "r3", "--blobs", str(bad),
                       check=False)
    assert run.returncode == 1 and "batch 1: no blob file" in run.stderr, run.stderr
    return rebuilt, deployment_file, end, last, "0x" + end_hash.hex()


def test_validium_commits_to_kept_data_and_reconstructs(tmp_path: Path) -> None:
    with l1_node("ethrex") as l1_url:
        deployment_file = tmp_path / "deployment.json"
        ethrex_l2("deploy", "--l1.rpc", l1_url, "--private-key", SEQUENCER_KEY, "--validium",
                  "--out", str(deployment_file))
        node = Sequencer(l1_url, deployment_file, tmp_path / "l2")  # validium from the file
        node.start()
        try:
            l1, l2 = Rpc(l1_url), node.rpc()
            proposer = json.loads(deployment_file.read_text())["on_chain_proposer"]
            assert int.from_bytes(_eth_call(l1, proposer, "validium()"), "big") == 1
            last = _committed_through(node, l1, proposer, _activity(node, l1_url))
            for number in range(1, last + 1):
                _, first, end, hashes = _l1_batch(l1, proposer, number)
                assert hashes == []
                payload = hex_to_bytes(l2.call("ethrex_getBatchData", hex(number)))
                commitment = _eth_call(l1, proposer, "batchDataCommitment(uint256)", number)
                assert commitment == keccak256(payload) == \
                    data_commitment(_blocks(l2, first, end), validium=True)
                record = l2.call("ethrex_getBatchByNumber", hex(number))
                commit = l1.call("eth_getTransactionByHash", record["commitTransaction"])
                assert int(commit["type"], 16) == 2
            end = _l1_batch(l1, proposer, last)[2]
            root = l2.call("eth_getBlockByNumber", hex(end), False)["stateRoot"]
            for source in (("--from-l2", node.url),
                           ("--blobs", str(tmp_path / "l2" / "batch-data"))):
                out = _reconstruct(deployment_file, l1_url, tmp_path / source[0][2:],
                                   *source).stdout
                assert f"{last} batches, head #{end}" in out and f"state root {root}" in out, out
            # data that is not what L1 committed to is refused
            data_file = tmp_path / "l2" / "batch-data" / f"0x{commitment.hex()}.data"
            data_file.write_bytes(data_file.read_bytes()[:-1])
            run = _reconstruct(deployment_file, l1_url, tmp_path / "bad", "--blobs",
                               str(tmp_path / "l2" / "batch-data"), check=False)
            assert run.returncode == 1 and f"L1 committed to 0x{commitment.hex()}" in \
                run.stderr, run.stderr
        finally:
            node.stop()
