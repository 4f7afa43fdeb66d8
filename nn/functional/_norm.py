"""Normalisation functions of nn.functional: batch_norm, layer_norm, group_norm,
instance_norm, rms_norm (torch.nn.functional)."""
from __future__ import annotations

import numpy as np

from autograd import grad_mode
from autograd import ops as _ops
from autograd.function import Function, named
from autograd.ops import _util as U
from autograd.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _collapse(shape, axes, *params):
    """Merge neighbouring dims that are all reduced or all kept, e.g. batch norm's (N, C, H, W)
    over (0, 2, 3) -> (N, C, H*W) over (0, 2). numpy's broadcasts and reductions over a
    (1, C, 1, 1) pattern run an inner loop per W elements (4x slower here than per H*W).
    Returns (shape, axes, param shapes) or None when a parameter's shape does not merge."""
    groups = []
    for d in range(len(shape)):
        red = d in axes
        if groups and groups[-1][0] == red:
            groups[-1][1].append(d)
        else:
            groups.append((red, [d]))
    if len(groups) == len(shape):
        return None
    new_shape = tuple(int(np.prod([shape[d] for d in g])) for _, g in groups)
    new_axes = tuple(i for i, (red, _) in enumerate(groups) if red)
    pshapes = []
    for p in params:
        if p is None:
            pshapes.append(None)
            continue
        ps = (1,) * (len(shape) - p.ndim) + tuple(p.shape)
        merged = []
        for _, g in groups:
            sizes = [ps[d] for d in g]
            if all(v == 1 for v in sizes):
                merged.append(1)
            elif all(v == shape[d] for v, d in zip(sizes, g)):
                merged.append(int(np.prod(sizes)))
            else:
                return None
        pshapes.append(tuple(merged))
    return new_shape, new_axes, pshapes


def _per_channel_form(shape, axes, w, b):
    """(R0, K, R1) when the statistics are per k of that view (reduced dims before and after
    one kept block) and w, b are per k or None: the form the Numba kernels take."""
    view = _collapse(shape, axes, w, b)
    dims, ax, (ws, bs) = view if view is not None else (tuple(shape), tuple(axes), (
        None if w is None else tuple(w.shape), None if b is None else tuple(b.shape)))
    kept = [i for i in range(len(dims)) if i not in ax]
    if len(kept) != 1 or len(dims) > 3:
        return None
    k = kept[0]
    for ps in (ws, bs):
        # per k exactly (a weight broadcast along k, e.g. LayerNorm(1) over rows, is not)
        if ps is not None and (len(ps) != len(dims) or ps[k] != dims[k] or
                               any(v != 1 for i, v in enumerate(ps) if i != k)):
            return None
    r0 = int(np.prod(dims[:k]))
    r1 = int(np.prod(dims[k + 1:]))
    return r0, dims[k], r1


