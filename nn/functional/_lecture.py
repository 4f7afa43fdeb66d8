"""Layers from the lecture that PyTorch lacks (or has, for local_response_norm), written the
way torch.nn.functional would: maxout, channel_pool, locally_connected1d/2d,
local_response_norm, local_contrast_norm.

Pooling across channels reuses the pooling primitives: the channel dim becomes the "D" dim of
a (B, D, H, W) pooling with a (k, 1, 1) window (see autograd/ops/pool.py).
"""
from __future__ import annotations


import numpy as np

import autograd
from autograd.tensor import Tensor
from autograd.ops import pool as P
from autograd.ops import _util as U

__all__ = ["maxout", "channel_pool", "local_response_norm", "local_contrast_norm",
           "locally_connected1d", "locally_connected2d"]


def _tensor(fn, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise RuntimeError(f"{fn}(): expected a float32 or float64 input, got {x.dtype} "
                           f"(input {tuple(x.shape)})")
    return x


def _channel_window(x, dim, kind, k, s, pad_lo, n_out, override=None):
    """Pool x along ``dim`` with windows o*s - pad_lo + [0, k); kind 'max' or 'avg'."""
    shape = tuple(x.shape)
    C = shape[dim]
    rest = int(np.prod(shape[dim + 1:])) if dim + 1 < len(shape) else 1
    lead = shape[:dim]
    xr = x.reshape(lead + (C, 1, rest))
    plan = P.window_plan((C, 1, rest), (n_out, 1, rest), (k, 1, 1), (s, 1, 1), (pad_lo, 0, 0),
                         (1, 1, 1), True, override)
    if kind == "max":
        out, _ = P.MaxPool.apply(xr, plan)
    else:
        out = P.AvgPool.apply(xr, plan)
    return out.reshape(lead + (n_out,) + shape[dim + 1:])


def channel_pool(input: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0,
                 mode: str = "max", dim: int = 1) -> Tensor:
    """Cross-channel pooling: pool ``input`` along ``dim`` (the channels) over windows of
    ``kernel_size`` neighbouring channels, every ``stride`` (default kernel_size) channels,
    with ``padding`` zero channels on both sides.

    mode: 'max' (max over the window; padding is ignored, as in max_pool), 'avg' (sum / kernel_size,
    padded channels count as zeros, as avg_pool with count_include_pad=True) or 'l2'
    (sqrt of the sum of squares over the window; its gradient is NaN where the whole window is 0,
    as lp_pool's). Output: input's shape with C replaced by
    ``(C + 2*padding - kernel_size) // stride + 1``. No torch equivalent."""
    fn = "channel_pool"
    x = _tensor(fn, input)
    if x.dim() == 0:
        raise RuntimeError(f"{fn}(): expected an input with at least 1 dimension, got a scalar")
    d = U.wrap_dim(dim, x.dim(), fn)
    C = x.shape[d]
    k = int(kernel_size)
    s = k if stride is None else int(stride)
    p = int(padding)
    if mode not in ("max", "avg", "l2"):
        raise ValueError(f"{fn}(): mode must be 'max', 'avg' or 'l2', got {mode!r}")
    if k <= 0 or s <= 0 or p < 0:
        raise RuntimeError(f"{fn}(): kernel_size and stride must be positive and padding "
                           f"non-negative, got kernel_size={k}, stride={s}, padding={p}")
    if p > k // 2:
        raise RuntimeError(f"{fn}(): pad should be at most half of kernel size, but got "
                           f"padding={p}, kernel_size={k}")
    n_out = (C + 2 * p - k) // s + 1
    if n_out <= 0:
        raise RuntimeError(f"{fn}(): kernel_size={k} is larger than the padded channel dim "
                           f"{C} + 2*{p} of input {tuple(x.shape)} (dim={d})")
    if mode == "max":
        return _channel_window(x, d, "max", k, s, p, n_out)
    if mode == "avg":
        return _channel_window(x, d, "avg", k, s, p, n_out, override=k)
    return _channel_window(x * x, d, "avg", k, s, p, n_out, override=1).sqrt()


def maxout(input: Tensor, pool_size: int, dim: int = 1) -> Tensor:
    """Maxout (Goodfellow et al. 2013): max over consecutive groups of ``pool_size`` channels
    of ``dim``: (N, C, *) -> (N, C // pool_size, *), out[:, j] = max_{i<p} x[:, j*p + i].
    C must be divisible by pool_size. A tie's gradient goes to the first maximum."""
    fn = "maxout"
    x = _tensor(fn, input)
    d = U.wrap_dim(dim, x.dim(), fn)
    p = int(pool_size)
    C = x.shape[d]
    if p <= 0 or C % p:
        raise RuntimeError(f"{fn}(): the size of dim {d} ({C}) of input {tuple(x.shape)} must be "
                           f"divisible by pool_size={pool_size} (> 0)")
    return _channel_window(x, d, "max", p, p, 0, C // p)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """torch.nn.functional.local_response_norm: over channels (dim 1),
    ``b_c = a_c / (k + alpha / n * sum_{c' in window(c)} a_{c'}^2) ** beta``, window(c) =
    [c - n//2, c + (n-1)//2] with zero padding (so the sum is always divided by n = size)."""
    fn = "local_response_norm"
    x = _tensor(fn, input)
    if x.dim() < 3:
        raise ValueError(f"{fn}(): Expected 3D or higher dimensionality input (got {x.dim()} "
                         f"dimensions, input {tuple(x.shape)})")
    if int(size) <= 0:
        raise RuntimeError(f"{fn}(): size must be positive, got {size}")
    if x.numel() == 0:
        return x
    n = int(size)
    C = x.shape[1]
    div = _channel_window(x * x, 1, "avg", n, 1, n // 2, C, override=n)
    div = (div * float(alpha) + float(k)) ** float(beta)
    return x / div


def _gauss_matrix(n: int, ksize: int, sigma: float, dtype) -> np.ndarray:
    """(n, n) matrix G with G[i, j] = g[j - i + r] / sum(g) (zero outside): G @ v blurs v with
    a normalised 1-d Gaussian of ``ksize`` taps, zero padding at the borders."""
    r = ksize // 2
    t = np.arange(ksize) - r
    g = np.exp(-(t * t) / (2.0 * sigma * sigma))
    g /= g.sum()
    G = np.zeros((n, n))
    for i in range(n):
        for q in range(ksize):
            j = i + q - r
            if 0 <= j < n:
                G[i, j] = g[q]
    return G.astype(dtype)


def local_contrast_norm(input: Tensor, kernel_size: int = 9, sigma: float = 2.0,
                        eps: float = 1e-4) -> Tensor:
    """Local contrast normalisation (Jarrett et al. 2009), input (N, C, H, W) or (C, H, W).

    With w_pq = g_p g_q / (C (sum g)^2), g_p = exp(-(p - r)^2 / (2 sigma^2)), p < kernel_size,
    r = kernel_size // 2 (a normalised Gaussian window over space and channels, sum w = 1,
    zero padding at the borders):

        v[n,c,i,j]  = x[n,c,i,j] - sum_{c',p,q} w_pq x[n,c',i+p-r,j+q-r]     (subtractive)
        s[n,i,j]    = sqrt(sum_{c',p,q} w_pq v[n,c',i+p-r,j+q-r]^2)
        y[n,c,i,j]  = v[n,c,i,j] / max(mean_{i,j} s[n], s[n,i,j], eps)         (divisive)

    The spatial sums are separable Gaussian blurs done as two matmuls with banded matrices."""
    fn = "local_contrast_norm"
    x = _tensor(fn, input)
    if x.dim() not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D (unbatched) or 4D (batched) input, but got "
                           f"input of shape {tuple(x.shape)}")
    ks = int(kernel_size)
    if ks <= 0 or sigma <= 0:
        raise RuntimeError(f"{fn}(): kernel_size and sigma must be positive, got "
                           f"kernel_size={kernel_size}, sigma={sigma}")
    unbatched = x.dim() == 3
    if unbatched:
        x = x.unsqueeze(0)
    H, W = x.shape[2], x.shape[3]
    dt = x._data.dtype
    Gh = Tensor._make(_gauss_matrix(H, ks, float(sigma), dt))
    GwT = Tensor._make(np.ascontiguousarray(_gauss_matrix(W, ks, float(sigma), dt).T))

    def blur(t):                      # (N, 1, H, W) -> same, separable Gaussian
        return autograd.matmul(autograd.matmul(Gh, t), GwT)

    v = x - blur(x.mean(1, keepdim=True))
    q = blur((v * v).mean(1, keepdim=True))
    # sqrt with a zero (sub)gradient where q == 0 (flat regions, zero padding): sqrt'(0) is
    # infinite, and through mean(s) its NaN reached every input gradient
    pos = q > 0
    s = autograd.where(pos, autograd.where(pos, q, 1.0).sqrt(), 0.0)
    c = s.mean((2, 3), keepdim=True)
    den = autograd.maximum(autograd.maximum(s, c), Tensor._make(np.asarray(eps, dt)))
    y = v / den
    return y.squeeze(0) if unbatched else y


def _lc_check(fn, x, weight, nsp, stride, padding):
    _tensor(fn, x)
    if x.dim() != nsp + 2:
        raise RuntimeError(f"{fn}(): Expected {nsp + 2}D (batched) input, but got input of "
                           f"shape {tuple(x.shape)}")
    if weight.dim() != 2 * nsp + 2:
        raise RuntimeError(f"{fn}(): weight must be {2 * nsp + 2}-D (*out_size, out_channels, "
                           f"in_channels, *kernel_size), got {tuple(weight.shape)}")


def locally_connected2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                        stride=1, padding=0) -> Tensor:
    """Convolution with unshared weights: input (N, C, H, W), weight
    (OH, OW, O, C, kh, kw) (one filter bank per output position), bias (O, OH, OW) or None:

        out[n, o, y, x] = bias[o, y, x] + sum_{c,i,j} weight[y, x, o, c, i, j]
                          * xpad[n, c, y*sh + i, x*sw + j]

    xpad is input zero padded by ``padding``; OH = (H + 2*ph - kh) // sh + 1 must equal the
    weight's OH (same for W). Patches come from a Numba kernel; the product is one batched
    matmul over positions."""
    fn = "locally_connected2d"
    _lc_check(fn, input, weight, 2, stride, padding)
    sh, sw = (stride, stride) if isinstance(stride, int) else tuple(stride)
    ph, pw = (padding, padding) if isinstance(padding, int) else tuple(padding)
    N, C, H, W = input.shape
    OH, OW, O, Cw, kh, kw = weight.shape
    if sh <= 0 or sw <= 0 or ph < 0 or pw < 0:
        raise RuntimeError(f"{fn}(): stride must be positive and padding non-negative, got "
                           f"stride={(sh, sw)}, padding={(ph, pw)}")
    if Cw != C:
        raise RuntimeError(f"{fn}(): weight expects {Cw} input channels but input has {C} "
                           f"(input {tuple(input.shape)}, weight {tuple(weight.shape)})")
    eh, ew = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if (eh, ew) != (OH, OW) or eh <= 0 or ew <= 0:
        raise RuntimeError(f"{fn}(): input {tuple(input.shape)} with kernel {(kh, kw)}, stride "
                           f"{(sh, sw)}, padding {(ph, pw)} gives output size {(eh, ew)}, but "
                           f"weight {tuple(weight.shape)} was made for {(OH, OW)}")
    if bias is not None and tuple(bias.shape) != (O, OH, OW):
        raise RuntimeError(f"{fn}(): bias must have shape {(O, OH, OW)}, got "
                           f"{tuple(bias.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"{fn}(): input ({input.dtype}) and {name} ({t.dtype}) must "
                               "have the same dtype")
    geom = (kh, kw, sh, sw, ph, pw, OH, OW)
    cols = P.Unfold.apply(input, geom)                         # (L, N, C*kh*kw)
    wm = weight.reshape(OH * OW, O, C * kh * kw)
    out = autograd.matmul(cols, wm.transpose(1, 2))            # (L, N, O)
    out = out.permute(1, 2, 0).reshape(N, O, OH, OW)
    if bias is not None:
        out = out + bias
    return out


def locally_connected1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                        stride=1, padding=0) -> Tensor:
    """1-d locally connected layer: input (N, C, L), weight (OL, O, C, k), bias (O, OL):
    out[n, o, t] = bias[o, t] + sum_{c,j} weight[t, o, c, j] * xpad[n, c, t*stride + j]."""
    fn = "locally_connected1d"
    _lc_check(fn, input, weight, 1, stride, padding)
    s = stride if isinstance(stride, int) else stride[0]
    p = padding if isinstance(padding, int) else padding[0]
    OL, O, C, k = weight.shape
    # the 1-d checks here, so messages show the caller's shapes (not the 2-d view's)
    if s <= 0 or p < 0:
        raise RuntimeError(f"{fn}(): stride must be positive and padding non-negative, got "
                           f"stride={stride}, padding={padding}")
    if input.shape[1] != C:
        raise RuntimeError(f"{fn}(): weight expects {C} input channels but input has "
                           f"{input.shape[1]} (input {tuple(input.shape)}, weight "
                           f"{tuple(weight.shape)})")
    el = (input.shape[2] + 2 * p - k) // s + 1
    if el != OL or el <= 0:
        raise RuntimeError(f"{fn}(): input {tuple(input.shape)} with kernel {k}, stride {s}, "
                           f"padding {p} gives output length {el}, but weight "
                           f"{tuple(weight.shape)} was made for {OL}")
    b2 = None if bias is None else bias.reshape(bias.shape[0], 1, -1) if bias.dim() == 2 \
        else bias
    if bias is not None and tuple(bias.shape) != (O, OL):
        raise RuntimeError(f"{fn}(): bias must have shape {(O, OL)}, got {tuple(bias.shape)}")
    out = locally_connected2d(input.unsqueeze(2), weight.reshape(1, OL, O, C, 1, k), b2,
                              (1, s), (0, p))
    return out.squeeze(2)
