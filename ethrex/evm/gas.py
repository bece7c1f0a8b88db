"""Dynamic gas: memory expansion, copies, the EIP-150 call rule and warm/cold access."""

from ethrex.evm.errors import OutOfGas
from ethrex.evm.frame import Frame

GAS_MEMORY = 3
GAS_COPY = 3  # per word copied
GAS_KECCAK_WORD = 6
GAS_CALL_VALUE = 9000
GAS_CALL_STIPEND = 2300
GAS_NEW_ACCOUNT = 25000
GAS_CODE_DEPOSIT = 200
GAS_CREATE = 32000
GAS_SELFDESTRUCT_NEW_ACCOUNT = 25000
GAS_LOG_TOPIC = 375
GAS_LOG_DATA = 8

# Beyond this many bytes memory would cost more gas than any block holds: fail early instead of
# computing with absurd sizes.
_MEMORY_CEILING = 2**37


def memory_cost(words: int) -> int:
    """Total cost of ``words`` words of memory: linear plus quadratic (Yellow Paper C_mem)."""
    return GAS_MEMORY * words + words * words // 512


def charge_memory(frame: Frame, offset: int, size: int) -> None:
    """Charge for and grow memory to cover ``[offset, offset + size)``; nothing if size is 0."""
    if size == 0:
        return
    end = offset + size
    memory = frame.memory
    if end <= len(memory):
        return
    if end > _MEMORY_CEILING:
        raise OutOfGas
    words = (end + 31) >> 5
    old = len(memory) >> 5
    cost = memory_cost(words) - memory_cost(old)
    if cost > frame.gas:
        raise OutOfGas
    frame.gas -= cost
    memory.extend(bytes((words - old) << 5))


def memory_extension_cost(frame: Frame, offset: int, size: int, offset2: int, size2: int) -> int:
    """Cost to cover two ranges (CALL input and output) without growing memory yet."""
    end = offset + size if size else 0
    end2 = offset2 + size2 if size2 else 0
    if end2 > end:
        end = end2
    if end <= len(frame.memory):
        return 0
    if end > _MEMORY_CEILING:
        raise OutOfGas
    return memory_cost((end + 31) >> 5) - memory_cost(len(frame.memory) >> 5)


def grow_memory(frame: Frame, offset: int, size: int, offset2: int = 0, size2: int = 0) -> None:
    """Grow memory (already paid for) to cover both ranges."""
    end = offset + size if size else 0
    end2 = offset2 + size2 if size2 else 0
    if end2 > end:
        end = end2
    memory = frame.memory
    if end > len(memory):
        memory.extend(bytes((((end + 31) >> 5) << 5) - len(memory)))


def charge(frame: Frame, amount: int) -> None:
    if amount > frame.gas:
        raise OutOfGas
    frame.gas -= amount


def max_call_gas(gas: int) -> int:
    """EIP-150: a call or create can pass on at most all but one 64th of the gas left."""
    return gas - gas // 64


def access_cost(frame: Frame, address: bytes) -> int:
    """EIP-2929 account access: cold the first time in a transaction, warm after."""
    rules = frame.rules
    if frame.state.warm_address(address):
        return rules.cold_account_gas
    return rules.warm_access_gas
