"""Header rules: gas limit bounds, EIP-1559 base fee, EIP-4844/7918 excess blob gas and the
checks of validate_header, with values from the EIPs."""

import pytest

from ethrex.blockchain.validation import is_gas_limit_valid, validate_header
from ethrex.errors import InvalidBlock
from ethrex.execution.fee_market import (
    GAS_PER_BLOB,
    INITIAL_BASE_FEE,
    blob_base_fee,
    compute_base_fee,
    compute_excess_blob_gas,
    fake_exponential,
)
from ethrex.forks import RULES, Fork
from ethrex.primitives import EMPTY_LIST_HASH
from ethrex.trie import EMPTY_ROOT
from ethrex.types.header import Header


def _header(**kw: object) -> Header:
    fields: dict[str, object] = dict(
        parent_hash=bytes(32), ommers_hash=EMPTY_LIST_HASH, coinbase=bytes(20),
        state_root=EMPTY_ROOT, transactions_root=EMPTY_ROOT, receipts_root=EMPTY_ROOT,
        logs_bloom=bytes(256), difficulty=0, number=1, gas_limit=30_000_000, gas_used=0,
        timestamp=12, extra_data=b"", prev_randao=bytes(32), nonce=bytes(8),
    )
    fields.update(kw)
    return Header(**fields)  # type: ignore[arg-type]


def test_gas_limit_bounds() -> None:
    parent = 1024 * 1000
    assert is_gas_limit_valid(parent + 999, parent)
    assert not is_gas_limit_valid(parent + 1000, parent)  # delta must stay below parent/1024
    assert is_gas_limit_valid(parent - 999, parent)
    assert not is_gas_limit_valid(parent - 1000, parent)
    assert not is_gas_limit_valid(4999, 5000)  # floor of 5000


def test_base_fee_moves_by_at_most_one_eighth() -> None:
    # EIP-1559: a full block raises by 1/8, an empty one lowers by 1/8, the target keeps it.
    assert compute_base_fee(30_000_000, 15_000_000, 1000) == 1000
    assert compute_base_fee(30_000_000, 30_000_000, 1000) == 1125
    assert compute_base_fee(30_000_000, 0, 1000) == 875
    assert compute_base_fee(30_000_000, 15_000_001, 1) == 2  # the increase is at least 1


def test_fake_exponential_matches_eip_4844() -> None:
    assert fake_exponential(1, 0, 3338477) == 1
    # e ** 1 truncated, scaled by the factor.
    assert fake_exponential(1000, 3338477, 3338477) == 2718
    assert blob_base_fee(0, RULES[Fork.CANCUN]) == 1


def test_excess_blob_gas() -> None:
    cancun = RULES[Fork.CANCUN]
    target = cancun.blob_target * GAS_PER_BLOB
    parent = _header(excess_blob_gas=0, blob_gas_used=target + GAS_PER_BLOB, base_fee_per_gas=7)
    assert compute_excess_blob_gas(parent, cancun) == GAS_PER_BLOB
    below = _header(excess_blob_gas=0, blob_gas_used=target - GAS_PER_BLOB, base_fee_per_gas=7)
    assert compute_excess_blob_gas(below, cancun) == 0
    # EIP-7918: with a high execution base fee the excess grows by used * (max-target)/max.
    osaka = RULES[Fork.OSAKA]
    used = osaka.blob_max * GAS_PER_BLOB
    rich = _header(excess_blob_gas=0, blob_gas_used=used, base_fee_per_gas=10**9)
    expected = used * (osaka.blob_max - osaka.blob_target) // osaka.blob_max
    assert compute_excess_blob_gas(rich, osaka) == expected
    assert compute_excess_blob_gas(rich, RULES[Fork.PRAGUE]) == used - RULES[
        Fork.PRAGUE].blob_target * GAS_PER_BLOB


def _london_pair() -> tuple[Header, Header]:
    parent = _header(number=1, base_fee_per_gas=INITIAL_BASE_FEE, gas_used=15_000_000,
                     difficulty=0, timestamp=10)
    child = _header(number=2, parent_hash=parent.hash(), base_fee_per_gas=INITIAL_BASE_FEE,
                    timestamp=22)
    return parent, child


def test_validate_header_accepts_a_valid_child() -> None:
    parent, child = _london_pair()
    paris = RULES[Fork.PARIS]
    validate_header(child, parent, paris, paris)


@pytest.mark.parametrize(
    "change",
    [
        {"number": 3},
        {"timestamp": 10},
        {"extra_data": b"x" * 33},
        {"base_fee_per_gas": INITIAL_BASE_FEE + 1},
        {"gas_limit": 30_000_000 + 30_000_000 // 1024},
        {"difficulty": 1},
        {"nonce": b"\x00" * 7 + b"\x01"},
        {"gas_used": 30_000_001},
        {"withdrawals_root": EMPTY_ROOT},  # a Shanghai field in Paris
    ],
)
def test_validate_header_rejects(change: dict[str, object]) -> None:
    from dataclasses import replace

    parent, child = _london_pair()
    paris = RULES[Fork.PARIS]
    with pytest.raises(InvalidBlock):
        validate_header(replace(child, **change), parent, paris, paris)  # type: ignore[arg-type]


def test_london_fork_block_doubles_the_parent_target() -> None:
    berlin, london = RULES[Fork.BERLIN], RULES[Fork.LONDON]
    parent = _header(number=4, gas_limit=15_000_000, difficulty=131072, timestamp=10)
    child = _header(number=5, gas_limit=30_000_000, base_fee_per_gas=INITIAL_BASE_FEE,
                    difficulty=131072, timestamp=19)
    validate_header(child, parent, london, berlin)  # 2 * 15M is the new limit's anchor
    with pytest.raises(InvalidBlock, match="gas_limit"):
        validate_header(child, parent, london, london)  # not a fork block: no doubling
