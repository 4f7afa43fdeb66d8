"""Sampling kernels that repeat PyTorch's CPU arithmetic step by step (autograd/random.py feeds
them raw mt19937 words and owns the Generator). Each float operation here is the one torch's
compiled kernel performs, in the same precision and order, so results agree bit for bit:

* ``fma`` is a real fused multiply-add (LLVM's ``llvm.fma``): torch's kernels built for AVX2
  and up let the compiler fuse ``x * (to - from) + from`` and ``val * std + mean``.
* ``math.log/cos/sin/log1p`` compile to calls into the C library's libm, the same functions
  torch's scalar loops call.
* ``_log256`` / ``_sincos256`` replay ``log256_ps`` / ``sincos256_ps`` of ATen's avx_mathfun.h
  (Cephes polynomials) one lane at a time, with the multiply-adds GCC fuses written as ``fma``:
  that is torch's float32 ``normal_`` on AVX2/AVX-512 machines.

Numba without fastmath never contracts or reassociates, so each written operation rounds once.
Arrays in, output buffers passed in; no Tensor or Generator inside."""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import config, njit
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _fma_intrinsic(typingctx, a, b, c):
    sig = a(a, a, a)

    def codegen(context, builder, signature, args):
        ty = context.get_value_type(signature.return_type)
        name = "llvm.fma.f32" if ty == ir.FloatType() else "llvm.fma.f64"
        fn = cgutils.get_or_insert_function(builder.module,
                                            ir.FunctionType(ty, [ty, ty, ty]), name)
        return builder.call(fn, args)
    return sig, codegen


