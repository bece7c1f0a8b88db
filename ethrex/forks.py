"""Forks as data: one ``ForkRules`` row per fork, each the previous row plus a delta tagged with
its EIP. The EVM and the block rules branch on these flags and numbers, never on fork names.

This module is the only place forks are defined.
"""

from dataclasses import dataclass, replace
from enum import IntEnum
from functools import lru_cache

from ethrex.types.genesis import ChainConfig


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
    # EVM: gas constants that changed over time (static parts; warm/cold costs are dynamic)
    sload_gas: int = 50  # EIP-150: 200, EIP-1884: 800, EIP-2929: 0 (warm/cold instead)
    balance_gas: int = 20  # EIP-150: 400, EIP-1884: 700, EIP-2929: 0
    extcode_gas: int = 20  # EXTCODESIZE/COPY; EIP-150: 700, EIP-2929: 0
    extcodehash_gas: int = 400  # EIP-1052; EIP-1884: 700, EIP-2929: 0
    call_gas: int = 40  # CALL family; EIP-150: 700, EIP-2929: 0
    selfdestruct_gas: int = 0  # EIP-150: 5000
    exp_byte_gas: int = 10  # EIP-160: 50
    has_call_gas_cap: bool = False  # EIP-150: all but one 64th, new-account cost on SELFDESTRUCT
    has_state_clearing: bool = False  # EIP-161: touched empty accounts die, contracts start at nonce 1
    has_code_deposit_failure: bool = False  # EIP-2: a create that cannot pay its code deposit fails
    has_access_lists: bool = False  # EIP-2929 warm/cold accounting (and EIP-2930 lists)
    warm_access_gas: int = 100  # EIP-2929 WARM_STORAGE_READ_COST
    cold_account_gas: int = 2600  # EIP-2929 COLD_ACCOUNT_ACCESS_COST
    cold_sload_gas: int = 2100  # EIP-2929 COLD_SLOAD_COST
    sstore_set_gas: int = 20000
    sstore_reset_gas: int = 5000  # EIP-2929: 5000 - COLD_SLOAD_COST
    sstore_clears_refund: int = 15000  # EIP-3529: 4800
    has_net_gas_metering: bool = False  # EIP-1283 (Constantinople only), EIP-2200 (Istanbul on)
    has_sstore_sentry: bool = False  # EIP-2200: SSTORE needs more than the 2300 call stipend
    sstore_noop_gas: int = 200  # net metering "SLOAD_GAS": EIP-1283 200, EIP-2200 800, EIP-2929 100
    selfdestruct_refund: int = 24000  # EIP-3529: 0
    max_refund_quotient: int = 2  # EIP-3529: 5
    # EVM: opcodes and semantics by the EIP that introduced them
    has_delegatecall: bool = False  # EIP-7
    has_revert: bool = False  # EIP-140
    has_return_data: bool = False  # EIP-211
    has_staticcall: bool = False  # EIP-214
    has_shifts: bool = False  # EIP-145
    has_create2: bool = False  # EIP-1014
    has_extcodehash: bool = False  # EIP-1052
    has_chain_id_op: bool = False  # EIP-1344
    has_selfbalance: bool = False  # EIP-1884
    rejects_ef_code: bool = False  # EIP-3541
    has_push0: bool = False  # EIP-3855
    has_warm_coinbase: bool = False  # EIP-3651
    has_tstore: bool = False  # EIP-1153
    has_mcopy: bool = False  # EIP-5656
    has_blob_base_fee_op: bool = False  # EIP-7516
    selfdestruct_only_same_tx: bool = False  # EIP-6780
    has_delegation: bool = False  # EIP-7702 delegation designators
    has_clz: bool = False  # EIP-7939


