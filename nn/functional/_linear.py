"""Linear maps, dropout, embedding and small tensor utilities of nn.functional
(torch.nn.functional.linear, bilinear, dropout*, embedding, one_hot, normalize, ...)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd import grad_mode
from autograd import ops as _ops
from autograd.function import Function, named
from autograd.ops import _util as U
from autograd.tensor import Tensor

__all__ = ["linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d",
           "alpha_dropout", "feature_alpha_dropout", "embedding", "one_hot", "normalize",
           "cosine_similarity", "pairwise_distance"]


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


# ---- linear ---------------------------------------------------------------------------------

class Linear(Function):
    """y = x @ W.T + b in one node. x: (..., in), W: (out, in), b: (out,) or None."""
    _raw = True

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        n = ctx.needs_input_grad
        gx = U.matmul(g, w) if n[0] else None
        gw = gb = None
        if n[1] or n[2]:
            rows = int(np.prod(g.shape[:-1]))      # explicit: -1 fails on zero-size features
            g2 = g.reshape((rows, w.shape[0]))
            if n[1]:
                gw = U.matmul(g2.T, x.reshape((rows, w.shape[1])))
            if n[2]:
                gb = g2.sum(0)
        return gx, gw, gb


def linear(input, weight, bias=None) -> Tensor:
    """y = x W^T + b (torch.nn.functional.linear). x: (..., in), weight: (out, in)."""
    x, w = _t(input), _t(weight)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"linear(): weight must be 1-D or 2-D, got shape {tuple(w.shape)}")
    if x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise RuntimeError(f"linear(): mat1 and mat2 shapes cannot be multiplied (input "
                           f"{tuple(x.shape)}, weight {tuple(w.shape)}: expected input[..., "
                           f"{w.shape[-1]}])")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"linear(): mat1 and mat2 must have the same dtype, but got "
                           f"{x.dtype!r} and {w.dtype!r}")
    if w.ndim == 1:
        out = _ops.matmul(x, w)
        return out if bias is None else out + bias
    b = None if bias is None else _t(bias)
    if b is not None and (b.ndim > 1 or (b.ndim == 1 and b.shape[0] != w.shape[0])):
        out = Linear.apply(x, w, None)
        return out + b
    out = Linear.apply(x, w, b)
    if x.ndim == 2:     # torch: addmm / mm (other ranks end in a view / matmul: not named)
        named(out, "MmBackward0" if b is None else "AddmmBackward0")
    return out


def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """y_k = x1^T W_k x2 + b_k. input1: (..., in1), input2: (..., in2), weight: (out, in1, in2)."""
    x1, x2, w = _t(input1), _t(input2), _t(weight)
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for i in range(x1.ndim - 1):
        if x1.shape[i] != x2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {x1.shape[i]} and {x2.shape[i]}")
    if w.ndim != 3 or x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input1 {tuple(x1.shape)} and input2 {tuple(x2.shape)} "
                           f"do not match weight {tuple(w.shape)} (expected (out, in1, in2))")
    dts = [t._data.dtype for t in (x1, x2, w) + ((_t(bias),) if bias is not None else ())]
    if len(set(dts)) > 1:                      # torch does not promote here
        raise RuntimeError(f"bilinear(): all tensors must have the same dtype, got input1: "
                           f"{x1.dtype}, input2: {x2.dtype}, weight: {w.dtype}")
    lead = x1.shape[:-1]
    a = x1.reshape(-1, w.shape[1])
    c = x2.reshape(-1, w.shape[2])
    o, i1, i2 = w.shape
    # (M, in1) @ (in1, out*in2) -> (M, out, in2), then contract in2 with x2
    t = _ops.matmul(a, w.permute(1, 0, 2).reshape(i1, o * i2)).reshape(-1, o, i2)
    out = _ops.matmul(t, c.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, o)


# ---- dropout --------------------------------------------------------------------------------

class _MaskMul(Function):
    """x * mask with a constant mask (dropout: zeros and 1/(1-p))."""
    _raw = True
    _tname = "MulBackward0"     # torch's CPU dropout is input * mask too

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return g * mask, None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(shape, p, dtype):
    """torch's CPU dropout noise: empty(shape).bernoulli_(1 - p) (one double uniform per
    element, kept when below 1 - p) divided by 1 - p in the input's dtype; p == 1 draws
    nothing. The same seed gives torch 2.13's mask (torch builds that route bernoulli_ through
    MKL's VSL streams would differ; the draws still come from the one global stream)."""
    from autograd.random import fill_bernoulli
    dtype = np.dtype(dtype)
    if p == 1.0:
        return np.zeros(shape, dtype)
    noise = fill_bernoulli(np.empty(shape, dtype), 1.0 - p)
    noise /= dtype.type(1.0 - p)
    return noise


