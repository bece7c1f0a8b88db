"""The transactions ``make localnet`` sends to ethrex, and what the beacon chain must show of
each once a validator's proposal has carried it: a transfer, a blob transaction (Osaka's
cell-proof sidecar: the beacon block must commit to the blob and the beacon node serve it
back), a deposit top-up of validator 0 through the deposit contract (EIP-6110: a deposit
request in the beacon block) and an exit request through the EIP-7002 contract (a
withdrawal request in the beacon block).

Each goes from its own dev account, so no nonce waits on another.
"""

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ethrex.crypto.kzg import blob_to_commitment, compute_cells_and_kzg_proofs
from ethrex.primitives import hex_to_bytes
from ethrex.dev import dev_accounts
from ethrex.types.network_transactions import (
    WRAPPER_VERSION_CELL_PROOFS,
    BlobTransactionNetwork,
    encode_network_transaction,
    kzg_to_versioned_hash,
)
from ethrex.types.transactions import (
    BlobTransaction,
    FeeMarketTransaction,
    encode_transaction,
    sign_transaction,
)

GWEI = 10**9
ETHER = 10**18
DEPOSIT_CONTRACT = "0x00000000219ab540356cbb839cbe05303d7705fa"
WITHDRAWAL_REQUEST_CONTRACT = "0x00000961ef480eb55e80d19ad83579a64c007002"  # EIP-7002
DEPOSIT_SELECTOR = bytes.fromhex("22895118")  # deposit(bytes,bytes,bytes,bytes32)
FULL_EXIT = 0  # EIP-7002: amount 0 asks for a full exit

Rpc = Callable[..., Any]  # (method, *params) -> result
BeaconGet = Callable[[str], Any]  # beacon API path -> its "data"


@dataclass(slots=True)
class Sent:
    """One transaction sent and the check its beacon block must pass."""

    what: str
    tx_hash: str
    check: Callable[[dict[str, Any], BeaconGet], str | None]  # beacon block -> failure or None
    block_hash: str | None = None  # the execution block that carries it, once checked


def _fee_tx(chain_id: int, account: int, nonce: int, to: str, value: int, data: bytes,
            gas: int) -> str:
    _, key = dev_accounts()[account]
    tx = FeeMarketTransaction(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=GWEI,
                              max_fee_per_gas=100 * GWEI, gas=gas, to=hex_to_bytes(to),
                              value=value, data=data, access_list=(), y_parity=0, r=0, s=0)
    return "0x" + encode_transaction(sign_transaction(tx, key)).hex()


def _nonce(rpc: Rpc, account: int) -> int:
    address, _ = dev_accounts()[account]
    return int(rpc("eth_getTransactionCount", "0x" + address.hex(), "pending"), 16)


def send_transfer(rpc: Rpc, chain_id: int) -> Sent:
    raw = _fee_tx(chain_id, 0, _nonce(rpc, 0), "0x" + "11" * 20, ETHER, b"", 21_000)
    return Sent("transfer", rpc("eth_sendRawTransaction", raw), lambda block, get: None)


def send_blob(rpc: Rpc, chain_id: int) -> Sent:
    """A type-3 transaction with one blob in Osaka's network form (128 cell proofs)."""
    rng = random.Random(4844)
    blob = b"".join(b"\x00" + rng.randbytes(31) for _ in range(4096))  # below the modulus
    commitment = blob_to_commitment(blob)
    _, cell_proofs = compute_cells_and_kzg_proofs(blob)
    _, key = dev_accounts()[1]
    tx = sign_transaction(BlobTransaction(
        chain_id=chain_id, nonce=_nonce(rpc, 1), max_priority_fee_per_gas=GWEI,
        max_fee_per_gas=100 * GWEI, gas=21_000, to=b"\x22" * 20, value=0, data=b"",
        access_list=(), max_fee_per_blob_gas=100 * GWEI,
        blob_versioned_hashes=(kzg_to_versioned_hash(commitment),), y_parity=0, r=0, s=0), key)
    raw = encode_network_transaction(BlobTransactionNetwork(
        tx, (blob,), (commitment,), tuple(cell_proofs), WRAPPER_VERSION_CELL_PROOFS))
    want = "0x" + commitment.hex()

    def check(block: dict[str, Any], get: BeaconGet) -> str | None:
        got = block["body"].get("blob_kzg_commitments")
        if got != [want]:
            return f"blob_kzg_commitments {got}, expected [{want}]"
        # the beacon node rebuilds the blob from the data columns it made of ethrex's bundle
        served = get(f"/eth/v1/beacon/blobs/{block['slot']}")
        return None if served == ["0x" + blob.hex()] else "the beacon node serves another blob"

    return Sent("blob transaction", rpc("eth_sendRawTransaction", "0x" + raw.hex()), check)


