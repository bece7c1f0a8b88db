"""ethrex and geth v1.17.10 on one private network, with the generated 1,100-block chain:

* ethrex full-syncs from geth and snap-syncs from geth;
* geth full-syncs from ethrex;
* the state roots agree at every 100th block on all four nodes;
* a transaction sent to either node's RPC reaches the other's pool, and both are included in
  a block the two nodes agree on (built by one, imported by the other, as a consensus client
  would drive them); blob transactions travel with their sidecars both ways too.
"""

import random

import ckzg

from ethrex.crypto.kzg import TRUSTED_SETUP_PATH
from ethrex.types.network_transactions import (
    BlobTransactionNetwork,
    encode_network_transaction,
    kzg_to_versioned_hash,
)
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    encode_transaction,
    sign_transaction,
    transaction_hash,
)
from tests.p2p.harness import (
    CHAIN_BLOCKS,
    EthrexNode,
    GethNode,
    chain_dir,
    chain_head,
    produce_block,
    require_tools,
    running,
    state_roots,
    suite_keys,
    wait_until,
    workspace,
)

EVERY_100TH = list(range(0, CHAIN_BLOCKS + 1, 100)) + [CHAIN_BLOCKS]


def _blob_transfer(key: bytes, nonce: int, seed: int) -> tuple[str, str, str]:
    """An Osaka blob transaction (EIP-7594 sidecar): its network form, hash, versioned hash."""
    setup = ckzg.load_trusted_setup(str(TRUSTED_SETUP_PATH), 0)
    rng = random.Random(seed)
    blob = b"".join(b"\x00" + rng.randbytes(31) for _ in range(4096))
    commitment = bytes(ckzg.blob_to_kzg_commitment(blob, setup))
    _, proofs = ckzg.compute_cells_and_kzg_proofs(blob, setup)
    versioned = kzg_to_versioned_hash(commitment)
    tx = sign_transaction(BlobTransaction(
        chain_id=1337, nonce=nonce, max_priority_fee_per_gas=10**9, max_fee_per_gas=10**11,
        gas=21_000, to=b"\x43" * 20, value=1, data=b"", access_list=(),
        max_fee_per_blob_gas=10**10, blob_versioned_hashes=(versioned,), y_parity=0, r=0,
        s=0), key)
    wire = encode_network_transaction(BlobTransactionNetwork(
        tx, (blob,), (commitment,), tuple(bytes(p) for p in proofs), 1))
    return "0x" + wire.hex(), "0x" + transaction_hash(tx).hex(), "0x" + versioned.hex()


def _transfer(key: bytes, nonce: int) -> str:
    tx = FeeMarketTransaction(chain_id=1337, nonce=nonce, max_priority_fee_per_gas=10**9,
                              max_fee_per_gas=100 * 10**9, gas=21_000, to=b"\x42" * 20,
                              value=12345, data=b"", access_list=(), y_parity=0, r=0, s=0)
    return "0x" + encode_transaction(sign_transaction(tx, key)).hex()


