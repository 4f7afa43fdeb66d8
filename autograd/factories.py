"""Tensor factories mirroring torch: tensor, as_tensor, from_numpy, zeros, ones, full, empty,
arange, linspace, eye, rand, randn, randint, randperm, and the *_like forms."""
from __future__ import annotations

import os

import numpy as np

from . import dtypes as _dt
from . import random as _R
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
    if isinstance(data, (list, tuple)):
        return _infer_seq(_scan(data))
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
    scan = _scan(data) if isinstance(data, (list, tuple)) else None
    if dtype is not None:
        npd = _dt.to_numpy_dtype(dtype)
    else:
        npd = _infer_seq(scan) if scan is not None else _infer_np(data)
        if npd is None:
            raise TypeError(f"tensor(): could not infer a dtype for {type(data).__name__} data "
                            f"(numpy dtype {np.asarray(data).dtype}); pass dtype=")
    if scan is not None and any(isinstance(x, Tensor) for x in scan[1]):
        data = np.array([np.asarray(x._data) if isinstance(x, Tensor) else x for x in data])
    return _finish(np.array(data, dtype=npd, copy=True), requires_grad)


def _scan(data):
    """One flat pass over a nested sequence (type() per element: large lists): the Python
    scalar types met, and every other element (numpy scalars and arrays, tensors)."""
    py, other, stack = set(), [], [data]
    while stack:
        for x in stack.pop():
            t = type(x)
            if t is list or t is tuple:
                stack.append(x)
            elif t is float or t is int or t is bool:
                py.add(t)
            else:
                other.append(x)
    return py, other


