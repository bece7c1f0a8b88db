"""Proof-of-work difficulty: the Frontier rule, Homestead's EIP-2, Byzantium's EIP-100 (uncles
count) and the difficulty bomb with each fork's delay. Pure functions over numbers.
"""

from ethrex.forks import Fork, ForkRules

MINIMUM_DIFFICULTY = 131072
DIFFICULTY_BOUND_DIVISOR = 2048
BOMB_PERIOD = 100_000

# How far each fork pushes the difficulty bomb back (the "fake block number" offset).
BOMB_DELAY: dict[Fork, int] = {
    Fork.BYZANTIUM: 3_000_000,  # EIP-649
    Fork.CONSTANTINOPLE: 5_000_000,  # EIP-1234
    Fork.PETERSBURG: 5_000_000,
    Fork.ISTANBUL: 5_000_000,
    Fork.MUIR_GLACIER: 9_000_000,  # EIP-2384
    Fork.BERLIN: 9_000_000,
    Fork.LONDON: 9_700_000,  # EIP-3554
    Fork.ARROW_GLACIER: 10_700_000,  # EIP-4345
    Fork.GRAY_GLACIER: 11_400_000,  # EIP-5133
}


def compute_difficulty(
    rules: ForkRules,
    number: int,
    timestamp: int,
    parent_timestamp: int,
    parent_difficulty: int,
    parent_has_ommers: bool,
) -> int:
    """The difficulty a proof-of-work block must carry, given its parent (0 after the merge)."""
    fork = rules.fork
    if rules.is_pos:
        return 0  # EIP-3675
    step = parent_difficulty // DIFFICULTY_BOUND_DIVISOR
    elapsed = timestamp - parent_timestamp
    if fork >= Fork.BYZANTIUM:
        # EIP-100: target 9 s blocks, and count a parent's uncles as extra work.
        factor = max((2 if parent_has_ommers else 1) - elapsed // 9, -99)
        difficulty = parent_difficulty + step * factor
    elif fork >= Fork.HOMESTEAD:
        difficulty = parent_difficulty + step * max(1 - elapsed // 10, -99)  # EIP-2
    elif elapsed < 13:
        difficulty = parent_difficulty + step
    else:
        difficulty = parent_difficulty - step
    delay = BOMB_DELAY.get(fork, 0)
    if fork > Fork.GRAY_GLACIER:
        delay = BOMB_DELAY[Fork.GRAY_GLACIER]
    fake_number = max(number - delay, 0)
    periods = fake_number // BOMB_PERIOD
    if periods > 1:
        difficulty += 2 ** (periods - 2)
    # The floor applies to the sum, bomb included (the reference vectors pin this order).
    return max(difficulty, MINIMUM_DIFFICULTY)
