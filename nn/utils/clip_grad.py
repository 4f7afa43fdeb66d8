"""Gradient clipping (torch.nn.utils.clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_)."""
from __future__ import annotations

import math

import numpy as np

from autograd.kernels import optim as _KO
from autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _vector_norm(arr: np.ndarray, p: float) -> np.ndarray:
    """torch.linalg.vector_norm of a flat array, returned as a 0-d array of arr's dtype
    (accumulated in float64 for accuracy)."""
    if p == 2 and arr.dtype in (np.float32, np.float64):
        return np.asarray(math.sqrt(_KO.sum_squares(np.ascontiguousarray(arr).reshape(-1))),
                          arr.dtype)
    a = np.abs(arr.reshape(-1).astype(np.float64))
    if p == math.inf:
        r = a.max() if a.size else 0.0
    elif p == -math.inf:
        r = a.min() if a.size else math.inf
    elif p == 0:
        r = float(np.count_nonzero(a))
    elif p == 1:
        r = a.sum()
    elif p == 2:
        r = math.sqrt(np.dot(a, a))
    else:
        r = (a ** p).sum() ** (1.0 / p)
    return np.asarray(r, arr.dtype)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Norm of the norms of ``tensors`` (as if concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return Tensor._make(np.zeros((), np.float32))
    arrs = [t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
    dtype = np.result_type(*[a.dtype for a in arrs])
    norms = np.array([_vector_norm(a, norm_type) for a in arrs], dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(total)


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)) in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if len(grads) == 0:
        return
    tn = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    clip_coef = float(max_norm) / (tn + 1e-6)            # computed in the norm's dtype (torch)
    clip_coef = np.minimum(clip_coef, tn.dtype.type(1.0))
    for g in grads:
        g._data *= clip_coef.astype(g._data.dtype) if g._data.dtype != clip_coef.dtype \
            else clip_coef
        g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """torch.nn.utils.clip_grad_norm_: rescale the gradients of ``parameters`` (a Tensor or an
    iterable of Tensors) in place so that their total ``norm_type``-norm (computed over all
    gradients together, inf for the max-norm) is at most ``max_norm``:
    ``g *= min(1, max_norm / (total_norm + 1e-6))``. Returns the total norm before clipping as a
    0-d Tensor. ``error_if_nonfinite=True`` raises RuntimeError on a nan/inf norm."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of clip_grad_norm_ (as torch)."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """torch.nn.utils.clip_grad_value_: clamp every gradient to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._vc[0] += 1
