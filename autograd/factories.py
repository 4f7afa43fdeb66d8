"""Tensor factories mirroring torch: tensor, as_tensor, from_numpy, zeros, ones, full, empty,
arange, linspace, eye, rand, randn, randint, randperm, and the *_like forms."""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .random import _gen
from .tensor import Tensor


def _finish(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"size must be a tuple of ints, got {size!r}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _infer_np(data):
    """The dtype torch.tensor(data) would choose."""
    if isinstance(data, (np.ndarray, np.generic)):     # numpy scalars keep theirs, as in torch
        return data.dtype if data.dtype in _dt._BY_NP else None
    arr = np.asarray(data)
    if arr.dtype.kind == "f":
        return _dt.default_np()
    if arr.dtype.kind in "iu":
        return np.dtype(np.int64)
    if arr.dtype.kind == "b":
        return np.dtype(np.bool_)
    return None


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of data (list, number, ndarray or Tensor)."""
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = np.array([np.asarray(x._data) if isinstance(x, Tensor) else x for x in data])
    if dtype is not None:
        npd = _dt.to_numpy_dtype(dtype)
    else:
        npd = _infer_np(data)
        if npd is None:
            raise TypeError(f"tensor(): could not infer a dtype for {type(data).__name__} data "
                            f"(numpy dtype {np.asarray(data).dtype}); pass dtype=")
    return _finish(np.array(data, dtype=npd, copy=True), requires_grad)


def _flat(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Shares memory with a numpy array when the dtype allows (torch.as_tensor)."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dt.to_numpy_dtype(dtype) ==
                                         data.dtype) and data.dtype in _dt._BY_NP:
        return Tensor._make(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing the array's memory (no copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _np_dtype(dtype):
    return _dt.to_numpy_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.zeros(_size(size), _np_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.ones(_size(size), _np_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None,
          memory_format=None) -> Tensor:
    return _finish(np.empty(_size(size), _np_dtype(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        fv = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
        npd = _dt.scalar_dtype(fv)
    else:
        npd = _np_dtype(dtype)
    return _finish(np.full(_size((size,) if isinstance(size, int) else (tuple(size),)),
                           fill_value, npd), requires_grad)


def _like(input, dtype):
    return input._data.dtype if dtype is None else _np_dtype(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input.shape, _like(input, dtype)), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(input.shape, _like(input, dtype)), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.empty(input.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    return _finish(np.full(input.shape, fill_value, _like(input, dtype)), requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(input.shape, dtype=_like(input, dtype), requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(input.shape, dtype=_like(input, dtype), requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=_like(input, dtype))


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if dtype is None:
        npd = (_dt.default_np() if any(isinstance(v, float) for v in vals)
               else np.dtype(np.int64))
    else:
        npd = _np_dtype(dtype)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(max(n, 0), dtype=np.float64) * vals[2]).astype(npd)
    return _finish(arr, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(float(start), float(end), int(steps)).astype(_np_dtype(dtype)),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(float(start), float(end), int(steps), base=base)
                   .astype(_np_dtype(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad)


def _float_dtype(dtype, op):
    npd = _np_dtype(dtype)
    if npd.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating point dtype, got {npd}")
    return npd


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    npd = _float_dtype(dtype, "rand")
    g = generator or _gen()
    arr = g.random(_size(size), dtype=npd) if npd != np.float16 else \
        g.random(_size(size), dtype=np.float32).astype(npd)
    return _finish(arr, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    npd = _float_dtype(dtype, "randn")
    g = generator or _gen()
    arr = g.standard_normal(_size(size), dtype=npd) if npd != np.float16 else \
        g.standard_normal(_size(size), dtype=np.float32).astype(npd)
    return _finish(arr, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None):
    g = generator or _gen()
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        npd = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return Tensor._make((m + s * g.standard_normal(shape)).astype(npd))
    return Tensor._make((mean + std * g.standard_normal(_size((tuple(size),))))
                        .astype(_np_dtype(dtype)))


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if size is None:                 # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint(): missing 'high'")
    if high <= low:
        raise RuntimeError(f"randint(): random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    npd = np.dtype(np.int64) if dtype is None else _np_dtype(dtype)
    g = generator or _gen()
    return _finish(g.integers(low, high, _size((tuple(size),))).astype(npd), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    npd = np.dtype(np.int64) if dtype is None else _np_dtype(dtype)
    g = generator or _gen()
    return _finish(g.permutation(int(n)).astype(npd), requires_grad)


def bernoulli(input, p=None, *, generator=None):
    g = generator or _gen()
    probs = input._data if p is None else np.full(input.shape, p)
    return Tensor._make((g.random(input.shape) < probs).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    g = generator or _gen()
    p = np.asarray(input._data, np.float64)
    single = p.ndim == 1
    p2 = p.reshape(1, -1) if single else p
    rows = []
    for row in p2:
        pr = row / row.sum()
        rows.append(g.choice(len(pr), num_samples, replace=replacement, p=pr))
    out = np.asarray(rows, np.int64)
    return Tensor._make(out[0] if single else out)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(t) -> bool:
    return t.is_floating_point()


def numel(t) -> int:
    return t.numel()
