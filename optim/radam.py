"""RAdam (torch.optim.RAdam)."""
from __future__ import annotations

import numpy as np

from .adamax import _check_betas
from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _incr_step,
                        _lerp_, _new_step, _regularized_grad, _to_scalar, _zeros_like)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (rectified Adam), torch.optim.RAdam step for step.

    Per parameter, step t (g negated if ``maximize``)::

        p = p * (1 - lr * weight_decay)          if decoupled_weight_decay (RAdamW)
        g = g + weight_decay * p                 otherwise (coupled L2)
        g = g + l1_weight_decay * sign(p)        (L1, not in torch; always coupled)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p = p - m_hat * lr * (sqrt(1 - beta2**t) / (sqrt(v) + eps)) * r
        otherwise:  p = p - m_hat * lr                  (SGD with momentum while the variance
                                                         estimate is untrustworthy)

    Defaults as torch: lr=1e-3, betas=(0.9, 0.999), eps=1e-8. State: ``'step'``, ``'exp_avg'``,
    ``'exp_avg_sq'``.
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False,
                           decoupled_weight_decay=False, capturable=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False, l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = (_to_scalar(b) for b in group["betas"])
            eps, wd = group["eps"], group["weight_decay"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step = _incr_step(state)
                if wd != 0 and decoupled:
                    p._data *= 1 - lr * wd
                g = _regularized_grad(p, group, 0 if decoupled else wd, group["maximize"])
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                _fma_(v, (1 - beta2) * g, g)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = np.divide(m, bias_correction1, out=np.empty_like(m))
                update *= lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = np.sqrt(v, out=np.empty_like(v))
                    adaptive += eps
                    np.reciprocal(adaptive, out=adaptive)    # float / Tensor is reciprocal * float
                    adaptive *= bias_correction2 ** 0.5
                    update *= adaptive
                    update *= rect
                p._data -= update
                state["exp_avg"]._vc[0] += 1
                state["exp_avg_sq"]._vc[0] += 1
                _bump(p)
