"""``EthrexBackend``: eth-tester's chain backend on ethrex, in-process.

``EthereumTester(backend=EthrexBackend())`` (and web3.py's ``EthereumTesterProvider``, with
``ETHEREUM_TESTER_CHAIN_BACKEND=ethrex.tester.EthrexBackend``) then runs on this node's own
pipelines: an in-memory ``Store`` and ``Blockchain``, a ``DevChain`` that makes the blocks, and
the pending block as an ``OpenBlock`` (payload building's ``BlockBuilder``) that takes each sent
transaction at once, as the py-evm backend's pending block does. Mining seals it and imports it
through ``Blockchain.add_block``; calls and gas estimates are ``ethrex.rpc.call``'s.

The chain matches eth-tester's defaults: chain id 131277322940537, Prague from genesis, the
keys 1..10 funded with a million ether each, a constant gas limit of 30,029,122, a genesis base
fee of 1 gwei and the current time. Snapshots are block hashes (reverting moves the head back).
"""

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import rlp.exceptions
from eth.exceptions import UnrecognizedTransactionType
from eth_tester.backends.base import BaseChainBackend
from eth_tester.exceptions import BlockNotFound, TransactionFailed, TransactionNotFound
from eth_tester.exceptions import ValidationError as TesterValidationError

from ethrex.blockchain.blockchain import Blockchain
from ethrex.blockchain.devchain import DevChain
from ethrex.blockchain.payload import OpenBlock
from ethrex.crypto.secp256k1 import private_key_to_address
from ethrex.dev import dev_genesis
from ethrex.errors import InvalidTransaction, RLPDecodingError
from ethrex.evm.env import BlockEnv
from ethrex.evm.errors import Revert
from ethrex.execution.block import body_commitments
from ethrex.execution.fee_market import blob_base_fee
from ethrex.execution.transaction import TransactionResult
from ethrex.forks import ForkRules
from ethrex.rpc.call import CallArgs, call_env, estimate_gas, message_tx, run_call
from ethrex.rpc.errors import RpcError, abi_revert_reason
from ethrex.state import StateDB
from ethrex.storage import Store
from ethrex.tester.serializers import Raw, block_raw, receipt_raw, transaction_raw
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.network_transactions import BlobTransactionNetwork, decode_network_transaction
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import (
    Authorization,
    LegacyTransaction,
    Transaction,
    encode_transaction,
    sign_transaction,
    transaction_hash,
)

CHAIN_ID = 131277322940537  # eth-tester's
GAS_LIMIT = 30_029_122  # eth-tester's: mainnet's at the London block
BALANCE = 1_000_000 * 10**18
DEFAULT_FEE = 10**9  # eth-tester's fee cap and tip when a transaction names neither
TRANSACTION_TYPES = (0, 1, 2, 3, 4)


def default_keys(count: int = 10) -> tuple[bytes, ...]:
    """eth-tester's accounts: the private keys 1, 2, ... ``count``."""
    return tuple(i.to_bytes(32, "big") for i in range(1, count + 1))