def test_sync_both_ways_and_transactions() -> None:
    require_tools()
    chain = chain_dir()
    target = chain_head(chain)
    with workspace("ethrex-geth-") as tmp:
        geth = GethNode(tmp, chain, "geth-source", import_chain=True)
        full = EthrexNode(tmp, chain, "ethrex-full")
        snap = EthrexNode(tmp, chain, "ethrex-snap")
        with running(geth, full, snap):
            geth.start()
            common = ["--nodiscover", "--bootnodes", geth.enode, "--sync.target", target]
            full.start(common + ["--syncmode", "full"])
            snap.start(common + ["--syncmode", "snap"])
            for node in (full, snap):
                node.wait_head(target, 300, f"{node.name} synced to the chain head")
            (peer,) = full.rpc().call("admin_peers")
            assert peer["name"].startswith("Geth/v1.17.10") and "snap/1" in peer["caps"]
            assert peer["protocols"]["eth"]["version"] == 72  # blobs move as cells (EIP-8070)
            want = state_roots(geth.rpc(), EVERY_100TH)
            assert state_roots(full.rpc(), EVERY_100TH) == want
            assert state_roots(snap.rpc(), EVERY_100TH) == want
            assert "sync (snap)" in snap.log.read_text()
            # the snap-synced state answers like geth's: balances and storage at the head
            contract = "0x" + "00" * 19 + "77"
            for rpc_name in ("eth_getBalance", "eth_getTransactionCount", "eth_getCode"):
                assert snap.rpc().call(rpc_name, contract, "latest") == \
                    geth.rpc().call(rpc_name, contract, "latest")

            # geth full-syncs from ethrex (its --synctarget is the Engine API's sync target)
            follower = GethNode(tmp, chain, "geth-follower", import_chain=False,
                                extra=["--syncmode", "full", "--synctarget", target,
                                       "--bootnodes", full.enode])
            with running(follower):
                follower.start()
                follower.rpc().call("admin_addPeer", full.enode)
                wait_until(lambda: follower.rpc().call("eth_blockNumber") == hex(CHAIN_BLOCKS),
                           300, "geth synced from ethrex")
                assert state_roots(follower.rpc(), EVERY_100TH) == want

            # transactions between the pools, then one block with both; a forkchoiceUpdated
            # first, as a consensus client sends it (geth takes peers' transactions only once
            # a consensus client told it the head)
            state = {"headBlockHash": target, "safeBlockHash": target,
                     "finalizedBlockHash": target}
            for engine in (geth.engine(), full.engine()):
                assert engine.call("engine_forkchoiceUpdatedV3", state, None)[
                    "payloadStatus"]["status"] == "VALID"
            keys = suite_keys(chain)
            to_ethrex = full.rpc().call("eth_sendRawTransaction", _transfer(keys[0], 0))
            to_geth = geth.rpc().call("eth_sendRawTransaction", _transfer(keys[1], 0))
            wait_until(lambda: geth.rpc().call("eth_getTransactionByHash", to_ethrex), 30,
                       "ethrex's transaction in geth's pool")
            wait_until(lambda: full.rpc().call("eth_getTransactionByHash", to_geth), 30,
                       "geth's transaction in ethrex's pool")
            # blob transactions with their sidecars, both ways
            wire, blob_to_geth, _ = _blob_transfer(keys[2], 0, 1)
            assert full.rpc().call("eth_sendRawTransaction", wire) == blob_to_geth
            wait_until(lambda: geth.rpc().call("eth_getTransactionByHash", blob_to_geth), 30,
                       "ethrex's blob transaction in geth's pool")
            wire, blob_to_ethrex, versioned2 = _blob_transfer(keys[3], 0, 2)
            assert geth.rpc().call("eth_sendRawTransaction", wire) == blob_to_ethrex
            wait_until(lambda: full.rpc().call("eth_getTransactionByHash", blob_to_ethrex), 30,
                       "geth's blob transaction in ethrex's pool")
            (served,) = full.engine().call("engine_getBlobsV2", [versioned2])
            assert served is not None and len(served["proofs"]) == 128

            head = full.head()
            payload = produce_block(full.engine(), [full.engine(), geth.engine()], head, 7,
                                    frozenset({to_ethrex, to_geth, blob_to_geth, blob_to_ethrex}))
            assert {to_ethrex, to_geth, blob_to_geth, blob_to_ethrex} <= {
                t["hash"] for t in full.rpc().call("eth_getBlockByNumber", "latest", True)[
                    "transactions"]}
            assert geth.rpc().call("eth_getBlockByNumber", "latest", False)["hash"] == \
                payload["blockHash"]
            # and the other way round: geth builds, ethrex imports
            to_ethrex2 = full.rpc().call("eth_sendRawTransaction", _transfer(keys[0], 1))
            wait_until(lambda: geth.rpc().call("eth_getTransactionByHash", to_ethrex2), 30,
                       "the second transaction in geth's pool")
            payload = produce_block(geth.engine(), [geth.engine(), full.engine()],
                                    geth.rpc().call("eth_getBlockByNumber", "latest", False), 8,
                                    frozenset({to_ethrex2}))
            assert to_ethrex2 in {
                t["hash"] for t in full.rpc().call("eth_getBlockByNumber", "latest", True)[
                    "transactions"]}
            assert full.head()["hash"] == payload["blockHash"]
            assert full.alive() and snap.alive()


