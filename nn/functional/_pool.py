"""Pooling functions with torch.nn.functional's signatures, defaults and semantics.

All of them check their arguments here, before any kernel runs (Numba does no bounds checks),
then call one of the primitives of ``autograd/ops/pool.py``: ``MaxPool`` / ``AvgPool`` over a
cached window ``Plan``, ``MaxUnpool``. Input layout: ``(N, C, *spatial)`` or unbatched
``(C, *spatial)``; ``indices`` (max pooling) are flat positions in the input's spatial plane,
as torch's.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from autograd.function import named
from autograd.tensor import Tensor
from autograd.ops import pool as P

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

# torch's grad_fn names by number of pooled dims (1-d pooling is a 2-d one between an unsqueeze
# and a squeeze in torch: its top node is a squeeze, so ours keeps the primitive's name)
_MAX_NAMES = {2: "MaxPool2DWithIndicesBackward0", 3: "MaxPool3DWithIndicesBackward0"}
_AVG_NAMES = {2: "AvgPool2DBackward0", 3: "AvgPool3DBackward0"}
_ADAPTIVE_AVG_NAMES = {2: "AdaptiveAvgPool2DBackward0", 3: "AdaptiveAvgPool3DBackward0"}
_ADAPTIVE_MAX_NAMES = {2: "AdaptiveMaxPool2DBackward0", 3: "AdaptiveMaxPool3DBackward0"}


def _named(out, names, nsp):
    name = names.get(nsp)
    return out if name is None else named(out, name)


# ---- argument checking ----------------------------------------------------------------------

def _hashable(v):
    if isinstance(v, (list, tuple)):
        return tuple(_hashable(e) for e in v)
    if isinstance(v, Tensor):
        return _hashable(v.tolist())
    if isinstance(v, np.integer):
        return int(v)
    return v


def _ntuple(fn: str, arg: str, val, n: int) -> tuple:
    """int or a sequence of 1 or n ints -> n-tuple (torch's _single/_pair/_triple + checks)."""
    if isinstance(val, (int, np.integer)) and not isinstance(val, bool):
        return (int(val),) * n
    is_int = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)
    if not isinstance(val, (tuple, list)) or not all(is_int(v) for v in val):
        # torch's argument parser: a float / bool / None where ints belong is a TypeError
        raise TypeError(f"{fn}(): argument '{arg}' must be an int or a tuple of ints, but got "
                        f"{val!r}")
    if len(val) in (1, n):
        return tuple(int(v) for v in val) * (n if len(val) == 1 else 1)
    raise RuntimeError(f"{fn}(): {arg} must either be a single int, or a tuple of {n} ints, "
                       f"but got {val!r}")


def _check_input(fn: str, x, nsp: int, may_be_empty=None):
    """may_be_empty: how many leading dims may have size 0 (default: the batch dim only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(x).__name__}")
    shape = x._data.shape
    if len(shape) not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{fn}(): Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) "
                           f"input, but got input of shape {tuple(shape)} "
                           f"({len(shape)}D)")
    first = (1 if len(shape) == nsp + 2 else 0) if may_be_empty is None else \
        min(may_be_empty, len(shape) - nsp)
    if any(s == 0 for s in shape[first:]):
        raise RuntimeError(f"{fn}(): Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {tuple(shape)}")
    if x._data.dtype not in _FLOATS:
        raise RuntimeError(f'{fn}(): "{fn}" not implemented for \'{x.dtype}\' (input '
                           f'{tuple(shape)}); expected float32 or float64')


def _out_len(n_in, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape: the last window must start inside input or left padding."""
    num = n_in + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= n_in + p:
        out -= 1
    return out


