"""Opcode handlers by category. Each handler takes the frame; static gas and stack bounds are
charged and checked by the run loop from the fork's tables (``ethrex/evm/table.py``)."""
