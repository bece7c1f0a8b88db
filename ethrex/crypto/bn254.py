"""The BN254 (alt_bn128) curve of EIP-196/197, over mcl through ``mclbn256``'s bundled library.

Points travel as big-endian byte strings in Ethereum's encoding: G1 is ``x || y`` (64 bytes), G2 is
``x_imag || x_real || y_imag || y_real`` (128 bytes); the point at infinity is all zeros. Anything
that is not a valid point raises ``ValueError``.
"""

import ctypes

import mclbn256.mclbn256 as _mcl

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583  # field modulus
N = 21888242871839275222246405745257275088548364400416034343698204186575808495617  # group order

# mclbn256 initialises mcl for its own curve (id 0). Ethereum's BN254 is mcl's MCL_BN_SNARK1 (id 4),
# so we re-initialise the shared library once; nothing else in ethrex uses mclbn256's classes.
_CURVE_SNARK1 = 4
_IO_HEX = 16
_lib = _mcl.lib
if _lib.mclBn_init(_CURVE_SNARK1, _mcl.MCLBN_COMPILED_TIME_VAR) != 0:
    raise ImportError("mcl refused to initialise the BN254 (SNARK1) curve")

_G1 = ctypes.c_uint64 * 12  # Jacobian x, y, z of 4 limbs each
_G2 = ctypes.c_uint64 * 24
_FR = ctypes.c_uint64 * 4
_GT = ctypes.c_uint64 * 48

_ptr = ctypes.c_void_p
_size = ctypes.c_size_t
for _name, _args in {
    "mclBnG1_setStr": (_ptr, ctypes.c_char_p, _size, ctypes.c_int),
    "mclBnG2_setStr": (_ptr, ctypes.c_char_p, _size, ctypes.c_int),
    "mclBnG1_getStr": (ctypes.c_char_p, _size, _ptr, ctypes.c_int),
    "mclBnFr_setBigEndianMod": (_ptr, ctypes.c_char_p, _size),
    "mclBnG1_add": (_ptr, _ptr, _ptr),
    "mclBnG1_mul": (_ptr, _ptr, _ptr),
    "mclBnG2_isValidOrder": (_ptr,),
    "mclBn_millerLoopVec": (_ptr, _ptr, _ptr, _size),
    "mclBn_finalExp": (_ptr, _ptr),
    "mclBnGT_isOne": (_ptr,),
}.items():
    _fn = getattr(_lib, _name)
    _fn.argtypes = _args
    _fn.restype = ctypes.c_int if _name != "mclBnG1_getStr" else _size

_g1_set = _lib.mclBnG1_setStr
_g2_set = _lib.mclBnG2_setStr
_g1_get = _lib.mclBnG1_getStr
_fp_set = _lib.mclBnFp_setLittleEndian  # takes byref() pointers into a point's coordinates
_ONE_LE = (1).to_bytes(32, "little")
_g2_valid = _lib.mclBnG2_isValidOrder


def _field(b: bytes) -> int:
    v = int.from_bytes(b, "big")
    if v >= P:
        raise ValueError("coordinate not below the field modulus")
    return v


def _load_g1(out: ctypes.Array, data: bytes) -> bool:
    """Decode 64 bytes into ``out``; False for the point at infinity (left for the caller)."""
    x = _field(data[:32])
    y = _field(data[32:64])
    if x == 0 and y == 0:
        return False
    # The curve check in Python costs about a microsecond; mcl's setStr/isValid cost ~130 us here.
    # G1 has cofactor 1, so a point on the curve is in the group.
    if (y * y - x * x * x - 3) % P:
        raise ValueError("G1 point not on the curve")
    _fp_set(ctypes.byref(out, 0), x.to_bytes(32, "little"), 32)
    _fp_set(ctypes.byref(out, 32), y.to_bytes(32, "little"), 32)
    _fp_set(ctypes.byref(out, 64), _ONE_LE, 32)  # z = 1: affine
    return True


def _load_g2(out: ctypes.Array, data: bytes) -> bool:
    """Decode 128 bytes (imaginary part first) into ``out``, checking the curve and the subgroup."""
    x_im = _field(data[:32])
    x_re = _field(data[32:64])
    y_im = _field(data[64:96])
    y_re = _field(data[96:128])
    if x_im == 0 and x_re == 0 and y_im == 0 and y_re == 0:
        return False
    s = b"1 %x %x %x %x" % (x_re, x_im, y_re, y_im)
    if _g2_set(out, s, len(s), _IO_HEX) != 0 or _g2_valid(out) != 1:
        raise ValueError("G2 point not on the curve or not in the r-torsion subgroup")
    return True


def _dump_g1(p: ctypes.Array) -> bytes:
    buf = ctypes.create_string_buffer(160)
    n = _g1_get(buf, 160, p, _IO_HEX)
    parts = buf.raw[:n].split()
    if parts[0] == b"0":
        return bytes(64)
    return int(parts[1], 16).to_bytes(32, "big") + int(parts[2], 16).to_bytes(32, "big")


def g1_add(a: bytes, b: bytes) -> bytes:
    """a + b for two 64-byte G1 points (EIP-196 ECADD)."""
    pa, pb = _G1(), _G1()
    if not _load_g1(pa, a):
        _load_g1(pb, b)  # validates b, whose encoding is then already canonical
        return b
    if not _load_g1(pb, b):
        return bytes(a[:64])
    out = _G1()
    _lib.mclBnG1_add(out, pa, pb)
    return _dump_g1(out)


def g1_mul(a: bytes, scalar: int) -> bytes:
    """scalar * a for a 64-byte G1 point and a 256-bit scalar (EIP-196 ECMUL)."""
    pa = _G1()
    if not _load_g1(pa, a) or scalar % N == 0:
        return bytes(64)
    fr = _FR()
    sb = scalar.to_bytes(32, "big")
    _lib.mclBnFr_setBigEndianMod(fr, sb, 32)
    out = _G1()
    _lib.mclBnG1_mul(out, pa, fr)
    return _dump_g1(out)


def pairing_check(pairs: list[tuple[bytes, bytes]]) -> bool:
    """Whether the product of e(g1, g2) over the pairs is one (EIP-197); empty is true."""
    n = len(pairs)
    g1s = (_G1 * n)()
    g2s = (_G2 * n)()
    used = 0
    for a, b in pairs:
        # Every point is validated even when its partner is infinity, whose pairing is one.
        has_a = _load_g1(g1s[used], a)
        has_b = _load_g2(g2s[used], b)
        if has_a and has_b:
            used += 1
    if used == 0:
        return True
    f, e = _GT(), _GT()
    _lib.mclBn_millerLoopVec(f, g1s, g2s, used)
    _lib.mclBn_finalExp(e, f)
    return _lib.mclBnGT_isOne(e) == 1
