"""Loss functions of nn.functional (torch.nn.functional.cross_entropy, nll_loss, mse_loss...).

reduction is 'none' | 'mean' | 'sum' everywhere (kl_div also 'batchmean'). Class-index
cross-entropy and NLL are single fused nodes (log-softmax + pick + weights + reduction)."""
from __future__ import annotations

import numpy as np

from autograd import ops as _ops
from autograd.function import Function, named
from autograd.ops import _util as U
from autograd.tensor import Tensor
from ._activation import LogSigmoid

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "multi_margin_loss",
           "hinge_embedding_loss", "kl_div", "soft_margin_loss", "margin_ranking_loss",
           "cosine_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss"]


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _check_reduction(reduction, allow_batchmean=False):
    ok = ("none", "mean", "sum") + (("batchmean",) if allow_batchmean else ())
    if reduction not in ok:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return _ops.mean(loss)
    if reduction == "sum":
        return _ops.sum(loss)
    return loss


# ---- fused class-index cross entropy / nll --------------------------------------------------

def _log_softmax_np(x):
    # no special case for an infinite max: a row holding +inf (or all -inf) is nan, as torch
    with np.errstate(invalid="ignore", divide="ignore"):
        z = x - x.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


class _IndexLoss(Function):
    """loss_i = sum_c A[i, c] * (-logp[i, c]) / denom, with logp = log_softmax(x) (from_logits)
    or x itself (nll). A (constant) holds one-hot target weights and label smoothing.
    x: (M, C); A: (M, C); output (M,) for 'none' or a scalar."""
    _raw = True

    @staticmethod
    def forward(ctx, x, A, denom, reduction, from_logits):
        logp = _log_softmax_np(x) if from_logits else x
        # where A == 0 skip logp (a -inf logit times 0 must not give nan)
        prod = np.multiply(A, logp, out=np.zeros_like(logp), where=A != 0)
        per = -prod.sum(axis=1)
        if reduction == "none":
            out = per
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                tot = per.sum()
                out = np.asarray(tot / denom if reduction == "mean" else tot, dtype=x.dtype)
        ctx.save_for_backward(x, A, logp if from_logits else None)
        ctx.meta = (denom, reduction, from_logits)
        return out

    @staticmethod
    def backward(ctx, g):
        x, A, logp = ctx.saved_tensors
        denom, reduction, from_logits = ctx.meta
        if reduction == "none":
            gcol = g.reshape((-1, 1))
        elif reduction == "mean":
            # every target ignored: torch's loss is nan (0/0) but its gradient is zero
            gcol = g * (1.0 / denom if denom else 0.0)
        else:
            gcol = g
        if from_logits:
            if U.is_t(g):
                p = _ops.softmax(x, 1)
            else:
                p = np.exp(logp)
            coef = p * A.sum(axis=1, keepdims=True) - A
        else:
            coef = -A
        return coef * gcol, None, None, None, None


