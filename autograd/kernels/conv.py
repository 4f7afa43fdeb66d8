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

Register blocking: 4 output channels x 4 taps per sweep (leftover channels: 2 x 4, 1 x 4) (16 weights in registers, 4 input
streams shared by 4 output rows); the weight gradient keeps 16 accumulators (4 channels x
4 taps). Work is cut into cache-sized chunks of the flat axis. Each ``prange`` iteration owns
the outputs it writes and sums in a fixed order, so results do not depend on the number of
threads (the weight gradient's partial sums per fixed chunk are combined by the caller).

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


@njit(cache=True, fastmath=_FM)
def _fwd_k4t4(o0, o1, o2, o3, a, b, c, d, w00, w01, w02, w03, w10, w11, w12, w13,
              w20, w21, w22, w23, w30, w31, w32, w33):
    for q in range(o0.shape[0]):
        xa = a[q]
        xb = b[q]
        xc = c[q]
        xd = d[q]
        o0[q] += w00 * xa + w01 * xb + w02 * xc + w03 * xd
        o1[q] += w10 * xa + w11 * xb + w12 * xc + w13 * xd
        o2[q] += w20 * xa + w21 * xb + w22 * xc + w23 * xd
        o3[q] += w30 * xa + w31 * xb + w32 * xc + w33 * xd


@njit(cache=True, fastmath=_FM)
def _fwd_k4t1(o0, o1, o2, o3, a, w0, w1, w2, w3):
    for q in range(o0.shape[0]):
        xa = a[q]
        o0[q] += w0 * xa
        o1[q] += w1 * xa
        o2[q] += w2 * xa
        o3[q] += w3 * xa


@njit(cache=True, fastmath=_FM)
def _fwd_k2t4(o0, o1, a, b, c, d, w00, w01, w02, w03, w10, w11, w12, w13):
    for q in range(o0.shape[0]):
        xa = a[q]
        xb = b[q]
        xc = c[q]
        xd = d[q]
        o0[q] += w00 * xa + w01 * xb + w02 * xc + w03 * xd
        o1[q] += w10 * xa + w11 * xb + w12 * xc + w13 * xd


@njit(cache=True, fastmath=_FM)
def _fwd_k1t4(o0, a, b, c, d, w0, w1, w2, w3):
    for q in range(o0.shape[0]):
        o0[q] += w0 * a[q] + w1 * b[q] + w2 * c[q] + w3 * d[q]


@njit(cache=True, fastmath=_FM)
def _fwd_k1t1(o0, a, w0):
    for q in range(o0.shape[0]):
        o0[q] += w0 * a[q]


@njit(cache=True, fastmath=_FM)
def _fwd_unit(x, w, toff, out, r, c0, k0, k1, p0, q1):
    """out[k0:k1, p0:q1] (flat output positions; channels of one group, input channels
    c0..c0+Cg-1); the first output reads input offset r (+ the tap offsets)."""
    Cg = w.shape[1]
    T = w.shape[2]
    n = q1 - p0
    q0 = r
    for k in range(k0, k1):
        out[k, p0:q1] = 0
    for ci in range(Cg):
        xc = x[c0 + ci]
        k = k0
        while k + 4 <= k1:
            o0 = out[k, p0:q1]
            o1 = out[k + 1, p0:q1]
            o2 = out[k + 2, p0:q1]
            o3 = out[k + 3, p0:q1]
            w0 = w[k, ci]
            w1 = w[k + 1, ci]
            w2 = w[k + 2, ci]
            w3 = w[k + 3, ci]
            t = 0
            while t + 4 <= T:
                ba = q0 + toff[t]
                bb = q0 + toff[t + 1]
                bc = q0 + toff[t + 2]
                bd = q0 + toff[t + 3]
                _fwd_k4t4(o0, o1, o2, o3, xc[ba:ba + n], xc[bb:bb + n], xc[bc:bc + n],
                          xc[bd:bd + n], w0[t], w0[t + 1], w0[t + 2], w0[t + 3],
                          w1[t], w1[t + 1], w1[t + 2], w1[t + 3],
                          w2[t], w2[t + 1], w2[t + 2], w2[t + 3],
                          w3[t], w3[t + 1], w3[t + 2], w3[t + 3])
                t += 4
            while t < T:
                ba = q0 + toff[t]
                _fwd_k4t1(o0, o1, o2, o3, xc[ba:ba + n], w0[t], w1[t], w2[t], w3[t])
                t += 1
            k += 4
        if k + 2 <= k1:
            o0 = out[k, p0:q1]
            o1 = out[k + 1, p0:q1]
            w0 = w[k, ci]
            w1 = w[k + 1, ci]
            t = 0
            while t + 4 <= T:
                ba = q0 + toff[t]
                bb = q0 + toff[t + 1]
                bc = q0 + toff[t + 2]
                bd = q0 + toff[t + 3]
                _fwd_k2t4(o0, o1, xc[ba:ba + n], xc[bb:bb + n], xc[bc:bc + n], xc[bd:bd + n],
                          w0[t], w0[t + 1], w0[t + 2], w0[t + 3],
                          w1[t], w1[t + 1], w1[t + 2], w1[t + 3])
                t += 4
            while t < T:
                ba = q0 + toff[t]
                _fwd_k1t1(o0, xc[ba:ba + n], w0[t])
                _fwd_k1t1(o1, xc[ba:ba + n], w1[t])
                t += 1
            k += 2
        while k < k1:
            o0 = out[k, p0:q1]
            w0 = w[k, ci]
            t = 0
            while t + 4 <= T:
                ba = q0 + toff[t]
                bb = q0 + toff[t + 1]
                bc = q0 + toff[t + 2]
                bd = q0 + toff[t + 3]
                _fwd_k1t4(o0, xc[ba:ba + n], xc[bb:bb + n], xc[bc:bc + n], xc[bd:bd + n],
                          w0[t], w0[t + 1], w0[t + 2], w0[t + 3])
                t += 4
            while t < T:
                ba = q0 + toff[t]
                _fwd_k1t1(o0, xc[ba:ba + n], w0[t])
                t += 1
            k += 1


@njit(cache=True, parallel=True, fastmath=_FM)
def conv_forward(x, w, toff, row_off, out, chunk, kblk):
    """out[k, r, q] = sum_{c,t} w[k, c, t] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    (overwritten). x: (C, L) with L >= max(row_off) + max(toff) + Q, w: (K, Cg, T),
    toff: (T,) int64, row_off: (R,) int64, out: (K, R, Q).
    One parallel unit = (group, block of <= kblk output channels, row, chunk of the row)."""
    C = x.shape[0]
    K = w.shape[0]
    Cg = w.shape[1]
    R = out.shape[1]
    Q = out.shape[2]
    G = C // Cg
    Kg = K // G
    nkg = (Kg + kblk - 1) // kblk
    nq = (Q + chunk - 1) // chunk
    o2 = out.reshape(K, R * Q)
    for u in prange(G * nkg * R * nq):
        grp = u // (nkg * R * nq)
        rem = u - grp * (nkg * R * nq)
        kgi = rem // (R * nq)
        rem = rem - kgi * (R * nq)
        r = rem // nq
        qi = rem - r * nq
        k0 = grp * Kg + kgi * kblk
        k1 = min(grp * Kg + Kg, k0 + kblk)
        a = qi * chunk
        b = min(Q, a + chunk)
        _fwd_unit(x, w, toff, o2, row_off[r] + a, grp * Cg, k0, k1, r * Q + a, r * Q + b)


@njit(cache=True, fastmath=_FM)
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


@njit(cache=True, fastmath=_FM)
def _dw_k4t1(ga, gb, gc, gd, xa, z):
    s0 = s1 = s2 = s3 = z
    for q in range(ga.shape[0]):
        va = xa[q]
        s0 += ga[q] * va
        s1 += gb[q] * va
        s2 += gc[q] * va
        s3 += gd[q] * va
    return s0, s1, s2, s3


@njit(cache=True, fastmath=_FM)
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


@njit(cache=True, parallel=True, fastmath=_FM)
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


@njit(cache=True, parallel=True)
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