def _fma_python(a, b, c):
    """NUMBA_DISABLE_JIT fallback (debugging only): exact for float64 via fractions; float32
    rounds twice (through float64), which differs from a true fma about once in 2**29."""
    from fractions import Fraction
    if isinstance(a, np.float32):
        return np.float32(np.float64(a) * np.float64(b) + np.float64(c))
    return float(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


fma = _fma_python if config.DISABLE_JIT else _fma_intrinsic

F32 = np.float32
_INV24 = F32(2.0 ** -24)
_INV53 = 2.0 ** -53
_M24 = 0xFFFFFF
_M53 = np.uint64(2 ** 53 - 1)
_ONE = F32(1.0)
_HALF = F32(0.5)
_MTWO = F32(-2.0)
_TWO_PI_D = 2.0 * math.pi
_TWO_PI_F = F32(2.0 * math.pi)

# avx_mathfun.h constants (float32, as _PS256_CONST stores them)
_SQRTHF = F32(0.707106781186547524)
_LP0, _LP1, _LP2 = F32(7.0376836292E-2), F32(-1.1514610310E-1), F32(1.1676998740E-1)
_LP3, _LP4, _LP5 = F32(-1.2420140846E-1), F32(1.4249322787E-1), F32(-1.6668057665E-1)
_LP6, _LP7, _LP8 = F32(2.0000714765E-1), F32(-2.4999993993E-1), F32(3.3333331174E-1)
_LQ1, _LQ2 = F32(-2.12194440e-4), F32(0.693359375)
_DP1, _DP2 = F32(-0.78515625), F32(-2.4187564849853515625e-4)
_DP3 = F32(-3.77489497744594108e-8)
_SP0, _SP1, _SP2 = F32(-1.9515295891E-4), F32(8.3321608736E-3), F32(-1.6666654611E-1)
_CP0, _CP1 = F32(2.443315711809948E-005), F32(-1.388731625493765E-003)
_CP2 = F32(4.166664568298827E-002)
_FOPI = F32(1.27323954473516)


# ---- uniform ----------------------------------------------------------------------------------

@njit(cache=True)
def uniform_f32(raw, lo, hi, fused, out):
    """out[i] = U(lo, hi) from one 32-bit word: 24 low bits * 2**-24, then x * (hi - lo) + lo
    in float32 (fused when torch's build fuses it). raw: int64 words; lo, hi: float32."""
    r = hi - lo
    for i in range(raw.size):
        x = F32(raw[i] & _M24) * _INV24
        out[i] = fma(x, r, lo) if fused else x * r + lo


@njit(cache=True)
def uniform_f64(raw64, lo, hi, fused, out):
    """out[i] = U(lo, hi) from one 64-bit word: 53 low bits * 2**-53, then x * (hi - lo) + lo."""
    r = hi - lo
    for i in range(raw64.size):
        x = np.float64(raw64[i] & _M53) * _INV53
        out[i] = fma(x, r, lo) if fused else x * r + lo


# ---- normal: Box-Muller -----------------------------------------------------------------------

@njit(cache=True)
def _log256(x):
    """log256_ps for one lane, x in [2**-24, 1] (normal, positive: the 1 - U(0, 1) of normal_)."""
    m, ex = math.frexp(x)           # = the mantissa / exponent bit fiddling for normal floats
    x = F32(m)
    e = F32(ex)
    if x < _SQRTHF:
        e = e - _ONE
        x = (x - _ONE) + x
    else:
        x = x - _ONE
    z = x * x
    y = fma(_LP0, x, _LP1)
    y = fma(y, x, _LP2)
    y = fma(y, x, _LP3)
    y = fma(y, x, _LP4)
    y = fma(y, x, _LP5)
    y = fma(y, x, _LP6)
    y = fma(y, x, _LP7)
    y = fma(y, x, _LP8)
    y = y * x
    y = fma(y, z, e * _LQ1)
    y = fma(-z, _HALF, y)
    return fma(e, _LQ2, x + y)


@njit(cache=True)
def _sincos256(x):
    """sincos256_ps for one lane, x >= 0 (theta = 2 pi U(0, 1)); returns (sin, cos)."""
    y = x * _FOPI
    j = int(y)                      # cvttps: truncation
    j = (j + 1) & ~1
    y = F32(j)
    x = fma(y, _DP1, x)
    x = fma(y, _DP2, x)
    x = fma(y, _DP3, x)
    z = x * x
    c = fma(_CP0, z, _CP1)
    c = fma(c, z, _CP2)
    c = c * z
    c = fma(c, z, -(z * _HALF))
    c = c + _ONE
    s = fma(_SP0, z, _SP1)
    s = fma(s, z, _SP2)
    s = s * z
    s = fma(s, x, x)
    if (j & 2) == 0:
        sn, cs = s, c
    else:
        sn, cs = c, s
    if (j & 4) != 0:
        sn = -sn
    if ((j - 2) & 4) == 0:
        cs = -cs
    return sn, cs


@njit(cache=True)
def _fill16_avx2(d, o, mean, std):
    """NormalFill16<float> of the AVX2 build: lanes j and j + 8 of d[o:o+16] (uniforms) become
    a Box-Muller pair."""
    for j in range(8):
        u1 = _ONE - d[o + j]
        u2 = d[o + j + 8]
        radius = F32(math.sqrt(_MTWO * _log256(u1)))
        sn, cs = _sincos256(_TWO_PI_F * u2)
        d[o + j] = fma(radius * cs, std, mean)
        d[o + j + 8] = fma(radius * sn, std, mean)


@njit(cache=True)
def _fill16_libm_f32(d, o, mean, std):
    """NormalFill16<float> of the scalar build (libm logf / cosf / sinf)."""
    for j in range(8):
        u1 = _ONE - d[o + j]
        u2 = d[o + j + 8]
        radius = F32(math.sqrt(_MTWO * F32(math.log(u1))))
        theta = F32(_TWO_PI_D * np.float64(u2))
        d[o + j] = fma(F32(radius * F32(math.cos(theta))), std, mean)
        d[o + j + 8] = fma(F32(radius * F32(math.sin(theta))), std, mean)


@njit(cache=True)
def _fill16_f64(d, o, mean, std):
    """NormalFill16<double> (libm log / cos / sin)."""
    for j in range(8):
        u1 = 1.0 - d[o + j]
        u2 = d[o + j + 8]
        radius = math.sqrt(-2.0 * math.log(u1))
        theta = _TWO_PI_D * u2
        d[o + j] = fma(radius * math.cos(theta), std, mean)
        d[o + j + 8] = fma(radius * math.sin(theta), std, mean)


@njit(cache=True)
def normal_fill_f32(d, tail, mean, std, avx2):
    """torch's normal_fill for float32: d holds n >= 16 uniforms; blocks of 16 become normals;
    when 16 does not divide n, the last 16 slots get ``tail`` (16 fresh uniforms) and are
    transformed again."""
    n = d.size
    i = 0
    while i < n - 15:
        if avx2:
            _fill16_avx2(d, i, mean, std)
        else:
            _fill16_libm_f32(d, i, mean, std)
        i += 16
    if n % 16 != 0:
        o = n - 16
        for j in range(16):
            d[o + j] = tail[j]
        if avx2:
            _fill16_avx2(d, o, mean, std)
        else:
            _fill16_libm_f32(d, o, mean, std)


@njit(cache=True)
def normal_fill_f64(d, tail, mean, std):
    """normal_fill for float64 (see normal_fill_f32)."""
    n = d.size
    i = 0
    while i < n - 15:
        _fill16_f64(d, i, mean, std)
        i += 16
    if n % 16 != 0:
        o = n - 16
        for j in range(16):
            d[o + j] = tail[j]
        _fill16_f64(d, o, mean, std)


@njit(cache=True)
def box_muller_pairs(raw64, out):
    """normal_distribution<double> without the cache: per two 64-bit words (u1, u2) the pair
    r cos(theta), r sin(theta), r = sqrt(-2 log1p(-u2)), theta = 2 pi u1."""
    for k in range(raw64.size // 2):
        u1 = np.float64(raw64[2 * k] & _M53) * _INV53
        u2 = np.float64(raw64[2 * k + 1] & _M53) * _INV53
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        out[2 * k] = r * math.cos(theta)
        out[2 * k + 1] = r * math.sin(theta)


@njit(cache=True)
def affine_f64(v, std, mean, fused, out):
    """out = v * std + mean (transformation::normal), fused when torch's build fuses it."""
    for i in range(v.size):
        out[i] = fma(v[i], std, mean) if fused else v[i] * std + mean


@njit(cache=True)
def exponential_f64(raw64, lambd, out):
    """exponential_distribution<double>: -1 / lambd * log1p(-U(0, 1)), U from 53 bits."""
    c = -1.0 / lambd
    for i in range(raw64.size):
        u = np.float64(raw64[i] & _M53) * _INV53
        out[i] = c * math.log1p(-u)


# ---- permutations -----------------------------------------------------------------------------

@njit(cache=True)
def randperm_swap(raw, out):
    """randperm_cpu for n < 2**32 / 20: out = 0..n-1, then for i < n - 1 swap out[i] with
    out[i + raw[i] % (n - i)]. raw: n - 1 32-bit words as int64."""
    n = out.size
    for i in range(n):
        out[i] = i
    for i in range(n - 1):
        z = raw[i] % (n - i)
        t = out[i]
        out[i] = out[i + z]
        out[i + z] = t


@njit(cache=True)
def randperm_inside_out(raw64, out):
    """randperm_cpu for huge n: the inside-out Fisher-Yates with random64() % (i + 1)."""
    for i in range(out.size):
        z = np.int64(raw64[i] % np.uint64(i + 1))
        out[i] = i
        out[i] = out[z]
        out[z] = i
