"""Forks as data: one ``ForkRules`` row per fork, each the previous row plus a delta tagged with
its EIP. The EVM and the block rules branch on these flags and numbers, never on fork names.

This module is the only place forks are defined.
"""

from dataclasses import dataclass, replace
from enum import IntEnum


class Fork(IntEnum):
    """Forks in activation order, so ``rules.fork >= Fork.CANCUN`` reads naturally."""

    FRONTIER = 0
    HOMESTEAD = 1
    DAO = 2
    TANGERINE_WHISTLE = 3  # EIP-150
    SPURIOUS_DRAGON = 4  # EIP-155/158
    BYZANTIUM = 5
    CONSTANTINOPLE = 6
    PETERSBURG = 7
    ISTANBUL = 8
    MUIR_GLACIER = 9
    BERLIN = 10
    LONDON = 11
    ARROW_GLACIER = 12
    GRAY_GLACIER = 13
    PARIS = 14  # the merge
    SHANGHAI = 15
    CANCUN = 16
    PRAGUE = 17
    OSAKA = 18
    BPO1 = 19
    BPO2 = 20
    BPO3 = 21
    BPO4 = 22
    BPO5 = 23


@dataclass(frozen=True, slots=True)
class ForkRules:
    """What one fork enables and charges. Fields are added by the fork that introduced them."""

    fork: Fork
    # Transactions
    tx_types: frozenset[int] = frozenset({0})  # EIP-2718 typed transactions allowed
    has_chain_id_tx: bool = False  # EIP-155 replay-protected signatures accepted
    has_low_s: bool = False  # EIP-2: s <= secp256k1n / 2
    tx_base_gas: int = 21000
    tx_create_gas: int = 0  # EIP-2: extra 32000 for contract creation
    tx_data_zero_gas: int = 4
    tx_data_nonzero_gas: int = 68  # EIP-2028 lowers it to 16
    tx_access_list_address_gas: int = 2400  # EIP-2930
    tx_access_list_storage_key_gas: int = 1900  # EIP-2930
    has_init_code_limit: bool = False  # EIP-3860: size cap and 2 gas per word
    init_code_word_gas: int = 0  # EIP-3860
    max_code_size: int = 2**256  # EIP-170: 24576
    max_init_code_size: int = 2**256  # EIP-3860: 2 * max_code_size
    has_calldata_floor: bool = False  # EIP-7623
    calldata_floor_token_gas: int = 10  # EIP-7623 TOTAL_COST_FLOOR_PER_TOKEN
    tx_gas_cap: int | None = None  # EIP-7825: 2**24
    per_auth_base_gas: int = 12500  # EIP-7702 PER_AUTH_BASE_COST
    per_empty_account_gas: int = 25000  # EIP-7702 PER_EMPTY_ACCOUNT_COST
    # Fee market and blobs
    has_base_fee: bool = False  # EIP-1559
    has_blobs: bool = False  # EIP-4844
    blob_target: int = 0  # blobs per block (blobSchedule "target")
    blob_max: int = 0  # blobs per block (blobSchedule "max")
    blob_base_fee_update_fraction: int = 0
    max_blobs_per_tx: int | None = None  # EIP-7594: 6 from Osaka
    has_blob_reserve_price: bool = False  # EIP-7918
    # Withdrawals, requests, system contracts
    has_withdrawals: bool = False  # EIP-4895
    has_beacon_root: bool = False  # EIP-4788
    has_history_contract: bool = False  # EIP-2935
    has_requests: bool = False  # EIP-7685
    # Proof of work and the merge
    is_pos: bool = False  # EIP-3675
    block_reward: int = 5 * 10**18


