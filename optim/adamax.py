"""Adamax (torch.optim.Adamax)."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _incr_step, _lerp_,
                        _new_step, _regularized_grad, _to_scalar, _zeros_like)

__all__ = ["Adamax"]


def _check_betas(betas) -> None:
    """torch's Adam-family beta checks (same messages)."""
    if not 0.0 <= _to_scalar(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= _to_scalar(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm), torch.optim.Adamax step for step.

    Per parameter, step t (g negated if ``maximize``, plus weight_decay * p, plus
    l1_weight_decay * sign(p))::

        m = lerp(m, g, 1 - beta1)
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    Defaults as torch: lr=2e-3, betas=(0.9, 0.999), eps=1e-8. State: ``'step'`` (0-d float32
    Tensor), ``'exp_avg'``, ``'exp_inf'``. ``foreach``, ``differentiable`` and ``capturable``
    are accepted and stored (the update is torch's single-tensor CPU path).
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False,
                 l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = (_to_scalar(b) for b in group["betas"])
            eps = group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                step = _incr_step(state)
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                _lerp_(m, g, 1 - beta1)
                u *= beta2
                norm = np.abs(g)
                norm += eps
                np.maximum(u, norm, out=u)
                clr = lr / (1 - beta1 ** step)
                p._data += (-clr * m) / u              # addcdiv_(m, u, value=-clr)
                state["exp_avg"]._vc[0] += 1
                state["exp_inf"]._vc[0] += 1
                _bump(p)
