"""RMSprop (torch.optim.RMSprop)."""
from __future__ import annotations

import numpy as np

from autograd.kernels import optim as _KO

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _fused_ok,
                        _incr_step, _lerp_, _new_step, _regularized_grad, _to_scalar,
                        _zeros_like)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, torch.optim.RMSprop step for step.

    Per parameter (g negated if ``maximize``, plus weight_decay * p, plus l1 * sign(p))::

        v = alpha * v + (1 - alpha) * g * g
        centered: ga = lerp(ga, g, 1 - alpha); avg = sqrt(v - ga * ga) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum * buf + g / avg; p = p - lr * buf
        else:         p = p - lr * g / avg

    Defaults as torch: lr=1e-2, alpha=0.99, eps=1e-8. State: ``'step'``, ``'square_avg'``,
    ``'momentum_buffer'`` (momentum > 0), ``'grad_avg'`` (centered).
    """

    _GROUP_DEFAULTS = dict(momentum=0, centered=False, foreach=None, maximize=False,
                           differentiable=False, capturable=False)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False, *, l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    @staticmethod
    def _fused(p, g, state, lr, alpha, eps, momentum, centered) -> bool:
        """The update below in one Numba pass (kernels/optim.py), same arithmetic; False:
        arrays the kernel does not take, use the numpy path."""
        a = p._data
        bufs = [t._data for k, t in state.items() if k != "step"]
        if not (_fused_ok(a, g) and all(_fused_ok(b, a) for b in bufs)):
            return False
        T = a.dtype.type
        sq = state["square_avg"]._data.reshape(-1)
        ga = state["grad_avg"]._data.reshape(-1) if centered else sq
        buf = state["momentum_buffer"]._data.reshape(-1) if momentum > 0 else sq
        c1 = T(1 - alpha)
        _KO.rmsprop_update(a.reshape(-1), np.ascontiguousarray(g).reshape(-1), sq, ga, buf,
                           T(alpha), c1, c1 - T(1), T(eps), T(momentum), T(-lr), bool(centered),
                           momentum > 0)
        for t in state.values():
            t._vc[0] += 1
        _bump(p)
        return True

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
                _incr_step(state)
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                if self._fused(p, g, state, lr, alpha, eps, momentum, group["centered"]):
                    continue
                sq = state["square_avg"]._data
                sq *= alpha
                _fma_(sq, (1 - alpha) * g, g)
                if group["centered"]:
                    ga = state["grad_avg"]._data
                    _lerp_(ga, g, 1 - alpha)
                    avg = np.sqrt(_fma_(sq.copy(), -ga, ga))
                else:
                    avg = np.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    _fma_(p._data, buf, -lr)
                else:
                    p._data += (-lr * g) / avg
                for t in state.values():
                    t._vc[0] += 1
                _bump(p)
