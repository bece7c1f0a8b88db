"""The ``debug`` namespace: raw RLP reads (getRawHeader/Block/Transaction/Receipts) and traces
(traceTransaction, traceBlockByNumber/ByHash, traceCall) by re-executing on the parent's
archive state with an instrumented opcode table (``ethrex.rpc.tracing``)."""

from typing import Any

from ethrex import rlp
from ethrex.execution import system_calls
from ethrex.execution.apply import apply_transaction
from ethrex.execution.block import apply_dao_fork, block_env
from ethrex.rpc import params as P
from ethrex.rpc.call import (
    CallArgs,
    CallHandlers,
    _fork,
    apply_block_overrides,
    apply_state_overrides,
    execute_call,
    parse_call_args,
)
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import RpcError, invalid_params, server_error
from ethrex.rpc.server import blocking
from ethrex.rpc.tracing import CallTracer, StructLogger, prestate
from ethrex.rpc.types import data
from ethrex.state import StateDB
from ethrex.types.block import Block, encode_block
from ethrex.types.header import encode_header
from ethrex.types.receipt import encode_receipt
from ethrex.types.transactions import (
    AccessListTransaction,
    BlobTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    encode_transaction,
    recover_sender,
    transaction_hash,
)


def tx_args(tx: Transaction, sender: bytes) -> CallArgs:
    """A block transaction as call arguments (the tracer re-runs it as a message)."""
    legacy = isinstance(tx, (LegacyTransaction, AccessListTransaction))
    return CallArgs(
        sender=sender, to=tx.to, gas=tx.gas,
        gas_price=tx.gas_price if legacy else None,
        max_fee=None if legacy else tx.max_fee_per_gas,
        max_priority_fee=None if legacy else tx.max_priority_fee_per_gas,
        max_fee_per_blob_gas=tx.max_fee_per_blob_gas if isinstance(tx, BlobTransaction) else None,
        value=tx.value, data=tx.data, nonce=tx.nonce,
        access_list=None if isinstance(tx, LegacyTransaction) else tx.access_list,
        blob_hashes=tx.blob_versioned_hashes if isinstance(tx, BlobTransaction) else (),
        authorizations=tx.authorization_list if isinstance(tx, SetCodeTransaction) else None,
    )


class DebugHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view
        self.calls = CallHandlers(view)

    def table(self) -> dict[str, Any]:
        return {
            "debug_getRawHeader": self.raw_header,
            "debug_getRawBlock": self.raw_block,
            "debug_getRawTransaction": self.raw_transaction,
            "debug_getRawReceipts": self.raw_receipts,
            "debug_traceTransaction": self.trace_transaction,
            "debug_traceBlockByNumber": self.trace_block_by_number,
            "debug_traceBlockByHash": self.trace_block_by_hash,
            "debug_traceCall": self.trace_call,
        }

    # -- raw -------------------------------------------------------------------------------------

    def _block(self, block: Any) -> Block:
        found = self.view.block(P.block_id(block, 0))
        if found is None:
            raise server_error("block not found")
        return found

    def raw_header(self, block: Any) -> str:
        return data(encode_header(self._block(block).header))

    def raw_block(self, block: Any) -> str:
        return data(encode_block(self._block(block)))

    def raw_transaction(self, tx_hash: Any) -> str | None:
        found = self.view.store.get_transaction(P.hash32(tx_hash, 0))
        return None if found is None else data(encode_transaction(found[0]))

    def raw_receipts(self, block: Any) -> list[str]:
        found = self._block(block)
        return [data(encode_receipt(r)) for r in self.view.receipts(found.header.hash())]

    # -- traces ----------------------------------------------------------------------------------

    def _tracer(self, options: Any) -> tuple[str, dict[str, Any]]:
        if options is None:
            return "struct", {}
        if not isinstance(options, dict):
            raise invalid_params("invalid argument 1: tracer options must be an object")
        name = options.get("tracer")
        if name in (None, ""):
            return "struct", options
        if name in ("callTracer", "prestateTracer"):
            return name, options
        raise server_error(f"tracer {name!r} is not supported (structLogs, callTracer, "
                           "prestateTracer are)")

    def _replay(self, block: Block, stop_at: int | None, options: Any) -> list[dict[str, Any]]:
        """Trace every transaction of ``block`` (or only index ``stop_at``)."""
        view = self.view
        header = block.header
        if header.number == 0:
            raise server_error("genesis is not traceable")
        parent = view.store.get_header(header.parent_hash)
        if parent is None:
            raise server_error("parent block not found")
        kind, opts = self._tracer(options)
        chain = view.chain
        state = StateDB(chain.state_at(parent.hash()))
        ctx = chain.block_context(parent)
        env = block_env(header, ctx)
        rules = chain.rules_for(header)
        config = chain.config
        if config.dao_fork_support and config.dao_fork_block == header.number:
            apply_dao_fork(state)
        if rules.has_beacon_root and header.parent_beacon_block_root is not None:
            system_calls.process_beacon_root(state, env, rules, header.parent_beacon_block_root)
        if rules.has_history_contract:
            system_calls.process_parent_hash(state, env, rules, header.parent_hash)
        senders = view.senders(block)
        out = []
        for index, tx in enumerate(block.transactions):
            if stop_at is not None and index != stop_at:
                if index > stop_at:
                    break
                apply_transaction(state, env, tx, rules)
                continue
            args = tx_args(tx, senders[index])
            result = self._trace_one(state, env, rules, args, kind, opts)
            out.append({"txHash": data(transaction_hash(tx)), "result": result})
        return out

    def _trace_one(self, state: StateDB, env: Any, rules: Any, args: CallArgs, kind: str,
                   opts: dict[str, Any]) -> Any:
        gas = args.gas or env.gas_limit
        if kind == "struct":
            tracer = StructLogger(opts)
            result = execute_call(state, env, rules, args, gas, tracer.tables(rules), True)
            return tracer.result(result.gas_used, result.error is not None, result.output)
        if kind == "callTracer":
            call = CallTracer(opts)
            to = args.to
            if not to:
                from ethrex.evm.opcodes.system import compute_create_address

                to = compute_create_address(args.sender, state.get_nonce(args.sender))
            call.begin("CALL" if args.to else "CREATE", args.sender, to, args.value, gas,
                       args.data)
            result = execute_call(state, env, rules, args, gas, call.tables(rules), True)
            return call.result(result.gas_used, result.error, result.reverted, result.output)
        before = _fork(state)
        execute_call(state, env, rules, args, gas, None, True)
        return prestate(before, state)

    @blocking
    def trace_block_by_number(self, block: Any, options: Any = None) -> list[dict[str, Any]]:
        found = self.view.block(P.block_id(block, 0, allow_hash=False))
        if found is None:
            raise server_error(f"block {block} not found")
        return self._replay(found, None, options)

    @blocking
    def trace_block_by_hash(self, block_hash: Any, options: Any = None) -> list[dict[str, Any]]:
        h = P.hash32(block_hash, 0)
        found = self.view.store.get_block(h)
        if found is None:
            raise server_error(f"block {data(h)} not found")
        return self._replay(found, None, options)

    @blocking
    def trace_transaction(self, tx_hash: Any, options: Any = None) -> Any:
        found = self.view.store.get_transaction(P.hash32(tx_hash, 0))
        if found is None:
            raise server_error("transaction not found")
        _, block_hash, index = found
        block = self.view.store.get_block(block_hash)
        if block is None:
            raise server_error("transaction not found")
        return self._replay(block, index, options)[0]["result"]

    @blocking
    def trace_call(self, tx: Any, block: Any = None, options: Any = None) -> Any:
        args = parse_call_args(tx, 0)
        _, state, env, rules = self.calls.prepare(block, 1)
        if isinstance(options, dict):
            apply_state_overrides(state, options.get("stateOverrides"), 2)
            env = apply_block_overrides(env, options.get("blockOverrides"), 2)
        kind, opts = self._tracer(options)
        if args.gas is None:
            from dataclasses import replace

            args = replace(args, gas=min(env.gas_limit, 50_000_000))
        return self._trace_one(state, env, rules, args, kind, opts)


__all__ = ["DebugHandlers", "RpcError", "recover_sender", "rlp"]