def _class_last_2d(x: Tensor):
    """(N, C, d1, ...) -> (N*d1*..., C) and (C,) -> (1, C)."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.permute(perm).reshape(-1, x.shape[1])


def _index_targets(name, x: Tensor, target, ignore_index):
    t = np.asarray(target._data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): expected target of integer (Long) dtype for class "
                           f"indices, got {t.dtype}")
    if t.dtype not in (np.int64, np.uint8):            # torch takes only these two
        raise RuntimeError(f"{name}(): expected target dtype to be Long or Byte, but got "
                           f"{t.dtype}")
    if x.ndim == 1:
        if t.shape not in ((), (1,)):                  # torch also takes a (1,) target
            raise RuntimeError(f"{name}(): for an unbatched input (C,), target must be a 0-D "
                               f"class index, got shape {t.shape}")
    elif t.shape != (x.shape[0],) + tuple(x.shape[2:]):
        if x.ndim == 2 and t.ndim == 1 and t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}).")
        raise RuntimeError(f"{name}(): expected target of shape "
                           f"{(x.shape[0],) + tuple(x.shape[2:])} for input {tuple(x.shape)}, "
                           f"got {t.shape}")
    flat = t.reshape(-1).astype(np.int64)
    c = x.shape[1] if x.ndim > 1 else x.shape[0]
    valid = flat != ignore_index
    bad = valid & ((flat < 0) | (flat >= c))
    if bad.any():
        raise IndexError(f"Target {int(flat[bad][0])} is out of bounds.")
    return t, flat, valid, c


def _index_loss(name, input, target, weight, ignore_index, reduction, label_smoothing,
                from_logits):
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError(f"{name}(): input must have at least 1 dimension")
    t, flat, valid, c = _index_targets(name, x, target, ignore_index)
    dt = x._data.dtype
    w = None
    if weight is not None:
        if isinstance(weight, Tensor) and weight._data.dtype != dt:    # torch: no promotion
            raise RuntimeError(f"{name}(): expected weight of dtype {x.dtype} (the input's), but "
                               f"found {weight.dtype}")
        w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=np.float64)
        if w.shape != (c,):
            raise RuntimeError(f"{name}(): weight tensor should be defined either for all {c} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
    m = flat.shape[0]
    safe = np.where(valid, flat, 0)
    wt = (w[safe] if w is not None else np.ones(m)) * valid
    A = np.zeros((m, c), np.float64)
    A[np.arange(m), safe] = wt * (1.0 - label_smoothing)
    if label_smoothing > 0:
        wc = w if w is not None else np.ones(c)
        A += (valid[:, None] * wc[None, :]) * (label_smoothing / c)
    denom = float(wt.sum())
    x2 = _class_last_2d(x)
    out = _IndexLoss.apply(x2, A.astype(dt), denom, reduction, from_logits)
    if not label_smoothing:
        # torch's top node is nll_loss (nll_loss2d for (N, C, d1, ...) inputs), with
        # log_softmax under it for cross_entropy: one node here (label smoothing adds terms)
        named(out, "NllLossBackward0" if x.ndim <= 2 else "NllLoss2DBackward0")
    if reduction == "none":
        shape = t.shape if x.ndim > 1 else ()
        if tuple(out.shape) != tuple(shape):
            out = out.reshape(shape)
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits (torch.nn.functional.cross_entropy).

    input: (N, C), (C,) or (N, C, d1, ...); target: class indices (N, d1, ...) or class
    probabilities shaped like input. 'mean' over index targets divides by the summed weight of
    the non-ignored targets, as torch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = _t(input)
    tgt = target if isinstance(target, Tensor) else Tensor._make(np.asarray(target))
    if tgt._data.dtype.kind == "f":
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if tuple(tgt.shape) != tuple(x.shape):
            raise RuntimeError(f"cross_entropy(): probability target of shape "
                               f"{tuple(tgt.shape)} must match input {tuple(x.shape)}")
        return _prob_cross_entropy(x, tgt, weight, reduction, label_smoothing)
    return _index_loss("cross_entropy", x, tgt, weight, ignore_index, reduction,
                       float(label_smoothing), True)


def _prob_cross_entropy(x, tgt, weight, reduction, label_smoothing):
    cdim = 1 if x.ndim > 1 else 0
    c = x.shape[cdim]
    logp = _ops.log_softmax(x, cdim)
    if label_smoothing > 0:
        tgt = tgt * (1.0 - label_smoothing) + label_smoothing / c
    prod = logp * tgt
    if weight is not None:
        shape = [1] * x.ndim
        shape[cdim] = c
        prod = prod * _t(weight).reshape(tuple(shape))
    loss = -_ops.sum(prod, cdim)
    if reduction == "mean":
        n = x.numel() // c
        return _ops.sum(loss) / float(n) if n else _ops.sum(loss) / 0.0
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities: input (N, C) / (C,) / (N, C, d1, ...)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _index_loss("nll_loss", input, target, weight, ignore_index, reduction, 0.0, False)


# ---- regression losses ----------------------------------------------------------------------

def _pair(name, input, target, promote=True, float_target=False):
    """input and target as tensors. An integer target takes the input's dtype; a float target
    of the other precision is left to promote (torch's mse_loss(f32, f64) is f64), unless
    promote=False (huber_loss, soft_margin_loss keep the input's dtype). float_target: torch
    refuses an integer or bool target."""
    x, y = _t(input), _t(target)
    xd, yd = x._data.dtype, y._data.dtype
    if float_target and yd.kind != "f" and xd.kind == "f":
        raise RuntimeError(f"{name}(): expected a floating point target, got {y.dtype}")
    if yd != xd and yd.kind in "fiub" and xd.kind == "f" and not (promote and yd.kind == "f"):
        y = y.to(x.dtype)
    return x, y


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x, y = _pair("mse_loss", input, target)
    d = x - y
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x, y = _pair("l1_loss", input, target)
    loss = _ops.abs(x - y)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


class _SmoothL1(Function):
    """Huber-type loss of d = x - y: quadratic for |d| < beta, linear beyond.
    huber=False: smooth_l1 (0.5 d^2 / beta | |d| - beta/2); True: huber (0.5 d^2 | delta(|d| - delta/2))."""
    _raw = True

    @staticmethod
    def forward(ctx, x, y, beta, huber):
        d = x - y
        ad = np.abs(d)
        if huber:
            out = np.where(ad < beta, 0.5 * d * d, beta * (ad - 0.5 * beta))
        elif beta == 0:
            out = ad
        else:
            out = np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
        ctx.save_for_backward(x, y)
        ctx.meta = (beta, huber)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        beta, huber = ctx.meta
        d = x - y
        if U.is_t(d):
            clip = _ops.clamp(d, -beta, beta)
        else:
            clip = np.clip(d, -beta, beta)
        if huber:
            gd = g * clip
        elif beta == 0:
            gd = g * U.sign(d)
        else:
            gd = g * (clip * (1.0 / beta))
        n = ctx.needs_input_grad
        return (gd if n[0] else None), (-gd if n[1] else None), None, None


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, y = _pair("smooth_l1_loss", input, target)
    x, y = U.prepare("smooth_l1_loss", x, y)
    return _reduce(_SmoothL1.apply(x, y, float(beta), False), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, y = _pair("huber_loss", input, target, promote=False)
    x, y = U.prepare("huber_loss", x, y)
    loss = _SmoothL1.apply(x, y, float(delta), True)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ---- binary losses -----------------------------------------------------------------------------

class _BCE(Function):
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100; torch's gradient
    (x - t) / max(x (1 - x), 1e-12)."""
    _raw = True

    @staticmethod
    def forward(ctx, x, t):
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), -100.0)
            l1x = np.maximum(np.log1p(-x), -100.0)
        ctx.save_for_backward(x, t)
        return ((t - 1.0) * l1x - t * lx).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        n = ctx.needs_input_grad
        gx = gt = None
        if n[0]:
            den = x * (1.0 - x)
            den = _ops.clamp_min(den, 1e-12) if U.is_t(den) else np.maximum(den, 1e-12)
            gx = g * (x - t) / den
        if n[1]:
            # torch leaves these logs unclamped: +-inf at x = 0 or 1
            if U.is_t(x):
                gt = g * (_ops.log(1.0 - x) - _ops.log(x))
            else:
                with np.errstate(divide="ignore"):
                    gt = g * (np.log1p(-x) - np.log(x))
        return gx, gt