@functools.lru_cache(maxsize=1024)
def _window_plan(fn, shape, nsp, kernel_size, stride, padding, dilation, ceil_mode, kind,
                 count_include_pad=True, divisor_override=None):
    """Validate a pooling call and return its Plan (cached: errors are not cached)."""
    k = _ntuple(fn, "kernel_size", kernel_size, nsp)
    s = k if stride is None or (isinstance(stride, tuple) and len(stride) == 0) \
        else _ntuple(fn, "stride", stride, nsp)
    p = _ntuple(fn, "padding", padding, nsp)
    d = _ntuple(fn, "dilation", dilation, nsp)
    sp = tuple(shape[-nsp:])
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{fn}(): kernel_size should be greater than zero, but got "
                           f"kernel_size={k}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{fn}(): stride should be greater than zero, but got stride={s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{fn}(): dilation should be greater than zero, but got "
                           f"dilation={d}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{fn}(): pad must be non-negative, but got padding={p}")
    for kk, pp, dd in zip(k, p, d):
        # torch checks pad against the effective (dilated) kernel, then against the kernel
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"{fn}(): pad should be at most half of effective kernel size, "
                               f"but got padding={p}, kernel_size={k} and dilation={d}")
        if pp > kk // 2:
            raise RuntimeError(f"{fn}(): pad should be smaller than or equal to half of kernel "
                               f"size, but got padding={p}, kernel_size={k}")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override,
                                                               (int, np.integer)):
            raise TypeError(f"{fn}(): divisor_override must be an int or None, got "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError(f"{fn}(): divisor must be not zero")
    if fn == "avg_pool3d" and any(n < kk for n, kk in zip(sp, k)):
        # torch's avg_pool3d (only) requires the unpadded input to hold a window
        raise RuntimeError(f"{fn}(): input image (T: {sp[0]} H: {sp[1]} W: {sp[2]}) smaller "
                           f"than kernel size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    out = tuple(_out_len(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in
                zip(sp, k, s, p, d))
    if any(o <= 0 for o in out):
        ins = "x".join(str(v) for v in shape[-nsp - 1:])
        outs = "x".join(str(v) for v in (shape[-nsp - 1],) + out)
        raise RuntimeError(f"{fn}(): Given input size: ({ins}). Calculated output size: "
                           f"({outs}). Output size is too small (kernel_size={k}, stride={s}, "
                           f"padding={p}, dilation={d}, ceil_mode={ceil_mode}; the dilated "
                           "kernel must fit in the padded input)")
    return P.window_plan(sp, out, k, s, p, d, bool(count_include_pad),
                         None if divisor_override is None else int(divisor_override))


def _plan(fn, x, nsp, kernel_size, stride, padding, dilation, ceil_mode, kind,
          count_include_pad=True, divisor_override=None):
    _check_input(fn, x, nsp)
    # normalised before the cache: lru_cache keys 2.0 == 2 and True == 1, so a float or bool
    # argument would otherwise hit an int call's cached plan instead of raising
    k = _ntuple(fn, "kernel_size", _hashable(kernel_size), nsp)
    stride = _hashable(stride)
    s = None if stride is None or stride == () else _ntuple(fn, "stride", stride, nsp)
    p = _ntuple(fn, "padding", _hashable(padding), nsp)
    d = _ntuple(fn, "dilation", _hashable(dilation), nsp)
    if divisor_override is not None and (isinstance(divisor_override, bool) or not isinstance(
            divisor_override, (int, np.integer))):
        raise TypeError(f"{fn}(): divisor_override must be an int or None, got "
                        f"{divisor_override!r}")
    return _window_plan(fn, x._data.shape, nsp, k, s, p, d, bool(ceil_mode), kind,
                        bool(count_include_pad), _hashable(divisor_override))


# ---- max pooling ----------------------------------------------------------------------------

def _max_pool(fn, nsp, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    plan = _plan(fn, input, nsp, kernel_size, stride, padding, dilation, ceil_mode, "max")
    # without return_indices the primitive has one output (the engine's fast path)
    return _named(P.MaxPool.apply(input, plan, bool(return_indices)), _MAX_NAMES, nsp)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-d max pooling of ``input`` (N, C, L) or (C, L) (torch.nn.functional.max_pool1d).
    With ``return_indices`` also returns int64 indices into L."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-d max pooling of (N, C, H, W) or (C, H, W) (torch.nn.functional.max_pool2d).
    Indices are flat h * W + w; a tie's gradient goes to the first maximum."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-d max pooling of (N, C, D, H, W) or (C, D, H, W) (torch.nn.functional.max_pool3d)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---- average pooling ------------------------------------------------------------------------

def _avg_pool(fn, nsp, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    plan = _plan(fn, input, nsp, kernel_size, stride, padding, 1, ceil_mode, "avg",
                 count_include_pad, divisor_override)
    return _named(P.AvgPool.apply(input, plan), _AVG_NAMES, nsp)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling of (N, C, L) or (C, L) (torch.nn.functional.avg_pool1d)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-d average pooling of (N, C, H, W) or (C, H, W) (torch.nn.functional.avg_pool2d).

    Divisor of a window: ``divisor_override`` if given, else its size clipped to the padded
    input (count_include_pad=True) or to the input (False); windows left of ceil_mode count
    only up to input + padding, as torch."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """3-d average pooling of (N, C, D, H, W) or (C, D, H, W) (torch.nn.functional.avg_pool3d)."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---- power-average pooling -------------------------------------------------------------------

def _lp_pool(fn, nsp, avg, input, norm_type, kernel_size, stride, ceil_mode):
    from autograd.ops import sign, abs as t_abs, relu
    _check_input(fn, input, nsp)
    kernel_size = _hashable(kernel_size)
    if nsp > 1 and isinstance(kernel_size, tuple) and len(kernel_size) != nsp:
        raise ValueError(f"{fn}(): kernel_size must be an int or a tuple of {nsp} ints, but "
                         f"got {kernel_size!r}")
    k = _ntuple(fn, "kernel_size", kernel_size, nsp)
    mx = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}[nsp]
    if norm_type == math.inf:         # the p -> inf limit: max of |x| (torch)
        return mx(t_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -mx(-t_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if nsp == 1 and not (isinstance(kernel_size, int) and not isinstance(kernel_size, bool)):
        # torch's lp_pool1d multiplies by kernel_size itself, so only an int works there
        raise TypeError(f"{fn}(): kernel_size must be an int, but got {kernel_size!r}")
    out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # torch: (sign(out) * relu(abs(out))) * prod(kernel) then ** (1 / p). sign's gradient is
    # zero, so it is taken of a detached copy: a window summing to 0 then gets gradient 0 (not
    # 0 * inf = nan from the pow)
    return (sign(out.detach()) * relu(t_abs(out))).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (sum over the window of x^p)^(1/p) (torch lp_pool1d)."""
    return _lp_pool("lp_pool1d", 1, avg_pool1d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (sum over the window of x^p)^(1/p) (torch lp_pool2d)."""
    return _lp_pool("lp_pool2d", 2, avg_pool2d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (sum over the window of x^p)^(1/p) (torch lp_pool3d)."""
    return _lp_pool("lp_pool3d", 3, avg_pool3d, input, norm_type, kernel_size, stride,
                    ceil_mode)


# ---- adaptive pooling ------------------------------------------------------------------------

def _adaptive_plan(fn, x, nsp, output_size):
    # torch: adaptive pooling takes an empty first dim, batched or not; adaptive_avg_pool1d/2d
    # also an empty channel dim
    _check_input(fn, x, nsp, 2 if fn in ("adaptive_avg_pool1d", "adaptive_avg_pool2d") else 1)
    sp = x._data.shape[-nsp:]
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        out = (int(output_size),) * nsp
    elif isinstance(output_size, (tuple, list)) and all(
            (v is None and nsp > 1) or (isinstance(v, (int, np.integer))
                                        and not isinstance(v, bool)) for v in output_size):
        # torch: 1-d takes one int (or a 1-sequence); 2-d / 3-d exactly nsp entries, where
        # None keeps that input size
        if len(output_size) != nsp and not (nsp == 1 and len(output_size) == 1):
            raise RuntimeError(f"{fn}(): output_size must have {nsp} elements, but got "
                               f"{output_size!r} (input {tuple(x._data.shape)})")
        out = tuple(n if v is None else int(v) for v, n in zip(output_size, sp))
    else:
        raise RuntimeError(f"{fn}(): output_size must be an int, None or a tuple of {nsp} ints "
                           f"(or None), but got {output_size!r}")
    if any(o < 0 for o in out):
        raise RuntimeError(f"{fn}(): elements of output_size must be greater than or equal to 0 "
                           f"but received {out} (input {tuple(x._data.shape)})")
    return P.adaptive_plan(tuple(sp), out)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average over windows [floor(i*L/O), ceil((i+1)*L/O)) (torch adaptive_avg_pool1d)."""
    return P.AvgPool.apply(input, _adaptive_plan("adaptive_avg_pool1d", input, 1, output_size))


def _adaptive_avg(fn, nsp, input, output_size):
    plan = _adaptive_plan(fn, input, nsp, output_size)
    out = P.AvgPool.apply(input, plan)
    # torch computes an all-ones output size as input.mean(spatial dims, keepdim=True)
    return named(out, "MeanBackward1" if all(o == 1 for o in plan.out_sp)
                 else _ADAPTIVE_AVG_NAMES[nsp])


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """(N, C, H, W) or (C, H, W) -> (..., *output_size); None keeps that input size."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(fn, nsp, input, output_size, return_indices):
    return _named(P.MaxPool.apply(input, _adaptive_plan(fn, input, nsp, output_size),
                                  bool(return_indices)), _ADAPTIVE_MAX_NAMES, nsp)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows (torch adaptive_max_pool1d); indices flat into L."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows (torch adaptive_max_pool2d); indices flat h * W + w."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# ---- unpooling -------------------------------------------------------------------------------

def _unpool_size(fn, in_shape, nsp, k, s, p, output_size):
    default = [(in_shape[-nsp + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(nsp)]
    if output_size is None:
        return default
    output_size = [int(v) for v in _hashable(output_size)]
    if len(output_size) == nsp + 2:     # torch: nsp or nsp + 2 entries, batched or not
        output_size = output_size[2:]
    if len(output_size) != nsp:
        raise ValueError(f"{fn}(): output_size should be a sequence containing {nsp} or "
                         f"{nsp + 2} elements, but it has a length of '{len(output_size)}'")
    for d in range(nsp):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'{fn}(): invalid output_size "{output_size}" (dim {d} must be '
                             f"between {lo} and {hi})")
    return output_size


def _max_unpool(fn, nsp, input, indices, kernel_size, stride, padding, output_size):
    _check_input(fn, input, nsp)
    if not isinstance(indices, Tensor):
        raise TypeError(f"{fn}(): argument 'indices' must be Tensor, not "
                        f"{type(indices).__name__}")
    shape = tuple(input._data.shape)
    if tuple(indices._data.shape) != shape:
        raise RuntimeError(f"{fn}(): Expected shape of indices to be same as that of the input "
                           f"tensor ({shape}) but got indices tensor with shape "
                           f"{tuple(indices._data.shape)}")
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"{fn}(): elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    for arg, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)):
        v = _hashable(v)
        if nsp > 1 and isinstance(v, tuple) and len(v) == 1:
            # torch's max_unpool2d/3d expand only a plain int, not a 1-sequence
            raise RuntimeError(f"{fn}(): {arg} must be an int or a tuple of {nsp} ints, but "
                               f"got {v!r}")
    k = _ntuple(fn, "kernel_size", _hashable(kernel_size), nsp)
    s = k if stride is None else _ntuple(fn, "stride", _hashable(stride), nsp)
    p = _ntuple(fn, "padding", _hashable(padding), nsp)
    if nsp == 3 and any(v <= 0 for v in s):      # torch checks this for 3-d only
        raise RuntimeError(f"{fn}(): strides should be greater than zero, but got stride: "
                           f"{tuple(s)}")
    out_sp = _unpool_size(fn, shape, nsp, k, s, p, output_size)
    if any(o < 0 for o in out_sp):
        raise RuntimeError(f"{fn}(): output size {tuple(out_sp)} must be non-negative (input "
                           f"{shape}, kernel_size={k}, stride={s}, padding={p})")
    bshape = shape[:-nsp]
    plane = math.prod(out_sp)
    idx = indices._data
    if idx.size and plane:               # torch checks no index when the output is empty
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= plane:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"{fn}(): Found an invalid max index: {bad} (output volumes are "
                               f"of size {'x'.join(str(v) for v in out_sp)})")
    B = math.prod(bshape)
    return P.MaxUnpool.apply(input, idx, bshape + tuple(out_sp), B)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: zeros with input[q] put at indices[q]
    (torch.nn.functional.max_unpool1d)."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool2d (torch.nn.functional.max_unpool2d)."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Partial inverse of max_pool3d (torch.nn.functional.max_unpool3d)."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)
