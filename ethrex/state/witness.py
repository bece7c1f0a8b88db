"""Execution witnesses: the part of a state that re-executing some blocks needs, and nothing else.

An ``ExecutionWitness`` is what ``debug_executionWitness`` serves (the shape geth and reth share)
and what a prover receives with a batch: the RLP of every state and storage trie node the
blocks read (including the nodes that computing the post-state root loads: the siblings a
deletion pulls up into its parent), every contract code they read, the preimages of the keys
they touched (addresses and storage slots), and the ancestor headers BLOCKHASH needs, oldest
first, ending with the parent of the first block (whose state root the witness opens).

Two stores of ``hash -> bytes`` plug into ``TrieBackend`` (a trie's ``NodeStore`` shape):

- ``WitnessTable``: a witness' nodes or codes, keyed by their own keccak (a witness cannot
  mislabel an entry); a miss raises ``MissingWitnessNode`` / ``MissingWitnessCode``. New
  entries written while executing (the nodes of a new root, deployed code) join it, so the
  next block of a batch reads them.
- ``RecordingTable``: a read-through over the chain store that keeps every entry it had to
  fetch; entries written while executing shadow the base and are not recorded. What it
  records is exactly what a ``WitnessTable`` must hold for the same execution.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ethrex import rlp
from ethrex.errors import EthrexError, RLPDecodingError
from ethrex.primitives import keccak256
from ethrex.types.header import Header, decode_header, decode_header_item, encode_header


class InvalidWitness(EthrexError):
    """A witness that cannot re-execute its blocks: it lacks a node, a code or a header, or
    its headers do not chain to the blocks. Never a verdict on the blocks themselves."""


class MissingWitnessNode(InvalidWitness):
    """A trie node that execution needed is not in the witness."""

    def __init__(self, node_hash: bytes) -> None:
        super().__init__(f"trie node 0x{node_hash.hex()} is missing from the witness")
        self.node_hash = node_hash


class MissingWitnessCode(InvalidWitness):
    """A contract code that execution needed is not in the witness."""

    def __init__(self, code_hash: bytes) -> None:
        super().__init__(f"code 0x{code_hash.hex()} is missing from the witness")
        self.code_hash = code_hash


class MissingWitnessHeader(InvalidWitness):
    """An ancestor header (BLOCKHASH, or the parent) is not in the witness."""

    def __init__(self, number: int) -> None:
        super().__init__(f"header of block {number} is missing from the witness")
        self.number = number


@dataclass(frozen=True, slots=True)
class ExecutionWitness:
    """Trie nodes, codes, key preimages and RLP headers (oldest first, the parent last)."""

    state: tuple[bytes, ...]
    codes: tuple[bytes, ...]
    keys: tuple[bytes, ...]
    headers: tuple[bytes, ...]

    def decoded_headers(self) -> list[Header]:
        """The headers, decoded; raises ``InvalidWitness`` for a malformed one."""
        try:
            return [decode_header(h) for h in self.headers]
        except RLPDecodingError as exc:
            raise InvalidWitness(f"malformed witness header: {exc}") from exc

    def size(self) -> int:
        """Bytes of nodes, codes, keys and headers (the payload, without framing)."""
        return sum(len(x) for part in (self.state, self.codes, self.keys, self.headers)
                   for x in part)


def witness_to_json(witness: ExecutionWitness) -> dict[str, list[str]]:
    """The ``debug_executionWitness`` result: hex strings, headers RLP-encoded (as reth)."""
    def hexes(items: Iterable[bytes]) -> list[str]:
        return ["0x" + item.hex() for item in items]

    return {"state": hexes(witness.state), "codes": hexes(witness.codes),
            "keys": hexes(witness.keys), "headers": hexes(witness.headers)}


def witness_from_json(obj: Any) -> ExecutionWitness:
    """Parse ``witness_to_json``'s shape; raises ``InvalidWitness`` on anything else."""
    if not isinstance(obj, dict):
        raise InvalidWitness("a witness is a JSON object")

    def parts(name: str) -> tuple[bytes, ...]:
        items = obj.get(name) or []  # geth serves "keys": null
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidWitness(f"witness {name!r} must be a list of hex strings")
        try:
            return tuple(bytes.fromhex(i.removeprefix("0x")) for i in items)
        except ValueError as exc:
            raise InvalidWitness(f"witness {name!r}: {exc}") from exc

    return ExecutionWitness(parts("state"), parts("codes"), parts("keys"), parts("headers"))


def encode_witness(witness: ExecutionWitness) -> bytes:
    """RLP ``[headers, codes, state, keys]`` with each header as its RLP list: geth's wire
    form of a witness (``stateless.ExtWitness``)."""
    headers = [rlp.decode(h) for h in witness.headers]
    return rlp.encode([headers, list(witness.codes), list(witness.state), list(witness.keys)])


def decode_witness(data: bytes) -> ExecutionWitness:
    """Inverse of ``encode_witness``; raises ``RLPDecodingError`` on malformed bytes."""
    items = rlp.decode_list(rlp.decode(data), 4)
    headers = tuple(encode_header(decode_header_item(h)) for h in rlp.decode_list(items[0]))

    def strings(item: rlp.Item) -> tuple[bytes, ...]:
        return tuple(rlp.decode_bytes(x) for x in rlp.decode_list(item))

    return ExecutionWitness(strings(items[2]), strings(items[1]), strings(items[3]), headers)


# -- the stores TrieBackend reads --------------------------------------------------------------

class WitnessTable:
    """``hash -> bytes`` from a witness, plus what execution writes; a miss raises."""

    __slots__ = ("entries", "missing")

    def __init__(self, items: Iterable[bytes],
                 missing: Callable[[bytes], InvalidWitness]) -> None:
        self.entries: dict[bytes, bytes] = {keccak256(item): item for item in items}
        self.missing = missing

    def get(self, key: bytes, /) -> bytes:
        value = self.entries.get(key)
        if value is None:
            raise self.missing(key)
        return value

    def __setitem__(self, key: bytes, value: bytes, /) -> None:
        self.entries[key] = value


class RecordingTable:
    """``hash -> bytes`` read through ``base`` (the chain store); ``recorded`` keeps what was
    read there, in order, and ``written`` what execution wrote (read back unrecorded)."""

    __slots__ = ("base", "recorded", "written")

    def __init__(self, base: Callable[[bytes], bytes | None]) -> None:
        self.base = base
        self.recorded: dict[bytes, bytes] = {}
        self.written: dict[bytes, bytes] = {}

    def get(self, key: bytes, /) -> bytes | None:
        value = self.written.get(key)
        if value is not None:
            return value
        value = self.recorded.get(key)
        if value is None:
            value = self.base(key)
            if value is not None:
                self.recorded[key] = value
        return value

    def __setitem__(self, key: bytes, value: bytes, /) -> None:
        self.written[key] = value
