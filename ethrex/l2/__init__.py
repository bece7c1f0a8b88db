"""The L2 rollup: the same node, started as ``ethrex l2``, becomes a sequencer.

It takes deposits from the L1 bridge as privileged transactions, builds L2 blocks with the one
block pipeline (the rollup's ``ExecutionHooks`` in ``rollup/``), commits batches of them to
the L1 ``OnChainProposer`` and serves the L1 JSON-RPC plus ``ethrex_*`` methods for batches
and withdrawal proofs. It talks to L1 only through L1's public JSON-RPC. ``docs/l2.md``
describes the design.
"""