def _infer_seq(scan):
    """torch's rule for a (nested) sequence, from its _scan: each element brings its own dtype
    (numpy scalars and arrays and tensors theirs, Python bool/int/float bool/int64/the default
    float), and they promote by category (a float beats any int; within one, the wider).
    Empty: the default float."""
    py, other = scan
    res = None
    for d in [_dt.scalar_dtype(t()) for t in py] + [
            x._data.dtype if isinstance(x, Tensor) else getattr(x, "dtype", None) for x in other]:
        if d is None or d not in _dt._BY_NP:
            return None
        res = d if res is None else _dt._promote(res, d)
    return _dt.default_np() if res is None else res


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Shares memory with a numpy array when the dtype allows (torch.as_tensor)."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dt.to_numpy_dtype(dtype) ==
                                         data.dtype) and data.dtype in _dt._BY_NP:
        return Tensor._make(data)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """torch.asarray: shares memory with a tensor or numpy array when the dtype allows and
    ``copy`` is not True; copy=False refuses to copy."""
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray):
        arr = obj._data if isinstance(obj, Tensor) else obj
        npd = arr.dtype if dtype is None else _dt.to_numpy_dtype(dtype)
        if copy is not True and npd == arr.dtype:
            if isinstance(obj, Tensor) and not requires_grad:
                return obj
            return _finish(arr, requires_grad) if arr.dtype in _dt._BY_NP else tensor(arr)
        if copy is False:
            raise ValueError(f"asarray(): can't alias {arr.dtype} data as {npd} with copy=False")
        return _finish(np.array(arr, dtype=npd), requires_grad)
    if copy is False:
        raise ValueError("asarray(): copy=False needs a Tensor or numpy array to alias")
    return tensor(obj, dtype=dtype, requires_grad=requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing the array's memory (no copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _np_dtype(dtype):
    return _dt.to_numpy_dtype(dtype)


def _shape(args, size):
    """The shape of zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    if size is not None:
        if args:
            raise TypeError("got both positional sizes and size=")
        return _size((size,) if isinstance(size, (tuple, list)) else (size,))
    return _size(args)


def zeros(*args, size=None, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.zeros(_shape(args, size), _np_dtype(dtype)), requires_grad)


def ones(*args, size=None, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(np.ones(_shape(args, size), _np_dtype(dtype)), requires_grad)


def empty(*args, size=None, dtype=None, device=None, requires_grad=False, out=None,
          memory_format=None) -> Tensor:
    return _finish(np.empty(_shape(args, size), _np_dtype(dtype)), requires_grad)


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


def _empty_like_layout(input, npd):
    """empty_like with torch's preserve_format: a transposed (dense) input keeps its layout,
    which decides the order values are drawn in."""
    return np.empty_like(input._data, dtype=npd, order="K")


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    npd = _float_dtype(_like(input, dtype), "rand_like")
    return _finish(_R.fill_uniform(_empty_like_layout(input, npd), 0.0, 1.0, generator),
                   requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False,
               memory_format=None):
    npd = _float_dtype(_like(input, dtype), "randn_like")
    return _finish(_R.fill_normal(_empty_like_layout(input, npd), 0.0, 1.0, generator),
                   requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    out = _empty_like_layout(input, _like(input, dtype))
    return _finish(_R.fill_random(out, low, high, generator), requires_grad)


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
    n = max(int(np.ceil((vals[1] - vals[0]) / vals[2])), 0)
    if npd.kind != "f":
        arr = (vals[0] + np.arange(n, dtype=np.float64) * vals[2]).astype(npd)
        return _finish(arr, requires_grad)
    return _finish(_arange_like_torch(float(vals[0]), float(vals[2]), n, npd), requires_grad)


def _fma(a, b, c, npd):
    """a*b + c rounded once to npd (long double holds a float64 times a small int exactly):
    torch's CPU kernels compile these expressions to fused multiply-adds."""
    ld = np.longdouble
    return (np.asarray(a, ld) * np.asarray(b, ld) + np.asarray(c, ld)).astype(npd)


def _arange_like_torch(start, step, n, npd):
    """torch's CPU arange values: per thread chunk, vectors of 32 bytes whose first element is
    start + step*i (in double) rounded to the dtype and the rest that base + j*step; a scalar
    tail. (start + i*step in float64 and one cast differs in ~20 % of elements.)"""
    V = 32 // npd.itemsize
    out = np.empty(n, npd)
    # at::parallel_for: chunks of >= 32768 over torch's threads (one per core by default)
    tasks = max(1, min(os.cpu_count() or 1, -(-n // 32768)))
    chunk = max(1, -(-n // tasks))
    for b in range(0, n, chunk):
        e = min(n, b + chunk)
        nv = (e - b) // V
        base = _fma(step, b + np.arange(nv) * V, start, np.float64).astype(npd)
        out[b:b + nv * V] = _fma(step, np.tile(np.arange(V), nv), np.repeat(base, V), npd)
        tail = np.arange(b + nv * V, e)
        out[tail] = _fma(step, tail, start, npd)
    return out


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    npd = _np_dtype(dtype)
    steps = int(steps)
    if npd.kind != "f" or steps < 2:
        return _finish(np.linspace(float(start), float(end), steps).astype(npd), requires_grad)
    # torch's kernel: the first half counts up from start, the second down from end, each
    # value one fused multiply-add in the dtype (np.linspace differed by an ulp in ~10 %)
    s, e = npd.type(start), npd.type(end)
    step = (e - s) / npd.type(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    out = np.empty(steps, npd)
    out[:half] = _fma(step, i[:half], s, npd)
    out[half:] = _fma(-step, steps - 1 - i[half:], e, npd)
    return _finish(out, requires_grad)


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


def rand(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """U[0, 1): torch's values for the same seed (autograd.random.fill_uniform)."""
    npd = _float_dtype(dtype, "rand")
    return _finish(_R.fill_uniform(np.empty(_shape(args, size), npd), 0.0, 1.0, generator),
                   requires_grad)


def randn(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """N(0, 1): torch's values for the same seed (autograd.random.fill_normal)."""
    npd = _float_dtype(dtype, "randn")
    return _finish(_R.fill_normal(np.empty(_shape(args, size), npd), 0.0, 1.0, generator),
                   requires_grad)


def _check_std(std):
    if isinstance(std, Tensor):
        if std.numel() and not (std._data >= 0).all():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """torch.normal: (float, float, size), (Tensor, float), (float, Tensor), (Tensor, Tensor);
    drawn and combined as torch does (normal_(0, std) + mean, or normal_(0, 1) * std + mean)."""
    _check_std(std)
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if tm and not ts:
        out = np.empty(mean.shape, mean._data.dtype)
        _R.fill_normal(out, 0.0, float(std), generator)
        out += mean._data
        return Tensor._make(out)
    if tm or ts:
        if tm:
            shape = np.broadcast_shapes(mean.shape, std.shape)
            npd, m = mean._data.dtype, mean._data
        else:
            shape, npd = std.shape, std._data.dtype
            m = np.asarray(mean, npd)
        out = np.empty(shape, npd)
        _R.fill_normal(out, 0.0, 1.0, generator)
        out *= std._data
        out += m
        return Tensor._make(out)
    if size is None:
        raise TypeError("normal(): with float mean and std, size is required")
    npd = _float_dtype(dtype, "normal")
    return _finish(_R.fill_normal(np.empty(_size((tuple(size),) if not isinstance(size, int)
                                                 else (size,)), npd),
                                  float(mean), float(std), generator), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if size is None:                 # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:               # randint(high, size=...)
        low, high = 0, low
    if high is None:
        raise TypeError("randint(): missing 'high'")
    if high <= low:
        raise RuntimeError(f"randint(): random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    npd = np.dtype(np.int64) if dtype is None else _np_dtype(dtype)
    out = np.empty(_size((tuple(size),)), npd)
    return _finish(_R.fill_random(out, int(low), int(high), generator), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Fisher-Yates as torch's randperm_cpu: the same permutation for the same seed."""
    npd = np.dtype(np.int64) if dtype is None else _np_dtype(dtype)
    return _finish(_R.randperm_array(int(n), generator, npd), requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """Draws of input's dtype: 1 with probability ``input`` elementwise (or the number p)."""
    probs = input._data if p is None else p
    if p is None:
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=" +
                               str(probs.min() if (probs < 0).any() else probs.max()))
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    out = np.empty_like(input._data, order="K")
    return Tensor._make(_R.fill_bernoulli(out, probs, generator))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """torch.multinomial: the same indices as torch for the same seed."""
    p = input._data
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if p.size and (np.any(p < 0) or not np.all(np.isfinite(p))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(p.reshape(-1, p.shape[-1]).sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return Tensor._make(_R.multinomial_array(p, int(num_samples), bool(replacement), generator))


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(t) -> bool:
    return t.is_floating_point()


def numel(t) -> int:
    return t.numel()
