"""Vision resampling and rearrangement of nn.functional: interpolate / upsample*, pixel_shuffle,
pixel_unshuffle, channel_shuffle, and pdist.

Everything is composed from movement/indexing ops, so gradients come for free. Interpolation is
separable: (bi/tri)linear and bicubic are done one spatial dim at a time as a weighted sum of
gathered slices, which is exactly the tensor-product kernel torch applies."""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd import ops as _ops
from autograd.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "pdist"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_LINEAR_DIMS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_CUBIC_A = -0.75        # Keys' cubic convolution parameter torch uses


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


# ---- interpolate ----------------------------------------------------------------------------

def _spatial_arg(name, value, in_sp):
    """size / scale_factor as one value per spatial dim (torch's ValueError on a length clash)."""
    if not isinstance(value, (list, tuple)):
        return [value] * len(in_sp)
    if len(value) != len(in_sp):
        other, what, phrase, c = (("output", "output size", "output size of", "o")
                                  if name == "size" else
                                  ("scale_factor", "scale_factor", "scale_factor of shape", "s"))
        raise ValueError(
            f"Input and {other} must have the same number of spatial dimensions, but got input "
            f"with spatial dimensions of {list(in_sp)} and {phrase} {tuple(value)}. Please "
            f"provide input tensor in (N, C, d1, d2, ...,dK) format and {what} in "
            f"({c}1, {c}2, ...,{c}K) format.")
    return list(value)


def _nearest_index(out_size, in_size, scale, exact, shortcut):
    """Source index of each output position; float32 arithmetic as torch's CPU kernel.
    shortcut: out == in and out == 2 * in map exactly, sparing float rounding (torch)."""
    dst = np.arange(out_size)
    if shortcut and out_size == in_size:
        return dst
    if shortcut and out_size == 2 * in_size:
        return dst >> 1
    s = np.float32(1.0 / scale) if scale else np.float32(in_size) / np.float32(out_size)
    if exact:                                       # (dst + 0.5) in double, floorf in float
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _source_coords(out_size, in_size, scale, align_corners, cubic, dtype):
    """Real-valued source coordinate of each output position, in the input's float type."""
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        s = dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
        return s * dst
    s = dtype.type(1.0 / scale) if scale else dtype.type(in_size) / dtype.type(out_size)
    src = s * (dst + dtype.type(0.5)) - dtype.type(0.5)
    return src if cubic else np.maximum(src, dtype.type(0))   # linear clamps below 0, cubic not


def _linear_taps(out_size, in_size, scale, align_corners, dtype):
    src = _source_coords(out_size, in_size, scale, align_corners, False, dtype)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - i0, 0, 1).astype(dtype)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return [i0, i1], [(1 - lam).astype(dtype), lam]


def _cubic_taps(out_size, in_size, scale, align_corners, dtype):
    src = _source_coords(out_size, in_size, scale, align_corners, True, dtype)
    i0 = np.floor(src)
    t = (src - i0).astype(dtype)
    a = dtype.type(_CUBIC_A)

    def near(x):            # Keys' kernel for |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):             # ... and for 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    ws = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    idx = [np.clip(i0.astype(np.int64) + k - 1, 0, in_size - 1) for k in range(4)]
    return idx, [w.astype(dtype) for w in ws]


