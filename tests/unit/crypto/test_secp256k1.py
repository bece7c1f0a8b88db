"""secp256k1 recovery and signing against the BasicTests key/address vectors and EIP-155."""

import json

import pytest

from ethrex.crypto.secp256k1 import (
    SECP256K1N,
    SECP256K1N_HALF,
    private_key_to_address,
    private_key_to_public_key,
    public_key_to_address,
    recover_address,
    recover_public_key,
    sign,
    try_recover_address,
)
from ethrex.errors import InvalidTransaction
from ethrex.primitives import keccak256
from tests.fixtures_root import fixtures_root

# EIP-155's worked example: private key 0x46..46 signs for chain 1.
EIP155_KEY = bytes([0x46]) * 32
EIP155_SIGNING_HASH = bytes.fromhex(
    "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
)
EIP155_R = 18515461264373351373200002665853028612451056578545711640558177340181847433846
EIP155_S = 46948507304638947509940763649030358759909902576025900602547168820602576006531
EIP155_V = 37  # chain 1, parity 0


def _keyaddr_vectors() -> list[dict[str, str]]:
    with open(fixtures_root() / "ethereum-tests/BasicTests/keyaddrtest.json") as f:
        vectors: list[dict[str, str]] = json.load(f)
    return vectors


def test_private_key_to_address_matches_basic_tests() -> None:
    vectors = _keyaddr_vectors()
    assert vectors
    for v in vectors:
        assert private_key_to_address(bytes.fromhex(v["key"])).hex() == v["addr"]


def test_eip155_example_signature() -> None:
    parity, r, s = sign(EIP155_SIGNING_HASH, EIP155_KEY)
    assert (parity, r, s) == (EIP155_V - 37, EIP155_R, EIP155_S)
    sender = recover_address(EIP155_SIGNING_HASH, parity, r, s)
    assert sender == private_key_to_address(EIP155_KEY)


def test_sign_recover_round_trip_and_low_s() -> None:
    for i in range(1, 30):
        key = keccak256(i.to_bytes(4, "big"))
        msg = keccak256(b"msg" + key)
        parity, r, s = sign(msg, key)
        assert parity in (0, 1) and 0 < r < SECP256K1N and 0 < s <= SECP256K1N_HALF
        assert recover_address(msg, parity, r, s) == private_key_to_address(key)
        pub = recover_public_key(msg, parity + 27, r, s)  # 27/28 accepted too
        assert pub == private_key_to_public_key(key)
        assert public_key_to_address(pub) == private_key_to_address(key)
        # The other parity recovers a different key (or none).
        assert try_recover_address(msg, 1 - parity, r, s) != private_key_to_address(key)


@pytest.mark.parametrize(
    ("parity", "r", "s"),
    [
        (0, 0, 1),
        (0, 1, 0),
        (0, SECP256K1N, 1),
        (0, 1, SECP256K1N),
        (2, EIP155_R, EIP155_S),
        (-1, EIP155_R, EIP155_S),
    ],
)
def test_bad_signatures_are_rejected(parity: int, r: int, s: int) -> None:
    assert try_recover_address(EIP155_SIGNING_HASH, parity, r, s) is None
    with pytest.raises(InvalidTransaction):
        recover_address(EIP155_SIGNING_HASH, parity, r, s)
    with pytest.raises(InvalidTransaction):
        recover_public_key(EIP155_SIGNING_HASH, parity, r, s)


def test_r_not_on_curve_recovers_nothing() -> None:
    # x = 5 has no point on secp256k1 (5**3 + 7 = 132 is not a square mod p).
    assert try_recover_address(EIP155_SIGNING_HASH, 0, 5, 1) is None


def test_public_key_to_address_accepts_prefixed_and_rejects_short() -> None:
    pub = private_key_to_public_key(EIP155_KEY)
    assert public_key_to_address(b"\x04" + pub) == public_key_to_address(pub)
    with pytest.raises(ValueError):
        public_key_to_address(pub[:63])
