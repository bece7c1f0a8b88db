"""Which precompiles each fork activates (EIP-198/196/197 Byzantium, EIP-152 Istanbul, EIP-4844
Cancun, EIP-2537 Prague, EIP-7951 Osaka)."""

import pytest

from ethrex.evm.precompiles import PRECOMPILES, precompiles_for
from ethrex.forks import RULES, Fork

EXPECTED = [
    (Fork.FRONTIER, range(1, 5)),
    (Fork.SPURIOUS_DRAGON, range(1, 5)),
    (Fork.BYZANTIUM, range(1, 9)),
    (Fork.PETERSBURG, range(1, 9)),
    (Fork.ISTANBUL, range(1, 10)),
    (Fork.SHANGHAI, range(1, 10)),
    (Fork.CANCUN, range(1, 11)),
    (Fork.PRAGUE, range(1, 0x12)),
    (Fork.OSAKA, [*range(1, 0x12), 0x100]),
    (Fork.BPO2, [*range(1, 0x12), 0x100]),
]


@pytest.mark.parametrize(("fork", "addresses"), EXPECTED, ids=lambda x: getattr(x, "name", ""))
def test_active_set(fork: Fork, addresses: range | list[int]) -> None:
    table = precompiles_for(RULES[fork])
    assert set(table) == {a.to_bytes(20, "big") for a in addresses}
    for a in addresses:
        assert table[a.to_bytes(20, "big")] is PRECOMPILES[a]


def test_cached_per_fork() -> None:
    assert precompiles_for(RULES[Fork.CANCUN]) is precompiles_for(RULES[Fork.CANCUN])
