"""Fee methods: ``eth_gasPrice``, ``eth_maxPriorityFeePerGas``, ``eth_baseFee``,
``eth_blobBaseFee`` and ``eth_feeHistory`` (EIP-1559, EIP-4844), all from stored headers and
bodies."""

from typing import Any

from ethrex.execution.fee_market import (
    GAS_PER_BLOB,
    blob_base_fee,
    compute_excess_blob_gas,
    next_base_fee,
)
from ethrex.forks import rules_at
from ethrex.rpc import params as P
from ethrex.rpc.chainview import ChainView
from ethrex.rpc.errors import invalid_params
from ethrex.rpc.types import effective_gas_price, qty
from ethrex.types.header import Header

MAX_FEE_HISTORY = 1024  # blocks per eth_feeHistory request (geth's maxBlockHistory)
ORACLE_BLOCKS = 20  # the tip oracle samples the last 20 blocks (geth's default)
ORACLE_PERCENTILE = 60
MIN_SUGGESTED_TIP = 1  # wei, when the recent blocks paid no tips at all


class FeeHandlers:
    def __init__(self, view: ChainView) -> None:
        self.view = view

    def table(self) -> dict[str, Any]:
        return {
            "eth_gasPrice": self.gas_price,
            "eth_maxPriorityFeePerGas": self.max_priority_fee,
            "eth_baseFee": self.base_fee,
            "eth_blobBaseFee": self.blob_base_fee,
            "eth_feeHistory": self.fee_history,
        }

    # -- next block --------------------------------------------------------------------------

    def next_base_fee(self, parent: Header) -> int | None:
        """The base fee of ``parent``'s child (EIP-1559; the first London block starts at the
        initial base fee)."""
        rules = rules_at(self.view.chain.config, parent.number + 1, parent.timestamp + 12)
        return next_base_fee(parent, rules)

    def next_blob_base_fee(self, parent: Header) -> int | None:
        rules = rules_at(self.view.chain.config, parent.number + 1, parent.timestamp + 12)
        if not rules.has_blobs:
            return None
        return blob_base_fee(compute_excess_blob_gas(parent, rules), rules)

    def suggested_tip(self) -> int:
        """The 60th percentile of the lowest tips paid in the last 20 blocks (geth's oracle)."""
        store = self.view.store
        head = self.view.head()
        samples: list[int] = []
        for number in range(head.number, max(-1, head.number - ORACLE_BLOCKS), -1):
            block = store.get_block_by_number(number)
            if block is None:
                break
            base = block.header.base_fee_per_gas or 0
            tips = sorted(effective_gas_price(tx, base) - base for tx in block.transactions)
            samples.extend(tips[:3])
        if not samples:
            return MIN_SUGGESTED_TIP
        samples.sort()
        return max(samples[(len(samples) - 1) * ORACLE_PERCENTILE // 100], MIN_SUGGESTED_TIP)

    # -- handlers ----------------------------------------------------------------------------

    def gas_price(self) -> str:
        head = self.view.head()
        return qty(self.suggested_tip() + (self.next_base_fee(head) or 0))

    def max_priority_fee(self) -> str:
        return qty(self.suggested_tip())

    def base_fee(self) -> str | None:
        fee = self.next_base_fee(self.view.head())
        return None if fee is None else qty(fee)

    def blob_base_fee(self) -> str:
        fee = self.next_blob_base_fee(self.view.head())
        return qty(fee or 0)

    def fee_history(self, count: Any, newest: Any, percentiles: Any = None) -> dict[str, Any]:
        """``eth_feeHistory``: base fees (one more than blocks: the next block's), gas used
        ratios, blob fees, and per-block tip percentiles weighted by gas used."""
        block_count = P.quantity(count, 0, bits=64)
        if percentiles is not None:
            if not isinstance(percentiles, list) or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) for p in percentiles
            ):
                raise invalid_params("invalid argument 2: reward percentiles must be numbers")
            if any(p < 0 or p > 100 for p in percentiles) or any(
                b < a for a, b in zip(percentiles, percentiles[1:])
            ):
                raise invalid_params("invalid reward percentiles")
        newest_header = self.view.require_header(P.block_id(newest, 1, allow_hash=False))
        block_count = min(block_count, MAX_FEE_HISTORY, newest_header.number + 1)
        if block_count == 0:
            return {"oldestBlock": qty(0), "baseFeePerGas": [], "gasUsedRatio": []}
        oldest = newest_header.number - block_count + 1
        store = self.view.store
        base_fees: list[str] = []
        blob_fees: list[str] = []
        ratios: list[float] = []
        blob_ratios: list[float] = []
        rewards: list[list[str]] = []
        header = newest_header
        for number in range(oldest, newest_header.number + 1):
            block = store.get_block_by_number(number)
            if block is None:
                break
            header = block.header
            base = header.base_fee_per_gas or 0
            base_fees.append(qty(base))
            ratios.append(header.gas_used / header.gas_limit if header.gas_limit else 0.0)
            rules = self.view.rules(header)
            blob_fees.append(qty(self.view.blob_base_fee(header) or 0))
            max_blob_gas = rules.blob_max * GAS_PER_BLOB
            blob_ratios.append(
                (header.blob_gas_used or 0) / max_blob_gas if max_blob_gas else 0
            )
            if percentiles:
                rewards.append(self._rewards(block, percentiles))
        base_fees.append(qty(self.next_base_fee(header) or 0))
        blob_fees.append(qty(self.next_blob_base_fee(header) or 0))
        out: dict[str, Any] = {
            "oldestBlock": qty(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": blob_fees,
            "blobGasUsedRatio": blob_ratios,
        }
        if percentiles:
            out["reward"] = rewards
        return out

    def _rewards(self, block: Any, percentiles: list[float]) -> list[str]:
        header = block.header
        if not block.transactions:
            return [qty(0)] * len(percentiles)
        receipts = self.view.receipts(header.hash())
        base = header.base_fee_per_gas or 0
        items = []
        previous = 0
        for tx, receipt in zip(block.transactions, receipts):
            items.append((effective_gas_price(tx, base) - base, receipt.cumulative_gas_used -
                          previous))
            previous = receipt.cumulative_gas_used
        items.sort()
        out = []
        index = 0
        gas_sum = items[0][1]
        for p in percentiles:
            threshold = header.gas_used * p / 100
            while gas_sum < threshold and index < len(items) - 1:
                index += 1
                gas_sum += items[index][1]
            out.append(qty(items[index][0]))
        return out
