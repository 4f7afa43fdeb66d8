"""Pooling kernels: one small family on plain contiguous arrays, N-d pooling as 3-d.

Every pooled tensor is seen as ``(B, D, H, W)``: B = all batch/channel dims flattened, the
spatial dims padded with leading unit dims (1-d -> (B, 1, 1, W), 2-d -> (B, 1, H, W)). A window
is described per spatial dim by two int64 arrays over the output positions:

    lo[o]   first tap inside the input (padding already skipped, as torch's ``while (i < 0)
            i += dilation``), so indices are provably >= 0;
    cnt[o]  number of taps lo, lo+dil, ..., that lie inside the input.

That one description covers plain pooling (padding, dilation, ceil_mode), adaptive pooling
(variable windows) and pooling across channels (asymmetric padding), so four kernels serve
every op: max forward, scatter-add by index (max backward / unpool adjoint), avg forward and
avg backward. Each ``prange`` iteration owns one (b) plane of every array it writes, so results
are bitwise identical for any number of threads. Indices are torch's: flat into the input's
(D, H, W) plane.

A specialised 2x2 / stride 2 / no padding pair (the LeNet case) skips the window tables.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["max_pool_fwd", "scatter_add_planes", "avg_pool_fwd", "avg_pool_bwd",
           "max_pool_2x2_fwd", "avg_pool_2x2_fwd", "avg_pool_2x2_bwd"]


@njit(cache=True, parallel=True)
def max_pool_fwd(x, out, idx, lod, cntd, loh, cnth, low, cntw, dd, dh, dw):
    """out[b, o] = max of the window; idx[b, o] = flat (d*H*W + h*W + w) index of the first
    maximum (NaN wins, as torch: ``val > max || isnan(val)``)."""
    B, D, H, W = x.shape
    OD, OH, OW = out.shape[1], out.shape[2], out.shape[3]
    HW = H * W
    for b in prange(B):
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


@njit(cache=True, parallel=True)
def scatter_add_planes(g, idx, gx):
    """gx[b, :] = 0; gx[b, idx[b, q]] += g[b, q] in q order. g, idx: (B, Q); gx: (B, P)."""
    B, Q = g.shape
    P = gx.shape[1]
    for b in prange(B):
        for p in range(P):
            gx[b, p] = 0
        for q in range(Q):
            i = idx[b, q]
            if 0 <= i < P:      # an all-padding window (possible with dilation) points outside
                gx[b, i] += g[b, q]


@njit(cache=True, parallel=True)
def avg_pool_fwd(x, out, lod, cntd, loh, cnth, low, cntw, dd, dh, dw, div, zero):
    """out[b, o] = (sum of the window, accumulated in x's dtype) / div[o]; an empty window
    gives 0 (torch)."""
    B = x.shape[0]
    OD, OH, OW = out.shape[1], out.shape[2], out.shape[3]
    for b in prange(B):
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


@njit(cache=True, parallel=True)
def avg_pool_bwd(g, gx, lod, cntd, loh, cnth, low, cntw, dd, dh, dw, div):
    """The adjoint of avg_pool_fwd: gx[b, window(o)] += g[b, o] / div[o] (plane-owned)."""
    B, D, H, W = gx.shape
    OD, OH, OW = g.shape[1], g.shape[2], g.shape[3]
    for b in prange(B):
        for d in range(D):
            for h in range(H):
                for w in range(W):
                    gx[b, d, h, w] = 0
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
                        d = d0 + i * dd
                        for j in range(nh):
                            h = h0 + j * dh
                            for k in range(nw):
                                gx[b, d, h, w0 + k * dw] += v


# ---- fast path: 2x2 window, stride 2, no padding/dilation, floor mode ----------------------

@njit(cache=True, parallel=True)
def max_pool_2x2_fwd(x, out, idx):
    """x: (B, H, W); out, idx: (B, H//2, W//2). Same tie/NaN rule and indices as max_pool_fwd."""
    B, H, W = x.shape
    OH, OW = out.shape[1], out.shape[2]
    for b in prange(B):
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


@njit(cache=True, parallel=True)
def avg_pool_2x2_fwd(x, out):
    B = x.shape[0]
    OH, OW = out.shape[1], out.shape[2]
    for b in prange(B):
        for oh in range(OH):
            h = 2 * oh
            for ow in range(OW):
                w = 2 * ow
                out[b, oh, ow] = (x[b, h, w] + x[b, h, w + 1] + x[b, h + 1, w]
                                  + x[b, h + 1, w + 1]) / 4


@njit(cache=True, parallel=True)
def avg_pool_2x2_bwd(g, gx):
    """gx: (B, H, W) (odd last row/column gets 0); g: (B, H//2, W//2)."""
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
