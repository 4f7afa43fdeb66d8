"""Convolution kernels: one small family for 1-d/2-d/3-d, all run as a stride-1 "flat" sweep.

Layout (prepared by ``autograd/ops/conv.py``; every index is checked there, Numba checks none):
the batch is folded into the swept vector. Each input channel is ONE flat row holding all
images' zero-padded planes back to back (channel-major), so a sweep runs over N*S elements
instead of one small plane -- short sweeps (LeNet: 136 outputs) were dominated by per-sweep
overhead. Strided convolutions are stride-phase decomposed by the caller (the input is
split into s^d phase planes, each tap reads one phase at a unit-stride offset), so they are
flat stride-1 sweeps as well, with no wasted multiply-adds.

* ``x``: (C, L) channel-major flat input, L >= M + max(toff) (zero slack at the end).
* ``w``: (K, Cg, T) weights, taps flattened; Cg = C / groups.
* ``toff``: (T,) int64 offset of each tap in a flat input row.
* ``out`` / ``g``: (K, M) channel-major flat output; junk positions (between rows / images)
  are cropped by the caller (forward) or are zeros (``g`` of the weight gradient).

    out[k, q] = sum_{c, t} w[k, c, t] * x[grp*Cg + c, q + toff[t]],   grp = k // (K / groups)

Register blocking: the forward sweeps 4 output rows x 6 input streams at a time (24 weights
in registers); a stream is one (channel, tap) pair of the flattened reduction, so a pass may
straddle two input channels (leftovers: passes of 5, single streams, single output rows).
(As compiled, each output is one FMA chain in (c, t) order, whatever the grouping.) The
weight gradient keeps 16 accumulators (4 channels x 4 taps). Work is cut into cache-sized
chunks of the flat axis. Each ``prange`` iteration owns the outputs it writes and sums in a
fixed order, so results do not depend on the number of threads (the weight gradient's
partial sums per fixed chunk are combined by the caller).

The input gradient and the transposed convolution are this same forward kernel on the
(padded, phase-decomposed) output gradient with flipped, transposed weights (ops/conv.py).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["conv_forward", "conv_backward_weight", "transpose2d"]

# reassoc lets LLVM vectorise the dot-product reductions of the weight gradient; the order is
# still fixed per compiled kernel, so results stay bitwise reproducible across thread counts.
_FM = {"reassoc", "contract", "nsz"}


# The forward helpers are inlined into _fwd_unit at Numba IR level (a separately compiled helper
# is one more LLVM module every caller re-optimises: cold compile 3.3 s -> 2.9 s per dtype).
# Streams are addressed as xf[a + q] with unsigned a, q: no negative-index wraparound, so the
# loops vectorise, and no array slices (no refcount traffic per call).
@njit(cache=True, fastmath=_FM, inline="always")
def _fwd_k4j6(o, xf, wf, so, k, j, p0, n, b):
    w00, w01, w02 = wf[k, j], wf[k, j + 1], wf[k, j + 2]
    w03, w04, w05 = wf[k, j + 3], wf[k, j + 4], wf[k, j + 5]
    w10, w11, w12 = wf[k + 1, j], wf[k + 1, j + 1], wf[k + 1, j + 2]
    w13, w14, w15 = wf[k + 1, j + 3], wf[k + 1, j + 4], wf[k + 1, j + 5]
    w20, w21, w22 = wf[k + 2, j], wf[k + 2, j + 1], wf[k + 2, j + 2]
    w23, w24, w25 = wf[k + 2, j + 3], wf[k + 2, j + 4], wf[k + 2, j + 5]
    w30, w31, w32 = wf[k + 3, j], wf[k + 3, j + 1], wf[k + 3, j + 2]
    w33, w34, w35 = wf[k + 3, j + 3], wf[k + 3, j + 4], wf[k + 3, j + 5]
    a0, a1, a2 = b + so[j], b + so[j + 1], b + so[j + 2]
    a3, a4, a5 = b + so[j + 3], b + so[j + 4], b + so[j + 5]
    for q in range(n):
        x0, x1, x2 = xf[a0 + q], xf[a1 + q], xf[a2 + q]
        x3, x4, x5 = xf[a3 + q], xf[a4 + q], xf[a5 + q]
        o[k, p0 + q] += w00 * x0 + w01 * x1 + w02 * x2 + w03 * x3 + w04 * x4 + w05 * x5
        o[k + 1, p0 + q] += w10 * x0 + w11 * x1 + w12 * x2 + w13 * x3 + w14 * x4 + w15 * x5
        o[k + 2, p0 + q] += w20 * x0 + w21 * x1 + w22 * x2 + w23 * x3 + w24 * x4 + w25 * x5
        o[k + 3, p0 + q] += w30 * x0 + w31 * x1 + w32 * x2 + w33 * x3 + w34 * x4 + w35 * x5


@njit(cache=True, fastmath=_FM, inline="always")
def _fwd_k4j5(o, xf, wf, so, k, j, p0, n, b):
    w00, w01, w02 = wf[k, j], wf[k, j + 1], wf[k, j + 2]
    w03, w04 = wf[k, j + 3], wf[k, j + 4]
    w10, w11, w12 = wf[k + 1, j], wf[k + 1, j + 1], wf[k + 1, j + 2]
    w13, w14 = wf[k + 1, j + 3], wf[k + 1, j + 4]
    w20, w21, w22 = wf[k + 2, j], wf[k + 2, j + 1], wf[k + 2, j + 2]
    w23, w24 = wf[k + 2, j + 3], wf[k + 2, j + 4]
    w30, w31, w32 = wf[k + 3, j], wf[k + 3, j + 1], wf[k + 3, j + 2]
    w33, w34 = wf[k + 3, j + 3], wf[k + 3, j + 4]
    a0, a1, a2 = b + so[j], b + so[j + 1], b + so[j + 2]
    a3, a4 = b + so[j + 3], b + so[j + 4]
    for q in range(n):
        x0, x1, x2 = xf[a0 + q], xf[a1 + q], xf[a2 + q]
        x3, x4 = xf[a3 + q], xf[a4 + q]
        o[k, p0 + q] += w00 * x0 + w01 * x1 + w02 * x2 + w03 * x3 + w04 * x4
        o[k + 1, p0 + q] += w10 * x0 + w11 * x1 + w12 * x2 + w13 * x3 + w14 * x4
        o[k + 2, p0 + q] += w20 * x0 + w21 * x1 + w22 * x2 + w23 * x3 + w24 * x4
        o[k + 3, p0 + q] += w30 * x0 + w31 * x1 + w32 * x2 + w33 * x3 + w34 * x4


@njit(cache=True, fastmath=_FM, inline="always")
def _fwd_k4j1(o, xf, wf, so, k, j, p0, n, b):
    w0, w1, w2, w3 = wf[k, j], wf[k + 1, j], wf[k + 2, j], wf[k + 3, j]
    a0 = b + so[j]
    for q in range(n):
        x0 = xf[a0 + q]
        o[k, p0 + q] += w0 * x0
        o[k + 1, p0 + q] += w1 * x0
        o[k + 2, p0 + q] += w2 * x0
        o[k + 3, p0 + q] += w3 * x0


@njit(cache=True, fastmath=_FM, inline="always")
def _fwd_k1j6(o, xf, wf, so, k, j, p0, n, b):
    w0, w1, w2 = wf[k, j], wf[k, j + 1], wf[k, j + 2]
    w3, w4, w5 = wf[k, j + 3], wf[k, j + 4], wf[k, j + 5]
    a0, a1, a2 = b + so[j], b + so[j + 1], b + so[j + 2]
    a3, a4, a5 = b + so[j + 3], b + so[j + 4], b + so[j + 5]
    for q in range(n):
        o[k, p0 + q] += (w0 * xf[a0 + q] + w1 * xf[a1 + q] + w2 * xf[a2 + q]
                         + w3 * xf[a3 + q] + w4 * xf[a4 + q] + w5 * xf[a5 + q])


@njit(cache=True, fastmath=_FM, inline="always")
def _fwd_k1j1(o, xf, wf, so, k, j, p0, n, b):
    w0 = wf[k, j]
    a0 = b + so[j]
    for q in range(n):
        o[k, p0 + q] += w0 * xf[a0 + q]


@njit(cache=True, fastmath=_FM, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _fwd_unit(xf, wf, so, o, b, k0, k1, p0, q1):
    """o[k, p0 + i] = sum_j wf[k, j] * xf[b + so[j] + i] for k in k0..k1-1, i < q1 - p0.
    j runs over the flattened (channel, tap) reduction in passes of 6 streams (any length
    >= 20 is 6a + 5b: a few passes of 5 instead of single-stream leftovers)."""
    JT = wf.shape[1]
    n = np.uint64(q1 - p0)
    P0 = np.uint64(p0)
    for k in range(k0, k1):
        o[k, p0:q1] = 0
    n5 = (6 - JT % 6) % 6
    if 5 * n5 > JT:
        n5 = 0
    e6 = JT - 5 * n5 - (JT - 5 * n5) % 6
    e5 = e6 + 5 * n5
    k = k0
    while k + 4 <= k1:
        j = 0
        while j < e6:
            _fwd_k4j6(o, xf, wf, so, k, j, P0, n, b)
            j += 6
        while j < e5:
            _fwd_k4j5(o, xf, wf, so, k, j, P0, n, b)
            j += 5
        while j < JT:
            _fwd_k4j1(o, xf, wf, so, k, j, P0, n, b)
            j += 1
        k += 4
    while k < k1:
        j = 0
        while j + 6 <= JT:
            _fwd_k1j6(o, xf, wf, so, k, j, P0, n, b)
            j += 6
        while j < JT:
            _fwd_k1j1(o, xf, wf, so, k, j, P0, n, b)
            j += 1
        k += 1


@njit(cache=True, parallel=True, fastmath=_FM, no_cfunc_wrapper=True)
def conv_forward(x, w, toff, row_off, out, chunk, kblk):
    """out[k, r, q] = sum_{c,t} w[k, c, t] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    (overwritten). x: (C, L) with L >= max(row_off) + max(toff) + Q, w: (K, Cg, T),
    toff: (T,) int64, row_off: (R,) int64, out: (K, R, Q).
    One parallel unit = (group, block of kblk output channels (the last one of a group takes
    the leftovers: < 2*kblk), row, chunk of the row)."""
    C = x.shape[0]
    L = x.shape[1]
    K = w.shape[0]
    Cg = w.shape[1]
    T = w.shape[2]
    R = out.shape[1]
    Q = out.shape[2]
    G = C // Cg
    Kg = K // G
    nkg = max(1, Kg // kblk)                  # leftover channels (< kblk) join the last block
    nq = (Q + chunk - 1) // chunk
    o2 = out.reshape(K, R * Q)
    xf = x.reshape(C * L)
    wf = w.reshape(K, Cg * T)
    so = np.empty(Cg * T, np.uint64)          # flat offset of reduction index j = (c, t)
    for ci in range(Cg):
        for t in range(T):
            so[ci * T + t] = ci * L + toff[t]
    for u in prange(G * nkg * R * nq):
        grp = u // (nkg * R * nq)
        rem = u - grp * (nkg * R * nq)
        kgi = rem // (R * nq)
        rem = rem - kgi * (R * nq)
        r = rem // nq
        qi = rem - r * nq
        k0 = grp * Kg + kgi * kblk
        k1 = grp * Kg + Kg if kgi == nkg - 1 else k0 + kblk
        a = qi * chunk
        e = min(Q, a + chunk)
        _fwd_unit(xf, wf, so, o2, np.uint64(grp * Cg * L + row_off[r] + a), k0, k1,
                  r * Q + a, r * Q + e)


# The weight-gradient helpers are inlined into their caller at Numba IR level and compiled
# without the (unused) Python/C wrappers: every separately compiled helper is an extra LLVM
# module that each caller re-optimises and re-emits, ~0.4 s of cold compile per dtype; the
# generated loops are the same (measured equal or faster).
@njit(cache=True, fastmath=_FM, inline="always")
def _dw_k4t4(ga, gb, gc, gd, xa, xb, xc, xd, z):
    s00 = s01 = s02 = s03 = z
    s10 = s11 = s12 = s13 = z
    s20 = s21 = s22 = s23 = z
    s30 = s31 = s32 = s33 = z
    for q in range(ga.shape[0]):
        g0 = ga[q]
        g1 = gb[q]
        g2 = gc[q]
        g3 = gd[q]
        va = xa[q]
        vb = xb[q]
        vc = xc[q]
        vd = xd[q]
        s00 += g0 * va
        s01 += g0 * vb
        s02 += g0 * vc
        s03 += g0 * vd
        s10 += g1 * va
        s11 += g1 * vb
        s12 += g1 * vc
        s13 += g1 * vd
        s20 += g2 * va
        s21 += g2 * vb
        s22 += g2 * vc
        s23 += g2 * vd
        s30 += g3 * va
        s31 += g3 * vb
        s32 += g3 * vc
        s33 += g3 * vd
    return (s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23,
            s30, s31, s32, s33)


@njit(cache=True, fastmath=_FM, inline="always")
def _dw_k4t1(ga, gb, gc, gd, xa, z):
    s0 = s1 = s2 = s3 = z
    for q in range(ga.shape[0]):
        va = xa[q]
        s0 += ga[q] * va
        s1 += gb[q] * va
        s2 += gc[q] * va
        s3 += gd[q] * va
    return s0, s1, s2, s3


@njit(cache=True, fastmath=_FM, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _dw_unit(x, g, Q, toff, row_off, part, ch, c0, k0, k1, p0, p1, chunk):
    """part[ch, k0:k1] = sum over pieces p0..p1 (piece = chunk of a row; fixed order:
    pieces, channels, taps)."""
    Cg = part.shape[2]
    T = part.shape[3]
    nq = (Q + chunk - 1) // chunk
    part[ch, k0:k1] = 0
    z = np.zeros(1, part.dtype)[0]      # a zero of the data's dtype: float32 stays float32
    acc = np.zeros((4, 4), part.dtype)
    for pc in range(p0, p1):
        r = pc // nq
        a = (pc - r * nq) * chunk
        b = min(Q, a + chunk)
        n = b - a
        s0 = row_off[r] + a
        e0 = r * Q + a
        for ci in range(Cg):
            xc = x[c0 + ci]
            for kb in range(k0, k1, 4):
                nk = min(4, k1 - kb)
                ga = g[kb, e0:e0 + n]
                gb = g[kb + (1 if nk > 1 else 0), e0:e0 + n]
                gc = g[kb + (2 if nk > 2 else 0), e0:e0 + n]
                gd = g[kb + (3 if nk > 3 else 0), e0:e0 + n]
                t = 0
                while t < T:
                    nt = min(4, T - t)
                    if nt == 4:
                        ba = s0 + toff[t]
                        bb = s0 + toff[t + 1]
                        bc = s0 + toff[t + 2]
                        bd = s0 + toff[t + 3]
                        r = _dw_k4t4(ga, gb, gc, gd, xc[ba:ba + n], xc[bb:bb + n],
                                     xc[bc:bc + n], xc[bd:bd + n], z)
                        acc[0, 0], acc[0, 1], acc[0, 2], acc[0, 3] = r[0], r[1], r[2], r[3]
                        acc[1, 0], acc[1, 1], acc[1, 2], acc[1, 3] = r[4], r[5], r[6], r[7]
                        acc[2, 0], acc[2, 1], acc[2, 2], acc[2, 3] = r[8], r[9], r[10], r[11]
                        acc[3, 0], acc[3, 1], acc[3, 2], acc[3, 3] = (r[12], r[13], r[14],
                                                                      r[15])
                    else:
                        nt = 1
                        ba = s0 + toff[t]
                        r4 = _dw_k4t1(ga, gb, gc, gd, xc[ba:ba + n], z)
                        acc[0, 0], acc[1, 0], acc[2, 0], acc[3, 0] = r4[0], r4[1], r4[2], r4[3]
                    for i in range(nk):
                        for j in range(nt):
                            part[ch, kb + i, ci, t + j] += acc[i, j]
                    t += nt


@njit(cache=True, parallel=True, fastmath=_FM, no_cfunc_wrapper=True)
def conv_backward_weight(x, g, toff, row_off, part, chunk):
    """Weight gradient, partial sums over fixed ranges of pieces (the caller sums axis 0).

    x: (C, L), g: (K, R, Q) (zeros in junk positions), part: (nch, K, Cg, T) overwritten:
    part[ch, k, c, t] = sum_{(r, q) in range ch} g[k, r, q] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    where the pieces (row, chunk of the row) are split into nch equal ranges.
    One parallel unit = (range, group, block of <= 16 output channels)."""
    C = x.shape[0]
    K = g.shape[0]
    Q = g.shape[2]
    M = g.shape[1] * ((Q + chunk - 1) // chunk)     # number of pieces
    g2 = g.reshape(K, g.shape[1] * Q)
    nch = part.shape[0]
    Cg = part.shape[2]
    G = C // Cg
    Kg = K // G
    nkg = (Kg + 15) // 16
    per = (M + nch - 1) // nch
    for u in prange(nch * G * nkg):
        ch = u // (G * nkg)
        rem = u - ch * (G * nkg)
        grp = rem // nkg
        kgi = rem - grp * nkg
        k0 = grp * Kg + kgi * 16
        k1 = min(grp * Kg + Kg, k0 + 16)
        q0 = min(M, ch * per)
        q1 = min(M, q0 + per)
        _dw_unit(x, g2, Q, toff, row_off, part, ch, grp * Cg, k0, k1, q0, q1, chunk)


@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def transpose2d(src, dst):
    """dst[j, i] = src[i, j] in 32x32 tiles (layout changes of the batch-inner convs)."""
    R = src.shape[0]
    Cc = src.shape[1]
    for b in prange((R + 31) // 32):
        r0 = b * 32
        r1 = min(R, r0 + 32)
        for c0 in range(0, Cc, 32):
            for c in range(c0, min(Cc, c0 + 32)):
                for r in range(r0, r1):
                    dst[c, r] = src[r, c]
