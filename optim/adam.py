"""Adam and AdamW (torch.optim.Adam / torch.optim.AdamW)."""
from __future__ import annotations

import numpy as np

from autograd.kernels import optim as _KO

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _fused_ok,
                        _incr_step, _lerp_, _new_step, _regularized_grad, _to_scalar, _zeros_like)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, torch.optim.Adam step for step (single-tensor path, as torch on CPU).

    Per parameter, step t (g negated if ``maximize``)::

        p = p * (1 - lr * weight_decay)          if decoupled_weight_decay (AdamW)
        g = g + weight_decay * p                 otherwise (coupled L2)
        g = g + l1_weight_decay * sign(p)        (L1, not in torch; always coupled)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        vmax = max(vmax, v) if amsgrad
        p = p - lr / (1 - beta1**t) * m / (sqrt(v or vmax) / sqrt(1 - beta2**t) + eps)

    State: ``'step'`` (0-d float32 Tensor), ``'exp_avg'``, ``'exp_avg_sq'``,
    ``'max_exp_avg_sq'`` (amsgrad).
    """

    _GROUP_DEFAULTS = dict(amsgrad=False, maximize=False, foreach=None, capturable=False,
                           differentiable=False, decoupled_weight_decay=False, fused=None)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False,
                 l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        if not 0.0 <= _to_scalar(betas[0]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= _to_scalar(betas[1]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        _check_nonneg("weight_decay", weight_decay)
        betas = tuple(map(_to_scalar, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    @staticmethod
    def _fused(p, g, state, lr, beta1, beta2, eps, step, amsgrad) -> bool:
        """The update below in one Numba pass (kernels/optim.py), same arithmetic; False:
        shapes or dtypes the kernel does not take, use the numpy path."""
        a = p._data
        bufs = [state[k]._data for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if k in state]
        if not (_fused_ok(a, g) and all(_fused_ok(b, a) for b in bufs)):
            return False
        T = a.dtype.type
        w1 = T(1 - beta1)
        flat = [b.reshape(-1) for b in bufs]
        _KO.adam_update(a.reshape(-1), np.ascontiguousarray(g).reshape(-1), flat[0], flat[1],
                        flat[-1], w1, w1 - T(1), T(beta2), T(1 - beta2),
                        T((1 - beta2 ** step) ** 0.5), T(eps), T(-(lr / (1 - beta1 ** step))),
                        bool(amsgrad))
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            if k in state:
                state[k]._vc[0] += 1
        _bump(p)
        return True

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = (_to_scalar(b) for b in group["betas"])
            eps = group["eps"]
            wd = group["weight_decay"]
            amsgrad = group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                step = _incr_step(state)
                if wd != 0 and decoupled:
                    p._data *= 1 - lr * wd
                g = _regularized_grad(p, group, 0 if decoupled else wd, group["maximize"])
                if self._fused(p, g, state, lr, beta1, beta2, eps, step, amsgrad):
                    continue
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                _fma_(v, (1 - beta2) * g, g)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2 ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    denom = np.sqrt(vmax) / bias_correction2_sqrt
                else:
                    denom = np.sqrt(v) / bias_correction2_sqrt
                denom += eps
                p._data += (-step_size * m) / denom
                for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
                    if k in state:
                        state[k]._vc[0] += 1
                _bump(p)


class AdamW(Adam):
    """AdamW, torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2),
    ``p = p * (1 - lr * weight_decay)`` before the Adam update. ``l1_weight_decay`` (not in
    torch) is added to the gradient (coupled)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None, l1_weight_decay=0):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True, l1_weight_decay=l1_weight_decay)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
