"""Decoding JSON-RPC params: hex quantities and data, addresses, hashes and block identifiers
(number, tag or EIP-1898 object). Every failure is an ``INVALID_PARAMS`` error naming the
argument."""

from dataclasses import dataclass
from typing import Any

from ethrex.rpc.errors import RpcError, invalid_params

TAGS = ("latest", "earliest", "pending", "safe", "finalized")


def _arg(index: int | None, message: str) -> RpcError:
    return invalid_params(message if index is None else f"invalid argument {index}: {message}")


def quantity(value: Any, index: int | None = None, bits: int = 256) -> int:
    """A ``0x``-prefixed hex quantity."""
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value  # lenient: some clients send JSON numbers
        raise _arg(index, "json: cannot unmarshal non-string into Go value of type hexutil.Big")
    if not value.startswith(("0x", "0X")):
        raise _arg(index, "hex string without 0x prefix")
    digits = value[2:]
    if not digits:
        raise _arg(index, "hex string \"0x\"")
    if len(digits) > 1 and digits[0] == "0":
        raise _arg(index, "hex number with leading zero digits")
    try:
        number = int(digits, 16)
    except ValueError:
        raise _arg(index, "invalid hex string") from None
    if number.bit_length() > bits:
        raise _arg(index, f"hex number > {bits} bits")
    return number


def hex_data(value: Any, index: int | None = None, size: int | None = None,
             what: str = "data") -> bytes:
    """``0x``-prefixed even-length hex bytes (exactly ``size`` bytes when given)."""
    if not isinstance(value, str):
        raise _arg(index, f"json: cannot unmarshal non-string into {what}")
    if not value.startswith(("0x", "0X")):
        raise _arg(index, f"json: cannot unmarshal hex string without 0x prefix into {what}")
    digits = value[2:]
    if len(digits) % 2:
        raise _arg(index, f"json: cannot unmarshal hex string of odd length into {what}")
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise _arg(index, f"json: cannot unmarshal invalid hex string into {what}") from None
    if size is not None and len(raw) != size:
        raise _arg(index, f"hex string has length {len(digits)}, want {size * 2} for {what}")
    return raw


def address(value: Any, index: int | None = None) -> bytes:
    return hex_data(value, index, 20, "common.Address")


def hash32(value: Any, index: int | None = None) -> bytes:
    return hex_data(value, index, 32, "common.Hash")


def storage_key(value: Any, index: int | None = None) -> int:
    """A storage slot: hex of up to 32 bytes, odd length allowed (geth's rules)."""
    if not isinstance(value, str):
        raise _arg(index, "storage key is not a string")
    digits = value[2:] if value.startswith(("0x", "0X")) else value
    if len(digits) > 64:
        raise invalid_params(f"storage key too long (want at most 32 bytes): \"{value}\"")
    try:
        return int(digits or "0", 16)
    except ValueError:
        raise invalid_params(f"invalid hex in storage key: \"{value}\"") from None


@dataclass(frozen=True, slots=True)
class BlockId:
    """A block reference: a tag, a number or a hash (EIP-1898 ``requireCanonical``)."""

    tag: str | None = None
    number: int | None = None
    hash: bytes | None = None
    require_canonical: bool = False


LATEST = BlockId(tag="latest")


def block_id(value: Any, index: int | None = None, allow_hash: bool = True) -> BlockId:
    """A block number or tag, or (with ``allow_hash``) a hash or an EIP-1898 object."""
    if value is None:
        return LATEST
    if isinstance(value, dict):
        if "blockHash" in value and allow_hash:
            if "blockNumber" in value:
                raise _arg(index, "cannot specify both blockHash and blockNumber")
            canonical = value.get("requireCanonical", False)
            if not isinstance(canonical, bool):
                raise _arg(index, "requireCanonical is not a boolean")
            return BlockId(hash=hash32(value["blockHash"], index), require_canonical=canonical)
        if "blockNumber" in value:
            return block_id(value["blockNumber"], index, allow_hash=False)
        raise _arg(index, "block object needs blockHash or blockNumber")
    if isinstance(value, str):
        if value in TAGS:
            return BlockId(tag=value)
        if allow_hash and len(value) == 66:
            return BlockId(hash=hash32(value, index))
        return BlockId(number=quantity(value, index, bits=64))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return BlockId(number=value)
    raise _arg(index, "invalid block number or tag")


def boolean(value: Any, index: int | None = None) -> bool:
    if not isinstance(value, bool):
        raise _arg(index, "json: cannot unmarshal into Go value of type bool")
    return value