def _check_no_expand(name, x: Tensor, **others) -> None:
    """torch writes these losses into an input-shaped result: a weight (or target) may
    broadcast to the input's shape but never widen it."""
    shapes = {k: tuple(np.shape(v._data if isinstance(v, Tensor) else v))
              for k, v in others.items() if v is not None}
    try:
        full = np.broadcast_shapes(tuple(x.shape), *shapes.values())
    except ValueError:
        raise RuntimeError(f"{name}(): {', '.join(f'{k} {v}' for k, v in shapes.items())} cannot "
                           f"be broadcast to the input shape {tuple(x.shape)}") from None
    if full != tuple(x.shape):
        raise RuntimeError(f"{name}(): output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(full)}")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities in [0, 1] (torch.nn.functional.binary_cross_entropy)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x, t = _t(input), _t(target)
    if t._data.dtype != x._data.dtype:             # torch: no promotion here
        raise RuntimeError(f"binary_cross_entropy(): expected target of dtype {x.dtype}, got "
                           f"{t.dtype}")
    if tuple(t.shape) != tuple(x.shape):
        raise ValueError(f"Using a target size ({t.shape}) that is different to the input size "
                         f"({x.shape}) is deprecated. Please ensure they have the same size.")
    xa = x._data
    if xa.size and (np.nanmin(xa) < 0 or np.nanmax(xa) > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    ta = t._data
    if ta.size and (np.nanmin(ta) < 0 or np.nanmax(ta) > 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    _check_no_expand("binary_cross_entropy", x, weight=weight)
    loss = _BCE.apply(x, t)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """sigmoid + BCE in one stable formula: (1 - t) x - w_pos(t) log sigmoid(x)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x, t = _pair("binary_cross_entropy_with_logits", input, target, float_target=True)
    if tuple(t.shape) != tuple(x.shape):
        raise ValueError(f"Target size ({t.shape}) must be the same as input size ({x.shape})")
    _check_no_expand("binary_cross_entropy_with_logits", x, weight=weight, pos_weight=pos_weight)
    ls = LogSigmoid.apply(x)
    if pos_weight is not None:
        lw = (_t(pos_weight) - 1.0) * t + 1.0
        loss = (1.0 - t) * x - lw * ls
    else:
        loss = (1.0 - t) * x - ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)), computed as -logsigmoid(y x)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair("soft_margin_loss", input, target, promote=False)
    _check_no_expand("soft_margin_loss", x, target=y)
    return _reduce(-LogSigmoid.apply(x * y), reduction)


# ---- margin losses ------------------------------------------------------------------------------

def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """sum_{j != y} max(0, margin - x_y + x_j)^p * w_y / C per sample. input (N, C) or (C,)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = _t(input)
    unbatched = x.ndim <= 1
    x2 = x.reshape(1, -1) if unbatched else x
    if x2.ndim != 2:
        raise RuntimeError(f"multi_margin_loss(): expected 1D or 2D input, got {tuple(x.shape)}")
    n, c = x2.shape
    t_arr = np.asarray(target._data if isinstance(target, Tensor) else target)
    if t_arr.dtype != np.int64:
        raise RuntimeError(f"multi_margin_loss(): expected target of dtype int64 (Long), got "
                           f"{t_arr.dtype}")
    tt = t_arr.reshape(-1).astype(np.int64)
    if tt.shape[0] != n:
        raise RuntimeError(f"multi_margin_loss(): inconsistent target size {tt.shape} for input "
                           f"of size {tuple(x.shape)}")
    if tt.size and (tt.min() < 0 or tt.max() >= c):
        raise RuntimeError("multi_margin_loss(): target out of range")
    xy = _ops.gather(x2, 1, Tensor._make(tt[:, None]))
    z = _ops.relu(x2 - xy + float(margin))
    if p == 2:
        z = z * z
    mask = np.ones((n, c), x._data.dtype)
    mask[np.arange(n), tt] = 0
    z = z * Tensor._make(mask)
    if weight is not None:
        if _t(weight).ndim != 1:
            raise RuntimeError("weight must be one-dimensional")
        if _t(weight).shape[0] != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got "
                               f"{list(_t(weight).shape)}")
        if _t(weight)._data.dtype != x._data.dtype:                     # torch: no promotion
            raise RuntimeError(f"multi_margin_loss(): expected weight of dtype {x.dtype}, but "
                               f"found {_t(weight).dtype}")
        wy = _t(weight)[Tensor._make(tt)].reshape(n, 1)
        z = z * wy
    loss = _ops.sum(z, 1) / float(c)
    loss = loss.reshape(t_arr.shape)            # torch: the per-sample loss has target's shape
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y == 1, max(0, margin - x) where y == -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _t(input), _t(target)
    zeros = Tensor._make(np.zeros((), x._data.dtype))
    marg = _ops.where(y != 1, _ops.clamp_min(float(margin) - x, 0.0), zeros)
    own = _ops.where(y != -1, x, zeros)
    return _reduce(marg + own, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x1, x2, y = _t(input1), _t(input2), _t(target)
    return _reduce(_ops.clamp_min(-y * (x1 - x2) + float(margin), 0.0), reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x1, x2, y = _t(input1), _t(input2), _t(target)
    eps = 1e-12
    dim = x1.ndim - 1
    prod = _ops.sum(x1 * x2, dim)
    m1 = _ops.sum(x1 * x1, dim) + eps
    m2 = _ops.sum(x2 * x2, dim) + eps
    cos = prod / _ops.sqrt(m1 * m2)
    zeros = Tensor._make(np.zeros((), x1._data.dtype))
    pos = _ops.where(y == 1, 1.0 - cos, zeros)
    neg = _ops.where(y == -1, _ops.clamp_min(cos - float(margin), 0.0), zeros)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    from ._linear import pairwise_distance
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pz, n = _t(anchor), _t(positive), _t(negative)
    _check_triplet_dims(a, pz, n)
    d_pos = pairwise_distance(a, pz, p, eps)
    d_neg = pairwise_distance(a, n, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(pz, n, p, eps))
    return _reduce(_ops.clamp_min(d_pos - d_neg + float(margin), 0.0), reduction)


def _check_triplet_dims(a, pz, n):
    if not a.ndim == pz.ndim == n.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a.ndim}D, positive "
                           f"{pz.ndim}D, and negative {n.ndim}D inputs")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) for any distance d (default pairwise_distance)."""
    from ._linear import pairwise_distance
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pz, n = _t(anchor), _t(positive), _t(negative)
    _check_triplet_dims(a, pz, n)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(a, pz)
    d_neg = dist(a, n)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(pz, n))
    return _reduce(_ops.clamp_min(d_pos - d_neg + float(margin), 0.0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair("multilabel_soft_margin_loss", input, target)
    loss = -(y * LogSigmoid.apply(x) + (1.0 - y) * LogSigmoid.apply(-x))
    if weight is not None:
        loss = loss * weight
    loss = _ops.mean(loss, x.ndim - 1)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """sum over target classes j (up to the first -1) and non-target i of
    max(0, 1 - (x_j - x_i)) / C."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = _t(input)
    unbatched = x.ndim == 1
    x2 = x.reshape(1, -1) if unbatched else x
    n, c = x2.shape
    tt = np.asarray(target._data if isinstance(target, Tensor) else target).reshape(n, c)
    pair = np.zeros((n, c, c), x._data.dtype)     # pair[n, j, i] = 1: j target, i not
    for r in range(n):
        tg = []
        for v in tt[r]:
            if v < 0:
                break
            tg.append(int(v))
        is_t = np.zeros(c, bool)
        is_t[tg] = True
        for j in tg:                    # a repeated target counts again (torch)
            pair[r, j, ~is_t] += 1
    diff = 1.0 - (x2.unsqueeze(2) - x2.unsqueeze(1))
    loss = _ops.sum(_ops.clamp_min(diff, 0.0) * Tensor._make(pair), (1, 2)) / float(c)
    if unbatched:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# ---- probabilistic losses ----------------------------------------------------------------------