class Normalize(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b, mean/var (biased) over ``axes``.

    w, b (or None) are already shaped to broadcast against x. One node instead of ~10: the
    backward is the closed form; in create_graph mode it recomputes the statistics from x with
    Tensor ops so that it is itself differentiable. Arrays are viewed with neighbouring
    reduced / kept dims merged (``_collapse``)."""
    _raw = True

    @staticmethod
    def forward(ctx, x, w, b, axes, eps):
        form = _per_channel_form(x.shape, axes, w, b) \
            if x.dtype in (np.float32, np.float64) else None
        if form is not None:            # batch-norm shaped: one fused kernel
            from autograd.kernels.norm import norm_forward
            K = form[1]
            mean, var, invstd = (np.empty(K, np.float64) for _ in range(3))
            out = np.empty(x.shape, x.dtype)
            norm_forward(np.ascontiguousarray(x).reshape(form), _flat(w, x.dtype),
                         _flat(b, x.dtype), float(eps), out.reshape(form), mean, var, invstd)
            ctx.save_for_backward(x, w)
            ctx.meta = (axes, eps, None)
            ctx.fused = (form, mean, invstd)
            ctx.stats = (mean.astype(x.dtype), var.astype(x.dtype))
            return out
        ctx.fused = None
        view = _collapse(x.shape, axes, w, b)
        xv, wv, bv, ax = x, w, b, axes
        if view is not None:
            shape, ax, (ws, bs) = view
            xv = x.reshape(shape)
            wv = None if w is None else w.reshape(ws)
            bv = None if b is None else b.reshape(bs)
        mean = xv.mean(axis=ax, keepdims=True)
        xhat = xv - mean
        var = (xhat * xhat).mean(axis=ax, keepdims=True)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat *= invstd                          # in place: xc -> xhat
        out = xhat
        if wv is not None:
            out = out * wv
        if bv is not None:
            out = out + bv if out is xhat else np.add(out, bv, out=out)
        ctx.save_for_backward(x, w, xhat, invstd)
        ctx.meta = (axes, eps, view)
        ctx.stats = (mean.reshape(-1), var.reshape(-1))   # read by batch_norm (running stats)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        x, w = saved[0], saved[1]
        axes, eps, view = ctx.meta
        n = ctx.needs_input_grad
        if ctx.fused is not None and not U.is_t(g):
            from autograd.kernels.norm import norm_backward
            form, mean, invstd = ctx.fused
            K = form[1]
            dt = x.dtype
            gx = np.empty(x.shape, dt) if n[0] else np.empty((0, 0, 0), dt)
            gw = np.empty(K, dt) if w is not None and n[1] else np.empty(0, dt)
            gb = np.empty(K, dt) if len(n) > 2 and n[2] else np.empty(0, dt)
            norm_backward(np.ascontiguousarray(x).reshape(form),
                          np.ascontiguousarray(g).reshape(form), _flat(w, dt), mean, invstd,
                          gx.reshape(form) if gx.size else gx, gw, gb)
            return (gx if n[0] else None, gw.reshape(w.shape) if gw.size else None,
                    gb.reshape(ctx._in_meta[2][0]) if gb.size else None, None, None)
        if U.is_t(g):                 # differentiable path: rebuild stats from x
            mean = x.mean(axis=axes, keepdims=True)
            xc = x - mean
            var = (xc * xc).mean(axis=axes, keepdims=True)
            invstd = (var + eps) ** -0.5
            xhat = xc * invstd
            gw = U.sum_to(g * xhat, w.shape) if w is not None and n[1] else None
            gb = U.sum_to(g, tuple(ctx._in_meta[2][0])) if n[2] else None
            gx = None
            if n[0]:
                gxhat = g * w if w is not None else g
                s1 = gxhat.mean(axis=axes, keepdims=True)
                s2 = (gxhat * xhat).mean(axis=axes, keepdims=True)
                gx = (gxhat - s1 - xhat * s2) * invstd
            return gx, gw, gb, None, None
        xhat, invstd = saved[2], saved[3]
        ax, wv = axes, w
        if view is not None:                    # the forward's merged-dims views
            shape, ax, (ws, bs) = view
            g = g.reshape(shape)
            wv = None if w is None else w.reshape(ws)
        gw = gb = gx = None
        if wv is not None and n[1]:
            gw = U.sum_to(g * xhat, wv.shape).reshape(w.shape)
        if n[2]:
            bshape = tuple(ctx._in_meta[2][0])
            gb = U.sum_to(g, bs if view is not None else bshape).reshape(bshape)
        if n[0]:
            gxhat = g * wv if wv is not None else g
            s1 = gxhat.mean(axis=ax, keepdims=True)
            s2 = (gxhat * xhat).mean(axis=ax, keepdims=True)
            gx = gxhat - s1 if gxhat is not g else g - s1
            gx -= xhat * s2
            gx *= invstd
            gx = gx.reshape(x.shape)
        return gx, gw, gb, None, None


def _flat(p, dtype):
    """A per-channel parameter as a flat array for the kernels (size 0 for None)."""
    return np.empty(0, dtype) if p is None else np.ascontiguousarray(p, dtype).reshape(-1)


def _check_dtypes(name: str, x: Tensor, **params) -> None:
    """torch refuses to mix float32 and float64 between the input and the parameters or
    running statistics of a normalisation (no silent promotion)."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"{name}(): not implemented for an input of dtype {x.dtype}")
    for pname, p in params.items():
        if p is not None and isinstance(p, Tensor) and p._data.dtype != x._data.dtype:
            raise RuntimeError(f"{name}(): mixed dtype: input is {x.dtype} but {pname} is "
                               f"{p.dtype}; convert the module (.float() / .double()) or the "
                               "input")


def _affine_shape(x: Tensor, ch_dim: int = 1):
    shape = [1] * x.ndim
    shape[ch_dim] = x.shape[ch_dim]
    return tuple(shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise over every dim but 1 (channels). input: (N, C, *). Training uses the batch's
    biased variance and updates the running stats (in place) with the unbiased one; eval uses
    the running stats (torch.nn.functional.batch_norm)."""
    x = _t(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm(): expected at least 2D input (got {x.ndim}D input)")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm(): {name} should contain {c} elements not "
                               f"{t.numel()} (input {tuple(x.shape)})")
    _check_dtypes("batch_norm", x, weight=weight, bias=bias, running_mean=running_mean,
                  running_var=running_var)
    if training and not eps > 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if not eps >= 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    bshape = _affine_shape(x)
    w = None if weight is None else _t(weight).reshape(bshape)
    b = None if bias is None else _t(bias).reshape(bshape)
    if training:
        size = x.numel() // c if c else 0
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
        if x.numel() == 0:              # torch: an empty result, running stats unchanged
            y = x if w is None else x * w
            return y if b is None else y + b
        axes = (0,) + tuple(range(2, x.ndim))
        node_out = named(Normalize.apply(x, w, b, axes, float(eps)), "NativeBatchNormBackward0")
        if running_mean is not None or running_var is not None:
            _update_running(x, axes, running_mean, running_var, momentum, node_out)
        return node_out
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm(): running_mean and running_var must be defined in "
                           "evaluation mode")
    # eval: one per-channel affine, as torch's CPU kernel: alpha = w / sqrt(var + eps),
    # beta = b - mean * alpha, out = x * alpha + beta: two passes over x instead of four (torch
    # fuses the multiply-add, so the last bit may differ). (N, C, *) is viewed as (N, C, L):
    # numpy broadcasts a (1, C, 1) pattern far faster than (1, C, 1, 1).
    dt = x._data.dtype
    rm = _t(running_mean)._data.astype(dt, copy=False)
    rv = _t(running_var)._data.astype(dt, copy=False)
    inv = (1.0 / np.sqrt(rv + dt.type(eps))).astype(dt, copy=False)
    view = (x.shape[0], c, int(np.prod(x.shape[2:]))) if x.ndim > 2 else (x.shape[0], c)
    pshape = (1, c, 1) if x.ndim > 2 else (1, c)
    wt = None if weight is None else _t(weight)
    bt = None if bias is None else _t(bias)
    if not (grad_mode.is_grad_enabled() and any(
            t is not None and t.requires_grad for t in (x, wt, bt))):
        alpha = inv if wt is None else inv * wt._data
        beta = -(rm * alpha) if bt is None else bt._data - rm * alpha
        out = np.multiply(x._data.reshape(view), alpha.reshape(pshape))
        out += beta.reshape(pshape)
        return Tensor._make(out.reshape(x.shape))
    alpha = Tensor._make(inv) if wt is None else Tensor._make(inv) * wt
    beta = -(Tensor._make(rm) * alpha)
    if bt is not None:
        beta = bt + beta
    out = x.reshape(view) * alpha.reshape(pshape) + beta.reshape(pshape)
    return out.reshape(x.shape)


def _update_running(x, axes, running_mean, running_var, momentum, out):
    node = out.grad_fn
    if node is not None and hasattr(node, "stats"):
        mean, var = node.stats
        del node.stats
    else:
        xa = x._data
        mean = xa.mean(axis=axes, keepdims=True)
        var = ((xa - mean) ** 2).mean(axis=axes, keepdims=True)
    n = x.numel() // x.shape[1]
    m = float(momentum)
    with grad_mode.no_grad():
        if running_mean is not None:
            rm = running_mean._data
            rm *= (1.0 - m)
            rm += (m * mean.reshape(-1)).astype(rm.dtype, copy=False)
            running_mean._vc[0] += 1
        if running_var is not None:
            rv = running_var._data
            rv *= (1.0 - m)
            rv += (m * var.reshape(-1) * (n / (n - 1.0))).astype(rv.dtype, copy=False)
            running_var._vc[0] += 1


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing dims ``normalized_shape`` (torch.nn.functional.layer_norm)."""
    x = _t(input)
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[-k:]) != ns:
        raise RuntimeError(f"layer_norm(): Given normalized_shape={list(ns)}, expected input "
                           f"with shape [*, {', '.join(map(str, ns))}], but got input of size "
                           f"{list(x.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"layer_norm(): {name} of shape {tuple(t.shape)} does not match "
                               f"normalized_shape {ns}")
    _check_dtypes("layer_norm", x, weight=weight, bias=bias)
    axes = tuple(range(x.ndim - k, x.ndim))
    return named(Normalize.apply(x, None if weight is None else _t(weight),
                                 None if bias is None else _t(bias), axes, float(eps)),
                 "NativeLayerNormBackward0")


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise each group of C // num_groups channels (per sample). input: (N, C, *)."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"group_norm(): Expected at least 2 dimensions for input tensor but "
                           f"received {x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise RuntimeError(f"group_norm(): Expected number of channels in input to be divisible "
                           f"by num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    _check_dtypes("group_norm", x, weight=weight, bias=bias)
    if n * (c // num_groups) * int(np.prod(x.shape[2:])) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {[n * c // num_groups, num_groups] + list(x.shape[2:])}")
    y = Normalize.apply(x.reshape(n, num_groups, -1), None, None, (2,), float(eps))
    y = y.reshape(x.shape)
    bshape = _affine_shape(x)
    if weight is not None:
        y = y * _t(weight).reshape(bshape)
    if bias is not None:
        y = y + _t(bias).reshape(bshape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial dims. input: (N, C, *)."""
    x = _t(input)
    if not use_input_stats:
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, x.ndim))
    if not axes:
        raise ValueError("instance_norm(): expected input with spatial dims (N, C, *)")
    if int(np.prod(x.shape[2:])) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{x.shape}")
    bshape = _affine_shape(x)
    w = None if weight is None else _t(weight).reshape(bshape)
    b = None if bias is None else _t(bias).reshape(bshape)
    out = Normalize.apply(x, w, b, axes, float(eps))
    if running_mean is not None or running_var is not None:
        node = out.grad_fn
        if node is not None and hasattr(node, "stats"):
            mean, var = node.stats
            del node.stats
        else:
            mean = x._data.mean(axis=axes, keepdims=True)
            var = ((x._data - mean) ** 2).mean(axis=axes, keepdims=True)
        n = int(np.prod(x.shape[2:]))
        mean_c = mean.reshape(x.shape[0], x.shape[1]).mean(0)
        var_c = (var.reshape(x.shape[0], x.shape[1]) * (n / max(n - 1.0, 1.0))).mean(0)
        m = float(momentum)
        with grad_mode.no_grad():
            if running_mean is not None:
                running_mean._data[...] = (1 - m) * running_mean._data + m * mean_c
                running_mean._vc[0] += 1
            if running_var is not None:
                running_var._data[...] = (1 - m) * running_var._data + m * var_c
                running_var._vc[0] += 1
    return out


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """x / sqrt(mean(x^2 over normalized_shape) + eps) * weight (torch.nn.functional.rms_norm);
    eps None means the dtype's machine epsilon."""
    x = _t(input)
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    k = len(ns)
    if x.ndim < k or tuple(x.shape[-k:]) != ns:
        raise RuntimeError(f"rms_norm(): Given normalized_shape={list(ns)}, expected input with "
                           f"shape [*, {', '.join(map(str, ns))}], but got input of size "
                           f"{list(x.shape)}")
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    dims = tuple(range(x.ndim - k, x.ndim))
    out = x * _ops.rsqrt(_ops.mean(x * x, dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta."""
    x = _t(input)
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    c = x.shape[1]
    sq = x * x
    pad_lo, pad_hi = size // 2, (size - 1) // 2
    parts = []
    zshape = list(x.shape)
    for off in range(-pad_lo, pad_hi + 1):
        lo, hi = max(0, off), min(c, c + off)
        if hi <= lo:
            continue
        piece = _ops.narrow(sq, 1, lo, hi - lo)
        before, after = lo - off, c - (hi - off)
        chunks = []
        if before:
            zshape[1] = before
            chunks.append(Tensor._make(np.zeros(zshape, x._data.dtype)))
        chunks.append(piece)
        if after:
            zshape[1] = after
            chunks.append(Tensor._make(np.zeros(zshape, x._data.dtype)))
        parts.append(_ops.cat(chunks, 1) if len(chunks) > 1 else piece)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    div = (total * (alpha / size) + k) ** beta
    return x / div
