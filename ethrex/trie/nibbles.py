"""Nibble paths and the hex-prefix encoding (Yellow Paper, appendix C).

A nibble path is held as a ``str`` of lowercase hex digits, one character per nibble:
``key.hex()`` builds it in C (``bytes.fromhex`` turns an even-length path back into a key),
and slicing, comparing and ``startswith`` on short strings are the cheapest sequence
operations CPython has. ``NIBBLE_INDEX`` maps a digit to its branch slot.
"""

HEX_DIGITS = "0123456789abcdef"
NIBBLE_INDEX = {digit: index for index, digit in enumerate(HEX_DIGITS)}


def common_prefix_length(a: str, b: str) -> int:
    """How many leading nibbles two paths share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def encode_hex_prefix(path: str, is_leaf: bool) -> bytes:
    """Hex-prefix encode a path: the first nibble holds the leaf flag (2) and the odd flag (1);
    an even path gets a zero padding nibble after the flag."""
    if len(path) & 1:
        return bytes.fromhex(("3" if is_leaf else "1") + path)
    return bytes.fromhex(("20" if is_leaf else "00") + path)


def decode_hex_prefix(data: bytes) -> tuple[str, bool]:
    """Inverse of ``encode_hex_prefix``: the path and the leaf flag.

    Raises ``ValueError`` for an empty input, an unknown flag nibble or a non-zero pad nibble.
    """
    if not data:
        raise ValueError("hex-prefix encoded path is empty")
    text = data.hex()
    flag = text[0]
    if flag in "13":
        return text[1:], flag == "3"
    if flag in "02" and text[1] == "0":
        return text[2:], flag == "2"
    raise ValueError(f"bad hex-prefix header byte 0x{text[:2]}")
