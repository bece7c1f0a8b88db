"""RLP: canonical encoding, strict decoding, and round-trip properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ethrex import rlp
from ethrex.errors import RLPDecodingError

items = st.recursive(
    st.binary(max_size=80), lambda children: st.lists(children, max_size=6), max_leaves=25
)


@given(items)
def test_round_trip(item: rlp.Item) -> None:
    assert rlp.decode(rlp.encode(item)) == item


@given(st.integers(min_value=0, max_value=2**300))
def test_int_round_trip(value: int) -> None:
    assert rlp.decode_int(rlp.decode(rlp.encode(value))) == value


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decoding_errors(data: bytes) -> None:
    try:
        item = rlp.decode(data)
    except RLPDecodingError:
        return
    assert rlp.encode(item) == data  # whatever decodes is canonical


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x81\x05", "single byte below 0x80"),
        (b"\xb8\x05hello", "long-form length prefix"),
        (b"\xb9\x00\x40" + b"a" * 64, "leading zero"),
        (b"\x83do", "runs past the end"),
        (b"\x80\x80", "trailing"),
        (b"", "input ends"),
        (b"\xc3\x80\x80", "runs past the end"),
        (b"\xc2\x83\x80\x80", "runs past the end"),
    ],
)
def test_non_canonical_input_is_rejected(data: bytes, message: str) -> None:
    with pytest.raises(RLPDecodingError, match=message):
        rlp.decode(data)


def test_decode_int_rejects_leading_zero() -> None:
    with pytest.raises(RLPDecodingError, match="leading zero"):
        rlp.decode_int(rlp.decode(b"\x82\x00\x01"))


def test_encode_rejects_negative_and_str() -> None:
    with pytest.raises(ValueError):
        rlp.encode(-1)
    with pytest.raises(TypeError):
        rlp.encode("text")


def _reference_encode(item: object) -> bytes:
    # The Yellow Paper's definition, written plainly: the fast encoder must agree with it.
    if isinstance(item, (list, tuple)):
        payload = b"".join(_reference_encode(x) for x in item)
        return _reference_prefix(len(payload), 0xC0) + payload
    if isinstance(item, int):
        item = item.to_bytes((item.bit_length() + 7) // 8, "big")
    data = bytes(item)  # type: ignore[arg-type]
    if len(data) == 1 and data[0] < 0x80:
        return data
    return _reference_prefix(len(data), 0x80) + data


def _reference_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = (length.bit_length() + 7) // 8
    return bytes([offset + 55 + size]) + length.to_bytes(size, "big")


scalars = st.one_of(
    st.binary(max_size=70),
    st.binary(max_size=3).map(bytearray),
    st.integers(min_value=0, max_value=2**260),
    st.integers(min_value=0, max_value=200),
    st.booleans(),
)
mixed_items = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=8), st.lists(children, max_size=8).map(tuple)
    ),
    max_leaves=40,
)


@given(mixed_items)
def test_encode_agrees_with_the_definition(item: object) -> None:
    assert rlp.encode(item) == _reference_encode(item)


def test_encode_rejects_negative_and_str_inside_lists() -> None:
    with pytest.raises(ValueError):
        rlp.encode([b"a", [1, -1]])
    with pytest.raises(TypeError):
        rlp.encode([b"a", ("text",)])


@given(st.lists(mixed_items, max_size=6))
def test_a_list_of_encoded_items_is_the_list_encoded(items: list[object]) -> None:
    assert rlp.encode_encoded_list([rlp.encode(x) for x in items]) == rlp.encode(items)