FRONTIER = ForkRules(fork=Fork.FRONTIER)
HOMESTEAD = replace(
    FRONTIER,
    fork=Fork.HOMESTEAD,
    has_low_s=True,  # EIP-2
    tx_create_gas=32000,  # EIP-2
    has_code_deposit_failure=True,  # EIP-2
    has_delegatecall=True,  # EIP-7
)
DAO = replace(HOMESTEAD, fork=Fork.DAO)
TANGERINE_WHISTLE = replace(
    DAO,
    fork=Fork.TANGERINE_WHISTLE,
    sload_gas=200,  # EIP-150
    balance_gas=400,  # EIP-150
    extcode_gas=700,  # EIP-150
    call_gas=700,  # EIP-150
    selfdestruct_gas=5000,  # EIP-150
    has_call_gas_cap=True,  # EIP-150
)
SPURIOUS_DRAGON = replace(
    TANGERINE_WHISTLE,
    fork=Fork.SPURIOUS_DRAGON,
    has_chain_id_tx=True,  # EIP-155
    max_code_size=24576,  # EIP-170
    exp_byte_gas=50,  # EIP-160
    has_state_clearing=True,  # EIP-161
)
BYZANTIUM = replace(
    SPURIOUS_DRAGON,
    fork=Fork.BYZANTIUM,
    block_reward=3 * 10**18,  # EIP-649
    has_revert=True,  # EIP-140
    has_return_data=True,  # EIP-211
    has_staticcall=True,  # EIP-214
)
CONSTANTINOPLE = replace(
    BYZANTIUM,
    fork=Fork.CONSTANTINOPLE,
    block_reward=2 * 10**18,  # EIP-1234
    has_shifts=True,  # EIP-145
    has_create2=True,  # EIP-1014
    has_extcodehash=True,  # EIP-1052
    has_net_gas_metering=True,  # EIP-1283
)
PETERSBURG = replace(CONSTANTINOPLE, fork=Fork.PETERSBURG, has_net_gas_metering=False)  # EIP-1283 out
ISTANBUL = replace(
    PETERSBURG,
    fork=Fork.ISTANBUL,
    tx_data_nonzero_gas=16,  # EIP-2028
    has_chain_id_op=True,  # EIP-1344
    has_selfbalance=True,  # EIP-1884
    sload_gas=800,  # EIP-1884
    balance_gas=700,  # EIP-1884
    extcodehash_gas=700,  # EIP-1884
    has_net_gas_metering=True,  # EIP-2200
    has_sstore_sentry=True,  # EIP-2200
    sstore_noop_gas=800,  # EIP-2200
)
MUIR_GLACIER = replace(ISTANBUL, fork=Fork.MUIR_GLACIER)  # EIP-2384 bomb delay
BERLIN = replace(
    MUIR_GLACIER,
    fork=Fork.BERLIN,
    tx_types=frozenset({0, 1}),  # EIP-2930, 2718
    has_access_lists=True,  # EIP-2929
    sload_gas=0,  # EIP-2929
    balance_gas=0,  # EIP-2929
    extcode_gas=0,  # EIP-2929
    extcodehash_gas=0,  # EIP-2929
    call_gas=0,  # EIP-2929
    sstore_reset_gas=5000 - 2100,  # EIP-2929
    sstore_noop_gas=100,  # EIP-2929
)
LONDON = replace(
    BERLIN,
    fork=Fork.LONDON,
    tx_types=frozenset({0, 1, 2}),  # EIP-1559
    has_base_fee=True,  # EIP-1559, EIP-3198
    sstore_clears_refund=4800,  # EIP-3529
    selfdestruct_refund=0,  # EIP-3529
    max_refund_quotient=5,  # EIP-3529
    rejects_ef_code=True,  # EIP-3541
)
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
    has_push0=True,  # EIP-3855
    has_warm_coinbase=True,  # EIP-3651
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
    has_tstore=True,  # EIP-1153
    has_mcopy=True,  # EIP-5656
    has_blob_base_fee_op=True,  # EIP-7516
    selfdestruct_only_same_tx=True,  # EIP-6780
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
    has_delegation=True,  # EIP-7702
)
OSAKA = replace(
    PRAGUE,
    fork=Fork.OSAKA,
    tx_gas_cap=2**24,  # EIP-7825
    max_blobs_per_tx=6,  # EIP-7594
    has_blob_reserve_price=True,  # EIP-7918
    has_clz=True,  # EIP-7939
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


# --- A chain's schedule ---------------------------------------------------------------------

# Forks scheduled by block number, in activation order, with their ChainConfig field.
_BLOCK_FORKS = (
    (Fork.HOMESTEAD, "homestead_block"),
    (Fork.TANGERINE_WHISTLE, "eip150_block"),
    (Fork.SPURIOUS_DRAGON, "eip158_block"),  # EIP-155 and EIP-158 share the fork
    (Fork.BYZANTIUM, "byzantium_block"),
    (Fork.CONSTANTINOPLE, "constantinople_block"),
    (Fork.ISTANBUL, "istanbul_block"),
    (Fork.MUIR_GLACIER, "muir_glacier_block"),
    (Fork.BERLIN, "berlin_block"),
    (Fork.LONDON, "london_block"),
    (Fork.ARROW_GLACIER, "arrow_glacier_block"),
    (Fork.GRAY_GLACIER, "gray_glacier_block"),
)
# Forks scheduled by timestamp (all after the merge).
_TIME_FORKS = (
    (Fork.SHANGHAI, "shanghai_time"),
    (Fork.CANCUN, "cancun_time"),
    (Fork.PRAGUE, "prague_time"),
    (Fork.OSAKA, "osaka_time"),
    (Fork.BPO1, "bpo1_time"),
    (Fork.BPO2, "bpo2_time"),
    (Fork.BPO3, "bpo3_time"),
    (Fork.BPO4, "bpo4_time"),
    (Fork.BPO5, "bpo5_time"),
)
# EIP-7840 blobSchedule keys.
_BLOB_SCHEDULE_NAMES = {
    Fork.CANCUN: "cancun", Fork.PRAGUE: "prague", Fork.OSAKA: "osaka", Fork.BPO1: "bpo1",
    Fork.BPO2: "bpo2", Fork.BPO3: "bpo3", Fork.BPO4: "bpo4", Fork.BPO5: "bpo5",
}


def fork_at(
    config: "ChainConfig", number: int, timestamp: int, *,
    parent_total_difficulty: int | None = None,
) -> Fork:
    """The fork a block at ``number``/``timestamp`` follows under ``config``.

    The merge (Paris) is at ``mergeNetsplitBlock``, from genesis when the terminal total
    difficulty is 0, or once the parent's total difficulty reaches it (EIP-3675) when the
    caller knows it; every timestamp fork implies it.
    """
    fork = Fork.FRONTIER
    for candidate, attr in _BLOCK_FORKS:
        at = getattr(config, attr)
        if at is not None and number >= at:
            fork = candidate
    # A chain that left Petersburg out of its config got it with Constantinople (as geth does).
    petersburg = config.petersburg_block
    if petersburg is None and fork >= Fork.CONSTANTINOPLE:
        petersburg = config.constantinople_block
    if petersburg is not None and number >= petersburg and fork < Fork.PETERSBURG:
        fork = Fork.PETERSBURG
    dao = config.dao_fork_block
    if config.dao_fork_support and dao is not None and number >= dao and fork < Fork.DAO:
        fork = Fork.DAO
    ttd = config.terminal_total_difficulty
    if (
        (config.merge_netsplit_block is not None and number >= config.merge_netsplit_block)
        or ttd == 0
        or (ttd is not None and parent_total_difficulty is not None
            and parent_total_difficulty >= ttd)
    ) and fork < Fork.PARIS:
        fork = Fork.PARIS
    for candidate, attr in _TIME_FORKS:
        at = getattr(config, attr)
        if at is not None and timestamp >= at and candidate > fork:
            fork = candidate
    return fork


@lru_cache(maxsize=256)
def _chain_rules(config: "ChainConfig", fork: Fork) -> ForkRules:
    """The fork's row with the blob parameters of the chain's blobSchedule (EIP-7840).

    A fork without an entry keeps the blob parameters of the latest earlier fork that has
    one; Cancun and Prague fall back to their EIP defaults (EIP-4844, EIP-7691).
    """
    rules = RULES[fork]
    f = fork
    while f >= Fork.CANCUN:
        params = config.blob_params(_BLOB_SCHEDULE_NAMES[f]) if f in _BLOB_SCHEDULE_NAMES else None
        if params is not None:
            rules = replace(
                rules,
                blob_target=params.target,
                blob_max=params.max,
                blob_base_fee_update_fraction=params.base_fee_update_fraction,
            )
            if params.max_blobs_per_tx is not None:
                rules = replace(rules, max_blobs_per_tx=params.max_blobs_per_tx)
            break
        if f in (Fork.CANCUN, Fork.PRAGUE):
            default = RULES[f]
            rules = replace(
                rules,
                blob_target=default.blob_target,
                blob_max=default.blob_max,
                blob_base_fee_update_fraction=default.blob_base_fee_update_fraction,
            )
            break
        f = Fork(f - 1)
    return rules


def rules_at(
    config: "ChainConfig", number: int, timestamp: int, *,
    parent_total_difficulty: int | None = None,
) -> ForkRules:
    """The rules of a block on the chain ``config`` describes, blob parameters included.

    Rows are cached per (config, fork); picking the fork is a few comparisons.
    """
    fork = fork_at(config, number, timestamp, parent_total_difficulty=parent_total_difficulty)
    return _chain_rules(config, fork)
