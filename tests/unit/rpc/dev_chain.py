"""A dev chain on an in-memory store with its pool and Engine API, for the engine tests."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ethrex.blockchain.blockchain import Blockchain
from ethrex.dev import DEV_CHAIN_ID, dev_accounts, dev_genesis
from ethrex.rpc.context import NodeContext, node_context
from ethrex.rpc.engine import EngineApi
from ethrex.storage import Store
from ethrex.types.transactions import FeeMarketTransaction, Transaction, sign_transaction

ZERO = "0x" + "00" * 32


def make_node(gas_limit: int | None = None, **genesis_changes: Any
              ) -> tuple[NodeContext, EngineApi]:
    genesis = dev_genesis()
    if gas_limit is not None:
        genesis = replace(genesis, gas_limit=gas_limit)
    if genesis_changes:
        genesis = replace(genesis, config=replace(genesis.config, **genesis_changes))
    chain = Blockchain.open(Store.in_memory(), genesis)
    ctx = node_context(chain, ThreadPoolExecutor(1))  # a thread starts only on first use
    return ctx, ctx.engine


def transfer(sender: int, nonce: int, to: int = 1, value: int = 1, tip: int = 10**9,
             max_fee: int = 10**11, gas: int = 21000) -> Transaction:
    address_to = dev_accounts()[to][0]
    key = dev_accounts()[sender][1]
    return sign_transaction(FeeMarketTransaction(DEV_CHAIN_ID, nonce, tip, max_fee, gas,
                                                 address_to, value, b"", (), 0, 0, 0), key)


def attributes(timestamp: int, fee_recipient: bytes = bytes(20)) -> dict[str, Any]:
    return {"timestamp": hex(timestamp), "prevRandao": ZERO,
            "suggestedFeeRecipient": "0x" + fee_recipient.hex(), "withdrawals": [],
            "parentBeaconBlockRoot": "0x" + "11" * 32}


def fc_state(head: str) -> dict[str, str]:
    return {"headBlockHash": head, "safeBlockHash": ZERO, "finalizedBlockHash": ZERO}


def build(api: EngineApi, parent: str, timestamp: int, fee_recipient: bytes = bytes(20),
          version: int = 5) -> dict[str, Any]:
    """forkchoiceUpdatedV3 with attributes on ``parent`` then getPayload: the envelope."""
    res = api.forkchoice_updated(3, [fc_state(parent), attributes(timestamp, fee_recipient)])
    assert res["payloadStatus"]["status"] == "VALID"
    return api.get_payload(version, [res["payloadId"]])


def new_payload_params(envelope: dict[str, Any]) -> list[Any]:
    return [envelope["executionPayload"], [], "0x" + "11" * 32, envelope["executionRequests"]]


def blob_transaction(sender: int = 0, nonce: int = 0) -> Any:
    """A one-blob transaction in Osaka's network form (EIP-7594 cell proofs)."""
    from ethrex.crypto import kzg
    from ethrex.types.network_transactions import BlobTransactionNetwork, kzg_to_versioned_hash
    from ethrex.types.transactions import BlobTransaction

    blob = b"".join((i + nonce).to_bytes(32, "big") for i in range(kzg.FIELD_ELEMENTS_PER_BLOB))
    commitment = kzg.blob_to_commitment(blob)
    _, proofs = kzg.compute_cells_and_kzg_proofs(blob)
    tx = sign_transaction(BlobTransaction(
        DEV_CHAIN_ID, nonce, 10**9, 10**11, 21000, dev_accounts()[1][0], 0, b"", (), 10**9,
        (kzg_to_versioned_hash(commitment),), 0, 0, 0), dev_accounts()[sender][1])
    return BlobTransactionNetwork(tx, (blob,), (commitment,), tuple(proofs), 1)
