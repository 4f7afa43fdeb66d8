"""Spatial-transformer sampling of nn.functional: affine_grid and grid_sample.

Both are composed from differentiable ops (matmul, getitem, gather, where, arithmetic), so the
gradients w.r.t. theta, input and grid come for free. Integer tap positions and validity masks
are plain numpy (they carry no gradient); only the interpolation weights, which depend on the
real-valued grid coordinates, are built from Tensors."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from autograd import ops as _ops
from autograd.tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_CUBIC_A = -0.75        # Keys' cubic convolution parameter torch uses
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _const(a, dtype) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=dtype))


# ---- affine_grid ----------------------------------------------------------------------------

def _base_coords(n, align_corners, dtype):
    """The n normalised pixel positions along one dim; a unit dim sits at the centre (0)."""
    if n <= 1:
        return np.zeros(n, dtype)
    lin = np.linspace(-1, 1, n, dtype=dtype)
    return lin if align_corners else lin * dtype.type((n - 1) / n)


def affine_grid(theta, size, align_corners=None) -> Tensor:
    """Sampling grid (N, H, W, 2) / (N, D, H, W, 3) of the affine maps theta
    (N, 2, 3) / (N, 3, 4) (torch.nn.functional.affine_grid)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    th = _t(theta)
    if th._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {th.dtype}")
    size = list(size) if not isinstance(size, (list, tuple)) else size
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}.")
    nsp = len(size) - 2
    if th.ndim != 3 or tuple(th.shape[-2:]) != (nsp, nsp + 1):
        raise ValueError(f"Expected a batch of {nsp}D affine matrices of shape "
                         f"Nx{nsp}x{nsp + 1} for size {size}. Got {th.shape}.")
    spatial = [int(s) for s in size[2:]]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if th.shape[0] != size[0]:      # torch's message comes from its batched matmul
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {nsp + 1}] but got: [{th.shape[0]}, {nsp + 1}].")
    dtype = th._data.dtype
    # homogeneous base grid (*spatial, nsp + 1): x (along W) first, then y, z, then 1
    axes = [_base_coords(n, align_corners, dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(spatial, dtype)], axis=-1)
    base = _const(base.reshape(1, -1, nsp + 1), dtype)
    grid = _ops.matmul(base, th.transpose(1, 2))            # (N, prod(spatial), nsp)
    return grid.reshape(size[0], *spatial, nsp)


# ---- grid_sample ----------------------------------------------------------------------------

def _unnormalize(c: Tensor, n, align_corners, nsp) -> Tensor:
    """[-1, 1] -> pixel coordinate: corner-pixel centres (align_corners) or the image edges.
    Rounded as torch's CPU kernels do, since the border gradient hinges on whether a coordinate
    lands exactly on the border: the 2-D kernel computes c * n/2 + (n/2 - 0.5) as one fused
    multiply-add (emulated here in wider precision), the 3-D one ((c + 1) * n - 1) / 2."""
    if align_corners:
        return (c + 1) * ((n - 1) / 2) if nsp == 2 else (c + 1) / 2 * (n - 1)
    if nsp != 2:
        return ((c + 1) * n - 1) / 2
    raw, half = c._data, n / 2
    wide = np.longdouble if raw.dtype == np.float64 else np.float64
    with np.errstate(invalid="ignore"):
        v = (raw.astype(wide) * wide(half) + wide(half - 0.5)).astype(raw.dtype)
    # value from the fused form, gradient half; non-finite entries skip the subtraction
    moved = _const(v, raw.dtype) + (c - _const(raw, raw.dtype)) * half
    return _ops.where(np.isfinite(raw), moved, _const(v, raw.dtype))


def _reflect(v, lo2, hi2):
    """Reflect v into [lo2 / 2, hi2 / 2]; returns (value, d value / d v) as numpy."""
    if lo2 == hi2:
        return np.zeros_like(v), np.zeros_like(v)
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    d = v - lo
    sign = np.where(d < 0, -1, 1).astype(v.dtype)
    d = np.abs(d)
    extra = np.fmod(d, span)
    odd = np.fmod(np.floor(d / span), 2) == 1
    out = np.where(odd, span - extra + lo, extra + lo).astype(v.dtype)
    return out, np.where(odd, -sign, sign).astype(v.dtype)


def _pad_values(v, n, padding_mode, align_corners):
    """Coordinates folded into the image by border / reflection padding, with their slope."""
    slope = np.ones_like(v)
    if padding_mode == "zeros":
        return v, slope
    if padding_mode == "reflection":
        v, slope = _reflect(v, 0, 2 * (n - 1)) if align_corners else _reflect(v, -1, 2 * n - 1)
    # torch treats the border itself as clipped: zero slope there
    inside = (v > 0) & (v < n - 1)
    v = np.clip(v, 0, n - 1).astype(v.dtype)
    return v, np.where(inside, slope, 0).astype(v.dtype)


def _pad(c: Tensor, n, padding_mode, align_corners) -> Tensor:
    """Padded coordinate as a Tensor: value from numpy, gradient slope * dc.
    The where keeps a clipped (possibly infinite) coordinate out of the arithmetic."""
    if padding_mode == "zeros":
        return c
    raw = c._data
    v, slope = _pad_values(raw, n, padding_mode, align_corners)
    moved = _const(v, raw.dtype) + (c - _const(raw, raw.dtype)) * _const(slope, raw.dtype)
    return _ops.where(slope != 0, moved, _const(v, raw.dtype))


