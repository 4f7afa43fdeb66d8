"""sort / topk (values by gather, so gradients go to the selected indices), triangular masks,
trace, diag, unique."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from . import _util as U
from .indexing import gather
from .movement import flatten

_sort_ret = namedtuple("sort", ["values", "indices"])
_topk_ret = namedtuple("topk", ["values", "indices"])


def sort(input, dim=-1, descending=False, stable=False):
    x = U.as_tensor_arg(input)
    if x.ndim == 0:
        return _sort_ret(x.clone(), Tensor._make(np.zeros((), np.int64)))
    d = U.wrap_dim(dim, x.ndim, "sort")
    if descending and x._data.dtype.kind == "b":
        idx = np.flip(np.argsort(x._data, axis=d, kind="stable"), d).astype(np.int64)
    else:
        idx = _argsort(x._data, d, descending)
    return _sort_ret(gather(x, d, Tensor._make(idx)), Tensor._make(idx))


def _argsort(a, d, descending):
    """Stable int64 argsort along d. NaN counts as the largest value, as torch: last
    ascending (numpy's order too), first descending."""
    if not descending:
        return np.argsort(a, axis=d, kind="stable").astype(np.int64)
    idx = np.argsort(-a, axis=d, kind="stable")
    if a.dtype.kind == "f":
        nan = np.take_along_axis(np.isnan(a), idx, axis=d)
        if nan.any():                           # move the NaNs (last) to the front, stably
            idx = np.take_along_axis(idx, np.argsort(~nan, axis=d, kind="stable"), axis=d)
    return idx.astype(np.int64)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "topk")
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk(): selected index k={k} out of range for dimension {d} of "
                           f"size {n}")
    idx = _argsort(x._data, d, largest) if x.ndim else np.zeros((), np.int64)
    idx = np.take(idx, np.arange(k), axis=d) if x.ndim else idx
    return _topk_ret(gather(x, d, Tensor._make(idx)), Tensor._make(idx))


def _tri_mask(x, diagonal, upper):
    r, c = x.shape[-2], x.shape[-1]
    m = np.triu(np.ones((r, c), bool), diagonal) if upper else \
        np.tril(np.ones((r, c), bool), diagonal)
    return Tensor._make(m)


def _zero_of(x):
    return False if x._data.dtype == np.bool_ else 0    # an int 0 would promote bool to int64


def tril(input, diagonal=0):
    from .elementwise import where
    x = U.as_tensor_arg(input)
    return where(_tri_mask(x, diagonal, False), x, _zero_of(x))


def triu(input, diagonal=0):
    from .elementwise import where
    x = U.as_tensor_arg(input)
    return where(_tri_mask(x, diagonal, True), x, _zero_of(x))


def trace(input):
    from .movement import diagonal
    from .reduce import sum as tsum
    x = U.as_tensor_arg(input)
    if x._data.dtype == np.bool_:
        raise U.not_implemented("trace", np.bool_)
    return tsum(diagonal(x))


def diag(input, diagonal=0):
    from .movement import diagonal as tdiag
    from .indexing import setitem
    x = U.as_tensor_arg(input)
    if x.ndim == 2:
        return tdiag(x, diagonal)
    if x.ndim != 1:
        raise RuntimeError(f"diag(): expected 1-D or 2-D input, got {x.ndim}-D")
    n = x.shape[0] + abs(diagonal)
    out = Tensor._make(np.zeros((n, n), x._data.dtype))
    i = np.arange(x.shape[0])
    rows, cols = (i, i + diagonal) if diagonal >= 0 else (i - diagonal, i)
    setitem(out, (rows, cols), x)
    return out


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    r = U.raw(input)
    res = np.unique(r, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not isinstance(res, tuple):
        return Tensor._make(res)
    out = [Tensor._make(res[0])]
    for a in res[1:]:
        out.append(Tensor._make(np.asarray(a, np.int64).reshape(r.shape) if a is res[1] and
                                return_inverse and dim is None else np.asarray(a, np.int64)))
    return tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    seq = np.asarray(U.raw(sorted_sequence))
    vals = np.asarray(U.raw(input))
    if side is not None:
        right = side == "right"
    s = "right" if right else "left"
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(U.raw(sorter)), -1)
    if seq.ndim <= 1:
        out = np.searchsorted(seq, vals, side=s)
    else:                                       # one sorted row per leading index
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension "
                               "or the first N-1 dimensions of boundaries tensor and input "
                               "value tensor must match")
        rows = seq.reshape(-1, seq.shape[-1])
        vr = vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(r, v, side=s) for r, v in zip(rows, vr)]) \
            .reshape(vals.shape)
    return Tensor._make(np.asarray(out, np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    b = np.asarray(U.raw(boundaries))
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    # bucketize's right=True is searchsorted's side='right'
    return searchsorted(b, input, out_int32=out_int32, right=right)


def _tri_indices(row, col, offset, upper, dtype):
    from .. import dtypes as _dt
    f = np.triu_indices if upper else np.tril_indices
    r, c = f(row, offset, col) if row and col else (np.zeros(0, int), np.zeros(0, int))
    npd = np.int64 if dtype is None else _dt.to_numpy_dtype(dtype)
    return Tensor._make(np.stack([r, c]).astype(npd))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, False, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, True, dtype)


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
