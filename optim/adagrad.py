"""Adagrad (torch.optim.Adagrad)."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _incr_step,
                        _new_step, _regularized_grad, _to_scalar)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, torch.optim.Adagrad step for step.

    Per parameter, step t (g negated if ``maximize``, plus weight_decay * p, plus l1 * sign(p))::

        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g;  p = p - clr * g / (sqrt(s) + eps)

    Defaults as torch: lr=1e-2, lr_decay=0, initial_accumulator_value=0, eps=1e-10. State
    (created at construction, as torch): ``'step'``, ``'sum'``.
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, fused=None)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None,
                 l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_nonneg("epsilon", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group["initial_accumulator_value"])

    def _init_state(self, p, init_value):
        state = self.state[p]
        state["step"] = _new_step()
        state["sum"] = Tensor._make(np.full(p._data.shape, init_value, p._data.dtype))

    def share_memory(self):
        pass

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                step = _incr_step(state)
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                clr = lr / (1 + (step - 1) * group["lr_decay"])
                s = state["sum"]._data
                _fma_(s, g, g)
                std = np.sqrt(s)
                std += group["eps"]
                p._data += (-clr * g) / std
                state["sum"]._vc[0] += 1
                _bump(p)
