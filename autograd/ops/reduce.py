"""Reductions: sum mean prod max min amax amin argmax argmin var std logsumexp norm, plus
cumsum and (log_)softmax. ``dim`` is an int, a tuple or None; ``keepdim`` as in torch."""
from __future__ import annotations

import builtins
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..function import Function, named
from ..tensor import Tensor
from . import _util as U
from .elementwise import exp, log, sub, abs as _abs, where, to_dtype, _nograd, sqrt, clamp
from .movement import narrow, reshape, unsqueeze
from .sorting import diag

_INT64 = np.dtype(np.int64)

return_types_max = namedtuple("max", ["values", "indices"])
return_types_min = namedtuple("min", ["values", "indices"])


class _Prim(Function):
    _raw = True


def _expand_back(g, dims, keepdim, in_shape):
    """Gradient of a reduction broadcast back over the reduced dims."""
    if not keepdim:
        g = U.unsqueeze_dims(g, dims, len(in_shape))
    return U.expand(g, in_shape)


class Sum(_Prim):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.meta = (dims, keepdim, x.shape)
        return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        dims, keepdim, shape = ctx.meta
        return _expand_back(g, dims, keepdim, shape), None, None, None


class Mean(_Prim):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.meta = (dims, keepdim, x.shape)
        n = 1
        for d in dims:
            n *= x.shape[d]
        ctx.n = n
        return np.asarray(np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        dims, keepdim, shape = ctx.meta
        return _expand_back(g / float(ctx.n) if ctx.n else g * np.nan, dims, keepdim,
                            shape), None, None


class Prod(_Prim):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        out = np.asarray(np.prod(x, axis=dim, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.meta = (dim, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim, keepdim = ctx.meta
        if 0 in x.shape:                        # empty input: an empty gradient
            return U.zeros(x.shape, x), None, None
        dims = tuple(range(x.ndim)) if dim is None else (dim,)
        gx = _expand_back(g, dims, keepdim, x.shape)
        if not isinstance(x, Tensor):
            return gx * _prod_others(x, dim), None, None
        if bool(np.any(x._data == 0)):          # out / x is 0/0: the exact, O(n^2) way
            return gx * _prod_others_graph(x, dim), None, None
        return gx * _expand_back(out, dims, keepdim, x.shape) / x, None, None


def _prod_others_graph(x, dim):
    """_prod_others as differentiable Tensor ops (double backward through zeros): row i of
    an (n, n) expansion has x_i replaced by 1, and its product is the product of the others."""
    from .elementwise import where
    if dim is None:
        return _prod_others_graph(x.reshape(-1), 0).reshape(x.shape)
    xm = x.movedim(dim, -1)
    n = xm.shape[-1]
    rows = xm.unsqueeze(-2).expand(*xm.shape[:-1], n, n)
    one = Tensor._make(np.ones((), x._data.dtype))
    return where(Tensor._make(np.eye(n, dtype=bool)), one, rows).prod(-1).movedim(-1, dim)


def _prod_others(x, dim):
    """For each element, the product of the others along dim (exact with zeros)."""
    if dim is None:
        flat = x.reshape(-1)
        return _prod_others(flat, 0).reshape(x.shape)
    xm = np.moveaxis(x, dim, -1)
    ones = np.ones(xm.shape[:-1] + (1,), x.dtype)
    left = np.cumprod(np.concatenate([ones, xm[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, xm[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, dim)


class AMax(_Prim):
    """amax/amin (and max()/min() without dim): ties share the gradient evenly, as PyTorch.
    ``nan_ties``: a NaN result shares it among the NaNs (torch's max()/min(); its amax/amin
    compare with == and so give NaN gradients)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max, nan_ties=False):
        out = np.asarray((np.amax if is_max else np.amin)(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        ctx.meta = (dims, keepdim, nan_ties and bool(np.isnan(out).any()))
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim, nan_ties = ctx.meta
        outb = _expand_back(out, dims, keepdim, x.shape)
        mask = x == outb
        if nan_ties:
            from .elementwise import isnan
            mask = mask | (isnan(x) if isinstance(x, Tensor) else np.isnan(x))
        if isinstance(mask, Tensor):
            count = mask.to(x.dtype).sum(dims, keepdim=True)
            maskf = mask.to(x.dtype)
        else:
            count = mask.sum(axis=dims, keepdims=True, dtype=x.dtype)
            maskf = mask.astype(x.dtype)
        gb = _expand_back(g, dims, keepdim, x.shape)
        return gb * maskf / count, None, None, None, None


class Median(AMax):
    """median() without dim: amax over the elements equal to the median (its grad_fn name)."""


class LogSumExp(_Prim):
    _tname = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        m = np.amax(x, axis=dims, keepdims=True, initial=-np.inf)    # initial: empty dims
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        s = np.sum(np.exp(x - m), axis=dims, keepdims=True)
        with np.errstate(divide="ignore"):      # an empty sum: log(0) = -inf, as torch
            out = np.log(s) + m
        if not keepdim:
            out = np.squeeze(out, axis=dims)
        out = np.asarray(out)
        ctx.save_for_backward(x, out)
        ctx.meta = (dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.meta
        outb = _expand_back(out, dims, keepdim, x.shape)
        return _expand_back(g, dims, keepdim, x.shape) * U.exp(x - outb), None, None


class Norm2(_Prim):
    """2-norm; gradient 0 at the origin (PyTorch masks it) instead of NaN."""
    _tname = "LinalgVectorNormBackward0"    # torch's norm / vector_norm / matrix_norm('fro')

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = np.asarray(np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim)))
        ctx.save_for_backward(x, out)
        ctx.meta = (dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.meta
        outb = _expand_back(out, dims, keepdim, x.shape)
        gb = _expand_back(g, dims, keepdim, x.shape)
        safe = U.where(outb == 0, 1.0, outb)
        return U.where(outb == 0, 0.0, gb * x / safe), None, None


def _centered(x, dims):
    """x - mean(x over dims), on arrays or (create_graph) differentiably on Tensors."""
    if isinstance(x, Tensor):
        return sub(x, mean(x, dims, keepdim=True))
    return x - np.mean(x, axis=dims, keepdims=True, dtype=x.dtype)


class Var(_Prim):
    """Variance over dims, sum((x - mean)^2) / max(0, N - correction). Backward is torch's
    2 (x - mean) / (N - correction) * g: with N == correction that is +-inf (NaN where
    x == mean) as torch, not the NaN everywhere that differentiating the composed formula
    gives."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, denom):
        ctx.save_for_backward(x)
        ctx.meta = (dims, keepdim, denom)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = _centered(x, dims)
            ss = np.sum(c * c, axis=dims, keepdims=keepdim)
            return np.asarray(np.true_divide(ss, x.dtype.type(builtins.max(denom, 0))))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        dims, keepdim, denom = ctx.meta
        scale = 2.0 / denom if denom else np.inf
        with np.errstate(invalid="ignore"):
            return _expand_back(g, dims, keepdim, x.shape) * (_centered(x, dims) * scale), \
                None, None, None


class _StdSqrt(_Prim):
    """sqrt(var) for std: gradient 0 where std == 0 (torch masks it) instead of inf/NaN."""

    @staticmethod
    def forward(ctx, v):
        out = np.sqrt(v)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return U.where(out == 0, 0.0, g / (out * 2.0))


class NormP(_Prim):
    """(sum |x|^p)^(1/p) for a number p other than 0, 1, 2, +-inf. Gradient
    sign(x) |x|^(p-1) * g / norm^(p-1), taken as 0 where x == 0 (|x|^(p-1) is inf for p < 1)
    and where the norm is 0, as torch (the composed pow chain gives NaN there)."""
    _tname = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        with np.errstate(divide="ignore"):
            out = np.asarray(np.sum(np.abs(x) ** x.dtype.type(p), axis=dims, keepdims=keepdim)
                             ** x.dtype.type(1.0 / p))
        ctx.save_for_backward(x, out)
        ctx.meta = (p, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p, dims, keepdim = ctx.meta
        with np.errstate(divide="ignore", invalid="ignore"):
            ax = _abs(x) if isinstance(x, Tensor) else np.abs(x)
            scaled = U.where(x == 0, 0.0, U.sign(x) * ax ** (p - 1))
            scale = U.where(out == 0, 0.0, g / out ** (p - 1))
            return scaled * _expand_back(scale, dims, keepdim, x.shape), None, None, None


class _NoGrad(_Prim):
    """norm(x, 0) (a count): torch's backward gives no gradient at all (x.grad stays None)."""

    @staticmethod
    def forward(ctx, x, fn):
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        return None, None


class Cumsum(_Prim):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=x.dtype).reshape(x.shape)     # 0-d stays 0-d

    @staticmethod
    def backward(ctx, g):
        d = ctx.dim
        if isinstance(g, Tensor):
            return g.flip(d).cumsum(d).flip(d), None
        return np.flip(np.cumsum(np.flip(g, d), axis=d), d), None


class Softmax(_Prim):
    @staticmethod
    def forward(ctx, x, dim, log):
        if x.size == 0:
            ctx.save_for_backward(x)
            ctx.meta = (dim, log)
            return x.copy()
        m = np.amax(x, axis=dim, keepdims=True)
        # an all -inf row gives NaN either way; +inf stays (x - inf: NaN, as torch's kernel)
        m = np.where(m == -np.inf, 0, m).astype(x.dtype, copy=False)
        z = x - m
        if log:
            out = z - np.log(np.sum(np.exp(z), axis=dim, keepdims=True))
        else:
            e = np.exp(z)
            out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.meta = (dim, log)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        dim, log = ctx.meta
        if log:
            return g - U.exp(out) * g.sum(dim, keepdims=True), None, None
        return out * (g - (g * out).sum(dim, keepdims=True)), None, None


# ---- public functions --------------------------------------------------------------------

def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dt.to_numpy_dtype(dtype)
    return _INT64 if x._data.dtype.kind in "biu" else None


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    x = U.as_tensor_arg(input)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    dims = U.wrap_dims(dim, x.ndim, "sum")
    sd = _sum_dtype(x, dtype)
    if sd is not None and sd.kind == "f" and x._data.dtype != sd:
        x, sd = to_dtype(x, sd), None
    # torch: sum(Tensor, dtype) is SumBackward0, sum(Tensor, dim, keepdim, dtype) SumBackward1
    return named(Sum.apply(x, dims, bool(keepdim), sd),
                 "SumBackward0" if dim is None else "SumBackward1")


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {x.dtype!r}")
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return named(Mean.apply(x, U.wrap_dims(dim, x.ndim, "mean"), bool(keepdim)),
                 "MeanBackward0" if dim is None else "MeanBackward1")


def nansum(input, dim=None, keepdim=False):
    x = U.as_tensor_arg(input)
    if x._data.dtype.kind != "f":               # no NaNs; integers sum to int64 as sum()
        return sum(x, dim, keepdim)
    return sum(where(Tensor._make(np.isnan(x._data)), 0.0, x), dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    elif x._data.dtype.kind in "biu":
        x = to_dtype(x, _INT64)
    if dim is not None:
        dim = U.wrap_dim(dim, x.ndim, "prod")
        if x.ndim == 0:                 # torch: a 0-d tensor takes dim 0 / -1
            dim = None
    return Prod.apply(x, dim, bool(keepdim))


def _minmax(input, dim, keepdim, other, is_max, name):
    x = U.as_tensor_arg(input)
    if isinstance(dim, Tensor) and other is None:
        other, dim = dim, None
    if other is not None:
        from .elementwise import maximum, minimum
        return maximum(x, other) if is_max else minimum(x, other)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return named(AMax.apply(x, tuple(range(x.ndim)), False, is_max, True),
                     "MaxBackward1" if is_max else "MinBackward1")
    d = U.wrap_dim(dim, x.ndim, name)
    if x._data.shape and x._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = (np.argmax if is_max else np.argmin)(x._data, axis=d) if x.ndim else \
        np.zeros((), np.int64)
    idx = np.asarray(idx, dtype=np.int64)
    if x.ndim == 0:
        values = x.clone()
    else:
        from .indexing import gather
        values = gather(x, d, Tensor._make(np.expand_dims(idx, d)))
        if not keepdim:
            values = values.squeeze(d)
    if keepdim and x.ndim:
        idx = np.expand_dims(idx, d)
    rt = return_types_max if is_max else return_types_min
    return rt(values, _nograd(idx))


def max(input, dim=None, keepdim=False, *, out=None, other=None):
    """max(x) -> value; max(x, dim) -> (values, indices); max(x, other) -> maximum."""
    return _minmax(input, dim, keepdim, other, True, "max")


def min(input, dim=None, keepdim=False, *, out=None, other=None):
    return _minmax(input, dim, keepdim, other, False, "min")


def amax(input, dim=(), keepdim=False):
    x = U.as_tensor_arg(input)
    return named(AMax.apply(x, U.wrap_dims(dim, x.ndim, "amax"), bool(keepdim), True),
                 "AmaxBackward0")


def amin(input, dim=(), keepdim=False):
    x = U.as_tensor_arg(input)
    return named(AMax.apply(x, U.wrap_dims(dim, x.ndim, "amin"), bool(keepdim), False),
                 "AminBackward0")


def aminmax(input, *, dim=None, keepdim=False):
    return amin(input, dim if dim is not None else (), keepdim), \
        amax(input, dim if dim is not None else (), keepdim)


def _no_bool_arg(r, op):
    if r.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")


def argmax(input, dim=None, keepdim=False):
    r = U.raw(input)
    _no_bool_arg(r, "argmax")
    if dim is None:
        out = np.asarray(np.argmax(r), dtype=np.int64)
        return _nograd(out.reshape((1,) * r.ndim) if keepdim else out)
    d = U.wrap_dim(dim, r.ndim, "argmax")
    return _nograd(np.asarray(np.argmax(r, axis=d, keepdims=keepdim), dtype=np.int64))


def argmin(input, dim=None, keepdim=False):
    r = U.raw(input)
    _no_bool_arg(r, "argmin")
    if dim is None:
        out = np.asarray(np.argmin(r), dtype=np.int64)
        return _nograd(out.reshape((1,) * r.ndim) if keepdim else out)
    d = U.wrap_dim(dim, r.ndim, "argmin")
    return _nograd(np.asarray(np.argmin(r, axis=d, keepdims=keepdim), dtype=np.int64))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    x = U.as_tensor_arg(input)
    if isinstance(dim, bool):              # var(x, unbiased) legacy positional form
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    dims = U.wrap_dims(dim, x.ndim, "var")
    n = 1
    for d in dims:
        n *= x.shape[d]
    if x._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return Var.apply(x, dims, bool(keepdim), n - c)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _StdSqrt.apply(var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    x = U.as_tensor_arg(input)
    if x._data.dtype.kind != "f":
        x = to_dtype(x, _dt.default_np())
    return LogSumExp.apply(x, U.wrap_dims(dim, x.ndim, "logsumexp"), bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: p in {'fro', 'nuc' (not supported), inf, -inf, 0, any number}."""
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, got {x.dtype!r}")
    dims = U.wrap_dims(dim, x.ndim, "norm")
    if p is None or p == "fro" or p == 2:
        return Norm2.apply(x, dims, bool(keepdim))
    if p == float("inf"):
        return amax(_abs(x), dims, keepdim)
    if p == float("-inf"):
        return amin(_abs(x), dims, keepdim)
    if p == 0:
        return sum(_NoGrad.apply(x, lambda a: (a != 0).astype(a.dtype)), dims, keepdim)
    if p == 1:
        return sum(_abs(x), dims, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm(): unsupported p={p!r}")
    return NormP.apply(x, float(p), dims, bool(keepdim))


def cumsum(input, dim, *, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    elif x._data.dtype.kind in "biu":
        x = to_dtype(x, _INT64)
    d = U.wrap_dim(dim, x.ndim, "cumsum")
    if x.ndim == 0:
        return Cumsum.apply(x.reshape(1), 0).reshape(())
    return Cumsum.apply(x, d)


def _float_only(x, op):
    # torch has no integer (log_)softmax kernel; numpy would pick a float16 for int8
    if x._data.dtype.kind != "f":
        raise U.not_implemented(op, x._data.dtype)


def softmax(input, dim, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    _float_only(x, "softmax")
    return Softmax.apply(x, U.wrap_dim(dim, x.ndim, "softmax"), False)


def log_softmax(input, dim, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    _float_only(x, "log_softmax")
    return named(Softmax.apply(x, U.wrap_dim(dim, x.ndim, "log_softmax"), True),
                 "LogSoftmaxBackward0")


def _uint8_like(out, r):
    # torch: all/any of a uint8 tensor is uint8 (bool for every other dtype)
    return np.asarray(out).astype(np.uint8) if r.dtype == np.uint8 else out


def _bool_reduce_axis(dim, ndim, op):
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return ()                               # torch: all/any over no dims is elementwise
    return None if dim is None else U.wrap_dims(dim, ndim, op)


def all(input, dim=None, keepdim=False):
    r = U.raw(input)
    axis = _bool_reduce_axis(dim, r.ndim, "all")
    return _nograd(_uint8_like(np.all(r, axis=axis, keepdims=keepdim), r))


def any(input, dim=None, keepdim=False):
    r = U.raw(input)
    axis = _bool_reduce_axis(dim, r.ndim, "any")
    return _nograd(_uint8_like(np.any(r, axis=axis, keepdims=keepdim), r))


def count_nonzero(input, dim=None):
    r = U.raw(input)
    axis = None if dim is None else U.wrap_dims(dim, r.ndim, "count_nonzero")
    return _nograd(np.asarray(np.count_nonzero(r, axis=axis), dtype=np.int64))


# ---- cumulative ops, order statistics, NaN-aware reductions ---------------------------------

def _dim0(x, dim, op):
    """(tensor, dim) with 0-d inputs viewed as 1-element vectors."""
    return (x.reshape(1), 0) if x.ndim == 0 else (x, U.wrap_dim(dim, x.ndim, op))


def _rcumsum(a, d):
    if isinstance(a, Tensor):
        return a.flip(d).cumsum(d).flip(d)
    return np.flip(np.cumsum(np.flip(a, d), axis=d), d)


class Cumprod(_Prim):
    @staticmethod
    def forward(ctx, x, dim):
        out = np.cumprod(x, axis=dim, dtype=x.dtype).reshape(x.shape)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.ndim == 0:
            return g, None
        if not np.any(U.raw(x) == 0):           # the O(n) formula needs x != 0
            return _rcumsum(g * out, d) / x, None
        # with zeros: d out_j / d x_k = prod_{i <= j, i != k} x_i, one position k at a time
        n = x.shape[d]
        pos = np.arange(n).reshape((n,) + (1,) * (x.ndim - 1 - d))
        cols = []
        for k in range(n):
            others = U.where(pos == k, 1.0, x)
            c = others.cumprod(d) if isinstance(x, Tensor) else np.cumprod(others, axis=d)
            term = U.where(pos >= k, g * c, 0.0)
            cols.append(term.sum(d, keepdim=True) if isinstance(x, Tensor)
                        else term.sum(axis=d, keepdims=True))
        if isinstance(x, Tensor):
            from .movement import cat
            return cat(cols, d), None
        return np.concatenate(cols, axis=d), None


def cumprod(input, dim, *, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    elif x._data.dtype.kind in "bui":
        x = to_dtype(x, _INT64)                 # integer cumprod accumulates in int64
    d = U.wrap_dim(dim, x.ndim, "cumprod")
    return Cumprod.apply(x, d)


return_types_cummax = namedtuple("cummax", ["values", "indices"])
return_types_cummin = namedtuple("cummin", ["values", "indices"])


def _cum_extreme(input, dim, is_max, name):
    """cummax / cummin: values gathered at the running arg-extreme (a tie takes the later
    index; a NaN sticks, its index the latest NaN), so the gradient goes there, as torch."""
    from .indexing import gather
    x = U.as_tensor_arg(input)
    xx, d = _dim0(x, dim, name)
    if xx.numel() == 0:
        return (return_types_cummax if is_max else return_types_cummin)(
            x.clone(), Tensor._make(np.zeros(x.shape, np.int64)))
    a = np.moveaxis(xx._data, d, -1)
    idx = np.zeros(a.shape, np.int64)
    best = a[..., 0].copy()
    cur = np.zeros(a.shape[:-1], np.int64)
    isf = a.dtype.kind == "f"
    for j in range(a.shape[-1]):
        v = a[..., j]
        better = (v >= best) if is_max else (v <= best)
        if isf:
            better = np.isnan(v) | (better & ~np.isnan(best))
        best = np.where(better, v, best)
        cur = np.where(better, j, cur)
        idx[..., j] = cur
    idx = Tensor._make(np.ascontiguousarray(np.moveaxis(idx, -1, d)))
    vals = gather(xx, d, idx)
    if x.ndim == 0:
        vals, idx = vals.reshape(()), idx.reshape(())
    return (return_types_cummax if is_max else return_types_cummin)(vals, idx)


def cummax(input, dim):
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input, dim):
    return _cum_extreme(input, dim, False, "cummin")


class LogCumSumExp(_Prim):
    @staticmethod
    def forward(ctx, x, dim):
        out = np.logaddexp.accumulate(x, axis=dim) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        d = ctx.dim
        if x.ndim == 0:
            return g, None
        if isinstance(g, Tensor):
            return exp(x) * _rcumsum(g * exp(-out), d), None
        # sum_{j >= k} g_j exp(x_k - out_j), in log space for the positive and negative g
        with np.errstate(divide="ignore", invalid="ignore"):
            res = []
            for part in (np.maximum(g, 0), np.maximum(-g, 0)):
                lw = np.log(part) - out
                rl = np.flip(np.logaddexp.accumulate(np.flip(lw, d), axis=d), d)
                res.append(np.exp(rl + x))
        return (res[0] - res[1]).astype(x.dtype, copy=False), None


def logcumsumexp(input, dim):
    x = U.as_tensor_arg(input)
    _float_only(x, "logcumsumexp")
    return LogCumSumExp.apply(x, U.wrap_dim(dim, x.ndim, "logcumsumexp"))


return_types_median = namedtuple("median", ["values", "indices"])
return_types_nanmedian = namedtuple("nanmedian", ["values", "indices"])
return_types_mode = namedtuple("mode", ["values", "indices"])
return_types_kthvalue = namedtuple("kthvalue", ["values", "indices"])


def _pick_sorted(x, d, rank_fn, keepdim, rtype):
    """Sort along d (stable, NaN last), pick the element of rank rank_fn(n, nan_count) per
    row; values by gather so the gradient flows to the picked index."""
    from .indexing import gather
    a = x._data
    order = np.argsort(a, axis=d, kind="stable")
    nan = np.isnan(a).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else \
        np.zeros(a.shape[:d] + (1,) + a.shape[d + 1:], np.int64)
    rank = np.asarray(rank_fn(a.shape[d], nan), np.int64)
    idx = np.take_along_axis(order, np.broadcast_to(rank, nan.shape), axis=d).astype(np.int64)
    it = Tensor._make(idx)
    vals = gather(x, d, it)
    if not keepdim:
        vals, it = vals.squeeze(d), Tensor._make(idx.squeeze(d))
    return rtype(vals, it)


def _median(input, dim, keepdim, ignore_nan, name, rtype):
    x = U.as_tensor_arg(input)
    if x.numel() == 0 and dim is None:
        return Tensor._make(np.asarray(np.nan, x._data.dtype))
    if ignore_nan:
        rank = lambda n, nan: np.maximum((n - nan - 1) // 2, 0)       # noqa: E731
    else:                                   # a NaN in the row is the median (the first NaN)
        rank = lambda n, nan: np.where(nan > 0, n - nan, (n - 1) // 2)  # noqa: E731
    if dim is None:
        v = _pick_sorted(x.reshape(-1), 0, rank, False, rtype).values
        if not x.requires_grad:
            return v
        # torch: the gradient is shared evenly by every element equal to the median (NaNs:
        # every NaN), as amax's; amax of exactly those elements gives that
        a, m = x._data, v._data
        tie = (a == m) | (np.isnan(a) & np.isnan(m)) if a.dtype.kind == "f" else a == m
        return Median.apply(x[Tensor._make(tie)], (0,), False, True, True)
    xx, d = _dim0(x, dim, name)
    r = _pick_sorted(xx, d, rank, keepdim, rtype)
    return rtype(r.values.reshape(()), r.indices.reshape(())) if x.ndim == 0 else r


def median(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, False, "median", return_types_median)


def nanmedian(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, True, "nanmedian", return_types_nanmedian)


def kthvalue(input, k, dim=-1, keepdim=False):
    x = U.as_tensor_arg(input)
    xx, d = _dim0(x, dim, "kthvalue")
    if not 1 <= k <= xx.shape[d]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    r = _pick_sorted(xx, d, lambda n, nan: k - 1, keepdim, return_types_kthvalue)
    return return_types_kthvalue(r.values.reshape(()), r.indices.reshape(())) \
        if x.ndim == 0 else r


def mode(input, dim=-1, keepdim=False):
    """Most frequent value per row (ties: the smallest), index of its last occurrence."""
    from .indexing import gather
    x = U.as_tensor_arg(input)
    xx, d = _dim0(x, dim, "mode")
    a = np.moveaxis(xx._data, d, -1)
    rows = a.reshape(-1, a.shape[-1])
    idx = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[np.argmax(counts)]             # first max count = smallest value
        hit = np.flatnonzero((row == v) | (np.isnan(row) & np.isnan(v)))
        idx[r] = hit[-1]
    idx = idx.reshape(a.shape[:-1] + (1,))
    it = np.moveaxis(idx, -1, d)
    vals = gather(xx, d, Tensor._make(np.ascontiguousarray(it)))
    if not keepdim:
        vals, it = vals.squeeze(d), it.squeeze(d)
    if x.ndim == 0:
        vals, it = vals.reshape(()), it.reshape(())
    return return_types_mode(vals, Tensor._make(np.array(it, np.int64)))   # 0-d stays 0-d


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    from .indexing import gather
    x = U.as_tensor_arg(input)
    _float_only(x, name)
    qa = np.asarray(U.raw(q), np.float64)
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if np.any((qa < 0) | (qa > 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, "
                         f"midpoint or nearest. Got {interpolation}")
    if dim is None:
        xx, d = x.reshape(-1), 0
    else:
        xx, d = _dim0(x, dim, name)
    from .sorting import sort
    from .movement import movedim
    v = movedim(sort(xx, d).values, d, -1)      # (..., n), NaN last
    n = v.shape[-1]
    nan = np.isnan(v._data).sum(-1, keepdims=True)
    qs = qa.reshape(-1)
    if ignore_nan:
        pos = qs * np.maximum(n - nan - 1, 0)
        pos = np.where(nan == n, n - 1, pos)
    else:
        pos = np.where(nan > 0, n - 1, qs * (n - 1))    # a NaN in the row gives NaN
    lo, hi = np.floor(pos), np.ceil(pos)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = np.round(pos)
    w = np.asarray(0.5 if interpolation == "midpoint" else pos - lo, v._data.dtype)
    vlo = gather(v, v.ndim - 1, Tensor._make(lo.astype(np.int64)))
    vhi = gather(v, v.ndim - 1, Tensor._make(hi.astype(np.int64)))
    w = np.broadcast_to(w, vlo.shape)
    diff = vhi - vlo                            # torch's lerp: exact at both ends
    out = where(Tensor._make(w < 0.5), vlo + diff * w, vhi - diff * (1 - w))
    out = movedim(out, -1, 0)                   # (nq, ...)
    if keepdim:
        out = out.reshape((len(qs),) + tuple(1 if dim is None or i == d else s
                                              for i, s in enumerate(xx.shape)))
        if dim is None:
            out = out.reshape((len(qs),) + (1,) * x.ndim)
    return out[0] if qa.ndim == 0 else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    x = U.as_tensor_arg(input)
    if dtype is not None:
        x = to_dtype(x, _dt.to_numpy_dtype(dtype))
    _float_only(x, "nanmean")
    bad = Tensor._make(np.isnan(x._data))
    cnt = np.sum(~bad._data, axis=U.wrap_dims(dim, x.ndim, "nanmean"), keepdims=keepdim)
    return sum(where(bad, 0.0, x), dim, keepdim) / np.asarray(cnt, x._data.dtype)


def dist(input, other, p=2):
    return norm(sub(input, other), p)


def histc(input, bins=100, min=0, max=0):
    a = U.raw(input)
    if a.dtype.kind != "f":
        raise U.not_implemented("histogram_cpu", a.dtype)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    h, _ = np.histogram(a, bins=bins, range=(lo, hi))
    return _nograd(h.astype(a.dtype))


def bincount(input, weights=None, minlength=0):
    a = U.raw(input)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _nograd(np.bincount(a, minlength=minlength).astype(np.int64))
    w = U.raw(weights)
    out = np.bincount(a, weights=w, minlength=minlength)
    return _nograd(out.astype(w.dtype if w.dtype.kind == "f" else np.float64))


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
        avg = sum(x2, 1) / n
    else:
        w = U.cast(U.as_tensor_arg(w), x._data.dtype)
        w_sum = sum(w)
        avg = sum(x2 * w, 1) / w_sum
    if aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * sum(w * aweights) / w_sum
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
    return sum(t, d) / 2


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    t, d = _trap_terms("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(t / 2, d)
