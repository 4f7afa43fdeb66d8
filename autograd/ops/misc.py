"""Assorted torch functions composed from the primitives (or small primitives of their own):
result_type, cov/corrcoef, trapezoid, diagflat, unique_consecutive, scatter_reduce, index_put,
frexp, combinations."""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import dtypes as _dt
from ..function import Function
from ..tensor import Tensor
from . import _util as U
from .elementwise import sqrt, clamp, to_dtype
from .reduce import sum as _sum, cumsum
from .movement import narrow, reshape, flatten, unsqueeze
from .sorting import diag
from .indexing import (getitem, setitem, IndexAddZeros, Gather, _normalize_key, _full_index,
                       _check_index, _scatter_check)

__all__ = ["result_type", "cov", "corrcoef", "trapezoid", "trapz", "cumulative_trapezoid",
           "diagflat", "unique_consecutive", "scatter_reduce", "index_put", "frexp",
           "combinations"]


class _Prim(Function):
    _raw = True


def result_type(tensor, other):
    """torch.result_type: the dtype ``tensor op other`` would have (tensor/scalar tiers)."""
    return _dt.from_numpy_dtype(U.result_dtype(tensor, other))


def _as_float(x):
    # statistics of integer tensors come out in the default float dtype, as in torch
    x = U.as_tensor_arg(x)
    return x if x._data.dtype.kind == "f" else to_dtype(x, _dt.default_np())


# ---- covariance ------------------------------------------------------------------------------
def cov(input, *, correction=1, fweights=None, aweights=None):
    x = _as_float(input)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    x2 = reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x2.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = n
        avg = _sum(x2, 1) / n
    else:
        w = U.cast(U.as_tensor_arg(w), x._data.dtype)
        w_sum = _sum(w)
        avg = _sum(x2 * w, 1) / w_sum
    if aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * _sum(w * aweights) / w_sum
    if float(U.raw(norm)) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.")
        norm = 0 * norm if isinstance(norm, Tensor) else 0.0
    xm = x2 - unsqueeze(avg, 1)
    xw = xm if w is None else xm * w
    c = (xw @ xm.mT) / norm
    return reshape(c, ()) if x.ndim < 2 else c


def corrcoef(input):
    c = cov(input)
    if c.ndim == 0:
        return c / c                        # torch: 1, or nan for a constant/empty input
    std = sqrt(diag(c))
    c = c / unsqueeze(std, 1) / unsqueeze(std, 0)
    return clamp(c, -1, 1)


# ---- trapezoid rule ----------------------------------------------------------------------
def _trap_terms(op, y, x, dx, dim):
    """(y[i] + y[i+1]) * dx_i along dim, and the wrapped dim."""
    y = _as_float(y)
    d = U.wrap_dim(dim, y.ndim, op)
    n = y.shape[d]
    if n == 0:
        return y, d
    s = narrow(y, d, 0, n - 1) + narrow(y, d, 1, n - 1)
    if x is None:
        return s * (1 if dx is None else dx), d
    x = U.as_tensor_arg(x)
    if x.ndim == 1 and y.ndim > 1:          # 1-D x: sample points along dim
        x = reshape(x, [-1 if i == d else 1 for i in range(y.ndim)])
        xd = d
    else:
        xd = U.wrap_dim(dim, x.ndim, op)
    m = x.shape[xd]
    return s * (narrow(x, xd, 1, m - 1) - narrow(x, xd, 0, m - 1)), d


