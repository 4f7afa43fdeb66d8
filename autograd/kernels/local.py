"""Kernels of the locally connected layers: patch extraction (unfold) and its adjoint (fold).

``unfold_lc`` writes ``cols[l, n, (c*kh + i)*kw + j] = x[n, c, oh*sh - ph + i, ow*sw - pw + j]``
(0 outside the input) for output position l = oh*OW + ow: the layout a batched matmul with the
per-position weights (L, O, C*kh*kw) wants. Each prange iteration owns one position l.
``fold_lc`` is its adjoint (scatter-add back into x's shape); each iteration owns one image n,
so results do not depend on the number of threads.
"""
from __future__ import annotations

from numba import njit, prange

from . import parallel_float32

__all__ = ["unfold_lc", "fold_lc"]


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def unfold_lc(x, cols, kh, kw, sh, sw, ph, pw, OW):
    N, C, H, W = x.shape
    L = cols.shape[0]
    for l in prange(L):
        oh = l // OW
        ow = l - oh * OW
        for n in range(N):
            for c in range(C):
                for i in range(kh):
                    h = oh * sh - ph + i
                    for j in range(kw):
                        w = ow * sw - pw + j
                        col = (c * kh + i) * kw + j
                        if h < 0 or h >= H or w < 0 or w >= W:
                            cols[l, n, col] = 0
                        else:
                            cols[l, n, col] = x[n, c, h, w]


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def fold_lc(cols, gx, kh, kw, sh, sw, ph, pw, OW):
    N, C, H, W = gx.shape
    L = cols.shape[0]
    for n in prange(N):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    gx[n, c, h, w] = 0
        for l in range(L):
            oh = l // OW
            ow = l - oh * OW
            for c in range(C):
                for i in range(kh):
                    h = oh * sh - ph + i
                    if h < 0 or h >= H:
                        continue
                    for j in range(kw):
                        w = ow * sw - pw + j
                        if w < 0 or w >= W:
                            continue
                        gx[n, c, h, w] += cols[l, n, (c * kh + i) * kw + j]
