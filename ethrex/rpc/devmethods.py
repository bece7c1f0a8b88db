"""The methods of a dev chain (``--dev`` only), as anvil and hardhat serve them.

Accounts: ``eth_accounts``, and for the funded dev accounts ``eth_sendTransaction``,
``eth_sign``/``personal_sign`` (EIP-191) and ``eth_signTypedData_v4`` (EIP-712); an account
made ``anvil_impersonateAccount`` sends without its key. Blocks and time: ``evm_mine``,
``anvil_mine``, ``evm_increaseTime``, ``evm_setNextBlockTimestamp``, ``evm_snapshot``/
``evm_revert``, ``anvil_setAutomine``. State: ``anvil_setBalance``, ``anvil_setCode``,
``anvil_setNonce``, ``anvil_setStorageAt``. Every ``anvil_*`` method answers to its
``hardhat_*`` name too (and ``anvil_setAutomine`` to hardhat's ``evm_setAutomine``).

They drive the node's ``DevChain`` (``ethrex.blockchain.devchain``) on the block-execution
thread, the store's one writer. Answers follow anvil's: ``evm_snapshot`` ids from ``0x0``,
``evm_revert`` true or false, ``evm_increaseTime`` the total offset as a number, the setters
null (``anvil_setStorageAt`` true). Quantities may be hex, decimal strings or numbers, as anvil
takes them.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from ethrex.blockchain.devchain import DevChain, DevChainError, placeholder_signature
from ethrex.errors import InvalidTransaction
from ethrex.execution.fee_market import next_base_fee
from ethrex.rpc import params as P
from ethrex.rpc.call import CallArgs, call_env, estimate_gas, message_tx, \
    parse_call_args
from ethrex.rpc.context import NodeContext
from ethrex.rpc.errors import invalid_params, server_error
from ethrex.rpc.signing import (
    TypedDataError,
    personal_message_hash,
    signature_bytes,
    typed_data_hash,
)
from ethrex.rpc.types import data, qty
from ethrex.state import StateDB
from ethrex.types.transactions import LegacyTransaction, Transaction, sign_transaction

DEFAULT_TIP = 10**9  # anvil's priority fee when a transaction names no fee
INCLUSION_WAIT = 30.0  # seconds eth_sendTransaction waits for automine to take it

T = TypeVar("T")


def amount(value: Any, index: int) -> int:
    """A quantity as anvil takes it: hex, a decimal string or a JSON number."""
    if isinstance(value, str) and not value.startswith(("0x", "0X")):
        if not value.isdigit():
            raise invalid_params(f"invalid argument {index}: not a number: {value!r}")
        return int(value)
    return P.quantity(value, index)


class DevMethods:
    """The dev methods over the node context ``ctx`` (whose ``dev`` is set)."""

    def __init__(self, ctx: NodeContext, dev: DevChain, keys: dict[bytes, bytes]) -> None:
        self.ctx = ctx
        self.dev = dev
        self.keys = keys

    async def _run(self, fn: Callable[[], T]) -> T:
        """``fn`` on the block-execution thread; a dev-mode refusal becomes -32602."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.ctx.executor, fn)
        except DevChainError as exc:
            raise invalid_params(str(exc)) from None

    def table(self) -> dict[str, Any]:
        anvil = {
            "anvil_mine": self.mine,
            "anvil_setBalance": self.set_balance,
            "anvil_setCode": self.set_code,
            "anvil_setNonce": self.set_nonce,
            "anvil_setStorageAt": self.set_storage_at,
            "anvil_impersonateAccount": self.impersonate,
            "anvil_stopImpersonatingAccount": self.stop_impersonating,
            "anvil_setAutomine": self.set_automine,
        }
        out: dict[str, Any] = {
            "eth_accounts": self.accounts,
            "eth_sendTransaction": self.send_transaction,
            "eth_sign": self.eth_sign,
            "personal_sign": self.personal_sign,
            "eth_signTypedData_v4": self.sign_typed_data,
            "evm_mine": self.evm_mine,
            "evm_increaseTime": self.increase_time,
            "evm_setNextBlockTimestamp": self.set_next_timestamp,
            "evm_snapshot": self.snapshot,
            "evm_revert": self.revert,
            "evm_setAutomine": self.set_automine,
        }
        out.update(anvil)
        out.update({"hardhat_" + name[len("anvil_"):]: fn for name, fn in anvil.items()})
        return out

    # -- accounts and signing ------------------------------------------------------------------

    def accounts(self) -> list[str]:
        return [data(address) for address in self.keys]

    def _key(self, address: Any, index: int) -> bytes:
        key = self.keys.get(P.address(address, index))
        if key is None:
            raise invalid_params("No Signer available")
        return key

    def eth_sign(self, address: Any, message: Any) -> str:
        key = self._key(address, 0)
        return data(signature_bytes(personal_message_hash(P.hex_data(message, 1)), key))

    def personal_sign(self, message: Any, address: Any) -> str:
        return self.eth_sign(address, message)

    def sign_typed_data(self, address: Any, typed: Any) -> str:
        key = self._key(address, 0)
        if isinstance(typed, str):  # a JSON string is as good as an object
            try:
                typed = json.loads(typed)
            except ValueError:
                raise invalid_params("invalid argument 1: not JSON") from None
        if not isinstance(typed, dict):
            raise invalid_params("invalid argument 1: expected EIP-712 typed data")
        try:
            return data(signature_bytes(typed_data_hash(typed), key))
        except TypedDataError as exc:
            raise invalid_params(str(exc)) from None

    # -- transactions --------------------------------------------------------------------------

    def _fill(self, args: CallArgs) -> Transaction:
        """The transaction ``args`` stand for, with what is missing filled in as anvil does:
        the pending nonce, a 1 gwei tip over the next base fee, the least gas that works."""
        chain = self.ctx.chain
        head = chain.head_header()
        state = StateDB(chain.state_at(head.hash()))
        nonce = args.nonce
        if nonce is None:
            pooled = self.ctx.mempool.pending_nonce(args.sender)
            nonce = max(state.get_nonce(args.sender), pooled or 0)
        if args.gas_price is None and args.max_fee is None:
            rules = chain.rules_at(head.number + 1, self.dev.block_timestamp(head), head.hash())
            tip = DEFAULT_TIP if args.max_priority_fee is None else args.max_priority_fee
            args = replace(args, max_priority_fee=tip,
                           max_fee=(next_base_fee(head, rules) or 0) + tip)
        args = replace(args, nonce=nonce)
        gas = args.gas
        if gas is None:
            hi = min(head.gas_limit, self.ctx.limits.gas_cap)
            gas = estimate_gas(state, call_env(chain, head), chain.rules_for(head),
                               replace(args, gas=None), hi)
        return message_tx(args, gas, chain.config.chain_id, 0)

    async def send_transaction(self, tx: Any) -> str:
        """Sign with the sender's dev key (or send for an impersonated account) and pool it;
        with automine, answer once the block that takes it is made."""
        args = parse_call_args(tx, 0)
        if tx.get("from") is None:
            raise invalid_params("invalid argument 0: from is required")
        sender = args.sender
        key = self.keys.get(sender)
        if key is None and sender not in self.dev.impersonated:
            raise invalid_params("No Signer available")
        unsigned = await self._run(lambda: self._fill(args))
        mempool = self.ctx.mempool
        head = self.ctx.chain.head_header().number
        try:
            if key is not None:
                tx_hash = mempool.add(sign_transaction(unsigned, key,
                                                       self.ctx.chain.config.chain_id))
            else:
                tx_hash = self.dev.send_unsigned(_placeholder_signed(unsigned, sender), sender)
        except InvalidTransaction as exc:
            raise server_error(str(exc)) from None
        if self.dev.automine:
            await self._await_inclusion(tx_hash, head)
        return data(tx_hash)

    async def _await_inclusion(self, tx_hash: bytes, head: int) -> None:
        """Until the pool lets go of ``tx_hash`` (mined) or a block was made without it."""
        mempool = self.ctx.mempool
        store = self.ctx.chain.store
        deadline = time.monotonic() + INCLUSION_WAIT
        while tx_hash in mempool and time.monotonic() < deadline:
            current = store.head_header()
            if current is not None and current.number > head + 1:
                return  # blocks went by without it: it waits for a lower fee or a nonce
            await asyncio.sleep(0.005)

    # -- blocks and time -----------------------------------------------------------------------

    async def evm_mine(self, options: Any = None) -> str:
        """One block (a timestamp may be given), or anvil's ``{timestamp, blocks}``."""
        timestamp: int | None = None
        count = 1
        if isinstance(options, dict):
            if options.get("timestamp") is not None:
                timestamp = amount(options["timestamp"], 0)
            if options.get("blocks") is not None:
                count = amount(options["blocks"], 0)
        elif options is not None:
            timestamp = amount(options, 0)
        dev = self.dev

        def mine() -> None:
            if timestamp is not None:
                dev.set_next_timestamp(timestamp)
            dev.mine_many(count)

        await self._run(mine)
        return "0x0"

    async def mine(self, blocks: Any = None, interval: Any = None) -> None:
        count = 1 if blocks is None else amount(blocks, 0)
        seconds = None if interval is None else amount(interval, 1)
        await self._run(lambda: self.dev.mine_many(count, seconds))

    def increase_time(self, seconds: Any) -> int:
        return self.dev.increase_time(amount(seconds, 0))

    async def set_next_timestamp(self, timestamp: Any) -> None:
        when = amount(timestamp, 0)
        await self._run(lambda: self.dev.set_next_timestamp(when))

    async def snapshot(self) -> str:
        return qty(await self._run(self.dev.snapshot))

    async def revert(self, snapshot: Any) -> bool:
        snap_id = amount(snapshot, 0)
        return await self._run(lambda: self.dev.revert(snap_id))

    def set_automine(self, enabled: Any) -> None:
        self.dev.automine = P.boolean(enabled, 0)

    # -- state ---------------------------------------------------------------------------------

    async def set_balance(self, address: Any, balance: Any) -> None:
        addr, value = P.address(address, 0), amount(balance, 1)
        await self._run(lambda: self.dev.set_balance(addr, value))

    async def set_code(self, address: Any, code: Any) -> None:
        addr, runtime = P.address(address, 0), P.hex_data(code, 1)
        await self._run(lambda: self.dev.set_code(addr, runtime))

    async def set_nonce(self, address: Any, nonce: Any) -> None:
        addr, value = P.address(address, 0), amount(nonce, 1)
        await self._run(lambda: self.dev.set_nonce(addr, value))

    async def set_storage_at(self, address: Any, slot: Any, value: Any) -> bool:
        addr, key = P.address(address, 0), P.storage_key(slot, 1)
        word = int.from_bytes(P.hex_data(value, 2), "big")
        await self._run(lambda: self.dev.set_storage(addr, key, word))
        return True

    def impersonate(self, address: Any) -> None:
        self.dev.impersonated.add(P.address(address, 0))

    def stop_impersonating(self, address: Any) -> None:
        self.dev.impersonated.discard(P.address(address, 0))


def _placeholder_signed(tx: Transaction, sender: bytes) -> Transaction:
    parity, r, s = placeholder_signature(sender)
    if isinstance(tx, LegacyTransaction):
        return replace(tx, v=27 + parity, r=r, s=s)
    return replace(tx, y_parity=parity, r=r, s=s)  # type: ignore[type-var]


def dev_handlers(ctx: NodeContext) -> dict[str, Any]:
    """The dev methods when ``ctx`` is a dev node's, else none."""
    if ctx.dev is None:
        return {}
    return DevMethods(ctx, ctx.dev, ctx.dev_keys or {}).table()
