"""Shared pieces of the primitives: operand coercion (torch promotion + broadcasting) and a few
functions that work on ndarrays and on Tensors alike, so one backward formula serves both
plain backprop (arrays) and create_graph=True (Tensors)."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .. import grad_mode
from ..tensor import Tensor

_SCALARS = (int, float, bool, np.number, np.bool_)


def shape_str(shape) -> str:
    return str(tuple(shape))


def wrap_dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def wrap_dims(dim, ndim: int, op: str) -> tuple:
    """dim=None -> all dims; int or sequence -> sorted tuple of non-negative dims. A 0-d
    tensor takes dim 0 / -1 (as torch) and reduces over nothing: ()."""
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:
        for d in (dim if isinstance(dim, (list, tuple)) else (dim,)):
            wrap_dim(d, ndim, op)
        return ()
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        out = tuple(sorted(wrap_dim(d, ndim, op) for d in dim))
        if len(set(out)) != len(out):
            raise RuntimeError(f"{op}(): dim {tuple(dim)} appears multiple times in the list "
                               "of dims")
        return out
    return (wrap_dim(dim, ndim, op),)


_TORCH_TYPE_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                     "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                     "float64": "Double"}


def not_implemented(op: str, npd) -> NotImplementedError:
    """torch's error for a kernel missing for a dtype: '"abs_cpu" not implemented for 'Bool'."""
    name = _TORCH_TYPE_NAMES.get(np.dtype(npd).name, np.dtype(npd).name)
    return NotImplementedError(f'"{op}" not implemented for \'{name}\'')


def as_tensor_arg(x, dtype=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return Tensor._make(np.asarray(x, dtype=dtype))


def _tier(x):
    """(tier, numpy dtype): 2 for tensors with dims, 1 for 0-d tensors, 0 for Python scalars."""
    if isinstance(x, Tensor):
        a = x._data
        return (2 if a.ndim else 1), a.dtype
    if isinstance(x, np.ndarray):
        return (2 if x.ndim else 1), x.dtype
    if isinstance(x, _SCALARS):
        return 0, _dt.scalar_dtype(x)
    raise TypeError(f"unsupported operand type {type(x).__name__}; expected a Tensor or a "
                    "number")


def result_dtype(*xs) -> np.dtype:
    tiers = ([], [], [])
    for x in xs:
        t, d = _tier(x)
        tiers[2 - t].append(d)
    return _dt.result_type(*tiers)


def cast(x, npd):
    """Tensor -> tensor of dtype npd (differentiable); scalar/array -> array of dtype npd."""
    if isinstance(x, Tensor):
        if x._data.dtype == npd:
            return x
        from .elementwise import to_dtype
        return to_dtype(x, npd)
    try:
        return np.asarray(x, dtype=npd)
    except OverflowError:                       # uint8 tensor + -1: wraps around, as torch
        return np.asarray(x).astype(npd)


def broadcast_shape(op: str, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        a, b = shapes[0], shapes[1] if len(shapes) > 1 else ()
        nd = max(len(s) for s in shapes)
        pa = (1,) * (nd - len(a)) + tuple(a)
        pb = (1,) * (nd - len(b)) + tuple(b)
        for i in range(nd - 1, -1, -1):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                raise RuntimeError(
                    f"{op}(): the size of tensor a ({pa[i]}) must match the size of tensor b "
                    f"({pb[i]}) at non-singleton dimension {i} (shapes {shape_str(a)} and "
                    f"{shape_str(b)})") from None
        raise RuntimeError(f"{op}(): shapes {', '.join(shape_str(s) for s in shapes)} cannot be "
                           "broadcast together") from None


def prepare(op: str, *xs, dtype=None):
    """Promote operands to one dtype (torch rules) and broadcast the ones that need a gradient
    (an Expand node); constants stay small, numpy broadcasts them in the forward."""
    if dtype is None and len(xs) == 2:
        # fast paths (the hot path of every binary op): equal tensors, float tensor (op) scalar
        a, b = xs
        if isinstance(a, Tensor):
            ad = a._data
            if isinstance(b, Tensor):
                bd = b._data
                if ad.dtype == bd.dtype and ad.shape == bd.shape:
                    return xs
            elif (type(b) is float or type(b) is int) and ad.dtype.kind == "f":
                return a, np.asarray(b, ad.dtype)
        elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) and \
                b._data.dtype.kind == "f":
            return np.asarray(a, b._data.dtype), b
    if dtype is None:
        d0 = None
        same = True
        for x in xs:
            if not isinstance(x, Tensor):
                same = False
                break
            if d0 is None:
                d0 = x._data.dtype
            elif x._data.dtype != d0:
                same = False
                break
        dtype = d0 if same else result_dtype(*xs)
    xs = [cast(x, dtype) for x in xs]
    shapes = [x.shape if isinstance(x, Tensor) else x.shape for x in xs]
    s0 = shapes[0]
    if all(s == s0 for s in shapes[1:]):
        return xs
    out_shape = broadcast_shape(op, *shapes)
    if grad_mode.enabled:
        from .movement import expand
        for i, x in enumerate(xs):
            if isinstance(x, Tensor) and x._requires_grad and x.shape != out_shape:
                xs[i] = expand(x, out_shape)
    return xs


# ---- array/Tensor-polymorphic helpers for backward formulas ---------------------------------

def is_t(x) -> bool:
    return isinstance(x, Tensor)


_FAST_WHERE_MIN = 4096


def where(cond, a, b):
    if isinstance(cond, Tensor) or isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import where as twhere
        return twhere(cond, a, b)
    # Hot path of ReLU/clamp/maximum backward: a big float array against a scalar.
    if isinstance(b, float) and isinstance(a, np.ndarray):
        return _where_fill(cond, a, b)
    if isinstance(a, float) and isinstance(b, np.ndarray):
        return _where_fill(np.logical_not(cond), b, a)
    return np.where(cond, a, b)


def _where_fill(cond, arr, fill):
    if (arr.size < _FAST_WHERE_MIN or arr.dtype.kind != "f" or not isinstance(cond, np.ndarray)
            or cond.shape != arr.shape or cond.dtype != np.bool_):
        return np.where(cond, arr, fill)
    from ..kernels.elementwise import where_fill
    out = np.empty(arr.shape, arr.dtype)
    where_fill(np.ascontiguousarray(cond).reshape(-1), np.ascontiguousarray(arr).reshape(-1),
               fill, out.reshape(-1))
    return out


def expand(g, shape):
    if isinstance(g, Tensor):
        from .movement import expand as texpand
        return texpand(g, shape)
    return np.broadcast_to(g, shape)


def reshape(g, shape):
    return g.reshape(tuple(shape))


def permute(g, dims):
    if isinstance(g, Tensor):
        from .movement import permute as tpermute
        return tpermute(g, dims)
    return g.transpose(dims)


def sum_to(g, shape):
    """Sum a broadcast gradient back to ``shape`` (Expand's backward)."""
    gs = g.shape
    if tuple(gs) == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)
    if isinstance(g, Tensor):
        from .reduce import sum as tsum
        r = tsum(g, axes, keepdim=True) if axes else g
    else:
        r = g.sum(axis=axes, keepdims=True) if axes else g
    return r.reshape(tuple(shape))


