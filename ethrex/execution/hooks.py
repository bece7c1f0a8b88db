"""Where a rollup changes execution, as a small interface with L1 behaviour as its default.

The transaction pipeline (``ethrex.execution.transaction``) and the block pipeline
(``ethrex.execution.block``) ask their ``ExecutionHooks`` three things:

- ``privileged_plan``: a plan for a transaction type the L1 does not know, one only the
  sequencer includes and whose sender is set outside the signature (an L2 deposit: the L1
  bridge names the sender, the value is minted, there is no signature, nonce or fee check).
  None means "an ordinary transaction": the L1 checks run.
- ``pay_fees``: where the fees of a finished transaction go. L1 burns the base fee (EIP-1559)
  and pays the priority fee to the coinbase; a rollup may send the base fee to a vault.
- ``block_requests``: what a block commits to after its transactions and withdrawals. L1
  collects the EIP-7685 requests (deposits, EIP-7002 withdrawals, EIP-7251 consolidations)
  into ``requests_hash``; a rollup without a beacon chain may commit to none.

``TxPlan`` is what the pipeline's check step decides and the later steps carry out; a hook that
takes over a transaction returns one, so the steps never look at the transaction's type.
"""

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from ethrex.evm.env import BlockEnv
from ethrex.execution import system_calls
from ethrex.forks import ForkRules
from ethrex.state import StateDB
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import Authorization

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]


class TxPlan(NamedTuple):
    """A checked transaction: who sends what to whom, the prices it pays and its gas floor.
    (A named tuple: an immutable value built once per transaction on the hot path, five
    times cheaper to make than a frozen dataclass of as many fields.)"""

    sender: bytes
    to: bytes  # b"" for a creation
    value: int
    data: bytes
    gas: int
    gas_price: int  # paid per unit of gas (the effective price of EIP-1559)
    intrinsic: int  # gas charged before execution
    floor: int  # EIP-7623: the least gas the transaction pays for
    access_list: AccessList = ()  # EIP-2930
    authorizations: tuple[Authorization, ...] | None = None  # EIP-7702
    blob_hashes: tuple[bytes, ...] = ()  # EIP-4844
    blob_gas: int = 0
    blob_price: int = 0  # per unit of blob gas
    mint: int = 0  # wei created for the sender before the message (an L2 deposit)
    pays_fees: bool = True  # False: nothing goes to the coinbase (a fee-less call, a deposit)


class ExecutionHooks(Protocol):
    """The points where a chain other than L1 changes execution (see the module docstring)."""

    def privileged_plan(self, state: StateDB, env: BlockEnv, tx: object,
                        rules: ForkRules) -> TxPlan | None: ...

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None: ...

    def block_requests(self, state: StateDB, env: BlockEnv, rules: ForkRules,
                       receipts: Sequence[Receipt]) -> tuple[bytes, ...] | None: ...


class L1Hooks:
    """Ethereum itself: no privileged transactions, the base fee burned, EIP-7685 requests
    (deposits read from ``deposit_contract``'s logs, EIP-6110)."""

    __slots__ = ("deposit_contract",)

    def __init__(self, deposit_contract: bytes = system_calls.MAINNET_DEPOSIT_CONTRACT) -> None:
        self.deposit_contract = deposit_contract

    def privileged_plan(self, state: StateDB, env: BlockEnv, tx: object,
                        rules: ForkRules) -> TxPlan | None:
        return None

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None:
        """EIP-1559: the base fee is burned, the coinbase earns the priority fee."""
        price = plan.gas_price
        fee = gas_used * (price - env.base_fee_per_gas if rules.has_base_fee else price)
        if fee or not rules.has_state_clearing:
            state.add_balance(env.coinbase, fee)
        else:
            state.touch(env.coinbase)  # EIP-161: an empty coinbase paid nothing is cleared

    def block_requests(self, state: StateDB, env: BlockEnv, rules: ForkRules,
                       receipts: Sequence[Receipt]) -> tuple[bytes, ...] | None:
        """EIP-7685 from Prague on; None before (the header has no ``requests_hash``)."""
        if not rules.has_requests:
            return None
        return tuple(system_calls.process_requests(state, env, rules, receipts,
                                                   self.deposit_contract))


L1_HOOKS = L1Hooks()
