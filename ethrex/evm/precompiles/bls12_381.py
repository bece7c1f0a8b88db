"""0x0b..0x11: the BLS12-381 precompiles of EIP-2537 (Prague), with its final gas schedule."""

from collections.abc import Callable

from ethrex.crypto import bls12_381 as bls
from ethrex.forks import ForkRules

from .errors import PrecompileError

G1ADD_GAS = 375
G2ADD_GAS = 600
G1MUL_GAS = 12000  # the per-pair base of G1MSM
G2MUL_GAS = 22500  # the per-pair base of G2MSM
PAIRING_PER_PAIR_GAS = 32600
PAIRING_BASE_GAS = 37700
MAP_FP_TO_G1_GAS = 5500
MAP_FP2_TO_G2_GAS = 23800
MSM_MULTIPLIER = 1000

# EIP-2537 MSM discounts (per mille) for k = 1..128 pairs; past 128 the last one applies.
G1_DISCOUNT = (
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669,
    665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619,
    617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589,
    588, 586, 585, 584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567,
    566, 565, 564, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549,
    548, 547, 547, 546, 545, 544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534,
    533, 532, 532, 531, 530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520,
    520, 519,
)  # fmt: skip
G2_DISCOUNT = (
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
    699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634,
    632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597,
    595, 593, 592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571,
    570, 569, 568, 567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552,
    552, 551, 550, 549, 548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537,
    537, 536, 535, 535, 534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525,
    524, 524,
)  # fmt: skip

G1_PAIR = 160  # point (128) + scalar (32)
G2_PAIR = 288  # point (256) + scalar (32)
PAIRING_PAIR = 384  # G1 (128) + G2 (256)


def _msm_gas(k: int, base: int, discounts: tuple[int, ...]) -> int:
    if k == 0:
        return 0  # the input is rejected by run
    discount = discounts[k - 1] if k <= len(discounts) else discounts[-1]
    return k * base * discount // MSM_MULTIPLIER


def _call(fn: Callable[[bytes], bytes], data: bytes, name: str) -> bytes:
    try:
        return fn(data)
    except ValueError as e:  # bad field element, point off the curve or outside the subgroup
        raise PrecompileError(f"{name}: {e}") from None


def _need(data: bytes, size: int, name: str) -> None:
    if len(data) != size:
        raise PrecompileError(f"{name} input must be {size} bytes, got {len(data)}")


def _need_multiple(data: bytes, size: int, name: str) -> None:
    if len(data) == 0 or len(data) % size:
        raise PrecompileError(f"{name} input must be a non-zero multiple of {size} bytes")


def gas_g1add(data: bytes, rules: ForkRules) -> int:
    return G1ADD_GAS


def run_g1add(data: bytes, rules: ForkRules) -> bytes:
    _need(data, 256, "G1ADD")
    return _call(bls.g1_add, data, "G1ADD")


def gas_g1msm(data: bytes, rules: ForkRules) -> int:
    return _msm_gas(len(data) // G1_PAIR, G1MUL_GAS, G1_DISCOUNT)


def run_g1msm(data: bytes, rules: ForkRules) -> bytes:
    _need_multiple(data, G1_PAIR, "G1MSM")
    return _call(bls.g1_msm, data, "G1MSM")


def gas_g2add(data: bytes, rules: ForkRules) -> int:
    return G2ADD_GAS


def run_g2add(data: bytes, rules: ForkRules) -> bytes:
    _need(data, 512, "G2ADD")
    return _call(bls.g2_add, data, "G2ADD")


def gas_g2msm(data: bytes, rules: ForkRules) -> int:
    return _msm_gas(len(data) // G2_PAIR, G2MUL_GAS, G2_DISCOUNT)


def run_g2msm(data: bytes, rules: ForkRules) -> bytes:
    _need_multiple(data, G2_PAIR, "G2MSM")
    return _call(bls.g2_msm, data, "G2MSM")


def gas_pairing(data: bytes, rules: ForkRules) -> int:
    return PAIRING_PER_PAIR_GAS * (len(data) // PAIRING_PAIR) + PAIRING_BASE_GAS


def _pairing(data: bytes) -> bytes:
    return (1 if bls.pairing_check(data) else 0).to_bytes(32, "big")


def run_pairing(data: bytes, rules: ForkRules) -> bytes:
    _need_multiple(data, PAIRING_PAIR, "PAIRING_CHECK")
    return _call(_pairing, data, "PAIRING_CHECK")


def gas_map_fp_to_g1(data: bytes, rules: ForkRules) -> int:
    return MAP_FP_TO_G1_GAS


def run_map_fp_to_g1(data: bytes, rules: ForkRules) -> bytes:
    _need(data, 64, "MAP_FP_TO_G1")
    return _call(bls.map_fp_to_g1, data, "MAP_FP_TO_G1")


def gas_map_fp2_to_g2(data: bytes, rules: ForkRules) -> int:
    return MAP_FP2_TO_G2_GAS


def run_map_fp2_to_g2(data: bytes, rules: ForkRules) -> bytes:
    _need(data, 128, "MAP_FP2_TO_G2")
    return _call(bls.map_fp2_to_g2, data, "MAP_FP2_TO_G2")