def unsqueeze_dims(g, dims, ndim_out):
    """Re-insert reduced dims (size 1) so g broadcasts against the reduction's input."""
    shape = list(g.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return g.reshape(tuple(shape))


def sign(x):
    if isinstance(x, Tensor):
        from .elementwise import sign as tsign
        return tsign(x)
    return sign_array(x)


def sign_array(a):
    """np.sign with torch's sign(NaN) = 0 (so abs'(NaN) is 0 too)."""
    s = np.sign(a)
    return np.nan_to_num(s, copy=not isinstance(s, np.ndarray), nan=0.0)   # 0-d: a scalar


def cos(x):
    if isinstance(x, Tensor):
        from .elementwise import cos as tcos
        return tcos(x)
    return np.cos(x)


def sin(x):
    if isinstance(x, Tensor):
        from .elementwise import sin as tsin
        return tsin(x)
    return np.sin(x)


def exp(x):
    if isinstance(x, Tensor):
        from .elementwise import exp as texp
        return texp(x)
    return np.exp(x)


def log(x):
    if isinstance(x, Tensor):
        from .elementwise import log as tlog
        return tlog(x)
    return np.log(x)


def matmul(a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .linalg import matmul as tmatmul
        return tmatmul(a, b)
    return np.matmul(a, b)


def swap_last(x):
    return x.swapaxes(-1, -2)


def zeros(shape, like):
    if isinstance(like, Tensor):
        return Tensor._make(np.zeros(shape, like._data.dtype))
    return np.zeros(shape, like.dtype)


def const_like(value, like):
    """A constant (no grad) in like's kind (array or Tensor)."""
    if isinstance(like, Tensor):
        return Tensor._make(np.asarray(value))
    return value


def raw(x):
    return x._data if isinstance(x, Tensor) else x