def _apply_mask(x: Tensor, mask: np.ndarray, inplace: bool, name: str) -> Tensor:
    if inplace:
        return x._inplace(lambda a: _MaskMul.apply(a, mask), op=name + "_")
    return _MaskMul.apply(x, mask)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p, scale the rest by 1/(1-p); identity if not
    training (torch.nn.functional.dropout)."""
    _check_p(p)
    x = _t(input)
    if not training or p == 0.0:
        return x
    if x._data.dtype.kind != "f":               # torch cannot scale an integer tensor in place
        raise RuntimeError(f"dropout(): result type Float can't be cast to the desired output "
                           f"type {x.dtype}")
    mask = _dropout_mask(x.shape, p, x._data.dtype)
    return _apply_mask(x, mask, inplace, "dropout")


def _feature_dropout(x: Tensor, p, training, inplace, lead, name):
    """One mask value per index of the first ``lead`` dims (1: channels of an unbatched input,
    2: (sample, channel))."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if x.ndim < lead:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(x.shape[:lead]) + (1,) * (x.ndim - lead)
    mask = _dropout_mask(shape, p, x._data.dtype)
    return _apply_mask(x, mask, inplace, name)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, L) or (C, L)."""
    x = _t(input)
    if x.ndim not in (2, 3):               # torch checks this in eval mode too
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout "
                           "on inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(x, p, training, inplace, 2 if x.ndim == 3 else 1, "dropout1d")


def _warn_rank(name, nd, k):
    """torch's deprecation warning for a ``name`` (k spatial dims) input of another rank."""
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will "
                  "result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {name} exists to provide "
                  f"channel-wise dropout on inputs with {k} spatial dimensions, a channel "
                  "dimension, and an optional batch dimension (i.e. "
                  f"{k + 1}D or {k + 2}D inputs).")


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, H, W); a 3-D input is taken as (N, C, L), and other
    ranks as (N, C, ...) with a warning, as torch."""
    x = _t(input)
    if x.ndim not in (3, 4):
        _warn_rank("dropout2d", x.ndim, 2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change in "
                      "a future release to interpret the input as one without a batch dimension, "
                      "i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.")
    return _feature_dropout(x, p, training, inplace, 2, "dropout2d")


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, D, H, W) or (C, D, H, W) (other ranks: warned, and
    taken as unbatched, as torch)."""
    x = _t(input)
    if x.ndim not in (4, 5):
        _warn_rank("dropout3d", x.ndim, 3)
    return _feature_dropout(x, p, training, inplace, 2 if x.ndim == 5 else 1, "dropout3d")


_SELU_ALPHA_P = -1.7580993408473766   # -selu_scale * selu_alpha


