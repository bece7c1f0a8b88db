"""Memory expansion gas and SSTORE gas/refund tables of EIP-1283, EIP-2200, EIP-2929, EIP-3529."""

import pytest

from ethrex.evm.gas import memory_cost
from ethrex.forks import BERLIN, CONSTANTINOPLE, FRONTIER, ISTANBUL, LONDON, PETERSBURG, ForkRules
from tests.unit.evm.vmtest import run_code

GAS = 100_000


def gas_used(code: bytes, rules: ForkRules, storage: dict[int, int] | None = None) -> tuple[int, int]:
    frame = run_code(code, rules, GAS, storage)
    assert frame.error is None, frame.error
    return GAS - frame.gas, frame.state.refund


def test_memory_cost_formula() -> None:
    # Yellow Paper: C_mem(a) = 3a + a^2 / 512 (words).
    assert memory_cost(0) == 0
    assert memory_cost(1) == 3
    assert memory_cost(32) == 3 * 32 + 2
    assert memory_cost(1024) == 3 * 1024 + 2048


@pytest.mark.parametrize(
    "code, expected",
    [
        (bytes.fromhex("6000600052"), 3 + 3 + 3 + 3),  # MSTORE at 0: one word
        (bytes.fromhex("60006103e052"), 3 + 3 + 3 + memory_cost(32)),  # MSTORE at 992
        (bytes.fromhex("6000600053"), 3 + 3 + 3 + 3),  # MSTORE8 at 0
        (bytes.fromhex("600060005260006000525950"), 12 + 3 + 3 + 3 + 2 + 2),  # no regrowth, MSIZE
    ],
)
def test_memory_expansion_gas(code: bytes, expected: int) -> None:
    assert gas_used(code, ISTANBUL)[0] == expected


# (code, original value, gas used, refund) from the EIP tables. Two SSTOREs to slot 0.
EIP_1283 = [
    ("60006000556000600055", 0, 412, 0),
    ("60006000556001600055", 0, 20212, 0),
    ("60016000556000600055", 0, 20212, 19800),
    ("60016000556002600055", 0, 20212, 0),
    ("60016000556001600055", 0, 20212, 0),
    ("60006000556000600055", 1, 5212, 15000),
    ("60006000556001600055", 1, 5212, 4800),
    ("60006000556002600055", 1, 5212, 0),
    ("60026000556000600055", 1, 5212, 15000),
    ("60026000556003600055", 1, 5212, 0),
    ("60026000556001600055", 1, 5212, 4800),
    ("60026000556002600055", 1, 5212, 0),
    ("60016000556000600055", 1, 5212, 15000),
    ("60016000556002600055", 1, 5212, 0),
    ("60016000556001600055", 1, 412, 0),
    ("600160005560006000556001600055", 0, 40218, 19800),
    ("600060005560016000556000600055", 1, 10218, 19800),
]
EIP_2200 = [
    ("60006000556000600055", 0, 1612, 0),
    ("60006000556001600055", 0, 20812, 0),
    ("60016000556000600055", 0, 20812, 19200),
    ("60016000556002600055", 0, 20812, 0),
    ("60016000556001600055", 0, 20812, 0),
    ("60006000556000600055", 1, 5812, 15000),
    ("60006000556001600055", 1, 5812, 4200),
    ("60006000556002600055", 1, 5812, 0),
    ("60026000556000600055", 1, 5812, 15000),
    ("60026000556003600055", 1, 5812, 0),
    ("60026000556001600055", 1, 5812, 4200),
    ("60026000556002600055", 1, 5812, 0),
    ("60016000556000600055", 1, 5812, 15000),
    ("60016000556002600055", 1, 5812, 0),
    ("60016000556001600055", 1, 1612, 0),
    ("600160005560006000556001600055", 0, 40818, 19200),
    ("600060005560016000556000600055", 1, 10818, 19200),
]
# EIP-3529 (London, on top of EIP-2929's cold slot): clearing refunds 4800.
EIP_3529 = [
    ("60006000556000600055", 0, 2312, 0),
    ("60006000556001600055", 0, 22212, 0),
    ("60016000556000600055", 0, 22212, 19900),
    ("60006000556000600055", 1, 5112, 4800),
    ("60006000556001600055", 1, 5112, 2800),
    ("60016000556001600055", 1, 2312, 0),
]


@pytest.mark.parametrize("code, original, gas, refund", EIP_1283)
def test_sstore_eip1283_constantinople(code: str, original: int, gas: int, refund: int) -> None:
    assert gas_used(bytes.fromhex(code), CONSTANTINOPLE, {0: original}) == (gas, refund)


@pytest.mark.parametrize("code, original, gas, refund", EIP_2200)
def test_sstore_eip2200_istanbul(code: str, original: int, gas: int, refund: int) -> None:
    assert gas_used(bytes.fromhex(code), ISTANBUL, {0: original}) == (gas, refund)


@pytest.mark.parametrize("code, original, gas, refund", EIP_3529)
def test_sstore_eip3529_london(code: str, original: int, gas: int, refund: int) -> None:
    assert gas_used(bytes.fromhex(code), LONDON, {0: original}) == (gas, refund)


@pytest.mark.parametrize("rules", [FRONTIER, PETERSBURG])
def test_sstore_without_net_metering(rules: ForkRules) -> None:
    # Set 20000, reset 5000, clearing refunds 15000, each write priced alone.
    assert gas_used(bytes.fromhex("60016000556000600055"), rules) == (20000 + 5000 + 12, 15000)
    assert gas_used(bytes.fromhex("60006000556000600055"), rules) == (5000 + 5000 + 12, 0)


def test_sstore_berlin_cold_then_warm() -> None:
    # EIP-2929: 2100 cold surcharge once, then warm noops cost 100.
    assert gas_used(bytes.fromhex("60006000556000600055"), BERLIN) == (2312, 0)


def test_sstore_sentry_eip2200() -> None:
    # With no more than the call stipend left, SSTORE fails even if it would be cheap.
    frame = run_code(bytes.fromhex("6001600055"), ISTANBUL, gas=2306)
    assert frame.error is not None and frame.gas == 0
