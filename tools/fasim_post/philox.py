"""fasim's counter-based random numbers in NumPy: the Philox4x32-10 draw of src/parallel/random.cpp, a pure
function of (seed, stream, i, j), so a reader regenerates exactly what fasim drew (on any grid).

    uniform(seed, stream, i, j)    # arrays i, j (broadcast): fasim's CounterRng(seed, stream).uniform(i, j)
    normal(seed, stream, i, j)     # fasim's CounterRng(seed, stream).normal(i, j), to rounding of log and cos
"""
import numpy as np

#: parallel::Stream (include/fasim/parallel/random.hpp) of the streams a reader regenerates
COMPLETION_MASK = 11
SENSING_A = 15
SENSING_B = 16

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_LOW = np.uint64(0xFFFFFFFF)


def philox4x32(ctr, key):
    """Philox4x32 with 10 rounds (Salmon et al. 2011, Random123's philox4x32): ctr is four uint64 arrays holding
    32-bit words, key two Python ints of 32 bits; returns the four 32-bit output words as uint64 arrays."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in ctr)
    k0, k1 = key
    for rnd in range(10):
        if rnd:
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        p0, p1 = _M0 * c0, _M1 * c2               # 32×32 → 64 bits: exact in uint64
        hi0, lo0 = p0 >> np.uint64(32), p0 & _LOW
        hi1, lo1 = p1 >> np.uint64(32), p1 & _LOW
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return c0, c1, c2, c3


def _words(seed, stream, i, j):
    seed = int(seed)
    i, j = np.broadcast_arrays(np.asarray(i, dtype=np.uint64), np.asarray(j, dtype=np.uint64))
    ctr = (i & _LOW,
           ((i >> np.uint64(32)) & np.uint64(0xFFFF)) | ((j & np.uint64(0xFFFF)) << np.uint64(16)),
           (j >> np.uint64(16)) & _LOW,
           np.full(i.shape, int(stream) & 0xFFFFFFFF, dtype=np.uint64))
    return philox4x32(ctr, (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF))


def _open_unit(hi, lo):
    bits = (hi << np.uint64(32)) | lo
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53


def normal(seed, stream, i, j):
    """fasim's CounterRng(seed, stream).normal(i, j): Box–Muller on the two uniforms of the first and the last
    two output words, sqrt(−2·log u)·cos(2π·v). Equal to fasim's draw up to the last bits of libm's log and
    cos (relative differences of order 1e-16)."""
    o0, o1, o2, o3 = _words(seed, stream, i, j)
    u, v = _open_unit(o0, o1), _open_unit(o2, o3)
    return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * np.pi * v)


def uniform(seed, stream, i, j):
    """fasim's CounterRng(seed, stream).uniform(i, j) on (0, 1) for integer arrays i, j (broadcast together):
    the counter holds i's low 48 bits, j's low 48 bits and the stream, the key the seed's two halves, and the
    first two output words' top 53 bits plus half an ulp make the double."""
    o0, o1, _, _ = _words(seed, stream, i, j)
    return _open_unit(o0, o1)


def bernoulli_mask(seed, fraction, n, m):
    """completion's Ω of an n×m matrix (src/linalg/entry_mask.cpp): (i, j) observed when uniform < fraction."""
    i = np.arange(n, dtype=np.uint64)[:, None]
    j = np.arange(m, dtype=np.uint64)[None, :]
    return uniform(seed, COMPLETION_MASK, i, j) < float(fraction)
