"""A type-3 blob transaction end to end (issue 7, "Done when"): sent to ``ethrex --dev`` with
``eth_sendRawTransaction`` in the network form, it lands in a block, and ``engine_getBlobsV2``
on the JWT-guarded Engine API port returns its blob and cell proofs.

The dev chain runs Osaka, so the sidecar is EIP-7594's (wrapper version 1, 128 cell proofs per
blob); Cancun's form (one proof per blob) is refused. Commitment and proofs come from ckzg
with the ceremony's trusted setup; the versioned hash is computed here (EIP-4844: 0x01 ||
sha256(commitment)[1:]) and the returned proofs are verified here.
"""

import hashlib
import random

import ckzg
import pytest

from ethrex.crypto.kzg import TRUSTED_SETUP_PATH
from ethrex.primitives import keccak256
from ethrex.types.network_transactions import BlobTransactionNetwork, encode_network_transaction
from ethrex.types.transactions import BlobTransaction, encode_transaction, sign_transaction
from tests.e2e.harness import CHAIN_ID, DEV_KEYS, Rpc, RpcError, dev_node

CELLS_PER_EXT_BLOB = 128  # EIP-7594
GAS_PER_BLOB = 2**17  # EIP-4844


def _blob(seed: int) -> bytes:
    """4096 field elements below the BLS modulus (top byte zero)."""
    rng = random.Random(seed)
    return b"".join(b"\x00" + rng.randbytes(31) for _ in range(4096))


def test_blob_transaction_lands_and_engine_serves_its_blob() -> None:
    setup = ckzg.load_trusted_setup(str(TRUSTED_SETUP_PATH), 0)
    blob = _blob(7)
    commitment = bytes(ckzg.blob_to_kzg_commitment(blob, setup))
    cells, cell_proofs = ckzg.compute_cells_and_kzg_proofs(blob, setup)
    versioned_hash = b"\x01" + hashlib.sha256(commitment).digest()[1:]
    key = bytes.fromhex(DEV_KEYS[2][2:])
    tx = sign_transaction(BlobTransaction(
        chain_id=CHAIN_ID, nonce=0, max_priority_fee_per_gas=10**9, max_fee_per_gas=10**10,
        gas=21_000, to=b"\x22" * 20, value=5, data=b"", access_list=(),
        max_fee_per_blob_gas=10**9, blob_versioned_hashes=(versioned_hash,),
        y_parity=0, r=0, s=0), key)
    osaka_form = encode_network_transaction(BlobTransactionNetwork(
        tx, (blob,), (commitment,), tuple(bytes(p) for p in cell_proofs), 1))
    cancun_form = encode_network_transaction(BlobTransactionNetwork(
        tx, (blob,), (commitment,), (bytes(ckzg.compute_blob_kzg_proof(blob, commitment,
                                                                      setup)),), 0))

    # A block every second (the other end-to-end tests use one block per transaction): the
    # blob is asked for while pooled and again once included.
    with dev_node(period=1) as node:
        rpc, engine = node.rpc(), node.engine_rpc()
        with pytest.raises(RpcError, match="Osaka"):
            rpc.call("eth_sendRawTransaction", "0x" + cancun_form.hex())
        with pytest.raises(RpcError, match="network form"):  # the bare block-body form
            rpc.call("eth_sendRawTransaction", "0x" + encode_transaction(tx).hex())

        tx_hash = rpc.call("eth_sendRawTransaction", "0x" + osaka_form.hex())
        assert tx_hash == "0x" + keccak256(encode_transaction(tx)).hex()
        vh = "0x" + versioned_hash.hex()
        (pooled,) = engine.call("engine_getBlobsV2", [vh])
        receipt = rpc.wait_receipt(tx_hash)
        assert receipt["status"] == "0x1" and receipt["type"] == "0x3"
        assert int(receipt["blobGasUsed"], 16) == GAS_PER_BLOB
        assert int(receipt["blobGasPrice"], 16) >= 1
        block = rpc.call("eth_getBlockByNumber", receipt["blockNumber"], True)
        assert int(block["blobGasUsed"], 16) == GAS_PER_BLOB
        (mined,) = block["transactions"]
        assert mined["hash"] == tx_hash
        assert mined["blobVersionedHashes"] == ["0x" + versioned_hash.hex()]
        assert rpc.call("eth_getBalance", "0x" + "22" * 20, "latest") == "0x5"

        (served,) = engine.call("engine_getBlobsV2", [vh])
        assert served == pooled
        assert served["blob"] == "0x" + blob.hex()
        proofs = [bytes.fromhex(p[2:]) for p in served["proofs"]]
        assert len(proofs) == CELLS_PER_EXT_BLOB
        assert ckzg.verify_cell_kzg_proof_batch([commitment] * CELLS_PER_EXT_BLOB,
                                                list(range(CELLS_PER_EXT_BLOB)),
                                                [bytes(c) for c in cells], proofs, setup)
        # V2 answers null unless every blob is known; V1 serves Cancun proofs only.
        assert engine.call("engine_getBlobsV2", [vh, "0x01" + "00" * 31]) is None
        assert engine.call("engine_getBlobsV1", [vh]) == [None]
        # The Engine API port wants the JWT; the public port has no engine methods.
        with pytest.raises(RpcError) as unauthorized:
            Rpc(node.auth_url).call("engine_getBlobsV2", [vh])
        assert unauthorized.value.code == 401
        with pytest.raises(RpcError):
            rpc.call("engine_getBlobsV2", [vh])
