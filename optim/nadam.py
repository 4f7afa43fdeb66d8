"""NAdam (torch.optim.NAdam)."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .adamax import _check_betas
from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _incr_step,
                        _lerp_, _new_step, _regularized_grad, _step_dtype, _to_scalar,
                        _zeros_like)

__all__ = ["NAdam"]


def _scalar_state(state: dict, key: str, value: float) -> Tensor:
    """state[key] as a 0-d Tensor (an old-format state dict may hold a number there); created
    as torch does, in the 'step' dtype (float32 unless the default dtype is float64)."""
    t = state.get(key)
    if not isinstance(t, Tensor):
        t = Tensor._make(np.asarray(value if t is None else float(t), _step_dtype()))
        state[key] = t
    return t


class NAdam(Optimizer):
    """NAdam (Adam with Nesterov momentum), torch.optim.NAdam step for step.

    Per parameter, step t (g negated if ``maximize``)::

        p = p * (1 - lr * weight_decay)          if decoupled_weight_decay (NAdamW)
        g = g + weight_decay * p                 otherwise (coupled L2)
        g = g + l1_weight_decay * sign(p)        (L1, not in torch; always coupled)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  mu_{t+1} likewise
        mu_product = mu_product * mu_t           (kept a 0-d float32 Tensor, as torch)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
        p = p - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom

    Defaults as torch: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3. State:
    ``'step'``, ``'mu_product'`` (0-d Tensors), ``'exp_avg'``, ``'exp_avg_sq'``.
    """

    _GROUP_DEFAULTS = dict(maximize=False, foreach=None, capturable=False, differentiable=False,
                           decoupled_weight_decay=False)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False, l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def __setstate__(self, state):
        super().__setstate__(state)
        for st in self.state.values():
            if isinstance(st, dict) and "mu_product" in st:
                _scalar_state(st, "mu_product", 1.0)

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = (_to_scalar(b) for b in group["betas"])
            eps, wd = group["eps"], group["weight_decay"]
            momentum_decay = group["momentum_decay"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["mu_product"] = Tensor._make(np.ones((), _step_dtype()))
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step = _incr_step(state)
                bias_correction2 = 1 - beta2 ** step
                if wd != 0 and decoupled:
                    p._data *= 1 - lr * wd
                g = _regularized_grad(p, group, 0 if decoupled else wd, group["maximize"])
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mp = _scalar_state(state, "mu_product", 1.0)
                mp._data *= mp._data.dtype.type(mu)     # in the state's dtype, as torch
                mp._vc[0] += 1
                mu_product = float(mp._data)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                _fma_(v, (1 - beta2) * g, g)
                denom = np.sqrt(v / bias_correction2)
                denom += eps
                mu_product_next = mu_product * mu_next
                p._data += ((-lr * (1.0 - mu) / (1.0 - mu_product)) * g) / denom
                p._data += (((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
                state["exp_avg"]._vc[0] += 1
                state["exp_avg_sq"]._vc[0] += 1
                _bump(p)
