"""Adadelta (torch.optim.Adadelta)."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _incr_step,
                        _new_step, _regularized_grad, _to_scalar, _zeros_like)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, torch.optim.Adadelta step for step.

    Per parameter (g negated if ``maximize``, plus weight_decay * p, plus l1 * sign(p))::

        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    Defaults as torch: lr=1.0, rho=0.9, eps=1e-6. State: ``'step'``, ``'square_avg'``,
    ``'acc_delta'``.
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False, l1_weight_decay=0):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("epsilon", eps)
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            rho, eps = group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                _incr_step(state)
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                sq = state["square_avg"]._data
                acc = state["acc_delta"]._data
                sq *= rho
                _fma_(sq, (1 - rho) * g, g)
                std = np.sqrt(sq + eps)
                delta = np.sqrt(acc + eps)
                delta /= std
                delta *= g
                acc *= rho
                _fma_(acc, (1 - rho) * delta, delta)
                _fma_(p._data, delta, -lr)
                state["square_avg"]._vc[0] += 1
                state["acc_delta"]._vc[0] += 1
                _bump(p)
