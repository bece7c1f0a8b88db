"""The generator's tiny assembler and the contracts it builds."""

from bench import contracts
from bench.contracts import OPCODES, assemble


def jump_targets(code: bytes) -> list[tuple[int, int]]:
    """(position of a PUSH2, its target) for every PUSH2 followed by JUMP/JUMPI."""
    out, pc = [], 0
    while pc < len(code):
        op = code[pc]
        if op == 0x61 and pc + 3 < len(code) and code[pc + 3] in (0x56, 0x57):
            out.append((pc, int.from_bytes(code[pc + 1 : pc + 3], "big")))
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return out


def test_push_uses_the_shortest_form() -> None:
    assert assemble([0]) == bytes([OPCODES["PUSH0"]])
    assert assemble([1]) == bytes([0x60, 1])
    assert assemble([0x100]) == bytes([0x61, 1, 0])
    assert assemble([2**256 - 1]) == bytes([0x7F]) + b"\xff" * 32


def test_labels_resolve_to_their_position() -> None:
    code = assemble([("ref", "end"), "JUMPI", 1, ("label", "end"), "JUMPDEST"])
    assert code[0] == 0x61
    target = int.from_bytes(code[1:3], "big")
    assert code[target] == OPCODES["JUMPDEST"]


def test_every_contract_jumps_onto_a_jumpdest() -> None:
    for code in (contracts.erc20(b"\x11" * 32), contracts.compute_loop(),
                 contracts.storage_writer(), contracts.storage_toucher()):
        targets = jump_targets(code)
        assert targets, code.hex()
        for _, target in targets:
            assert code[target] == OPCODES["JUMPDEST"]


def test_compute_round_gas_matches_the_loop_body() -> None:
    # Static gas per opcode from the Yellow Paper / EIP-3855 (PUSH0) for the loop's body;
    # KECCAK256 of one word is 30 + 6.
    gas = {"JUMPDEST": 1, "PUSH1": 3, "PUSH0": 2, "SHA3": 36, "DUP2": 3, "MUL": 5, "XOR": 3,
           "MSTORE": 3, "SWAP1": 3, "SUB": 3, "DUP1": 3, "PUSH2": 3, "JUMPI": 10}
    names = {v: k for k, v in OPCODES.items()} | {0x60: "PUSH1", 0x61: "PUSH2"}
    code = contracts.compute_loop()
    start = code.index(OPCODES["JUMPDEST"])
    end = code.index(OPCODES["JUMPI"], start)
    total, pc = 0, start
    while pc <= end:
        op = code[pc]
        total += gas[names[op]]
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    assert total == contracts.COMPUTE_ROUND_GAS


def test_generated_quantities_use_even_length_hex() -> None:
    from bench.generate import _hex

    # py-evm's fixture loader rejects odd-length hex, so the generator pads like the fixtures.
    assert [_hex(0), _hex(1), _hex(0x100), _hex(0xABC)] == ["0x00", "0x01", "0x0100", "0x0abc"]
