"""The EVM: call frames, opcode handlers, gas and precompiles."""
