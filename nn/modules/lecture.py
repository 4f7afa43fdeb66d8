"""Lecture layers PyTorch lacks (and LocalResponseNorm, which it has), as nn modules:
Maxout, ChannelPool, LocallyConnected1d/2d, LocalResponseNorm, LocalContrastNorm."""
from __future__ import annotations

import math

import numpy as np

from autograd import dtypes as _dt
from autograd import random as _R
from .module import Module
from ..parameter import Parameter
from .. import functional as F

__all__ = ["Maxout", "ChannelPool", "LocallyConnected1d", "LocallyConnected2d",
           "LocalResponseNorm", "LocalContrastNorm"]


class Maxout(Module):
    """Maxout over channel groups: (N, C, *) -> (N, C // pool_size, *), the max of each group
    of ``pool_size`` consecutive channels along ``dim`` (see F.maxout)."""

    def __init__(self, pool_size: int, dim: int = 1) -> None:
        super().__init__()
        self.pool_size = pool_size
        self.dim = dim

    def forward(self, input):
        return F.maxout(input, self.pool_size, self.dim)

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, dim={self.dim}"


class ChannelPool(Module):
    """Cross-channel pooling over neighbourhoods of ``kernel_size`` channels (see
    F.channel_pool): mode 'max', 'avg' or 'l2'; stride defaults to kernel_size."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 mode: str = "max", dim: int = 1) -> None:
        super().__init__()
        if mode not in ("max", "avg", "l2"):
            raise ValueError(f"ChannelPool: mode must be 'max', 'avg' or 'l2', got {mode!r}")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.mode = mode
        self.dim = dim

    def forward(self, input):
        return F.channel_pool(input, self.kernel_size, self.stride, self.padding, self.mode,
                              self.dim)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"mode={self.mode!r}, dim={self.dim}")


def _dtype(dtype):
    if dtype is None:
        return np.dtype(_dt.get_default_dtype().np if hasattr(_dt.get_default_dtype(), "np")
                        else np.float32)
    return np.dtype(getattr(dtype, "np", dtype))


def _uniform(shape, bound, dtype):
    """A Parameter filled with U(-bound, bound) by torch's uniform_ (in the given dtype)."""
    return Parameter(_R.fill_uniform(np.empty(shape, dtype), -bound, bound))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class LocallyConnected2d(Module):
    """Like Conv2d but with unshared weights: a separate filter bank at every output position.

    Args: in_channels, out_channels, input_size (H, W) (needed: the number of positions fixes
    the weight shape), kernel_size, stride=1, padding=0, bias=True.
    Shapes: input (N, in_channels, H, W) -> output (N, out_channels, OH, OW) with
    OH = (H + 2*padding - kh) // stride + 1.
    weight: (OH, OW, out_channels, in_channels, kh, kw); bias: (out_channels, OH, OW).
    Init as torch's Conv2d: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels*kh*kw."""

    def __init__(self, in_channels: int, out_channels: int, input_size, kernel_size,
                 stride=1, padding=0, bias: bool = True, dtype=None) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.input_size = _pair(input_size)
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        (H, W), (kh, kw), (sh, sw), (ph, pw) = (self.input_size, self.kernel_size, self.stride,
                                                self.padding)
        self.output_size = ((H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1)
        if min(self.output_size) <= 0:
            raise ValueError(f"LocallyConnected2d: kernel_size {self.kernel_size} does not fit "
                             f"the padded input size {self.input_size} + 2*{self.padding}")
        OH, OW = self.output_size
        dt = _dtype(dtype)
        bound = 1.0 / math.sqrt(in_channels * kh * kw)
        self.weight = _uniform((OH, OW, out_channels, in_channels, kh, kw), bound, dt)
        if bias:
            self.bias = _uniform((out_channels, OH, OW), bound, dt)
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.locally_connected2d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, input_size={self.input_size}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (", bias=False" if self.bias is None else ""))


class LocallyConnected1d(Module):
    """1-d locally connected layer (unshared Conv1d). input (N, in_channels, L) ->
    (N, out_channels, OL), OL = (L + 2*padding - kernel_size) // stride + 1.
    weight: (OL, out_channels, in_channels, kernel_size); bias: (out_channels, OL)."""

    def __init__(self, in_channels: int, out_channels: int, input_size: int, kernel_size: int,
                 stride: int = 1, padding: int = 0, bias: bool = True, dtype=None) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.input_size, self.kernel_size = int(input_size), int(kernel_size)
        self.stride, self.padding = int(stride), int(padding)
        OL = (self.input_size + 2 * self.padding - self.kernel_size) // self.stride + 1
        if OL <= 0:
            raise ValueError(f"LocallyConnected1d: kernel_size {kernel_size} does not fit the "
                             f"padded input size {input_size} + 2*{padding}")
        self.output_size = OL
        dt = _dtype(dtype)
        bound = 1.0 / math.sqrt(in_channels * self.kernel_size)
        self.weight = _uniform((OL, out_channels, in_channels, self.kernel_size), bound, dt)
        if bias:
            self.bias = _uniform((out_channels, OL), bound, dt)
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.locally_connected1d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, input_size={self.input_size}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (", bias=False" if self.bias is None else ""))


class LocalResponseNorm(Module):
    """torch.nn.LocalResponseNorm: b_c = a_c / (k + alpha/n * sum_{window} a^2)^beta."""

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class LocalContrastNorm(Module):
    """Local contrast normalisation (Jarrett et al. 2009); formula in F.local_contrast_norm.
    Args: kernel_size=9 (Gaussian window taps per spatial dim), sigma=2.0 (its std, pixels),
    eps=1e-4 (floor of the divisor). No parameters."""

    def __init__(self, kernel_size: int = 9, sigma: float = 2.0, eps: float = 1e-4) -> None:
        super().__init__()
        self.kernel_size, self.sigma, self.eps = kernel_size, sigma, eps

    def forward(self, input):
        return F.local_contrast_norm(input, self.kernel_size, self.sigma, self.eps)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, sigma={self.sigma}, eps={self.eps}"