def _resample(x: Tensor, dim: int, idx, weights) -> Tensor:
    """sum_k x[..., idx_k, ...] * w_k along dim (weights broadcast along that dim)."""
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for i, w in zip(idx, weights):
        term = _ops.index_select(x, dim, i) * Tensor._make(w.reshape(shape))
        out = term if out is None else out + term
    return out


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, d1[, d2[, d3]]) (torch.nn.functional.interpolate).

    Modes: nearest, nearest-exact, linear, bilinear, bicubic, trilinear (with align_corners),
    area (adaptive average pooling)."""
    x = _t(input)
    nsp = x.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if mode not in _LINEAR_DIMS and mode not in ("nearest", "area", "nearest-exact") \
            or nsp not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {x.ndim}D) for the modes: {_MODES} (got {mode})")
    if mode in _LINEAR_DIMS and x.ndim != _LINEAR_DIMS[mode]:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR_DIMS[mode]}D input")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported")
    in_sp = list(x.shape[2:])
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out_sp = _spatial_arg("size", size, in_sp)
        for v in out_sp:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"interpolate(): size must be an int or a tuple of ints, but "
                                f"got {size!r}")
        out_sp = [int(v) for v in out_sp]
        scales = [None] * nsp
    else:
        scales = [float(s) for s in _spatial_arg("scale_factor", scale_factor, in_sp)]
        out_sp = [math.floor(float(i) * s) for i, s in zip(in_sp, scales)]
        if recompute_scale_factor:              # then only the output size counts, as torch
            scales = [None] * nsp
    if any(o <= 0 for o in out_sp) or any(i <= 0 for i in in_sp):
        names = "DHW"[3 - nsp:]
        fmt = ", ".join
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({fmt(f'{n}: {s}' for n, s in zip(names, in_sp))}) output "
            f"({fmt(f'{n}: {s}' for n, s in zip(names, out_sp))})")
    if x._data.dtype.kind != "f" and mode != "nearest":
        raise NotImplementedError(f"interpolate(): mode {mode!r} needs a floating point input, "
                                  f"got {x.dtype}")
    if mode == "area":
        from ._pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nsp - 1]
        return pool(x, tuple(out_sp))
    dtype = x._data.dtype
    out = x
    for k in range(nsp):
        d, n_in, n_out, s = k + 2, in_sp[k], out_sp[k], scales[k]
        if mode in ("nearest", "nearest-exact"):
            # torch's 2-D nearest kernel takes its same-size / double-size shortcuts even when
            # a scale_factor says otherwise; its 1-D and 3-D kernels follow the scale
            exact, shortcut = mode != "nearest", mode == "nearest" and (nsp == 2 or not s)
            out = _ops.index_select(out, d, _nearest_index(n_out, n_in, s, exact, shortcut))
        elif mode == "bicubic":
            out = _resample(out, d, *_cubic_taps(n_out, n_in, s, align_corners, dtype))
        elif n_out != n_in:     # torch's linear kernels copy a dim whose size is unchanged
            out = _resample(out, d, *_linear_taps(n_out, n_in, s, align_corners, dtype))
    return out


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Deprecated alias of interpolate (torch warns too)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pixel / channel shuffle ----------------------------------------------------------------

def pixel_shuffle(input, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r) (torch.nn.functional.pixel_shuffle)."""
    x, r = _t(input), int(upscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = len(lead)
    y = _ops.reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = _ops.permute(y, (*range(b), b, b + 3, b + 1, b + 4, b + 2))   # (*, C, H, r, W, r)
    return _ops.reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    x, r = _t(input), int(downscale_factor)
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = x.shape
    for name, n, i in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({i})={n} is not divisible "
                               f"by {r}")
    b = len(lead)
    y = _ops.reshape(x, (*lead, c, h // r, r, w // r, r))
    y = _ops.permute(y, (*range(b), b, b + 2, b + 4, b + 1, b + 3))   # (*, C, r, r, H, W)
    return _ops.reshape(y, (*lead, c * r * r, h // r, w // r))


def channel_shuffle(input, groups: int) -> Tensor:
    """(N, g*k, *) -> (N, k*g, *): interleave the channels of the g groups (ShuffleNet)."""
    x, g = _t(input), int(groups)
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    if x.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {x.ndim} dimension(s)")
    n, c, *rest = x.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    y = _ops.reshape(x, (n, g, c // g, *rest))
    return _ops.reshape(_ops.transpose(y, 1, 2), (n, c, *rest))


native_channel_shuffle = channel_shuffle


# ---- pdist ----------------------------------------------------------------------------------

def pdist(input, p: float = 2) -> Tensor:
    """p-norm distances between all row pairs i < j of an (N, M) input, as a vector of
    N*(N-1)/2 in row-major order of (i, j) (torch.nn.functional.pdist)."""
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if not isinstance(p, numbers.Real) or p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, X1 got: {x.dtype}")
    i, j = np.triu_indices(x.shape[0], 1)
    diff = _ops.index_select(x, 0, i) - _ops.index_select(x, 0, j)
    return _ops.norm(diff, p, 1)
