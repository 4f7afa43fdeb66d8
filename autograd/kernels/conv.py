"""Convolution kernels: one small family for 1-d/2-d/3-d (all handled as 3-d, flattened).

Geometry (prepared by ``autograd/ops/conv.py``; every index is checked there, Numba checks none):

* ``x``: (N, C, S) zero-padded input, spatial dims flattened (S = Dp*Hp*Wp).
* ``w``: (K, Cg, T) weights, taps flattened (T = kd*kh*kw), Cg = C / groups.
* ``toff``: (T,) int64 offset of each tap in the flat padded input (dilation folded in).
* ``row_off``: (R,) int64 flat input offset where output row r starts; ``cs``: input step
  between neighbouring outputs of a row (the innermost stride).
* ``out`` / ``g``: (N, K, R, Q): R output rows of Q outputs.

Stride 1 in every dim is the fast "flat-plane" case: R = 1 and the row is the whole output
volume swept at the *padded* width (Q = (Do-1)*Hp*Wp + (Ho-1)*Wp + Wo); the junk columns
between rows are cropped by the caller (forward) or are zeros (g of the weight gradient).
Strided convs use R = Do*Ho rows of Q = Wo outputs read every ``cs`` input elements.

    out[n, k, r, q] = sum_{c, t} w[k, c, t] * x[n, grp*Cg + c, row_off[r] + toff[t] + q*cs]

Register blocking: 4 output channels x 4 taps per sweep (16 weights in registers, 4 input
streams shared by 4 output rows). Each ``prange`` iteration owns the outputs it writes and
sums in a fixed order, so results do not depend on the number of threads.

The input gradient and the transposed convolution are this same forward kernel on the
(dilated, padded) output gradient with flipped, transposed weights (see ops/conv.py).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["conv_forward", "conv_backward_weight"]

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
def _fwd_k1t4(o0, a, b, c, d, w0, w1, w2, w3):
    for q in range(o0.shape[0]):
        o0[q] += w0 * a[q] + w1 * b[q] + w2 * c[q] + w3 * d[q]


@njit(cache=True, fastmath=_FM)
def _fwd_k1t1(o0, a, w0):
    for q in range(o0.shape[0]):
        o0[q] += w0 * a[q]


@njit(cache=True, fastmath=_FM)
def _fwd_unit(x, w, toff, row_off, cs, out, n, grp, k0, kb):
    """All outputs out[n, k0:k0+kb, :, :] (kb = 4 or fewer: then one channel at a time)."""
    Cg = w.shape[1]
    T = w.shape[2]
    Q = out.shape[3]
    span = (Q - 1) * cs + 1
    for r in range(out.shape[2]):
        ro = row_off[r]
        for kk in range(kb):
            out[n, k0 + kk, r, :] = 0
        for ci in range(Cg):
            xc = x[n, grp * Cg + ci]
            if kb == 4:
                o0 = out[n, k0, r]
                o1 = out[n, k0 + 1, r]
                o2 = out[n, k0 + 2, r]
                o3 = out[n, k0 + 3, r]
                w0 = w[k0, ci]
                w1 = w[k0 + 1, ci]
                w2 = w[k0 + 2, ci]
                w3 = w[k0 + 3, ci]
                t = 0
                while t + 4 <= T:
                    ba = ro + toff[t]
                    bb = ro + toff[t + 1]
                    bc = ro + toff[t + 2]
                    bd = ro + toff[t + 3]
                    if cs == 1:
                        _fwd_k4t4(o0, o1, o2, o3, xc[ba:ba + Q], xc[bb:bb + Q], xc[bc:bc + Q],
                                  xc[bd:bd + Q], w0[t], w0[t + 1], w0[t + 2], w0[t + 3],
                                  w1[t], w1[t + 1], w1[t + 2], w1[t + 3],
                                  w2[t], w2[t + 1], w2[t + 2], w2[t + 3],
                                  w3[t], w3[t + 1], w3[t + 2], w3[t + 3])
                    else:
                        _fwd_k4t4(o0, o1, o2, o3, xc[ba:ba + span:cs], xc[bb:bb + span:cs],
                                  xc[bc:bc + span:cs], xc[bd:bd + span:cs],
                                  w0[t], w0[t + 1], w0[t + 2], w0[t + 3],
                                  w1[t], w1[t + 1], w1[t + 2], w1[t + 3],
                                  w2[t], w2[t + 1], w2[t + 2], w2[t + 3],
                                  w3[t], w3[t + 1], w3[t + 2], w3[t + 3])
                    t += 4
                while t < T:
                    ba = ro + toff[t]
                    if cs == 1:
                        _fwd_k4t1(o0, o1, o2, o3, xc[ba:ba + Q], w0[t], w1[t], w2[t], w3[t])
                    else:
                        _fwd_k4t1(o0, o1, o2, o3, xc[ba:ba + span:cs],
                                  w0[t], w1[t], w2[t], w3[t])
                    t += 1
            else:
                for kk in range(kb):
                    o0 = out[n, k0 + kk, r]
                    w0 = w[k0 + kk, ci]
                    t = 0
                    while t + 4 <= T:
                        ba = ro + toff[t]
                        bb = ro + toff[t + 1]
                        bc = ro + toff[t + 2]
                        bd = ro + toff[t + 3]
                        if cs == 1:
                            _fwd_k1t4(o0, xc[ba:ba + Q], xc[bb:bb + Q], xc[bc:bc + Q],
                                      xc[bd:bd + Q], w0[t], w0[t + 1], w0[t + 2], w0[t + 3])
                        else:
                            _fwd_k1t4(o0, xc[ba:ba + span:cs], xc[bb:bb + span:cs],
                                      xc[bc:bc + span:cs], xc[bd:bd + span:cs],
                                      w0[t], w0[t + 1], w0[t + 2], w0[t + 3])
                        t += 4
                    while t < T:
                        ba = ro + toff[t]
                        if cs == 1:
                            _fwd_k1t1(o0, xc[ba:ba + Q], w0[t])
                        else:
                            _fwd_k1t1(o0, xc[ba:ba + span:cs], w0[t])
                        t += 1


@njit(cache=True, parallel=True, fastmath=_FM)
def conv_forward(x, w, toff, row_off, cs, out):
    """out[n, k, r, q] = sum_{c,t} w[k, c, t] * x[n, grp*Cg + c, row_off[r] + toff[t] + q*cs].

    x: (N, C, S), w: (K, Cg, T), toff: (T,) int64, row_off: (R,) int64, out: (N, K, R, Q)
    (overwritten). One parallel unit = (image, group, block of <= 4 output channels)."""
    N = x.shape[0]
    C = x.shape[1]
    K = w.shape[0]
    Cg = w.shape[1]
    G = C // Cg
    Kg = K // G
    nkb = (Kg + 3) // 4
    for u in prange(N * G * nkb):
        n = u // (G * nkb)
        rem = u - n * (G * nkb)
        grp = rem // nkb
        kb0 = (rem - grp * nkb) * 4
        kb = min(4, Kg - kb0)
        _fwd_unit(x, w, toff, row_off, cs, out, n, grp, grp * Kg + kb0, kb)


@njit(cache=True, fastmath=_FM)
def _dw_k4t2(ga, gb, gc, gd, xa, xb, z):
    s0 = z
    s1 = z
    s2 = z
    s3 = z
    u0 = z
    u1 = z
    u2 = z
    u3 = z
    for q in range(ga.shape[0]):
        va = xa[q]
        vb = xb[q]
        g0 = ga[q]
        g1 = gb[q]
        g2 = gc[q]
        g3 = gd[q]
        s0 += g0 * va
        s1 += g1 * va
        s2 += g2 * va
        s3 += g3 * va
        u0 += g0 * vb
        u1 += g1 * vb
        u2 += g2 * vb
        u3 += g3 * vb
    return s0, s1, s2, s3, u0, u1, u2, u3


@njit(cache=True, fastmath=_FM)
def _dw_unit(x, g, toff, row_off, cs, part, ch, n0, n1, grp, k0, kb):
    """part[ch, k0:k0+kb, :, :] = sum over images n0..n1-1 (fixed order)."""
    Cg = part.shape[2]
    T = part.shape[3]
    Q = g.shape[3]
    span = (Q - 1) * cs + 1
    part[ch, k0:k0 + kb] = 0
    z = np.zeros(1, part.dtype)[0]      # a zero of the data's dtype: float32 stays float32
    for n in range(n0, n1):
        for r in range(g.shape[2]):
            ro = row_off[r]
            for ci in range(Cg):
                xc = x[n, grp * Cg + ci]
                for kk0 in range(0, kb, 4):
                    nk = min(4, kb - kk0)
                    ga = g[n, k0 + kk0, r]
                    gb = g[n, k0 + kk0 + (1 if nk > 1 else 0), r]
                    gc = g[n, k0 + kk0 + (2 if nk > 2 else 0), r]
                    gd = g[n, k0 + kk0 + (3 if nk > 3 else 0), r]
                    t = 0
                    while t < T:
                        # two taps per sweep (the last one repeated when T is odd): 4 g and
                        # 2 x streams feed 8 accumulators
                        t2 = t + 1 if t + 1 < T else t
                        b = ro + toff[t]
                        b2 = ro + toff[t2]
                        if cs == 1:
                            s0, s1, s2, s3, u0, u1, u2, u3 = _dw_k4t2(
                                ga, gb, gc, gd, xc[b:b + Q], xc[b2:b2 + Q], z)
                        else:
                            s0, s1, s2, s3, u0, u1, u2, u3 = _dw_k4t2(
                                ga, gb, gc, gd, xc[b:b + span:cs], xc[b2:b2 + span:cs], z)
                        kk = k0 + kk0
                        part[ch, kk, ci, t] += s0
                        if nk > 1:
                            part[ch, kk + 1, ci, t] += s1
                        if nk > 2:
                            part[ch, kk + 2, ci, t] += s2
                        if nk > 3:
                            part[ch, kk + 3, ci, t] += s3
                        if t2 != t:
                            part[ch, kk, ci, t2] += u0
                            if nk > 1:
                                part[ch, kk + 1, ci, t2] += u1
                            if nk > 2:
                                part[ch, kk + 2, ci, t2] += u2
                            if nk > 3:
                                part[ch, kk + 3, ci, t2] += u3
                        t += 2


@njit(cache=True, parallel=True, fastmath=_FM)
def conv_backward_weight(x, g, toff, row_off, cs, part):
    """Weight gradient, partial sums over image chunks (the caller sums axis 0 in order).

    x: (N, C, S), g: (N, K, R, Q) (zeros in junk columns), part: (nch, K, Cg, T) overwritten:
    part[ch, k, c, t] = sum_{n in chunk ch} sum_{r,q} g[n,k,r,q] * x[n, grp*Cg+c, row_off[r]+toff[t]+q*cs].
    One parallel unit = (image chunk, group, block of <= 8 output channels)."""
    N = x.shape[0]
    C = x.shape[1]
    K = g.shape[1]
    nch = part.shape[0]
    Cg = part.shape[2]
    G = C // Cg
    Kg = K // G
    nkb = (Kg + 7) // 8
    per = (N + nch - 1) // nch
    for u in prange(nch * G * nkb):
        ch = u // (G * nkb)
        rem = u - ch * (G * nkb)
        grp = rem // nkb
        kb0 = (rem - grp * nkb) * 8
        kb = min(8, Kg - kb0)
        n0 = min(N, ch * per)
        n1 = min(N, n0 + per)
        _dw_unit(x, g, toff, row_off, cs, part, ch, n0, n1, grp, grp * Kg + kb0, kb)
