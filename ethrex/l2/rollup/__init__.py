"""The rollup's state transition, stateless: how L2 blocks execute (``hooks``), what a batch
commits to (``batch``: state root, the L2-to-L1 messages root of ``messages``, the rolling hash
of the privileged transactions of ``privileged``). The sequencer and the prover
(``ethrex/l2/prover``) share it, so like the prover it imports only the synchronous core up to
``execution`` (``tests/unit/test_layering.py``)."""
