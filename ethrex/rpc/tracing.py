"""Tracers for ``debug_trace*``: geth's struct logger, ``callTracer`` and ``prestateTracer``.

A tracer is a ``ethrex.execution.transaction.Tracer``: the transaction pipeline runs with an
instrumented copy of the fork's opcode table (``ethrex.evm.table.tables_for``), each handler
wrapped to record the step around it, in the interpreter loop that sends every opcode through
the table (the fast loop runs PUSH, DUP, SWAP, jumps and a few more inline).

Every tracer of one request counts what it records in a ``TraceBudget`` (``--rpc.trace-max-logs``
struct logs, ``--rpc.trace-max-size`` bytes of JSON) and fails the request as soon as it would
pass either, before the memory is spent: a 4-byte loop with 30M gas otherwise makes a 539 MB
answer and gigabytes of Python objects.
"""

from typing import Any

import orjson

from ethrex.evm.errors import Revert
from ethrex.evm.table import OPCODE_NAMES, tables_for
from ethrex.execution.transaction import Frame, TransactionResult
from ethrex.forks import ForkRules
from ethrex.rpc.call import halt_message
from ethrex.rpc.errors import LIMIT_EXCEEDED, RpcError
from ethrex.rpc.limits import DEFAULT_LIMITS

CALL_OPS = {0xF1: "CALL", 0xF2: "CALLCODE", 0xF4: "DELEGATECALL", 0xFA: "STATICCALL"}
CREATE_OPS = {0xF0: "CREATE", 0xF5: "CREATE2"}
LOG_OPS = range(0xA0, 0xA5)


# Bytes of JSON per recorded item, a little over what ``orjson`` writes.
ENTRY_SIZE = 110  # a struct log without stack, memory or storage
WORD_SIZE = 70  # a stack item or memory word: quotes, 0x, 64 hex digits, a comma
SLOT_SIZE = 140  # a storage entry: key and value
NODE_SIZE = 200  # a call frame without its input and output


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


class TraceBudget:
    """The output caps of one trace request, shared by its tracers."""

    __slots__ = ("max_logs", "max_size", "logs", "size")

    def __init__(self, max_logs: int = DEFAULT_LIMITS.trace_max_logs,
                 max_size: int = DEFAULT_LIMITS.trace_max_size) -> None:
        self.max_logs = max_logs
        self.max_size = max_size
        self.logs = 0
        self.size = 0

    def charge(self, size: int, logs: int = 0) -> None:
        """Count ``size`` more bytes and ``logs`` more struct logs; raise ``RpcError``
        (-32005) past either cap."""
        self.size += size
        self.logs += logs
        if self.logs > self.max_logs:
            raise RpcError(LIMIT_EXCEEDED, f"trace output exceeds {self.max_logs} struct logs "
                                           "(--rpc.trace-max-logs)")
        if self.size > self.max_size:
            raise RpcError(LIMIT_EXCEEDED, f"trace output exceeds {self.max_size} bytes "
                                           "(--rpc.trace-max-size)")


