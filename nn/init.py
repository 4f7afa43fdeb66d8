"""nn.init: in-place weight initialisers (torch.nn.init), drawing from the global generator
(autograd.manual_seed) unless a ``generator`` is given. All run without recording a graph.

The draws are torch's (autograd.random): after the same seed, uniform_, normal_, the kaiming /
xavier inits, trunc_normal_ and sparse_ give torch's values bit for bit; orthogonal_ draws the
same normals but its QR is numpy's LAPACK, not torch's (agreement to rounding, not bitwise)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd import random as _R
from autograd.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "_calculate_fan_in_and_fan_out",
           "_calculate_correct_fan", "_no_grad_uniform_", "_no_grad_normal_"]


def _fill(tensor: Tensor, fill, *args, generator=None) -> Tensor:
    """Run an autograd.random fill on tensor's array (no graph), bump its version."""
    fill(tensor._data, *args, generator=generator)
    tensor._vc[0] += 1
    return tensor


def _write(tensor: Tensor, values) -> Tensor:
    """Copy values into tensor's array (no graph), bump its version."""
    tensor._data[...] = values
    tensor._vc[0] += 1
    return tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor):
    """(fan_in, fan_out) of a weight (out, in, *kernel): in * prod(kernel), out * prod(kernel)."""
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    num_input_fmaps = tensor.shape[1]
    num_output_fmaps = tensor.shape[0]
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b)."""
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > "
                           f"to={b}")
    return _fill(tensor, _R.fill_uniform, a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(tensor, _R.fill_normal, mean, std, generator=generator)


_no_grad_uniform_ = uniform_
_no_grad_normal_ = normal_


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """N(mean, std^2) truncated to [a, b], sampled as torch 2.13 does: when [a, b] holds more
    than 30% of the mass, redraw a full normal_ tensor for the values outside until none is
    left; otherwise rejection from U(a, b) against the normal's log density."""
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    arr = tensor._data
    dt = arr.dtype
    p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
    if p > 0.3:
        lo, hi = dt.type(a), dt.type(b)       # bounds cast to the tensor's dtype, as torch
        _R.fill_normal(arr, mean, std, generator)
        result = arr
        while True:
            mask = (result < lo) | (result > hi)
            if not mask.any():
                break
            fresh = _R.fill_normal(np.empty_like(result), mean, std, generator)
            result = np.where(mask, fresh, result)
        if result is not arr:
            arr[...] = result
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        f = dt.type

        def log_pdf(c):         # candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(peak)
            c = (c - f(mean)) / f(std)
            return (c * c) * f(-0.5) - f(log_peak)

        def accept_fails(c):    # accept_buf.uniform_().log_().gt(log_pdf)
            u = _R.fill_uniform(np.empty_like(arr), 0.0, 1.0, generator)
            with np.errstate(divide="ignore"):
                return np.log(u) > c

        _R.fill_uniform(arr, a, b, generator)
        pending = accept_fails(log_pdf(arr))
        if pending.any():
            result = arr.copy()
            cand = np.empty_like(arr)
            while True:
                _R.fill_uniform(cand, a, b, generator)
                result = np.where(pending, cand, result)
                pending = np.where(pending, accept_fails(log_pdf(cand)), pending)
                if not pending.any():
                    break
            arr[...] = result
    tensor._vc[0] += 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _write(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _write(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _write(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Identity matrix (2-D tensors only)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Dirac delta for conv weights (3-5 dims): convolution with it preserves the input
    channels (per group)."""
    dims = tensor.ndim
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    arr = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            arr[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, arr)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """gain / sqrt(fan), the std of both kaiming inits."""
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(-bound, bound), bound = gain * sqrt(3 / fan) (He et al.)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std^2), std = gain / sqrt(fan)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix (tensor flattened to (rows, cols)), times gain: QR of a
    normal_ (rows, cols) matrix in the tensor's dtype, torch's draws (its QR routine differs)."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    dt = tensor._data.dtype
    flat = _R.fill_normal(np.empty((rows, cols), dt), 0.0, 1.0, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    d = np.sign(np.diag(r))
    d[d == 0] = 1               # torch would zero that column; a zero diagonal has probability 0
    q = q * d.astype(q.dtype)
    if rows < cols:
        q = q.T
    return _write(tensor, (q.astype(dt) * dt.type(gain)).reshape(tensor.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """2-D: N(0, std^2) with a fraction ``sparsity`` of each column set to zero. As torch, the
    rows to zero come from randperm on the global generator, whatever ``generator`` is."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    arr = tensor._data
    _R.fill_normal(arr, 0.0, std, generator)
    for c in range(cols):
        arr[_R.randperm_array(rows)[:num_zeros], c] = 0
    tensor._vc[0] += 1
    return tensor
