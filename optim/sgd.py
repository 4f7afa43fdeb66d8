"""SGD (torch.optim.SGD): stochastic gradient descent with optional (Nesterov) momentum."""
from __future__ import annotations

import numpy as np

from autograd.kernels import optim as _KO
from autograd.tensor import Tensor

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _fma_, _fused_ok,
                        _regularized_grad, _to_scalar)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, torch.optim.SGD step for step.

    Per parameter, with g the gradient (negated if ``maximize``)::

        g = g + weight_decay * p (+ l1_weight_decay * sign(p))
        if momentum: buf = g (first step) else buf = momentum * buf + (1 - dampening) * g
                     g = g + momentum * buf if nesterov else buf
        p = p - lr * g

    Args: lr (default 1e-3 as torch 2.x), momentum, dampening, weight_decay, nesterov, maximize;
    ``l1_weight_decay`` (not in torch) adds an L1 penalty's subgradient. State per parameter:
    ``'momentum_buffer'`` (only when momentum != 0).
    """

    _GROUP_DEFAULTS = dict(nesterov=False, maximize=False, foreach=None, differentiable=False,
                           fused=None)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None, l1_weight_decay=0):
        _check_lr(lr, nan_ok=True)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def _fused_sgd(self, p, g, lr, momentum, dampening, nesterov) -> bool:
        """The same update in one Numba pass (kernels/optim.py); False: use the numpy path."""
        a = p._data
        T = a.dtype.type
        buf = None
        first = False
        if momentum != 0:
            state = self.state[p]
            buf_t = state.get("momentum_buffer")
            if buf_t is None:
                buf_t = state["momentum_buffer"] = Tensor._make(np.empty_like(a))
                first = True
            elif not _fused_ok(buf_t._data, a):
                return False
            else:
                buf_t._vc[0] += 1
            buf = buf_t._data
        _KO.sgd_update(a.reshape(-1), np.ascontiguousarray(g).reshape(-1),
                       (a if buf is None else buf).reshape(-1), T(momentum), T(1 - dampening),
                       T(-lr), momentum != 0, first, bool(nesterov))
        _bump(p)
        return True

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                if _fused_ok(p._data, g) and self._fused_sgd(p, g, lr, momentum, dampening,
                                                              nesterov):
                    continue
                if momentum != 0:
                    state = self.state[p]
                    buf_t = state.get("momentum_buffer")
                    if buf_t is None:
                        buf_t = Tensor._make(g.copy())
                        state["momentum_buffer"] = buf_t
                    else:
                        buf = buf_t._data
                        buf *= momentum
                        _fma_(buf, g, 1 - dampening)
                        buf_t._vc[0] += 1
                    if nesterov:
                        g = _fma_(np.array(g, copy=True), buf_t._data, momentum)
                    else:
                        g = buf_t._data
                _fma_(p._data, g, -lr)
                _bump(p)
