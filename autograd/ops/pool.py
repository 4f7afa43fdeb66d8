"""Pooling primitives: max / avg pooling over window tables, their adjoints, and the
index scatter/gather behind max-pool backward and max_unpool.

A ``Plan`` (cached per geometry) holds the per-dim window tables that the kernels in
``autograd/kernels/pool.py`` read (see there): every pooling op, adaptive or not, across
space or across channels, is a Plan plus one of two primitives, ``MaxPool`` and ``AvgPool``.

Double backward: ``MaxPool``'s backward is ``PlaneScatter`` (scatter-add by the saved indices),
whose backward is ``PlaneGather`` and vice versa; ``AvgPool``'s backward is ``AvgPoolT`` (its
adjoint), whose backward is ``AvgPool`` again. All four are linear in the gradient, so
gradients of any order stay inside this file.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ..kernels import pool as K

__all__ = []


class Plan:
    """Window tables for pooling the last 1-3 dims of a tensor, seen as (B, D, H, W).

    in_sp / out_sp: 3-tuples (unit leading dims for 1-d/2-d); nsp: number of real spatial
    dims; lo / cnt / dil: per dim (D, H, W) as in kernels/pool.py; fac: per-dim divisor
    factors (avg pooling divisor = fd[od] * fh[oh] * fw[ow], or ``override``); fast: the
    2x2/stride-2 specialised kernels apply."""

    __slots__ = ("in_sp", "out_sp", "nsp", "lo", "cnt", "dil", "fac", "override", "fast",
                 "_div")

    def __init__(self, in_sp, out_sp, nsp, lo, cnt, dil, fac=None, override=None, fast=False):
        self.in_sp, self.out_sp, self.nsp = tuple(in_sp), tuple(out_sp), nsp
        self.lo, self.cnt, self.dil = lo, cnt, tuple(int(d) for d in dil)
        self.fac, self.override, self.fast = fac, override, fast
        self._div = {}

    def div(self, dtype):
        """Divisor grid (OD, OH, OW) in ``dtype`` (torch divides by an integer converted to the
        tensor's type)."""
        d = self._div.get(dtype)
        if d is None:
            if self.override is not None:
                d = np.full(self.out_sp, self.override, dtype)
            else:
                fd, fh, fw = self.fac
                d = (fd[:, None, None] * fh[None, :, None] * fw[None, None, :]).astype(dtype)
            self._div[dtype] = d
        return d


def window_dim(n_in: int, n_out: int, k: int, s: int, p: int, dil: int):
    """(lo, cnt, include-pad size) of the windows o*s - p + j*dil, j < k, clipped to [0, n_in)."""
    start = np.arange(n_out, dtype=np.int64) * s - p
    j0 = np.where(start < 0, (-start + dil - 1) // dil, 0)
    lo = start + j0 * dil
    j1 = np.minimum(k, (n_in - start + dil - 1) // dil)
    cnt = np.maximum(j1 - j0, 0)
    # torch's count_include_pad divisor: min(start + k, n_in + p) - start (no dilation for avg)
    full = np.minimum(start + k, n_in + p) - start
    return lo, cnt, full


def adaptive_dim(n_in: int, n_out: int):
    o = np.arange(n_out, dtype=np.int64)
    start = (o * n_in) // n_out
    end = ((o + 1) * n_in + n_out - 1) // n_out
    return start, end - start


def _pad3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(t)


@functools.lru_cache(maxsize=1024)
def window_plan(in_sp, out_sp, kernel, stride, pad, dil, count_include_pad=True, override=None):
    """Plan for regular pooling of the spatial shape in_sp (1-3 dims)."""
    nsp = len(in_sp)
    los, cnts, facs = [], [], []
    for n_in, n_out, k, s, p, d in zip(_pad3(in_sp, 1), _pad3(out_sp, 1), _pad3(kernel, 1),
                                       _pad3(stride, 1), _pad3(pad, 0), _pad3(dil, 1)):
        lo, cnt, full = window_dim(n_in, n_out, k, s, p, d)
        los.append(lo)
        cnts.append(cnt)
        facs.append(full if count_include_pad else cnt)
    fast = (nsp == 2 and tuple(kernel) == (2, 2) and tuple(stride) == (2, 2)
            and tuple(pad) == (0, 0) and tuple(dil) == (1, 1)
            and tuple(out_sp) == (in_sp[0] // 2, in_sp[1] // 2)
            and override in (None, 4))
    return Plan(_pad3(in_sp, 1), _pad3(out_sp, 1), nsp, los, cnts, _pad3(dil, 1),
                facs, override, fast)


@functools.lru_cache(maxsize=256)
def adaptive_plan(in_sp, out_sp):
    nsp = len(in_sp)
    los, cnts = [], []
    for n_in, n_out in zip(_pad3(in_sp, 1), _pad3(out_sp, 1)):
        lo, cnt = adaptive_dim(n_in, n_out)
        los.append(lo)
        cnts.append(cnt)
    return Plan(_pad3(in_sp, 1), _pad3(out_sp, 1), nsp, los, cnts, (1, 1, 1), cnts, None)


# ---- primitives --------------------------------------------------------------------------

def _split(shape, plan):
    """(batch shape, B) of an array whose last plan.nsp dims are pooled."""
    bshape = tuple(shape[:len(shape) - plan.nsp])
    B = 1
    for s in bshape:
        B *= s
    return bshape, B


def _out_shape(bshape, plan):
    return bshape + plan.out_sp[3 - plan.nsp:]


_NO_TAB = np.empty(0, np.int64)
_NO_IDX3 = np.empty((0, 0, 0), np.int64)
_NO_IDX4 = np.empty((0, 0, 0, 0), np.int64)
_NO_DIV = {}


def _no_div(dtype):
    d = _NO_DIV.get(dtype)
    if d is None:
        d = _NO_DIV[dtype] = np.empty((0, 0, 0), dtype)
    return d


def _max_forward(x, plan):
    """(out, int64 indices), allocated in their final shapes (not views: the engine keeps a
    returned gradient as .grad without copying only when it owns its memory)."""
    bshape, B = _split(x.shape, plan)
    xc = np.ascontiguousarray(x)
    oshape = _out_shape(bshape, plan)
    out = np.empty(oshape, x.dtype)
    idx = np.empty(oshape, np.int64)
    if plan.fast:
        H, W = plan.in_sp[1:]
        OH, OW = H // 2, W // 2
        K.pool_2x2(xc.reshape(B, H, W), out.reshape(B, OH, OW), idx.reshape(B, OH, OW), K.MAX)
    else:
        lo, cnt, dil = plan.lo, plan.cnt, plan.dil
        K.pool_fwd(xc.reshape((B,) + plan.in_sp), out.reshape((B,) + plan.out_sp),
                   idx.reshape((B,) + plan.out_sp), lo[0], cnt[0], lo[1], cnt[1], lo[2],
                   cnt[2], dil[0], dil[1], dil[2], plan.div(x.dtype), x.dtype.type(0), K.MAX)
    return out, idx


def _avg_forward(x, plan):
    bshape, B = _split(x.shape, plan)
    xc = np.ascontiguousarray(x)
    out = np.empty(_out_shape(bshape, plan), x.dtype)
    if plan.fast:
        H, W = plan.in_sp[1:]
        K.pool_2x2(xc.reshape(B, H, W), out.reshape(B, H // 2, W // 2), _NO_IDX3, K.AVG)
    else:
        lo, cnt, dil = plan.lo, plan.cnt, plan.dil
        K.pool_fwd(xc.reshape((B,) + plan.in_sp), out.reshape((B,) + plan.out_sp), _NO_IDX4,
                   lo[0], cnt[0], lo[1], cnt[1], lo[2], cnt[2], dil[0], dil[1], dil[2],
                   plan.div(x.dtype), x.dtype.type(0), K.AVG)
    return out


def _avg_adjoint(g, plan, x_shape):
    bshape, B = _split(x_shape, plan)
    gc = np.ascontiguousarray(g)
    gx = np.empty(x_shape, g.dtype)
    if plan.fast:
        H, W = plan.in_sp[1:]
        K.avg_pool_2x2_bwd(gc.reshape(B, H // 2, W // 2), gx.reshape(B, H, W))
    else:
        D, H, W = plan.in_sp
        lo, cnt, dil = plan.lo, plan.cnt, plan.dil
        K.pool_bwd(gc.reshape((B,) + plan.out_sp), _NO_IDX4, gx.reshape(B, D * H * W),
                   lo[0], cnt[0], lo[1], cnt[1], lo[2], cnt[2], dil[0], dil[1], dil[2],
                   plan.div(g.dtype), H, W, K.AVG)
    return gx


def _scatter(g, idx, x_shape, B):
    P = math.prod(x_shape) // B if B else 0
    gx = np.empty(x_shape, g.dtype)
    if B and P:
        Q = g.size // B
        K.pool_bwd(np.ascontiguousarray(g).reshape(B, 1, 1, Q),
                   np.ascontiguousarray(idx).reshape(B, 1, 1, Q), gx.reshape(B, P),
                   _NO_TAB, _NO_TAB, _NO_TAB, _NO_TAB, _NO_TAB, _NO_TAB, 1, 1, 1,
                   _no_div(g.dtype), 1, 1, K.MAX)
    return gx


def _gather(x, idx, B):
    if B == 0:
        return np.empty(idx.shape, x.dtype)
    Q = idx.size // B
    return np.take_along_axis(x.reshape(B, -1), idx.reshape(B, Q), 1).reshape(idx.shape)


def _raw(a):
    return a._data if isinstance(a, Tensor) else a


class _Prim(Function):
    _raw = True


class MaxPool(_Prim):
    """Max pooling of the last plan.nsp dims of x: (out, indices), or out alone when
    want_idx is False (indices then kept for backward only)."""

    @staticmethod
    def forward(ctx, x, plan, want_idx=True):
        out, idx = _max_forward(x, plan)
        ctx.save_for_backward(idx)
        ctx.meta = (x.shape, _split(x.shape, plan)[1])
        if want_idx:
            ctx.mark_non_differentiable(idx)
            return out, idx
        return out

    @staticmethod
    def backward(ctx, g, g_idx=None):
        idx = _raw(ctx.saved_tensors[0])
        x_shape, B = ctx.meta
        if isinstance(g, Tensor):
            return PlaneScatter.apply(g, idx, x_shape, B), None, None
        return _scatter(g, idx, x_shape, B), None, None


class PlaneScatter(_Prim):
    """gx (x_shape) = 0, then gx[b, idx[b, q]] += g[b, q] per plane b (B planes)."""

    @staticmethod
    def forward(ctx, g, idx, x_shape, B):
        ctx.meta = (idx, B)
        return _scatter(g, idx, x_shape, B)

    @staticmethod
    def backward(ctx, gg):
        idx, B = ctx.meta
        idx = idx._data if isinstance(idx, Tensor) else idx
        if isinstance(gg, Tensor):
            return PlaneGather.apply(gg, idx, B), None, None, None
        return _gather(gg, idx, B), None, None, None


class PlaneGather(_Prim):
    """out[b, q] = x[b, idx[b, q]] per plane b; out has idx's shape."""

    @staticmethod
    def forward(ctx, x, idx, B):
        ctx.meta = (idx, x.shape, B)
        return _gather(x, idx, B)

    @staticmethod
    def backward(ctx, g):
        idx, x_shape, B = ctx.meta
        if isinstance(g, Tensor):
            return PlaneScatter.apply(g, idx, x_shape, B), None, None
        return _scatter(g, idx, x_shape, B), None, None


class AvgPool(_Prim):
    """Average pooling of the last plan.nsp dims of x (divisors from the plan)."""

    @staticmethod
    def forward(ctx, x, plan):
        ctx.meta = (plan, x.shape)
        return _avg_forward(x, plan)

    @staticmethod
    def backward(ctx, g):
        plan, x_shape = ctx.meta
        if isinstance(g, Tensor):
            return AvgPoolT.apply(g, plan, x_shape), None
        return _avg_adjoint(g, plan, x_shape), None


class AvgPoolT(_Prim):
    """The adjoint (transpose) of AvgPool: spreads g[o] / div[o] over window o."""

    @staticmethod
    def forward(ctx, g, plan, x_shape):
        ctx.meta = plan
        return _avg_adjoint(g, plan, x_shape)

    @staticmethod
    def backward(ctx, gg):
        plan = ctx.meta
        if isinstance(gg, Tensor):
            return AvgPool.apply(gg, plan), None, None
        return _avg_forward(gg, plan), None, None


class MaxUnpool(_Prim):
    """out (x batch dims + out_sp) = 0; out[b, idx[b, q]] = x[b, q] (last write wins)."""

    @staticmethod
    def forward(ctx, x, idx, out_shape, B):
        ctx.meta = (idx, B, x.shape)
        out = np.zeros(out_shape, x.dtype)      # not a view: see _max_forward
        if out.size:                            # an empty output plane is allowed (torch)
            Q = x.size // B
            np.put_along_axis(out.reshape(B, -1), np.ascontiguousarray(idx).reshape(B, Q),
                              np.ascontiguousarray(x).reshape(B, Q), 1)
        return out

    @staticmethod
    def backward(ctx, g):
        idx, B, x_shape = ctx.meta
        if _raw(g).size == 0:                   # empty output: nothing flowed from x
            z = np.zeros(x_shape, _raw(g).dtype)
            return (Tensor._make(z) if isinstance(g, Tensor) else z), None, None, None
        if isinstance(g, Tensor):
            return PlaneGather.apply(g, idx, B), None, None, None
        return _gather(np.ascontiguousarray(g), idx, B), None, None, None


# ---- locally connected layers: patch extraction and its adjoint ----------------------------

def _unfold(x, geom):
    from ..kernels import local as KL
    kh, kw, sh, sw, ph, pw, OH, OW = geom
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((OH * OW, N, C * kh * kw), x.dtype)
    KL.unfold_lc(np.ascontiguousarray(x), cols, kh, kw, sh, sw, ph, pw, OW)
    return cols


def _fold(cols, geom, x_shape):
    from ..kernels import local as KL
    kh, kw, sh, sw, ph, pw, OH, OW = geom
    gx = np.empty(x_shape, cols.dtype)
    KL.fold_lc(np.ascontiguousarray(cols), gx, kh, kw, sh, sw, ph, pw, OW)
    return gx


class Unfold(_Prim):
    """x (N, C, H, W) -> cols (OH*OW, N, C*kh*kw), zero padded; geom = (kh, kw, sh, sw, ph, pw,
    OH, OW)."""

    @staticmethod
    def forward(ctx, x, geom):
        ctx.meta = (geom, x.shape)
        return _unfold(x, geom)

    @staticmethod
    def backward(ctx, g):
        geom, x_shape = ctx.meta
        if isinstance(g, Tensor):
            return Fold.apply(g, geom, x_shape), None
        return _fold(g, geom, x_shape), None


class Fold(_Prim):
    """The adjoint of Unfold: scatter-add patches back into an (N, C, H, W) array."""

    @staticmethod
    def forward(ctx, cols, geom, x_shape):
        ctx.meta = geom
        return _fold(cols, geom, x_shape)

    @staticmethod
    def backward(ctx, gg):
        geom = ctx.meta
        if isinstance(gg, Tensor):
            return Unfold.apply(gg, geom), None, None
        return _unfold(gg, geom), None, None