FRONTIER = ForkRules(fork=Fork.FRONTIER)
HOMESTEAD = replace(FRONTIER, fork=Fork.HOMESTEAD, has_low_s=True, tx_create_gas=32000)  # EIP-2
DAO = replace(HOMESTEAD, fork=Fork.DAO)
TANGERINE_WHISTLE = replace(DAO, fork=Fork.TANGERINE_WHISTLE)  # EIP-150 (gas repricing: EVM)
SPURIOUS_DRAGON = replace(
    TANGERINE_WHISTLE,
    fork=Fork.SPURIOUS_DRAGON,
    has_chain_id_tx=True,  # EIP-155
    max_code_size=24576,  # EIP-170
)
BYZANTIUM = replace(SPURIOUS_DRAGON, fork=Fork.BYZANTIUM, block_reward=3 * 10**18)  # EIP-649
CONSTANTINOPLE = replace(BYZANTIUM, fork=Fork.CONSTANTINOPLE, block_reward=2 * 10**18)  # EIP-1234
PETERSBURG = replace(CONSTANTINOPLE, fork=Fork.PETERSBURG)  # EIP-1283 removed
ISTANBUL = replace(PETERSBURG, fork=Fork.ISTANBUL, tx_data_nonzero_gas=16)  # EIP-2028
MUIR_GLACIER = replace(ISTANBUL, fork=Fork.MUIR_GLACIER)  # EIP-2384 bomb delay
BERLIN = replace(MUIR_GLACIER, fork=Fork.BERLIN, tx_types=frozenset({0, 1}))  # EIP-2930, 2718
LONDON = replace(BERLIN, fork=Fork.LONDON, tx_types=frozenset({0, 1, 2}), has_base_fee=True)  # 1559
ARROW_GLACIER = replace(LONDON, fork=Fork.ARROW_GLACIER)  # EIP-4345 bomb delay
GRAY_GLACIER = replace(ARROW_GLACIER, fork=Fork.GRAY_GLACIER)  # EIP-5133 bomb delay
PARIS = replace(GRAY_GLACIER, fork=Fork.PARIS, is_pos=True, block_reward=0)  # EIP-3675
SHANGHAI = replace(
    PARIS,
    fork=Fork.SHANGHAI,
    has_withdrawals=True,  # EIP-4895
    has_init_code_limit=True,  # EIP-3860
    init_code_word_gas=2,  # EIP-3860
    max_init_code_size=2 * 24576,  # EIP-3860
)
CANCUN = replace(
    SHANGHAI,
    fork=Fork.CANCUN,
    tx_types=frozenset({0, 1, 2, 3}),  # EIP-4844
    has_blobs=True,  # EIP-4844
    blob_target=3,
    blob_max=6,
    blob_base_fee_update_fraction=3338477,
    has_beacon_root=True,  # EIP-4788
)
PRAGUE = replace(
    CANCUN,
    fork=Fork.PRAGUE,
    tx_types=frozenset({0, 1, 2, 3, 4}),  # EIP-7702
    has_calldata_floor=True,  # EIP-7623
    blob_target=6,  # EIP-7691
    blob_max=9,  # EIP-7691
    blob_base_fee_update_fraction=5007716,  # EIP-7691
    has_history_contract=True,  # EIP-2935
    has_requests=True,  # EIP-7685
)
OSAKA = replace(
    PRAGUE,
    fork=Fork.OSAKA,
    tx_gas_cap=2**24,  # EIP-7825
    max_blobs_per_tx=6,  # EIP-7594
    has_blob_reserve_price=True,  # EIP-7918
)
# Blob-parameter-only forks (EIP-7892): only the blob schedule changes; the values come from the
# chain's blobSchedule, these are mainnet's.
BPO1 = replace(OSAKA, fork=Fork.BPO1, blob_target=10, blob_max=15, blob_base_fee_update_fraction=8346193)
BPO2 = replace(BPO1, fork=Fork.BPO2, blob_target=14, blob_max=21, blob_base_fee_update_fraction=11684671)
BPO3 = replace(BPO2, fork=Fork.BPO3)
BPO4 = replace(BPO3, fork=Fork.BPO4)
BPO5 = replace(BPO4, fork=Fork.BPO5)

RULES: dict[Fork, ForkRules] = {
    r.fork: r
    for r in (
        FRONTIER, HOMESTEAD, DAO, TANGERINE_WHISTLE, SPURIOUS_DRAGON, BYZANTIUM, CONSTANTINOPLE,
        PETERSBURG, ISTANBUL, MUIR_GLACIER, BERLIN, LONDON, ARROW_GLACIER, GRAY_GLACIER, PARIS,
        SHANGHAI, CANCUN, PRAGUE, OSAKA, BPO1, BPO2, BPO3, BPO4, BPO5,
    )
}

# Fork names as the official fixtures spell them (the "network" field and post-state keys).
FIXTURE_FORK_NAMES: dict[str, Fork] = {
    "Frontier": Fork.FRONTIER,
    "Homestead": Fork.HOMESTEAD,
    "EIP150": Fork.TANGERINE_WHISTLE,
    "TangerineWhistle": Fork.TANGERINE_WHISTLE,
    "EIP158": Fork.SPURIOUS_DRAGON,
    "SpuriousDragon": Fork.SPURIOUS_DRAGON,
    "Byzantium": Fork.BYZANTIUM,
    "Constantinople": Fork.CONSTANTINOPLE,
    "ConstantinopleFix": Fork.PETERSBURG,
    "Petersburg": Fork.PETERSBURG,
    "Istanbul": Fork.ISTANBUL,
    "MuirGlacier": Fork.MUIR_GLACIER,
    "Berlin": Fork.BERLIN,
    "London": Fork.LONDON,
    "ArrowGlacier": Fork.ARROW_GLACIER,
    "GrayGlacier": Fork.GRAY_GLACIER,
    "Merge": Fork.PARIS,
    "Paris": Fork.PARIS,
    "Shanghai": Fork.SHANGHAI,
    "Cancun": Fork.CANCUN,
    "Prague": Fork.PRAGUE,
    "Osaka": Fork.OSAKA,
}


def rules_for_fixture(name: str) -> ForkRules:
    """The rules a fixture's fork name stands for; ``KeyError`` names an unknown fork."""
    return RULES[FIXTURE_FORK_NAMES[name]]
