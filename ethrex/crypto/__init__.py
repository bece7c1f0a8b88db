"""Thin wrappers over C-backed cryptography: one module per primitive (secp256k1, kzg, bn254...)."""