class StructLogger:
    """geth's default tracer: one entry per executed opcode, kept as its JSON bytes (a
    quarter of the memory of a dict, and nothing for the garbage collector to walk: hundreds
    of thousands of live dicts made its full passes stall every thread for 100 ms)."""

    def __init__(self, options: dict[str, Any] | None = None,
                 budget: TraceBudget | None = None) -> None:
        options = options or {}
        self.budget = budget if budget is not None else TraceBudget()
        self.with_stack = not options.get("disableStack", False)
        self.with_storage = not options.get("disableStorage", False)
        self.with_memory = bool(options.get("enableMemory", False))
        self.with_return = bool(options.get("enableReturnData", False))
        self.logs: list[bytes] = []  # each entry as JSON
        self._storage: dict[bytes, dict[str, str]] = {}

    def on_step(self, frame: Frame, pc: int, op: int, gas: int) -> None:
        """Steps are recorded by the wrapped handlers."""

    def tables(self, rules: ForkRules) -> list[Any]:
        handlers, gas_table, _, _ = tables_for(rules)
        wrapped = list(handlers)
        for op, handler in enumerate(handlers):
            wrapped[op] = self._wrap(op, handler, gas_table[op])
        return wrapped

    def _entry(self, frame: Frame, pc: int, op: int, gas: int, stack: list[int]) -> dict[str, Any]:
        entry: dict[str, Any] = {"pc": pc, "op": OPCODE_NAMES.get(op, f"opcode 0x{op:x}"),
                                 "gas": gas, "gasCost": 0, "depth": frame.depth + 1}
        if self.with_stack:
            entry["stack"] = [hex(v) for v in stack]
        if self.with_memory:
            mem = bytes(frame.memory)
            entry["memory"] = ["0x" + mem[i : i + 32].hex() for i in range(0, len(mem), 32)]
        if self.with_return:
            entry["returnData"] = "0x" + frame.return_data.hex()
        refund = frame.state.refund
        if refund:
            entry["refund"] = refund
        return entry

    def _size(self, frame: Frame, stack: list[int]) -> int:
        """The JSON size of the entry about to be recorded, from what it will hold."""
        size = ENTRY_SIZE
        if self.with_stack:
            size += WORD_SIZE * len(stack)
        if self.with_memory:
            size += WORD_SIZE * (len(frame.memory) // 32)
        if self.with_return:
            size += 2 * len(frame.return_data)
        return size

    def _wrap(self, op: int, handler: Any, static_gas: int) -> Any:
        logs = self.logs
        charge = self.budget.charge
        dumps = orjson.dumps

        def traced(frame: Frame) -> None:
            pc = frame.pc - 1
            gas_before = frame.gas + static_gas
            stack = frame.stack
            charge(self._size(frame, stack), 1)
            entry = self._entry(frame, pc, op, gas_before, stack)
            if self.with_storage and op in (0x54, 0x55) and stack:
                slots = self._storage.setdefault(frame.target, {})
                key = stack[-1]
                value = stack[-2] if op == 0x55 and len(stack) > 1 else \
                    frame.state.get_storage(frame.target, key)
                slots[_word(key)] = _word(value)
                charge(SLOT_SIZE * len(slots))  # geth repeats the contract's slots so far
                entry["storage"] = dict(slots)
            index = len(logs)
            logs.append(b"")  # its place, before the steps of the frames it calls
            try:
                handler(frame)
            except Exception as exc:
                entry["error"] = type(exc).__name__
                raise
            finally:
                entry["gasCost"] = max(gas_before - frame.gas, 0)
                # orjson leaves a small result in a 4 KiB buffer: keep an exact-size copy
                logs[index] = bytes(memoryview(dumps(entry)))

        return traced

    def result(self, gas_used: int, failed: bool, output: bytes) -> dict[str, Any]:
        """geth's result; ``structLogs`` is already JSON (an ``orjson.Fragment``)."""
        return {"gas": gas_used, "failed": failed, "returnValue": "0x" + output.hex(),
                "structLogs": orjson.Fragment(b"[" + b",".join(self.logs) + b"]")}


class CallTracer:
    """geth's ``callTracer``: the tree of calls with their inputs, outputs and gas."""

    def __init__(self, options: dict[str, Any] | None = None,
                 budget: TraceBudget | None = None) -> None:
        self.budget = budget if budget is not None else TraceBudget()
        config = (options or {}).get("tracerConfig") or {}
        self.only_top = bool(config.get("onlyTopCall", False))
        self.with_log = bool(config.get("withLog", False))
        self.stack: list[dict[str, Any]] = []

    def begin(self, kind: str, sender: bytes, to: bytes, value: int, gas: int,
              data: bytes) -> None:
        self.stack = [{"type": kind, "from": "0x" + sender.hex(), "to": "0x" + to.hex(),
                       "value": hex(value), "gas": hex(gas), "input": "0x" + data.hex()}]

    def on_step(self, frame: Frame, pc: int, op: int, gas: int) -> None:
        """Calls are recorded by the wrapped handlers."""

    def tables(self, rules: ForkRules) -> list[Any]:
        handlers, gas_table, _, _ = tables_for(rules)
        wrapped = list(handlers)
        if self.with_log:
            for op in LOG_OPS:
                wrapped[op] = self._wrap_log(handlers[op])
        if self.only_top:
            return wrapped
        for op in (*CALL_OPS, *CREATE_OPS, 0xFF):
            wrapped[op] = self._wrap(op, handlers[op], gas_table[op])
        return wrapped

    def _wrap_log(self, handler: Any) -> Any:
        """``withLog``: each log in the frame that emitted it, with its position among the
        frame's calls."""

        def traced(frame: Frame) -> None:
            handler(frame)
            if self.only_top and frame.depth:
                return
            address, topics, payload = frame.state.logs[-1][:3]
            self.budget.charge(NODE_SIZE + WORD_SIZE * len(topics) + 2 * len(payload))
            node = self.stack[-1]
            node.setdefault("logs", []).append({
                "address": "0x" + address.hex(), "topics": ["0x" + t.hex() for t in topics],
                "data": "0x" + payload.hex(), "position": hex(len(node.get("calls", ()))),
            })

        return traced

    def _wrap(self, op: int, handler: Any, static_gas: int) -> Any:
        def traced(frame: Frame) -> None:
            stack = frame.stack
            mem = frame.memory
            node: dict[str, Any]
            if op in CALL_OPS:
                has_value = op in (0xF1, 0xF2)
                args = stack[-7:] if has_value else stack[-6:]
                args = args[::-1]
                gas_req, to = args[0], args[1].to_bytes(32, "big")[12:]
                value = args[2] if has_value else 0
                off, size = (args[3], args[4]) if has_value else (args[2], args[3])
                node = {"type": CALL_OPS[op], "from": "0x" + frame.target.hex(),
                        "to": "0x" + to.hex(), "gas": hex(gas_req),
                        "input": "0x" + bytes(mem[off : off + size]).ljust(size, b"\0").hex()}
                if op != 0xFA:
                    node["value"] = hex(value if op != 0xF4 else frame.value)
            elif op in CREATE_OPS:
                value, off, size = stack[-1], stack[-2], stack[-3]
                node = {"type": CREATE_OPS[op], "from": "0x" + frame.target.hex(),
                        "value": hex(value), "gas": hex(frame.gas),
                        "input": "0x" + bytes(mem[off : off + size]).ljust(size, b"\0").hex()}
            else:
                node = {"type": "SELFDESTRUCT", "from": "0x" + frame.target.hex(),
                        "to": "0x" + stack[-1].to_bytes(32, "big")[12:].hex(),
                        "value": hex(frame.state.get_balance(frame.target)), "gas": "0x0",
                        "input": "0x"}
            self.budget.charge(NODE_SIZE + len(node["input"]))
            self.stack.append(node)
            gas_before = frame.gas + static_gas
            try:
                handler(frame)
            except Exception as exc:
                node["error"] = type(exc).__name__
                raise
            finally:
                self.stack.pop()
                parent = self.stack[-1] if self.stack else None
                if parent is not None:
                    parent.setdefault("calls", []).append(node)
            node["gasUsed"] = hex(max(gas_before - frame.gas, 0))
            if op in CALL_OPS:
                self.budget.charge(2 * len(frame.return_data))
                node["output"] = "0x" + frame.return_data.hex()
                if stack and stack[-1] == 0:
                    node["error"] = "execution reverted"
            elif op in CREATE_OPS:
                if stack and stack[-1]:
                    node["to"] = "0x" + stack[-1].to_bytes(32, "big")[12:].hex()
                else:
                    node["error"] = "contract creation failed"
            if "error" in node:
                _drop_logs(node)  # a failed frame's logs (and its children's) are reverted

        return traced

    def result(self, result: TransactionResult) -> dict[str, Any]:
        """The call tree, its top frame completed from the transaction's ``result``."""
        top = self.stack[0] if self.stack else {}
        top["gasUsed"] = hex(result.gas_used)
        top["output"] = "0x" + result.output.hex()
        if result.contract_address:
            top["to"] = "0x" + result.contract_address.hex()
        if result.error is not None:
            top["error"] = "execution reverted" if isinstance(result.error, Revert) \
                else halt_message(result.error)
            _drop_logs(top)
        return top


def _drop_logs(node: dict[str, Any]) -> None:
    node.pop("logs", None)
    for child in node.get("calls", ()):
        _drop_logs(child)


def prestate(pre: Any, post: Any, budget: TraceBudget | None = None) -> dict[str, Any]:
    """geth's ``prestateTracer`` (non-diff mode): the touched accounts as they were before,
    from ``pre`` (the state before the transaction) and the accounts ``post`` loaded."""
    budget = budget if budget is not None else TraceBudget()
    out: dict[str, Any] = {}
    for address in list(post.accounts):
        info = pre.get_account(address)
        if info is None:
            continue
        nonce, balance, _ = info
        entry: dict[str, Any] = {"balance": hex(balance)}
        if nonce:
            entry["nonce"] = nonce
        code = pre.get_code(address)
        slots = post.storage.get(address)
        budget.charge(NODE_SIZE + 2 * len(code) + SLOT_SIZE * len(slots or ()))
        if code:
            entry["code"] = "0x" + code.hex()
        if slots:
            entry["storage"] = {_word(k): _word(pre.get_storage(address, k)) for k in slots}
        out["0x" + address.hex()] = entry
    return out
