"""Fixture network names to chain configs: plain forks and transitions."""

import pytest

from ethrex.fixtures.blockchain_tests import network_config
from ethrex.forks import Fork, fork_at


@pytest.mark.parametrize(
    "network, number, timestamp, fork",
    [
        ("Frontier", 1, 0, Fork.FRONTIER),
        ("Constantinople", 1, 0, Fork.CONSTANTINOPLE),  # not folded into Petersburg
        ("ConstantinopleFix", 1, 0, Fork.PETERSBURG),
        ("Cancun", 1, 12, Fork.CANCUN),
        ("FrontierToHomesteadAt5", 4, 0, Fork.FRONTIER),
        ("FrontierToHomesteadAt5", 5, 0, Fork.HOMESTEAD),
        ("HomesteadToDaoAt5", 5, 0, Fork.DAO),
        ("HomesteadToEIP150At5", 5, 0, Fork.TANGERINE_WHISTLE),
        ("EIP158ToByzantiumAt5", 5, 0, Fork.BYZANTIUM),
        ("ByzantiumToConstantinopleFixAt5", 5, 0, Fork.PETERSBURG),
        ("BerlinToLondonAt5", 4, 0, Fork.BERLIN),
        ("BerlinToLondonAt5", 5, 0, Fork.LONDON),
        ("ShanghaiToCancunAtTime15k", 9, 14_999, Fork.SHANGHAI),
        ("ShanghaiToCancunAtTime15k", 9, 15_000, Fork.CANCUN),
        ("PragueToOsakaAtTime15k", 9, 15_000, Fork.OSAKA),
    ],
)
def test_network_config(network: str, number: int, timestamp: int, fork: Fork) -> None:
    assert fork_at(network_config(network), number, timestamp) == fork


def test_merge_at_total_difficulty() -> None:
    config = network_config("ArrowGlacierToParisAtDiffC0000")
    assert config.terminal_total_difficulty == 0xC0000
    assert fork_at(config, 5, 0, parent_total_difficulty=0xBFFFF) == Fork.ARROW_GLACIER
    assert fork_at(config, 5, 0, parent_total_difficulty=0xC0000) == Fork.PARIS


def test_only_dao_transitions_schedule_the_dao() -> None:
    assert network_config("Byzantium").dao_fork_block is None
    config = network_config("HomesteadToDaoAt5")
    assert config.dao_fork_block == 5 and config.dao_fork_support