def _finite(v):
    """Coordinates made safe to cast to int64 (taps this far out are masked anyway)."""
    return np.nan_to_num(np.clip(v, -2.0 ** 40, 2.0 ** 40), nan=-2.0 ** 40)


def _floor_index(v):
    """floor of coordinates as int64, kept finite (taps beyond the image are masked anyway)."""
    return np.floor(_finite(v)).astype(np.int64)


def _cubic_weights(t: Tensor):
    a = _CUBIC_A

    def near(s):        # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):         # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(c: Tensor, n, mode, padding_mode, align_corners, grid_grad):
    """Per spatial dim: integer tap positions (numpy) and their weights (Tensors)."""
    dtype = c._data.dtype
    if mode == "bicubic":       # pad each integer tap, not the real coordinate (as torch)
        f0 = np.floor(c._data)      # float: a far-out tap is still folded back by padding
        t = c - _const(f0, dtype)
        idx = [_floor_index(_pad_values(f0 + k, n, padding_mode, align_corners)[0])
               for k in range(-1, 3)]
        return idx, _cubic_weights(t)
    c = _pad(c, n, padding_mode, align_corners)
    if mode == "nearest":       # round half to even, as torch's nearbyint
        idx = np.rint(_finite(c._data)).astype(np.int64)
        # weight 1 with a zero gradient, so the grid still gets a (zero) gradient like torch's
        one = _ops.where(np.ones(c.shape, bool), 1, c) if grid_grad else None
        return [idx], [one]
    i0 = _floor_index(c._data)
    return [i0, i0 + 1], [_const(i0 + 1, dtype) - c, c - _const(i0, dtype)]


def _check_sample_args(x: Tensor, g: Tensor, mode):
    xs, gs = list(x.shape), list(g.shape)
    if x.ndim >= 1 and g.ndim >= 1 and g.shape[0] != x.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {xs} and grid with sizes {gs}")
    if g.ndim >= 1 and g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {x.ndim - 2} in last "
                           f"dimension, but got grid with sizes {gs}")
    for d in range(2, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {xs} with dimension {d} "
                               f"being empty")
    want = 4 if x.ndim == 4 else 5
    if x.ndim != want or g.ndim != want:
        raise RuntimeError(f"grid_sampler(): expected {want}D input and grid with same number "
                           f"of dimensions, but got input with sizes {xs} and grid with sizes "
                           f"{gs}")
    if mode == "bicubic" and x.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if x._data.dtype.kind != "f":
        kernel = "grid_sampler_2d_cpu_kernel_impl" if x.ndim == 4 else "grid_sampler3d_cpu"
        names = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}
        name = names.get(x._data.dtype.name, x._data.dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')
    if g._data.dtype != x._data.dtype:
        name = {np.float16: "Half", np.float32: "Float", np.float64: "Double"}
        raise RuntimeError(f"expected scalar type {name.get(x._data.dtype.type, x.dtype)} but "
                           f"found {name.get(g._data.dtype.type, g.dtype)}")


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None) -> Tensor:
    """Sample input (N, C, H, W) / (N, C, D, H, W) at the normalised (x, y[, z]) positions of
    grid (N, H_out, W_out, 2) / (N, D_out, H_out, W_out, 3)
    (torch.nn.functional.grid_sample)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    x, g = _t(input), _t(grid)
    _check_sample_args(x, g, mode)
    nsp = x.ndim - 2
    n, ch, sizes, out_sp = x.shape[0], x.shape[1], list(x.shape[2:]), list(g.shape[1:-1])
    npts = math.prod(out_sp)
    flat = x.reshape(n, ch, math.prod(sizes))
    g = g.reshape(n, npts, nsp)
    # grid's last axis lists x (along W) first, so spatial dim k reads entry nsp - 1 - k
    taps = [_taps(_unnormalize(g[:, :, nsp - 1 - k], sizes[k], align_corners, nsp), sizes[k], mode,
                  padding_mode, align_corners, g._requires_grad) for k in range(nsp)]
    strides = [math.prod(sizes[k + 1:]) for k in range(nsp)]
    out = None
    for combo in itertools.product(*(range(len(idx)) for idx, _ in taps)):
        pos = [taps[k][0][j] for k, j in enumerate(combo)]
        valid = np.ones((n, npts), bool)
        lin = np.zeros((n, npts), np.int64)
        for k, p in enumerate(pos):
            valid &= (p >= 0) & (p < sizes[k])
            lin += np.clip(p, 0, sizes[k] - 1) * strides[k]
        v = _ops.gather(flat, 2, np.broadcast_to(lin[:, None, :], (n, ch, npts)))
        if not valid.all():     # taps outside the image read zero (and pass no gradient)
            v = _ops.where(valid[:, None, :], v, 0)
        w = None
        for k in reversed(range(nsp)):      # x weight first, as torch multiplies them
            wk = taps[k][1][combo[k]]
            w = wk if w is None else (w if wk is None else w * wk)
        term = v if w is None else v * w[:, None, :]
        out = term if out is None else out + term
    return out.reshape(n, ch, *out_sp)
