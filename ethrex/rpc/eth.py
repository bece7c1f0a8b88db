"""The ``eth`` namespace: chain and state reads, plus the handler table that gathers the other
``eth_*`` modules (calls, fees, logs and filters, subscriptions, simulation, config).

State reads go straight to the archive tries (``Store.get_account_at``) at the resolved
block's state root, so every stored block answers (EIP-1898 block parameters included).
"""

from typing import Any

from ethrex import rlp
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.primitives import EMPTY_HASH
from ethrex.rpc import params as P
from ethrex.rpc.call import CallHandlers
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.config import eth_config_handler
from ethrex.rpc.context import NodeContext
from ethrex.rpc.errors import RpcError, invalid_params, server_error
from ethrex.rpc.fees import FeeHandlers
from ethrex.rpc.filters import FilterHandlers
from ethrex.rpc.simulate import SimulateHandlers
from ethrex.rpc.subscriptions import SubscriptionHandlers
from ethrex.rpc.types import block_json, data, qty, receipts_json, transaction_json
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.block import Block
from ethrex.types.network_transactions import decode_network_transaction

Handler = Any


class EthReads:
    """Handlers for the read-only ``eth_*`` methods over one ``ChainView``."""

    def __init__(self, view: ChainView) -> None:
        self.view = view
        self.store = view.store

    # -- chain ---------------------------------------------------------------------------------

    def block_number(self) -> str:
        return qty(self.view.head().number)

    def chain_id(self) -> str:
        return qty(self.view.chain.config.chain_id)

    # -- accounts ------------------------------------------------------------------------------

    def _root(self, block: Any, index: int) -> bytes:
        """The state root after the block ``block`` names (dev mode may have edited it)."""
        return self.view.chain.state_root_of(self.view.require_header(P.block_id(block, index)))

    def get_balance(self, address: Any, block: Any = None) -> str:
        addr = P.address(address, 0)
        account = self.store.get_account_at(self._root(block, 1), addr)
        return qty(0 if account is None else account.balance)

    def get_transaction_count(self, address: Any, block: Any = None) -> str:
        addr = P.address(address, 0)
        account = self.store.get_account_at(self._root(block, 1), addr)
        nonce = 0 if account is None else account.nonce
        if block == "pending":
            nonce = max(nonce, self.view.ctx.mempool.pending_nonce(addr) or 0)
        return qty(nonce)

    def get_code(self, address: Any, block: Any = None) -> str:
        addr = P.address(address, 0)
        account = self.store.get_account_at(self._root(block, 1), addr)
        if account is None or account.code_hash == EMPTY_HASH:
            return "0x"
        return data(self.store.get_code(account.code_hash) or b"")

    def get_storage_at(self, address: Any, key: Any, block: Any = None) -> str:
        addr = P.address(address, 0)
        slot = P.storage_key(key, 1)
        value = self.store.get_storage_at(self._root(block, 2), addr, slot)
        return data(value.to_bytes(32, "big"))

    def get_storage_values(self, requests: Any, block: Any = None) -> dict[str, list[str]]:
        if not isinstance(requests, dict):
            raise invalid_params("invalid argument 0: expected an object of address -> keys")
        if not requests:
            raise invalid_params("empty request")
        if sum(len(v) if isinstance(v, list) else 0 for v in requests.values()) > 1024:
            raise invalid_params("too many slots (max 1024)")
        root = self._root(block, 1)
        out: dict[str, list[str]] = {}
        for address, keys in requests.items():
            addr = P.address(address, 0)
            if not isinstance(keys, list):
                raise invalid_params("invalid argument 0: keys must be an array")
            out[address] = [
                data(self.store.get_storage_at(root, addr, P.storage_key(k)).to_bytes(32, "big"))
                for k in keys
            ]
        return out

    def get_proof(self, address: Any, keys: Any, block: Any = None) -> dict[str, Any]:
        """EIP-1186: account and storage proofs against the block's state root."""
        addr = P.address(address, 0)
        if not isinstance(keys, list):
            raise invalid_params("invalid argument 1: keys must be an array")
        slots = [(k, P.storage_key(k, 1)) for k in keys]
        root = self._root(block, 2)
        trie = self.store.state_trie(root)
        account_proof = trie.prove(addr)
        account = self.store.get_account_at(root, addr)
        storage_root = EMPTY_ROOT if account is None else account.storage_root
        storage_trie = Trie(self.store.nodes, storage_root, secure=True)
        storage = []
        for text, slot in slots:
            key = slot.to_bytes(32, "big")
            leaf = storage_trie.get(key)
            value = 0 if leaf is None else rlp.decode_int(rlp.decode(leaf))
            proof = storage_trie.prove(key) if storage_root != EMPTY_ROOT else []
            storage.append({"key": qty(slot), "value": qty(value),
                            "proof": [data(node) for node in proof]})
        return {
            "address": data(addr),
            "accountProof": [data(node) for node in account_proof],
            "balance": qty(0 if account is None else account.balance),
            "codeHash": data(EMPTY_HASH if account is None else account.code_hash),
            "nonce": qty(0 if account is None else account.nonce),
            "storageHash": data(storage_root),
            "storageProof": storage,
        }

    # -- blocks --------------------------------------------------------------------------------

    def _block_json(self, found: Block | None, full: Any) -> dict[str, Any] | None:
        if found is None:
            return None
        with_txs = P.boolean(full, 1)
        return block_json(found, with_txs, senders=self.view.senders(found) if with_txs else None)

    def get_block_by_number(self, block: Any, full: Any = False) -> dict[str, Any] | None:
        return self._block_json(self.view.block(P.block_id(block, 0, allow_hash=False)), full)

    def get_block_by_hash(self, block_hash: Any, full: Any = False) -> dict[str, Any] | None:
        return self._block_json(self.store.get_block(P.hash32(block_hash, 0)), full)

    def get_block_receipts(self, block: Any) -> list[dict[str, Any]] | None:
        found = self.view.block(P.block_id(block, 0))
        if found is None:
            return None
        block_hash = found.header.hash()
        receipts = self.store.get_receipts(block_hash)
        if receipts is None:
            return None
        return receipts_json(found, receipts, self.view.blob_base_fee(found.header),
                             self.view.senders(found, block_hash))

    def _count(self, found: Any, what: str) -> str | None:
        if found is None:
            return None
        return qty(len(found.transactions if what == "tx" else found.ommers))

    def tx_count_by_number(self, block: Any) -> str | None:
        return self._count(self.view.block(P.block_id(block, 0, allow_hash=False)), "tx")

    def tx_count_by_hash(self, block_hash: Any) -> str | None:
        return self._count(self.store.get_block(P.hash32(block_hash, 0)), "tx")

    def uncle_count_by_number(self, block: Any) -> str | None:
        return self._count(self.view.block(P.block_id(block, 0, allow_hash=False)), "uncle")

    def uncle_count_by_hash(self, block_hash: Any) -> str | None:
        return self._count(self.store.get_block(P.hash32(block_hash, 0)), "uncle")

    def _uncle(self, found: Any, index: Any) -> dict[str, Any] | None:
        i = P.quantity(index, 1)
        if found is None or i >= len(found.ommers):
            return None
        ommer = found.ommers[i]
        out = block_json(Block(ommer, (), ()), False)
        return out

    def uncle_by_number(self, block: Any, index: Any) -> dict[str, Any] | None:
        return self._uncle(self.view.block(P.block_id(block, 0, allow_hash=False)), index)

    def uncle_by_hash(self, block_hash: Any, index: Any) -> dict[str, Any] | None:
        return self._uncle(self.store.get_block(P.hash32(block_hash, 0)), index)

    # -- transactions --------------------------------------------------------------------------

    def _tx_in_block(self, found: Any, index: Any) -> dict[str, Any] | None:
        i = P.quantity(index, 1)
        if found is None or i >= len(found.transactions):
            return None
        block_hash = found.header.hash()
        sender = self.view.senders(found, block_hash)[i]
        return transaction_json(found.transactions[i], found.header, block_hash, i, sender)

    def tx_by_number_and_index(self, block: Any, index: Any) -> dict[str, Any] | None:
        return self._tx_in_block(self.view.block(P.block_id(block, 0, allow_hash=False)), index)

    def tx_by_hash_and_index(self, block_hash: Any, index: Any) -> dict[str, Any] | None:
        return self._tx_in_block(self.store.get_block(P.hash32(block_hash, 0)), index)

    def get_transaction_by_hash(self, tx_hash: Any) -> dict[str, Any] | None:
        h = P.hash32(tx_hash, 0)
        location = self.store.get_transaction_location(h)
        if location is None:
            pooled = self.view.ctx.mempool.by_hash.get(h)
            return None if pooled is None else transaction_json(pooled.tx, sender=pooled.sender)
        block = self.store.get_block(location[0])
        if block is None:
            return None
        return self._tx_in_block(block, qty(location[1]))

    def get_transaction_receipt(self, tx_hash: Any) -> dict[str, Any] | None:
        location = self.store.get_transaction_location(P.hash32(tx_hash, 0))
        if location is None:
            return None
        block_hash, index = location
        block = self.store.get_block(block_hash)
        receipts = self.store.get_receipts(block_hash)
        if block is None or receipts is None:
            return None
        # The gas used and the log indices need the earlier receipts of the block.
        items = receipts_json(block, receipts[: index + 1], self.view.blob_base_fee(block.header),
                              self.view.senders(block, block_hash))
        return items[index]

    def capabilities(self) -> dict[str, Any]:
        """What this archive node can serve: everything from genesis."""
        head = self.view.head()
        full = {"disabled": False, "oldestBlock": qty(0)}
        return {
            "head": {"number": qty(head.number), "hash": data(head.hash())},
            "state": dict(full), "tx": dict(full),
            "logs": {**full, "deleteStrategy": {"type": "none"}},
            "receipts": dict(full), "blocks": dict(full), "stateproofs": dict(full),
        }

    # -- raw transactions ----------------------------------------------------------------------

    def send_raw_transaction(self, raw: Any) -> str:
        """Into the pool in its network form (a blob transaction keeps its sidecar,
        EIP-4844)."""
        payload = P.hex_data(raw, 0)
        try:
            tx = decode_network_transaction(payload)
        except (RLPDecodingError, InvalidTransaction) as exc:
            raise invalid_params(f"invalid transaction: {exc}") from None
        try:
            return data(self.view.ctx.mempool.add(tx))
        except InvalidTransaction as exc:
            raise server_error(str(exc)) from None