def _alpha_dropout(x: Tensor, p, training, feature):
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    from autograd.random import fill_bernoulli
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if feature else tuple(x.shape)
    dt = x._data.dtype
    f = dt.type
    # torch's _dropout_impl, op for op in the input's dtype: noise = bernoulli_(1 - p);
    # b = (noise - 1) * alpha * a + alpha * a * p; out = x * (noise * a) + b
    noise = fill_bernoulli(np.empty(shape, dt), 1.0 - p)
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (noise + f(-1)) * f(alpha * a) + f(alpha * a * p)
    return _MaskMul.apply(x, noise * f(a)) + Tensor._make(b)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    return _alpha_dropout(_t(input), p, training, False)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    return _alpha_dropout(_t(input), p, training, True)


# ---- embedding -------------------------------------------------------------------------------

class Embedding(Function):
    """weight[indices]; the gradient scatters-adds rows (none for padding_idx)."""
    _raw = True

    @staticmethod
    def forward(ctx, w, idx, padding_idx, scale_by_freq):
        ctx.save_for_backward(idx)
        ctx.meta = (w.shape, padding_idx, scale_by_freq)
        return w[idx]

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        shape, pad, freq = ctx.meta
        flat = U.raw(idx).reshape(-1)
        g2 = g.reshape((-1, shape[1]))
        scale = None
        if freq or pad is not None:
            scale = np.ones(flat.shape[0], np.float64)
            if freq:
                counts = np.bincount(flat, minlength=shape[0])
                scale = scale / counts[flat]
            if pad is not None:
                scale = np.where(flat == pad, 0.0, scale)
            scale = scale.astype(g2.dtype if not U.is_t(g2) else g2._data.dtype)[:, None]
        if U.is_t(g):
            src = g2 if scale is None else g2 * Tensor._make(scale)
            zeros = Tensor._make(np.zeros(shape, g._data.dtype))
            return _ops.index_add(zeros, 0, flat, src), None, None, None
        if scale is not None:
            g2 = g2 * scale
        gw = np.zeros(shape, g.dtype)
        np.add.at(gw, flat, g2)
        return gw, None, None, None


def _embedding_renorm_(weight: Tensor, idx: np.ndarray, max_norm, norm_type):
    with grad_mode.no_grad():
        w = weight._data
        rows = np.unique(idx.reshape(-1))
        sub = w[rows]
        if norm_type == float("inf"):
            norms = np.abs(sub).max(axis=1)
        else:
            norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        over = norms > max_norm
        if over.any():
            scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
            w[rows[over]] = sub[over] * scale[:, None]
            weight._vc[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` (any shape) ->
    (*input.shape, dim) (torch.nn.functional.embedding)."""
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    w = _t(weight)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding(): Expected tensor for argument #1 'indices' to have one "
                           f"of the following scalar types: Long, Int; but got {idx.dtype} "
                           "instead")
    if w.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got shape {tuple(w.shape)}")
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding(): index {int(bad)} is out of range for an embedding "
                         f"table of {n} rows")
    if padding_idx is not None:
        if padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
        elif padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
    if max_norm is not None:
        _embedding_renorm_(w, idx, float(max_norm), float(norm_type))
    return Embedding.apply(w, idx.astype(np.int64, copy=False), padding_idx,
                           bool(scale_grad_by_freq))


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot of an integer tensor: (*shape) -> (*shape, num_classes)."""
    idx = np.asarray(tensor._data if isinstance(tensor, Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._make(out)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p along dim, eps) (torch.nn.functional.normalize)."""
    x = _t(input)
    denom = _ops.clamp_min(_ops.norm(x, p, dim, keepdim=True), eps)
    return x / denom


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along dim."""
    a, b = _ops.broadcast_tensors(_t(x1), _t(x2))
    na = _ops.clamp_min(_ops.norm(a, 2, dim, keepdim=True), eps)
    nb = _ops.clamp_min(_ops.norm(b, 2, dim, keepdim=True), eps)
    return _ops.sum((a / na) * (b / nb), dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p along the last dim."""
    a, b = _t(x1), _t(x2)
    return _ops.norm(a - b + eps, p, -1, keepdim=keepdim)
