"""Wire and value types: transactions, headers, blocks, receipts, logs, withdrawals, accounts,
and the genesis / chain configuration. Frozen slotted dataclasses with free codec functions."""

from ethrex.types.account import (
    EMPTY_ACCOUNT,
    EMPTY_TRIE_ROOT,
    Account,
    decode_account,
    encode_account,
)
from ethrex.types.block import Block, decode_block, decode_blocks, encode_block
from ethrex.types.genesis import (
    BlobParams,
    ChainConfig,
    Genesis,
    GenesisAccount,
    load_genesis,
    parse_genesis,
)
from ethrex.types.header import Header, decode_header, encode_header
from ethrex.types.receipt import Log, Receipt, decode_receipt, encode_receipt, logs_bloom
from ethrex.types.transactions import (
    AccessListTransaction,
    Authorization,
    BlobTransaction,
    FeeMarketTransaction,
    LegacyTransaction,
    SetCodeTransaction,
    Transaction,
    decode_transaction,
    encode_transaction,
    recover_authority,
    recover_sender,
    sign_transaction,
    signing_hash,
    transaction_hash,
)
from ethrex.types.withdrawal import Withdrawal, decode_withdrawal, encode_withdrawal

__all__ = [
    "EMPTY_ACCOUNT", "EMPTY_TRIE_ROOT", "Account", "decode_account", "encode_account",
    "Block", "decode_block", "decode_blocks", "encode_block",
    "BlobParams", "ChainConfig", "Genesis", "GenesisAccount", "load_genesis", "parse_genesis",
    "Header", "decode_header", "encode_header",
    "Log", "Receipt", "decode_receipt", "encode_receipt", "logs_bloom",
    "AccessListTransaction", "Authorization", "BlobTransaction", "FeeMarketTransaction",
    "LegacyTransaction", "SetCodeTransaction", "Transaction", "decode_transaction",
    "encode_transaction", "recover_authority", "recover_sender", "sign_transaction",
    "signing_hash", "transaction_hash",
    "Withdrawal", "decode_withdrawal", "encode_withdrawal",
]
