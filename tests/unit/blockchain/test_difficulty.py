"""The ethereum/tests BasicTests difficulty vectors through compute_difficulty."""

import json
from pathlib import Path

import pytest

from ethrex.blockchain.difficulty import compute_difficulty
from ethrex.forks import RULES, Fork
from ethrex.primitives import EMPTY_LIST_HASH, hex_to_bytes, hex_to_int
from tests.fixtures_root import fixtures_root

# The chain schedules the vectors were generated for (block number at which a fork starts).
MAINNET = ((4_370_000, Fork.BYZANTIUM), (1_150_000, Fork.HOMESTEAD), (0, Fork.FRONTIER))
ROPSTEN = ((4_230_000, Fork.CONSTANTINOPLE), (1_700_000, Fork.BYZANTIUM), (0, Fork.HOMESTEAD))
SCHEDULES = {
    "difficulty.json": MAINNET,
    "difficultyMainNetwork.json": MAINNET,
    "difficultyCustomMainNetwork.json": MAINNET,
    "difficultyRopsten.json": ROPSTEN,
    "difficultyCustomHomestead.json": ((0, Fork.HOMESTEAD),),
}


def _fork_at(schedule: tuple[tuple[int, Fork], ...], number: int) -> Fork:
    return next(fork for start, fork in schedule if number >= start)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_difficulty_vectors(name: str) -> None:
    path: Path = fixtures_root() / "ethereum-tests" / "BasicTests" / name
    cases = json.loads(path.read_text())
    assert cases
    wrong = []
    for key, case in cases.items():
        number = hex_to_int(case["currentBlockNumber"])
        uncles = hex_to_bytes(case.get("parentUncles", "0x" + EMPTY_LIST_HASH.hex()))
        got = compute_difficulty(
            RULES[_fork_at(SCHEDULES[name], number)],
            number,
            hex_to_int(case["currentTimestamp"]),
            hex_to_int(case["parentTimestamp"]),
            hex_to_int(case["parentDifficulty"]),
            uncles != EMPTY_LIST_HASH,
        )
        if got != hex_to_int(case["currentDifficulty"]):
            wrong.append(f"{key}: {got} != {case['currentDifficulty']}")
    assert not wrong, f"{len(wrong)}/{len(cases)} wrong:\n" + "\n".join(wrong[:10])


def test_merge_difficulty_is_zero() -> None:
    assert compute_difficulty(RULES[Fork.PARIS], 20_000_000, 12, 0, 10**15, False) == 0