def deposit_data_root(pubkey: bytes, credentials: bytes, amount_gwei: int,
                      signature: bytes) -> bytes:
    """hash_tree_root(DepositData), as the deposit contract recomputes and checks it."""
    sha = hashlib.sha256
    pubkey_root = sha(pubkey + bytes(16)).digest()
    signature_root = sha(sha(signature[:64]).digest()
                         + sha(signature[64:] + bytes(32)).digest()).digest()
    amount = amount_gwei.to_bytes(8, "little") + bytes(24)
    return sha(sha(pubkey_root + credentials).digest()
               + sha(amount + signature_root).digest()).digest()


def _abi_bytes(value: bytes) -> bytes:
    padded = value + bytes(-len(value) % 32)
    return len(value).to_bytes(32, "big") + padded


def send_deposit(rpc: Rpc, chain_id: int, pubkey: bytes) -> Sent:
    """A 1 ether top-up of the validator with ``pubkey`` (a top-up needs no valid
    signature: the beacon chain checks it only for a new validator)."""
    credentials = b"\x01" + bytes(11) + dev_accounts()[2][0]
    signature = bytes(96)
    amount_gwei = ETHER // GWEI
    root = deposit_data_root(pubkey, credentials, amount_gwei, signature)
    offsets, tail = b"", b""  # the ABI: three offsets, the root, then the three byte strings
    for part in (pubkey, credentials, signature):
        offsets += (4 * 32 + len(tail)).to_bytes(32, "big")
        tail += _abi_bytes(part)
    data = DEPOSIT_SELECTOR + offsets + root + tail
    raw = _fee_tx(chain_id, 2, _nonce(rpc, 2), DEPOSIT_CONTRACT, ETHER, data, 200_000)
    want = "0x" + pubkey.hex()

    def check(block: dict[str, Any], get: BeaconGet) -> str | None:
        deposits = block["body"].get("execution_requests", {}).get("deposits", [])
        if [(d["pubkey"], int(d["amount"])) for d in deposits] != [(want, amount_gwei)]:
            return f"deposit requests {deposits}, expected one of {amount_gwei} gwei to {want}"
        return None

    return Sent("deposit", rpc("eth_sendRawTransaction", raw), check)


def send_exit_request(rpc: Rpc, chain_id: int, pubkey: bytes) -> Sent:
    """An EIP-7002 exit request for ``pubkey`` from an account that is not its withdrawal
    address: the beacon chain ignores it, but the request must reach the beacon block."""
    fee = int(rpc("eth_call", {"to": WITHDRAWAL_REQUEST_CONTRACT, "data": "0x"}, "latest"), 16)
    data = pubkey + FULL_EXIT.to_bytes(8, "big")
    raw = _fee_tx(chain_id, 3, _nonce(rpc, 3), WITHDRAWAL_REQUEST_CONTRACT, fee, data, 200_000)
    source = "0x" + dev_accounts()[3][0].hex()
    want = "0x" + pubkey.hex()

    def check(block: dict[str, Any], get: BeaconGet) -> str | None:
        requests = block["body"].get("execution_requests", {}).get("withdrawals", [])
        got = [(r["source_address"].lower(), r["validator_pubkey"], int(r["amount"]))
               for r in requests]
        if got != [(source, want, FULL_EXIT)]:
            return f"withdrawal requests {requests}, expected an exit of {want} from {source}"
        return None

    return Sent("exit request", rpc("eth_sendRawTransaction", raw), check)
