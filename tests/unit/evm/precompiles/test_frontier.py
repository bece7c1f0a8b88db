"""0x01..0x04: ECRECOVER, SHA256, RIPEMD160, IDENTITY (Yellow Paper appendix E).

ECRECOVER vectors are go-ethereum's core/vm/testdata/precompiles/ecRecover.json; the digests of the
empty string and "abc" are the published SHA-256 (FIPS 180-2) and RIPEMD-160 test values.
"""

import pytest

from ethrex.evm.precompiles import PRECOMPILES
from ethrex.forks import RULES, Fork

RULES_ = RULES[Fork.CANCUN]
ecrecover_gas, ecrecover = PRECOMPILES[1]

VALID = bytes.fromhex(
    "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c"
    "000000000000000000000000000000000000000000000000000000000000001c"
    "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f"
    "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549"
)


def test_ecrecover_valid() -> None:
    out = ecrecover(VALID, RULES_)
    assert out == bytes(12) + bytes.fromhex("a94f5374fce5edbc8e2a8697c15331677e6ebf0b")
    assert ecrecover_gas(VALID, RULES_) == 3000


def test_ecrecover_high_s_is_accepted() -> None:
    # The precompile has no EIP-2 rule: s and n - s with the other parity give the same signer.
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(VALID[96:], "big")
    flipped = VALID[:63] + b"\x1b" + VALID[64:96] + (n - s).to_bytes(32, "big")
    assert ecrecover(flipped, RULES_) == ecrecover(VALID, RULES_)


@pytest.mark.parametrize(
    "data",
    [
        # unrecoverable key (geth CallEcrecoverUnrecoverableKey)
        bytes.fromhex(
            "a8b53bdf3306a35a7103ab5504a0c9b492295564b6202b1942a84ef300107281"
            "000000000000000000000000000000000000000000000000000000000000001b"
            "3078356531653033663533636531386237373263636230303933666637316633"
            "6635336635633735623734646362333161383561613862383839326234653862"
            "1122334455667788991011121314151617181920212223242526272829303132"
        ),
        VALID[:32] + bytes.fromhex("10" + "00" * 30 + "1c") + VALID[64:],  # v with high bits
        VALID[:32] + (29).to_bytes(32, "big") + VALID[64:],  # v not 27/28
        VALID[:64] + bytes(32) + VALID[96:],  # r = 0
        VALID[:96] + bytes(32),  # s = 0
        VALID[:64] + b"\xff" * 32 + VALID[96:],  # r >= n
        b"",  # all zero after padding
    ],
)
def test_ecrecover_invalid_is_empty_output(data: bytes) -> None:
    assert ecrecover(data, RULES_) == b""


def test_ecrecover_short_input_is_zero_padded() -> None:
    assert ecrecover(VALID[:100], RULES_) == ecrecover(VALID[:100] + bytes(28), RULES_)


@pytest.mark.parametrize(
    ("address", "data", "digest", "gas"),
    [
        (2, b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 60),
        (2, b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 72),
        (3, b"", "0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31", 600),
        (3, b"abc", "0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc", 720),
        (4, b"", "", 15),
        (4, b"abc", "616263", 18),
    ],
)
def test_hash_and_identity(address: int, data: bytes, digest: str, gas: int) -> None:
    gas_fn, run_fn = PRECOMPILES[address]
    assert run_fn(data, RULES_) == bytes.fromhex(digest)
    assert gas_fn(data, RULES_) == gas


@pytest.mark.parametrize(
    ("address", "base", "word"), [(2, 60, 12), (3, 600, 120), (4, 15, 3)]
)
def test_word_gas(address: int, base: int, word: int) -> None:
    gas_fn, _ = PRECOMPILES[address]
    for size, words in ((1, 1), (32, 1), (33, 2), (64, 2), (65, 3)):
        assert gas_fn(bytes(size), RULES_) == base + word * words
