"""Our ABI encoder and decoder against eth_abi (the reference the test extras bring)."""

import pytest
from eth_abi import decode as ref_decode
from eth_abi import encode as ref_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from ethrex.l2.abi import AbiError, decode, encode, encode_call, revert_reason, selector

CASES = [
    (["uint256", "address", "bool"], [2**256 - 1, b"\x11" * 20, True]),
    (["bytes32", "bytes", "string"], [b"\x22" * 32, b"\x01\x02\x03", "héllo"]),
    (["bytes32[]", "uint256", "bytes"], [[b"\x01" * 32, b"\x02" * 32], 5, b""]),
    (["int256", "uint8", "bytes4"], [-5, 255, b"\xde\xad\xbe\xef"]),
    (["address[]", "bytes[]"], [[b"\x01" * 20], [b"ab", b"c" * 40]]),
]


@pytest.mark.parametrize(("types", "values"), CASES)
def test_encoding_matches_eth_abi(types: list[str], values: list[object]) -> None:
    ref_values = [_ref(t, v) for t, v in zip(types, values)]
    assert encode(types, values) == ref_encode(types, ref_values)
    assert decode(types, encode(types, values)) == values
    assert [_ref(t, v) for t, v in zip(types, decode(types, ref_encode(types, ref_values)))] \
        == [_norm(t, v) for t, v in zip(types, ref_decode(types, ref_encode(types, ref_values)))]


def _ref(typ: str, value: object) -> object:
    """eth_abi wants addresses as hex strings."""
    if typ == "address":
        return "0x" + value.hex()  # type: ignore[union-attr]
    if typ == "address[]":
        return ["0x" + v.hex() for v in value]  # type: ignore[union-attr]
    return list(value) if isinstance(value, tuple) else value


def _norm(typ: str, value: object) -> object:
    if typ == "address":
        return str(value).lower()
    if typ == "address[]":
        return [str(v).lower() for v in value]  # type: ignore[union-attr]
    return list(value) if isinstance(value, tuple) else value


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=32, max_size=32), max_size=6), st.binary(max_size=100),
       st.integers(0, 2**256 - 1))
def test_round_trips(proof: list[bytes], data: bytes, number: int) -> None:
    types = ["uint256", "bytes32[]", "bytes"]
    assert decode(types, encode(types, [number, proof, data])) == [number, proof, data]
    assert encode(types, [number, proof, data]) == ref_encode(types, [number, proof, data])


def test_calls_and_reverts() -> None:
    assert selector("transfer(address,uint256)").hex() == "a9059cbb"
    assert encode_call("deposit(address)", b"\x01" * 20) == \
        bytes.fromhex("f340fa01") + bytes(12) + b"\x01" * 20
    payload = selector("Error(string)") + encode(["string"], ["CommonBridge: nope"])
    assert revert_reason(payload) == "CommonBridge: nope"
    assert revert_reason(b"\x12\x34\x56\x78") is None
    assert revert_reason(selector("Error(string)") + b"\x00" * 5) is None


@pytest.mark.parametrize(("types", "data"), [
    (["uint256"], b"\x00" * 31),  # short
    (["address"], b"\x01" * 32),  # bits above 160
    (["bool"], (2).to_bytes(32, "big")),
    (["bytes"], (32).to_bytes(32, "big") + (1000).to_bytes(32, "big")),  # runs past the end
    (["uint8"], (256).to_bytes(32, "big")),
])
def test_malformed_data_raises(types: list[str], data: bytes) -> None:
    with pytest.raises(AbiError):
        decode(types, data)


def test_values_that_do_not_fit_raise() -> None:
    for types, values in ((["uint8"], [256]), (["address"], [b"\x01" * 19]),
                          (["bytes4"], [b"\x01"]), (["uint256"], [-1])):
        with pytest.raises(AbiError):
            encode(types, values)
