"""Jump-destination analysis (chunked and cached) against the plain definition, and the lazy
analysis a frame does at its first jump."""

import random

import pytest

from ethrex.evm.frame import jump_destinations
from ethrex.forks import OSAKA
from tests.unit.evm.vmtest import run_code


def reference(code: bytes) -> bytes:
    """Walk the code one instruction at a time: a JUMPDEST byte outside PUSH data is valid."""
    marks = bytearray(len(code))
    i = 0
    while i < len(code):
        op = code[i]
        if op == 0x5B:
            marks[i] = 1
        elif 0x60 <= op <= 0x7F:
            i += op - 0x5F
        i += 1
    return bytes(marks)


@pytest.mark.parametrize("seed", range(8))
def test_analysis_matches_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = [0x5B, 0x60, 0x61, 0x7E, 0x7F, 0x00, 0x5F, 0x56]
    for _ in range(200):
        size = rng.choice([rng.randrange(40), rng.randrange(900, 1100), rng.randrange(3000)])
        code = bytes(rng.choice(alphabet) if rng.random() < 0.8 else rng.randrange(256)
                     for _ in range(size))
        assert jump_destinations(code) == reference(code)


def test_codes_sharing_chunks_are_analysed_alike() -> None:
    """Codes differing in one early byte: the chunks after it come from the cache, entered in
    the right PUSH state (a PUSH32 straddles the first chunk boundary)."""
    tail = (bytes([0x60, 0x5B, 0x5B]) * 700)[:2000] + b"\x5b"
    for head in (bytes(1020) + b"\x7f" + bytes(3), bytes(1023) + b"\x5b", bytes(1024)):
        code = head + tail
        assert jump_destinations(code) == reference(code)


@pytest.mark.parametrize("target, valid", [(6, True), (4, False)])
def test_a_jump_checks_its_destination_on_first_use(target: int, valid: bool) -> None:
    # PUSH1 target, JUMP, PUSH1 0x5b (data, not a JUMPDEST), INVALID, JUMPDEST, STOP
    code = bytes([0x60, target, 0x56, 0x60, 0x5B, 0xFE, 0x5B, 0x00])
    frame = run_code(code, OSAKA)
    assert (frame.error is None) == valid
