"""Pooling kernels: one small family on plain contiguous arrays, N-d pooling as 3-d.

Every pooled tensor is seen as ``(B, D, H, W)``: B = all batch/channel dims flattened, the
spatial dims padded with leading unit dims (1-d -> (B, 1, 1, W), 2-d -> (B, 1, H, W)). A window
is described per spatial dim by two int64 arrays over the output positions:

    lo[o]   first tap inside the input (padding already skipped, as torch's ``while (i < 0)
            i += dilation``), so indices are provably >= 0;
    cnt[o]  number of taps lo, lo+dil, ..., that lie inside the input.

That one description covers plain pooling (padding, dilation, ceil_mode), adaptive pooling
(variable windows) and pooling across channels (asymmetric padding). Four kernels serve every
op, branching on a ``mode`` once per plane, outside the loops (few kernels = short cold
compile: each parallel kernel costs ~1 s to compile for float32; float64 gets a serial
build, ~0.3 s): ``pool_fwd`` (max / avg
forward), ``pool_bwd`` (scatter-add by index = max backward / unpool adjoint; avg backward),
and for 2x2 / stride 2 / no padding (the LeNet case, 3-d views, no window tables)
``pool_2x2`` (max / avg forward) and ``avg_pool_2x2_bwd`` (writes every input-gradient element
once). The 2x2 pair stays apart from the general kernels, and the avg backward apart from
pool_2x2: merged, their extra arguments/branches cost the small LeNet shapes 10-25 %. Max
backward stays a scatter: a vectorised zero fill of a cache-resident plane plus one add per
output measured faster than write-once variants, and 1-byte window codes (or int32) instead
of int64 indices made Numba's forward loop 2-4x slower.
Each ``prange`` iteration owns one (b) plane of every array it writes, so results are bitwise
identical for any number of threads. Indices are torch's: flat into the input's (D, H, W)
plane; ties and NaN follow torch (``val > max || isnan(val)``: first maximum, last NaN).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from . import parallel_float32

__all__ = ["pool_fwd", "pool_bwd", "pool_2x2", "avg_pool_2x2_bwd", "MAX", "AVG"]


MAX, AVG = 0, 1     # kernel modes


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def pool_fwd(x, out, idx, lod, cntd, loh, cnth, low, cntw, dd, dh, dw, div, zero, mode):
    """x: (B, D, H, W); out, idx: (B, OD, OH, OW).
    MAX: out[b, o] = max of the window, idx[b, o] = flat (d*H*W + h*W + w) index of its first
    maximum. AVG: out[b, o] = (window sum in x's dtype) / div[o], 0 for an empty window
    (torch); idx unused."""
    B, D, H, W = x.shape
    OD, OH, OW = out.shape[1], out.shape[2], out.shape[3]
    HW = H * W
    for b in prange(B):
        if mode == 0:
            for od in range(OD):
                d0 = lod[od]
                nd = cntd[od]
                for oh in range(OH):
                    h0 = loh[oh]
                    nh = cnth[oh]
                    for ow in range(OW):
                        w0 = low[ow]
                        nw = cntw[ow]
                        m = -np.inf
                        mi = d0 * HW + h0 * W + w0
                        for i in range(nd):
                            d = d0 + i * dd
                            for j in range(nh):
                                h = h0 + j * dh
                                for k in range(nw):
                                    w = w0 + k * dw
                                    v = x[b, d, h, w]
                                    if v > m or v != v:
                                        m = v
                                        mi = d * HW + h * W + w
                        out[b, od, oh, ow] = m
                        idx[b, od, oh, ow] = mi
        else:
            for od in range(OD):
                d0 = lod[od]
                nd = cntd[od]
                for oh in range(OH):
                    h0 = loh[oh]
                    nh = cnth[oh]
                    for ow in range(OW):
                        w0 = low[ow]
                        nw = cntw[ow]
                        acc = zero
                        for i in range(nd):
                            d = d0 + i * dd
                            for j in range(nh):
                                h = h0 + j * dh
                                for k in range(nw):
                                    acc += x[b, d, h, w0 + k * dw]
                        if nd == 0 or nh == 0 or nw == 0:
                            out[b, od, oh, ow] = zero
                        else:
                            out[b, od, oh, ow] = acc / div[od, oh, ow]


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def pool_bwd(g, idx, gx, lod, cntd, loh, cnth, low, cntw, dd, dh, dw, div, H, W, mode):
    """gx: (B, P) flat planes of the (D, H, W) input; g, idx: (B, OD, OH, OW).
    MAX: gx[b, :] = 0; gx[b, idx[b, o]] += g[b, o] in o order (scatter-add by index: max-pool
    backward and the unpool adjoint; window tables unused). AVG: the adjoint of avg pooling,
    gx[b, window(o)] += g[b, o] / div[o]."""
    B, P = gx.shape
    OD, OH, OW = g.shape[1], g.shape[2], g.shape[3]
    HW = H * W
    for b in prange(B):
        for p in range(P):
            gx[b, p] = 0
        if mode == 0:
            for od in range(OD):
                for oh in range(OH):
                    for ow in range(OW):
                        i = idx[b, od, oh, ow]
                        if 0 <= i < P:  # an all-padding window (dilation) points outside
                            gx[b, i] += g[b, od, oh, ow]
        else:
            for od in range(OD):
                d0 = lod[od]
                nd = cntd[od]
                for oh in range(OH):
                    h0 = loh[oh]
                    nh = cnth[oh]
                    for ow in range(OW):
                        w0 = low[ow]
                        nw = cntw[ow]
                        v = g[b, od, oh, ow] / div[od, oh, ow]
                        for i in range(nd):
                            base = (d0 + i * dd) * HW + w0
                            for j in range(nh):
                                r = base + (h0 + j * dh) * W
                                for k in range(nw):
                                    gx[b, r + k * dw] += v


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def pool_2x2(x, out, idx, mode):
    """2x2 window, stride 2, no padding (the LeNet case): no window tables, 3-d views.
    MAX / AVG: x (B, H, W) -> out, idx (B, H//2, W//2), as pool_fwd (idx unused for AVG)."""
    B = x.shape[0]
    OH, OW = out.shape[1], out.shape[2]
    W = x.shape[2]
    for b in prange(B):
        if mode == 0:
            for oh in range(OH):
                h = 2 * oh
                for ow in range(OW):
                    w = 2 * ow
                    m = x[b, h, w]
                    mi = h * W + w
                    v = x[b, h, w + 1]
                    if v > m or v != v:
                        m = v
                        mi = h * W + w + 1
                    v = x[b, h + 1, w]
                    if v > m or v != v:
                        m = v
                        mi = (h + 1) * W + w
                    v = x[b, h + 1, w + 1]
                    if v > m or v != v:
                        m = v
                        mi = (h + 1) * W + w + 1
                    out[b, oh, ow] = m
                    idx[b, oh, ow] = mi
        else:
            for oh in range(OH):
                h = 2 * oh
                for ow in range(OW):
                    w = 2 * ow
                    out[b, oh, ow] = (x[b, h, w] + x[b, h, w + 1] + x[b, h + 1, w]
                                      + x[b, h + 1, w + 1]) / 4


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def avg_pool_2x2_bwd(g, gx):
    """The adjoint of pool_2x2's AVG: gx (B, H, W) from g (B, H//2, W//2), every gx element
    written once, g / 4 of its window (odd last row/column: 0). A kernel of its own: as a
    third mode of pool_2x2 it ran 15-25 % slower on the LeNet shapes."""
    B, H, W = gx.shape
    OH, OW = g.shape[1], g.shape[2]
    for b in prange(B):
        if 2 * OH < H:
            for w in range(W):
                gx[b, H - 1, w] = 0
        for oh in range(OH):
            h = 2 * oh
            if 2 * OW < W:
                gx[b, h, W - 1] = 0
                gx[b, h + 1, W - 1] = 0
            for ow in range(OW):
                w = 2 * ow
                v = g[b, oh, ow] / 4
                gx[b, h, w] = v
                gx[b, h, w + 1] = v
                gx[b, h + 1, w] = v
                gx[b, h + 1, w + 1] = v
