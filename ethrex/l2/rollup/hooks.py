"""How L2 blocks execute: the rollup's ``ExecutionHooks`` around the one EVM.

- A privileged transaction (``PrivilegedL2Transaction``, type 0x7e) runs with the sender the
  L1 bridge named, without signature, nonce or fee checks and paying no fee; one from the L2
  bridge (a deposit) has its value minted first (``TxPlan.mint``). The EIP-7623 floor does not
  apply; its gas limit, set on L1, covers at least the intrinsic gas
  (``CommonBridge._sendToL2``).
- Fees of other transactions: the priority fee to the coinbase, as on L1; the base fee to the
  fee vault when one is configured, else burned.
- A block commits to no EIP-7685 requests (an empty list: the header keeps its Prague shape).
"""

from collections.abc import Sequence

from ethrex.evm.env import BlockEnv
from ethrex.execution.hooks import TxPlan
from ethrex.execution.tx_validation import intrinsic_gas
from ethrex.forks import ForkRules
from ethrex.l2.rollup.messages import L2_BRIDGE
from ethrex.state import StateDB
from ethrex.types.receipt import Receipt
from ethrex.types.transactions import PrivilegedL2Transaction


class L2Hooks:
    """The rollup's execution hooks; ``fee_vault`` receives the base fees (None: burned)."""

    __slots__ = ("fee_vault",)

    def __init__(self, fee_vault: bytes | None = None) -> None:
        self.fee_vault = fee_vault

    def privileged_plan(self, state: StateDB, env: BlockEnv, tx: object,
                        rules: ForkRules) -> TxPlan | None:
        if not isinstance(tx, PrivilegedL2Transaction):
            return None
        return TxPlan(
            sender=tx.sender, to=tx.to, value=tx.value, data=tx.data, gas=tx.gas,
            gas_price=0, intrinsic=min(intrinsic_gas(tx, rules), tx.gas),  # type: ignore[arg-type]
            floor=0, access_list=tx.access_list,
            mint=tx.value if tx.sender == L2_BRIDGE else 0, pays_fees=False,
        )

    def pay_fees(self, state: StateDB, env: BlockEnv, plan: TxPlan, gas_used: int,
                 rules: ForkRules) -> None:
        base_fee = env.base_fee_per_gas
        tip = gas_used * (plan.gas_price - base_fee)
        if tip:
            state.add_balance(env.coinbase, tip)
        else:
            state.touch(env.coinbase)  # EIP-161, as on L1
        if self.fee_vault is not None and base_fee:
            state.add_balance(self.fee_vault, gas_used * base_fee)

    def block_requests(self, state: StateDB, env: BlockEnv, rules: ForkRules,
                       receipts: Sequence[Receipt]) -> tuple[bytes, ...] | None:
        return ()
