"""What the RPC namespaces read from the node: block identifiers resolved against the store
(tags, numbers, EIP-1898 hashes), blocks with their receipts and senders, and the state at a
block. Reads go to the ``Store`` (committed data only); state goes through
``Blockchain.state_at``."""

from ethrex.errors import InvalidBlock
from ethrex.execution.fee_market import blob_base_fee
from ethrex.forks import ForkRules
from ethrex.rpc.context import NodeContext
from ethrex.rpc.errors import RpcError, server_error
from ethrex.rpc.params import BlockId
from ethrex.state import StateDB
from ethrex.storage import Store
from ethrex.types.block import Block
from ethrex.types.header import Header
from ethrex.types.receipt import Receipt


class ChainView:
    """Resolution of block references and the reads built on it (one per node context)."""

    __slots__ = ("ctx", "chain", "store", "_senders")

    def __init__(self, ctx: NodeContext) -> None:
        self.ctx = ctx
        self.chain = ctx.chain
        self.store: Store = ctx.chain.store
        self._senders: dict[bytes, list[bytes]] = {}  # block hash -> senders (recovery is slow)

    # -- headers -------------------------------------------------------------------------------

    def head(self) -> Header:
        header = self.store.head_header()
        if header is None:
            raise server_error("no head block")
        return header

    def header(self, block: BlockId) -> Header | None:
        """The header ``block`` names, or None when there is none (yet)."""
        store = self.store
        if block.hash is not None:
            header = store.get_header(block.hash)
            if header is not None and block.require_canonical and not store.is_canonical(
                block.hash
            ):
                raise server_error("hash is not currently canonical")
            return header
        if block.number is not None:
            return store.get_header_by_number(block.number)
        tag = block.tag
        if tag in ("latest", "pending", None):
            return store.head_header()
        if tag == "earliest":
            return store.get_header_by_number(0)
        pointer = store.safe() if tag == "safe" else store.finalized()
        return None if pointer is None else store.get_header(pointer)

    def require_header(self, block: BlockId) -> Header:
        """The header, or the -32000 error geth gives for a block it does not know."""
        header = self.header(block)
        if header is None:
            if block.hash is not None:
                raise server_error("header for hash not found")
            if block.tag in ("safe", "finalized"):
                raise server_error(f"{block.tag} block not found")
            raise server_error("header not found")
        return header

    def block(self, block: BlockId) -> Block | None:
        header = self.header(block)
        return None if header is None else self.store.get_block(header.hash())

    # -- derived -------------------------------------------------------------------------------

    def rules(self, header: Header) -> ForkRules:
        return self.chain.rules_for(header)

    def blob_base_fee(self, header: Header) -> int | None:
        """The blob gas price of ``header``'s block (None before Cancun)."""
        if header.excess_blob_gas is None:
            return None
        return blob_base_fee(header.excess_blob_gas, self.rules(header))

    def senders(self, block: Block, block_hash: bytes | None = None) -> list[bytes]:
        key = block_hash or block.header.hash()
        cached = self._senders.get(key)
        if cached is None:
            cached = [self.chain.sender_of(tx) for tx in block.transactions]
            if len(self._senders) > 4096:
                self._senders.clear()
            self._senders[key] = cached
        return cached

    def receipts(self, block_hash: bytes) -> list[Receipt]:
        receipts = self.store.get_receipts(block_hash)
        if receipts is None:
            raise RpcError(-32000, "receipts not found")
        return receipts

    def state(self, header: Header) -> StateDB:
        """A fresh, throw-away ``StateDB`` over the post-state of ``header``'s block."""
        try:
            return StateDB(self.chain.state_at(header.hash()))
        except InvalidBlock:  # UnknownBlock: the block or its state is not stored
            raise server_error("state not available") from None
