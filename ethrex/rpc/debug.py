"""The ``debug`` namespace: raw RLP reads (getRawHeader/Block/Transaction/Receipts), traces
(traceTransaction, traceBlockByNumber/ByHash, traceCall) by re-executing on the parent's
archive state with an instrumented opcode table (``ethrex.rpc.tracing``), and a block's
execution witness (executionWitness, ``ethrex.blockchain.witness``)."""

from dataclasses import replace
from typing import Any

from ethrex.blockchain.witness import record_witness
from ethrex.errors import InvalidBlock, InvalidTransaction
from ethrex.execution.block import BlockBuilder
from ethrex.execution.transaction import BLOCK_TX, TransactionResult, Tracer, TxOptions
from ethrex.rpc import params as P
from ethrex.rpc.call import (
    CALL,
    CallArgs,
    CallHandlers,
    apply_block_overrides,
    parse_call_args,
    parse_state_overrides,
    run_call,
)
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import invalid_params, server_error
from ethrex.rpc.server import current_abort, tracing
from ethrex.rpc.tracing import CallTracer, StructLogger, TraceBudget, prestate
from ethrex.rpc.types import data
from ethrex.state import StateDB
from ethrex.state.witness import witness_to_json
from ethrex.types.block import Block, encode_block
from ethrex.types.header import encode_header
from ethrex.types.receipt import encode_receipt
from ethrex.types.transactions import Transaction, encode_transaction, transaction_hash


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
            "debug_executionWitness": self.execution_witness,
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

    @tracing
    def execution_witness(self, block: Any) -> dict[str, list[str]]:
        """What re-executing the block statelessly needs: trie nodes, codes, keys and RLP
        headers (reth's shape; geth serves the headers as JSON objects and no keys). A block
        replay, bounded by the block's gas: on the tracers' workers, never holding up calls."""
        found = self._block(block)
        if found.header.number == 0:
            raise server_error("genesis has no execution witness")
        try:
            return witness_to_json(record_witness(self.view.chain, [found]))
        except InvalidBlock as exc:  # a stored block always replays: our bug, or no state
            raise server_error(f"witness of block {found.header.number}: {exc}") from exc

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
        """Trace every transaction of ``block`` (or only index ``stop_at``): the block pipeline
        on the parent's state, exactly as import ran it, with a tracer on the traced ones."""
        view = self.view
        header = block.header
        if header.number == 0:
            raise server_error("genesis is not traceable")
        parent = view.store.get_header(header.parent_hash)
        if parent is None:
            raise server_error("parent block not found")
        kind, opts = self._tracer(options)
        budget = self._budget()
        chain = view.chain
        state = StateDB(chain.state_at(parent.hash()))
        builder = BlockBuilder(state, header, chain.rules_for(header), chain.block_context(parent))
        builder.begin()
        senders = view.senders(block)
        untraced = replace(BLOCK_TX, abort=current_abort())
        out = []
        try:
            for index, tx in enumerate(block.transactions):
                if stop_at is not None and index != stop_at:
                    if index > stop_at:
                        break
                    builder.apply(tx, senders[index], untraced)
                    continue

                def run(options: TxOptions, tx: Transaction = tx, index: int = index
                        ) -> TransactionResult:
                    return builder.apply(tx, senders[index], options)

                result = _trace(state, tx.to, senders[index], tx.value, tx.gas, tx.data, kind,
                                opts, untraced, run, budget)
                out.append({"txHash": data(transaction_hash(tx)), "result": result})
        except InvalidTransaction as exc:  # a stored block always replays: our bug
            raise server_error(f"replay failed: {exc}") from exc
        return out

    @tracing
    def trace_block_by_number(self, block: Any, options: Any = None) -> list[dict[str, Any]]:
        found = self.view.block(P.block_id(block, 0, allow_hash=False))
        if found is None:
            raise server_error(f"block {block} not found")
        return self._replay(found, None, options)

    @tracing
    def trace_block_by_hash(self, block_hash: Any, options: Any = None) -> list[dict[str, Any]]:
        h = P.hash32(block_hash, 0)
        found = self.view.store.get_block(h)
        if found is None:
            raise server_error(f"block {data(h)} not found")
        return self._replay(found, None, options)

    @tracing
    def trace_transaction(self, tx_hash: Any, options: Any = None) -> Any:
        found = self.view.store.get_transaction(P.hash32(tx_hash, 0))
        if found is None:
            raise server_error("transaction not found")
        _, block_hash, index = found
        block = self.view.store.get_block(block_hash)
        if block is None:
            raise server_error("transaction not found")
        return self._replay(block, index, options)[0]["result"]

    @tracing
    def trace_call(self, tx: Any, block: Any = None, options: Any = None) -> Any:
        args = parse_call_args(tx, 0)
        _, state, env, rules = self.calls.prepare(block, 1)
        call_options = CALL
        if isinstance(options, dict):
            call_options = replace(CALL, state_overrides=parse_state_overrides(
                options.get("stateOverrides"), 2))
            env = apply_block_overrides(env, options.get("blockOverrides"), 2)
        kind, opts = self._tracer(options)
        gas = self.calls.gas_for(args, env)

        def run(options: TxOptions, args: CallArgs = args) -> TransactionResult:
            return run_call(state, env, rules, args, gas, options)

        return _trace(state, args.to, args.sender, args.value, gas, args.data, kind, opts,
                      call_options, run, self._budget())

    def _budget(self) -> TraceBudget:
        """The output caps of one trace request (``--rpc.trace-max-logs/-size``)."""
        limits = self.view.ctx.limits
        return TraceBudget(limits.trace_max_logs, limits.trace_max_size)


def _trace(state: StateDB, to: bytes, sender: bytes, value: int, gas: int, payload: bytes,
           kind: str, opts: dict[str, Any], options: TxOptions,
           run: Any, budget: TraceBudget) -> Any:
    """Run one transaction through ``run(options)`` with the tracer ``kind`` and format what it
    recorded (``structLogs``, ``callTracer`` or ``prestateTracer``) within ``budget``."""
    if kind == "struct":
        logger = StructLogger(opts, budget)
        result = run(replace(options, tracer=logger))
        return logger.result(result.gas_used, not result.succeeded, result.output)
    if kind == "callTracer":
        call = CallTracer(opts, budget)
        call.begin("CALL" if to else "CREATE", sender, to, value, gas, payload)
        tracer: Tracer = call
        return call.result(run(replace(options, tracer=tracer)))
    before = state.copy()
    run(options)
    return prestate(before, state, budget)


__all__ = ["DebugHandlers"]