def _xlogy(t: Tensor) -> Tensor:
    # t log t with 0 at t == 0; a negative target gives nan, as torch's xlogy
    pos = t != 0
    safe = _ops.where(pos, t, Tensor._make(np.ones((), t._data.dtype)))
    zeros = Tensor._make(np.zeros((), t._data.dtype))
    return _ops.where(pos, t * _ops.log(safe), zeros)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL: target * (log target - input) (input holds log-probabilities)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, allow_batchmean=True)
    x, t = _pair("kl_div", input, target, float_target=True)
    if log_target:
        loss = _ops.exp(t) * (t - x)
    else:
        loss = _xlogy(t) - t * x
    if reduction == "batchmean":
        if x.ndim == 0:
            return _ops.sum(loss)
        return _ops.sum(loss) / float(x.shape[0])
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, t = _pair("poisson_nll_loss", input, target)
    if log_input:
        loss = _ops.exp(x) - t * x
    else:
        loss = x - t * _ops.log(x + eps)
    if full:
        ta = t._data
        st = np.where(ta > 1, ta * np.log(np.where(ta > 1, ta, 1)) - ta +
                      0.5 * np.log(2 * np.pi * np.where(ta > 1, ta, 1)), 0)
        loss = loss + Tensor._make(st.astype(x._data.dtype))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    x, t = _pair("gaussian_nll_loss", input, target)
    v = _t(var) if isinstance(var, Tensor) else Tensor._make(np.asarray(var, x._data.dtype))
    if isinstance(var, Tensor) and tuple(v.shape) != tuple(x.shape):
        # homoscedastic: var lacks the last dim, or is 1 in exactly one dim (torch's rule)
        if tuple(v.shape) == tuple(x.shape[:-1]):
            v = v.unsqueeze(-1)
        elif not (v.ndim == x.ndim and
                  sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if (v._data < 0).any():
        raise ValueError("var has negative entry/entries")
    # torch clamps var in place under no_grad: the value is clamped, the gradient is not
    v = v + Tensor._make((np.maximum(v._data, eps) - v._data).astype(v._data.dtype))
    loss = 0.5 * (_ops.log(v) + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)