def trapezoid(y, x=None, *, dx=None, dim=-1):
    t, d = _trap_terms("trapezoid", y, x, dx, dim)
    return _sum(t, d) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    t, d = _trap_terms("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(t / 2, d)


def diagflat(input, offset=0):
    return diag(flatten(U.as_tensor_arg(input)), offset)


# ---- unique_consecutive ------------------------------------------------------------------
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = U.raw(input)
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        d = U.wrap_dim(dim, a.ndim, "unique_consecutive")
        rows = np.moveaxis(a, d, 0).reshape(a.shape[d], -1)
    n = rows.shape[0]
    new = np.ones(n, bool)
    if n > 1:
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    if dim is None:
        out = a.reshape(-1)[starts]
    else:
        out = np.take(a, starts, axis=d)
    res = [Tensor._make(np.ascontiguousarray(out))]
    if return_inverse:
        inv = np.cumsum(new) - 1
        res.append(Tensor._make(inv.reshape(a.shape if dim is None else (n,)).astype(np.int64)))
    if return_counts:
        res.append(Tensor._make(np.diff(np.append(starts, n)).astype(np.int64)))
    return res[0] if len(res) == 1 else tuple(res)


# ---- scatter_reduce ------------------------------------------------------------------------
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _others_product(vals, shape, members):
    """For each member value, the product of the other members of its group (zeros counted
    apart so that a single zero still gets the product of the rest)."""
    nz = np.zeros(shape, np.int64)
    pnz = np.ones(shape, vals[0].dtype)
    for v, key in zip(vals, members):
        np.add.at(nz, key, v == 0)
        np.multiply.at(pnz, key, np.where(v == 0, 1, v))
    out = []
    for v, key in zip(vals, members):
        z, p = nz[key], pnz[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(v == 0, np.where(z == 1, p, 0), np.where(z == 0, p / v, 0)))
    return out


def _identity(reduce, npd):
    """The start value of a reduction that leaves the old value out (include_self=False)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if npd.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(npd)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(_Prim):
    """out = x with src reduced into it at index (torch.scatter_reduce). First-order gradient
    only; ties of amax/amin share the gradient evenly, as in torch."""

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce, include_self):
        full = _full_index(idx, dim)
        s = src[tuple(slice(0, k) for k in idx.shape)]
        hit = np.zeros(x.shape, bool)
        hit[full] = True
        out = np.array(x, copy=True)
        if not include_self:
            out[full] = _identity(reduce, x.dtype)
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        ufunc.at(out, full, s)
        cnt = None
        if reduce == "mean":
            cnt = np.where(hit & (not include_self), 0, 1).astype(np.int64)
            np.add.at(cnt, full, 1)
            cnt = np.maximum(cnt, 1)
            out = out / cnt if x.dtype.kind == "f" else (out // cnt).astype(x.dtype)
        ctx.meta = (full, hit, s, x, out, cnt, reduce, include_self, np.shape(src))
        return out

    @staticmethod
    def backward(ctx, g):
        full, hit, s, x, out, cnt, reduce, include_self, src_shape = ctx.meta
        g = U.raw(g)                                # first order: numpy throughout
        self_in = ~hit | include_self
        if reduce == "sum":
            gx, gs = g * self_in, g[full]
        elif reduce == "mean":
            gm = g / cnt
            gx, gs = gm * self_in, gm[full]
        elif reduce == "prod":
            if include_self:
                ox, os_ = _others_product([x, s], x.shape, [tuple(np.indices(x.shape)), full])
            else:                                   # untouched positions pass g through
                os_, = _others_product([s], x.shape, [full])
                ox = np.where(hit, 0, 1)
            gx, gs = g * ox * self_in, g[full] * os_
        else:                                       # amax / amin: share among the ties
            # torch counts an equal old value among the ties even when it was left out
            mx = x == out
            ms = s == out[full]
            count = mx.astype(np.int64)
            np.add.at(count, full, ms)
            gc = g / np.maximum(count, 1)
            gx, gs = gc * (mx & self_in), gc[full] * ms
        gsrc = np.zeros(src_shape, g.dtype)
        gsrc[tuple(slice(0, k) for k in s.shape)] = gs
        return gx.astype(g.dtype), None, None, gsrc, None, None


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    x = U.as_tensor_arg(input)
    d, idx = _check_index("scatter_reduce", x, dim, index)
    src = U.cast(U.as_tensor_arg(src), x._data.dtype)
    _scatter_check("scatter_reduce", x, d, idx, src)
    return ScatterReduce.apply(x, d, idx, src, reduce, include_self)


# ---- index_put -------------------------------------------------------------------------
def index_put(input, indices, values, accumulate=False):
    """out = input.clone(); out[indices] = values (or += with accumulate, repeats adding up).
    A None in indices selects the whole dimension."""
    x = U.as_tensor_arg(input)
    key = tuple(slice(None) if i is None else i for i in indices)
    v = U.cast(U.as_tensor_arg(values), x._data.dtype)
    if not accumulate:
        out = x.clone()
        setitem(out, key, v)
        return out
    nkey, advanced = _normalize_key(key, x._data.shape)
    target = np.empty(x.shape, np.bool_)[nkey].shape
    if v.shape != target:
        v = v.expand(target)
    return x + IndexAddZeros.apply(v, x._data.shape, nkey, True)


# ---- frexp, combinations -----------------------------------------------------------------
class Frexp(_Prim):
    @staticmethod
    def forward(ctx, a):
        m, e = np.frexp(a)
        ctx.meta = np.ldexp(1.0, -e).astype(a.dtype)   # d mantissa / d x = 2^-exponent
        return m

    @staticmethod
    def backward(ctx, g):
        return g * ctx.meta


def frexp(input):
    from collections import namedtuple
    x = U.as_tensor_arg(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    e = Tensor._make(np.frexp(x._data)[1].astype(np.int32))
    return namedtuple("frexp", ["mantissa", "exponent"])(Frexp.apply(x), e)


def combinations(input, r=2, with_replacement=False):
    x = U.as_tensor_arg(input)
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r == 0:
        return Tensor._make(np.empty(0, x._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), np.int64).reshape(-1, r)
    return getitem(x, idx)
