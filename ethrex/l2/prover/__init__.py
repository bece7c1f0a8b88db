"""The prover: re-executes a committed batch from its execution witness alone and proves its
public inputs (``program``), with a backend (``backends``: exec, attested), as a client of the
sequencer's proof coordinator (``client``, ``protocol``). Like ``ethrex/l2/rollup`` it imports
only the synchronous core up to ``execution`` (``tests/unit/test_layering.py``): what a zkVM
guest would run."""