def eth_handlers(ctx: NodeContext) -> dict[str, Handler]:
    """Every ``eth_*`` handler over the node context ``ctx`` (chain, mempool, ...)."""
    view = ChainView(ctx)
    r = EthReads(view)
    handlers: dict[str, Handler] = {
        "eth_blockNumber": r.block_number,
        "eth_chainId": r.chain_id,
        "eth_getBalance": r.get_balance,
        "eth_getTransactionCount": r.get_transaction_count,
        "eth_getCode": r.get_code,
        "eth_getStorageAt": r.get_storage_at,
        "eth_getStorageValues": r.get_storage_values,
        "eth_getProof": r.get_proof,
        "eth_getBlockByNumber": r.get_block_by_number,
        "eth_getBlockByHash": r.get_block_by_hash,
        "eth_getBlockReceipts": r.get_block_receipts,
        "eth_getBlockTransactionCountByNumber": r.tx_count_by_number,
        "eth_getBlockTransactionCountByHash": r.tx_count_by_hash,
        "eth_getUncleCountByBlockNumber": r.uncle_count_by_number,
        "eth_getUncleCountByBlockHash": r.uncle_count_by_hash,
        "eth_getUncleByBlockNumberAndIndex": r.uncle_by_number,
        "eth_getUncleByBlockHashAndIndex": r.uncle_by_hash,
        "eth_getTransactionByHash": r.get_transaction_by_hash,
        "eth_getTransactionByBlockNumberAndIndex": r.tx_by_number_and_index,
        "eth_getTransactionByBlockHashAndIndex": r.tx_by_hash_and_index,
        "eth_getTransactionReceipt": r.get_transaction_receipt,
        "eth_sendRawTransaction": r.send_raw_transaction,
        "eth_config": eth_config_handler(view),
        "eth_capabilities": r.capabilities,
    }
    handlers.update(FeeHandlers(view).table())
    handlers.update(CallHandlers(view).table())
    handlers.update(FilterHandlers(view).table())
    handlers.update(SubscriptionHandlers(view).table())
    handlers.update(SimulateHandlers(view).table())
    return handlers


__all__ = ["EthReads", "RpcError", "eth_handlers"]