class EthrexBackend(BaseChainBackend):  # type: ignore[misc]
    """eth-tester's backend interface over an in-memory ethrex chain."""

    def __init__(self, keys: Sequence[bytes] | None = None, balance: int = BALANCE,
                 osaka: bool = False) -> None:
        self._genesis_keys = tuple(default_keys() if keys is None else keys)
        self._balance = balance
        self._osaka = osaka
        self.reset_to_genesis()

    # -- the chain -----------------------------------------------------------------------------

    def reset_to_genesis(self) -> None:
        accounts = tuple((private_key_to_address(k), k) for k in self._genesis_keys)
        genesis = dev_genesis(accounts, chain_id=CHAIN_ID, balance=self._balance,
                              gas_limit=GAS_LIMIT, timestamp=int(time.time()),
                              osaka=self._osaka)
        self.chain = Blockchain.open(Store.in_memory(), genesis)
        self.dev = DevChain(self.chain)
        self.keys: dict[bytes, bytes] = dict(accounts)
        self._open_pending()

    def _open_pending(self, timestamp: int | None = None, coinbase: bytes | None = None,
                      replay: Sequence[Transaction] = ()) -> None:
        """A fresh pending block on the head (with ``replay``'s transactions again)."""
        self.pending: OpenBlock = self.dev.open_block(timestamp, coinbase)
        self.pending_senders: list[bytes] = []
        for tx in replay:
            self._apply(tx)

    def _apply(self, tx: Transaction) -> bytes:
        """``tx`` into the pending block; its hash. eth-tester's ValidationError when it
        cannot go in."""
        try:
            self.pending.builder.apply(tx)
        except InvalidTransaction as exc:
            raise TesterValidationError(str(exc)) from exc
        self.pending_senders.append(self.chain.sender_of(tx))
        return transaction_hash(tx)

    def _pending_block(self) -> Block:
        """The pending block as it stands (its roots not final until it is sealed)."""
        builder = self.pending.builder
        txs = tuple(builder.transactions)
        commitments = body_commitments([encode_transaction(tx) for tx in txs], (),
                                       self.pending.withdrawals)
        header = replace(builder.header, gas_used=builder.gas_used,
                         blob_gas_used=builder.blob_gas_used
                         if builder.header.excess_blob_gas is not None else None,
                         **commitments)  # type: ignore[arg-type]
        return Block(header, txs, (), self.pending.withdrawals)

    def _head(self) -> Header:
        return self.chain.head_header()

    # -- snapshots and time --------------------------------------------------------------------

    def take_snapshot(self) -> bytes:
        return self._head().hash()

    def revert_to_snapshot(self, snapshot: bytes) -> None:
        if snapshot == self._head().hash() and not self.pending.builder.transactions:
            return  # nothing to undo (eth-tester reverts after every send without automine)
        self.chain.forkchoice_update(snapshot, snapshot, snapshot)
        self._open_pending()

    def time_travel(self, to_timestamp: int) -> int:
        """Mine the pending block at ``to_timestamp - 1``: the next pending block is at
        ``to_timestamp`` (as with the py-evm backend)."""
        self._open_pending(to_timestamp - 1, replay=self.pending.builder.transactions)
        self._mine_pending()
        self.dev.next_timestamp = to_timestamp
        self._open_pending()
        return to_timestamp

    # -- mining --------------------------------------------------------------------------------

    def _mine_pending(self) -> bytes:
        block, output = self.pending.seal()
        self.dev.import_block(block, (self.pending.builder.state, output))
        return block.header.hash()

    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = bytes(20)) -> tuple[bytes, ...]:
        hashes = []
        for _ in range(num_blocks):
            if self.pending.builder.header.coinbase != coinbase:
                self._open_pending(self.pending.builder.header.timestamp, coinbase,
                                   self.pending.builder.transactions)
            hashes.append(self._mine_pending())
            self._open_pending()
        return tuple(hashes)

    # -- accounts ------------------------------------------------------------------------------

    def get_accounts(self) -> tuple[bytes, ...]:
        return tuple(self.keys)

    def add_account(self, private_key: bytes) -> None:
        self.keys[private_key_to_address(private_key)] = private_key

    # -- blocks and transactions ---------------------------------------------------------------

    def _block(self, block_number: Any) -> tuple[Block, bool]:
        """The block ``block_number`` names and whether it is the pending one."""
        head = self._head()
        if block_number in ("latest", "safe", "finalized"):
            number = head.number
        elif block_number == "earliest":
            number = 0
        elif block_number == "pending":
            return self._pending_block(), True
        elif isinstance(block_number, int) and not isinstance(block_number, bool) \
                and 0 <= block_number <= head.number:
            number = block_number
        else:
            raise BlockNotFound(f"No block found for block number: {block_number}")
        block = self.chain.store.get_block_by_number(number)
        if block is None:
            raise BlockNotFound(f"No block found for block number: {block_number}")
        return block, False

    def _senders(self, block: Block, pending: bool) -> list[bytes]:
        if pending:
            return self.pending_senders
        return [self.chain.sender_of(tx) for tx in block.transactions]

    def get_block_by_number(self, block_number: Any, full_transaction: bool = True) -> Raw:
        block, pending = self._block(block_number)
        return block_raw(block, self._senders(block, pending), full_transaction, pending)

    def get_block_by_hash(self, block_hash: bytes, full_transaction: bool = True) -> Raw:
        store = self.chain.store
        block = store.get_block(block_hash)
        if block is None or not store.is_canonical(block_hash):
            raise BlockNotFound(f"No block found for block hash: {block_hash!r}")
        return block_raw(block, self._senders(block, False), full_transaction, False)

    def _find(self, tx_hash: bytes) -> tuple[Block, int, bool]:
        """The block holding ``tx_hash`` (pending first), its index, and whether pending."""
        for i, tx in enumerate(self.pending.builder.transactions):
            if transaction_hash(tx) == tx_hash:
                return self._pending_block(), i, True
        store = self.chain.store
        location = store.get_transaction_location(tx_hash)
        block = None if location is None else store.get_block(location[0])
        if location is None or block is None:
            raise TransactionNotFound(f"No transaction found for transaction hash: "
                                      f"0x{tx_hash.hex()}")
        return block, location[1], False

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Raw:
        block, index, pending = self._find(transaction_hash)
        tx = block.transactions[index]
        sender = self.pending_senders[index] if pending else self.chain.sender_of(tx)
        return transaction_raw(tx, sender, block.header, index, pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Raw:
        block, index, pending = self._find(transaction_hash)
        tx = block.transactions[index]
        receipts: list[Receipt]
        if pending:
            receipts, sender = self.pending.builder.receipts, self.pending_senders[index]
        else:
            receipts = self.chain.store.get_receipts(block.header.hash()) or []
            sender = self.chain.sender_of(tx)
        header = block.header
        rules = self.chain.rules_for(header)
        blob_fee = None if header.excess_blob_gas is None else \
            blob_base_fee(header.excess_blob_gas, rules)
        return receipt_raw(tx, sender, header, index, receipts, pending, blob_fee)

    def get_fee_history(self, block_count: int = 1, newest_block: Any = "latest",
                        reward_percentiles: Sequence[int] = ()) -> dict[str, Any]:
        """The base fees and gas ratios of the ``block_count`` blocks before ``newest_block``
        (the py-evm backend's answer; rewards are not computed)."""
        if isinstance(block_count, int) and not 1 <= block_count <= 1024:
            raise TesterValidationError("block_count must be between 1 and 1024")
        block, _ = self._block("latest" if newest_block == "pending" else newest_block)
        store = self.chain.store
        fees: list[int] = []
        ratios: list[float] = []
        header: Header | None = block.header
        while header is not None and header.number > 0 and len(fees) < block_count:
            header = store.get_header(header.parent_hash)
            if header is not None:
                fees.append(header.base_fee_per_gas or 0)
                ratios.append(header.gas_used / header.gas_limit)
        return {"oldest_block": 1, "base_fee_per_gas": fees, "gas_used_ratio": ratios,
                "reward": []}

    # -- state ---------------------------------------------------------------------------------

    def _state(self, block_number: Any) -> StateDB:
        """The state after the block ``block_number`` names (the pending block's so far)."""
        if block_number == "pending":
            return self.pending.builder.state
        block, _ = self._block(block_number)
        return StateDB(self.chain.state_at(block.header.hash()))

    def get_nonce(self, account: bytes, block_number: Any = "latest") -> int:
        return self._state(block_number).get_nonce(account)

    def get_balance(self, account: bytes, block_number: Any = "latest") -> int:
        return self._state(block_number).get_balance(account)

    def get_code(self, account: bytes, block_number: Any = "latest") -> bytes:
        return self._state(block_number).get_code(account)

    def get_storage(self, account: bytes, slot: int, block_number: Any = "latest") -> int:
        return self._state(block_number).get_storage(account, slot)

    def get_base_fee(self, block_number: Any = "latest") -> int:
        block, _ = self._block(block_number)
        return block.header.base_fee_per_gas or 0

    # -- sending -------------------------------------------------------------------------------

    def _call_args(self, transaction: dict[str, Any], nonce: int | None = None) -> CallArgs:
        """eth-tester's normalized transaction dict as a message: without fee fields a
        dynamic-fee transaction at 1 gwei cap and tip, a tip alone capped at twice the base
        fee above it (as the py-evm backend defaults them)."""
        gas_price = transaction.get("gas_price")
        max_fee = transaction.get("max_fee_per_gas")
        tip = transaction.get("max_priority_fee_per_gas")
        if gas_price is None and max_fee is None and tip is None:
            max_fee = tip = DEFAULT_FEE
        elif tip is not None and max_fee is None:
            max_fee = tip + 2 * self.get_base_fee("pending")
        access = transaction.get("access_list")
        auths = transaction.get("authorization_list")
        return CallArgs(
            sender=transaction["from"],
            to=transaction.get("to", b""),
            gas=transaction.get("gas"),
            gas_price=gas_price,
            max_fee=max_fee,
            max_priority_fee=tip,
            max_fee_per_blob_gas=None,
            value=transaction.get("value", 0),
            data=transaction.get("data", b""),
            nonce=transaction.get("nonce", nonce),
            access_list=None if access is None else tuple(
                (address, tuple(k.to_bytes(32, "big") for k in keys)) for address, keys in access),
            blob_hashes=(),
            authorizations=None if auths is None else tuple(
                Authorization(a["chain_id"], a["address"], a["nonce"], a["y_parity"], a["r"],
                              a["s"]) for a in auths),
        )

    def _unsigned(self, transaction: dict[str, Any]) -> Transaction:
        sender = transaction["from"]
        nonce = transaction.get("nonce")
        if nonce is None:
            nonce = self.pending.builder.state.get_nonce(sender)
        args = self._call_args(transaction, nonce)
        return message_tx(args, args.gas or 0, CHAIN_ID, 0)

    def send_transaction(self, transaction: dict[str, Any]) -> bytes:
        key = self.keys.get(transaction["from"])
        if key is None:
            raise TesterValidationError('No valid "from" key was provided in the transaction '
                                        "which is required for transaction signing.")
        # A legacy transaction is signed without EIP-155, as the py-evm backend does: eth-tester
        # sends a pending one again with its v, which it checks to be 8 bits.
        return self._apply(sign_transaction(self._unsigned(transaction), key))

    def send_signed_transaction(self, signed_transaction: dict[str, Any]) -> bytes:
        tx = self._unsigned(signed_transaction)
        v, r, s = signed_transaction["v"], signed_transaction["r"], signed_transaction["s"]
        tx = replace(tx, v=v, r=r, s=s) if isinstance(tx, LegacyTransaction) \
            else replace(tx, y_parity=v, r=r, s=s)  # type: ignore[type-var]
        return self._apply(tx)

    def send_raw_transaction(self, raw_transaction: bytes) -> bytes:
        """A signed transaction in its network form (a blob transaction keeps its blobs out of
        the block). Errors as the py-evm backend raises them: an unknown type byte, or bytes
        that are not RLP."""
        if raw_transaction and raw_transaction[0] <= 0x7F \
                and raw_transaction[0] not in TRANSACTION_TYPES:
            raise UnrecognizedTransactionType(raw_transaction[0],
                                              "Unknown transaction type")
        try:
            decoded = decode_network_transaction(raw_transaction)
        except RLPDecodingError as exc:
            raise rlp.exceptions.DecodingError(str(exc), raw_transaction) from exc
        except InvalidTransaction as exc:
            raise TesterValidationError(str(exc)) from exc
        tx = decoded.tx if isinstance(decoded, BlobTransactionNetwork) else decoded
        return self._apply(tx)

    # -- calls ---------------------------------------------------------------------------------

    def _message(self, block_number: Any) -> tuple[StateDB, BlockEnv, ForkRules]:
        """The state, environment and rules of a call made on top of the block
        ``block_number`` names (in the pending block for "pending")."""
        if block_number == "pending":
            builder = self.pending.builder
            return builder.state.copy(), builder.env, builder.rules
        block, _ = self._block(block_number)
        header = block.header
        return (StateDB(self.chain.state_at(header.hash())), call_env(self.chain, header),
                self.chain.rules_for(header))

    def call(self, transaction: dict[str, Any], block_number: Any = "latest") -> bytes:
        state, env, rules = self._message(block_number)
        builder = self.pending.builder
        gas = transaction.get("gas") or builder.header.gas_limit - builder.gas_used
        args = self._call_args(transaction)
        try:
            result = run_call(state, env, rules, args, gas)
        except RpcError as exc:
            raise TransactionFailed(exc.message) from exc
        return _outcome(result)

    def estimate_gas(self, transaction: dict[str, Any], block_number: Any = "latest") -> int:
        if block_number == "pending":
            raise NotImplementedError('"pending" block identifier is unsupported in eth-tester')
        state, env, rules = self._message(block_number)
        args = replace(self._call_args(transaction), gas=None)
        try:
            return estimate_gas(state, env, rules, args, env.gas_limit)
        except RpcError as exc:
            if isinstance(exc.data, str) and exc.data.startswith("0x"):
                raise TransactionFailed(_revert_message(bytes.fromhex(exc.data[2:]))) from exc
            raise TransactionFailed(exc.message) from exc


def _revert_message(output: bytes) -> str:
    """What eth-tester's clients expect of a revert: its Error(string) reason, else the
    revert data as Python prints bytes (web3.py recognizes panics and custom errors in it)."""
    reason = abi_revert_reason(output)
    return reason if reason is not None else str(output)


def _outcome(result: TransactionResult) -> bytes:
    """The call's output, or eth-tester's TransactionFailed: a revert's message, or the
    halt's name."""
    if result.error is None:
        return result.output
    if isinstance(result.error, Revert):
        raise TransactionFailed(_revert_message(result.output))
    raise TransactionFailed(str(result.error) or type(result.error).__name__)
