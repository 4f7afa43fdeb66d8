"""Rprop (torch.optim.Rprop): resilient backpropagation."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _incr_step, _new_step,
                        _regularized_grad, _to_scalar, _zeros_like)

__all__ = ["Rprop"]


def _torch_sign(x: np.ndarray) -> np.ndarray:
    """torch.sign: (x > 0) - (x < 0), so a NaN gives 0 (np.sign gives NaN)."""
    return np.subtract(x > 0, x < 0, dtype=x.dtype)


class Rprop(Optimizer):
    """Rprop, torch.optim.Rprop step for step.

    Per element, with g the gradient (negated if ``maximize``; plus l1_weight_decay * sign(p),
    not in torch) and ``prev`` the previous step's (possibly zeroed) gradient::

        g * prev > 0:  step_size = min(step_size * etaplus, step_size_max)
        g * prev < 0:  step_size = max(step_size * etaminus, step_size_min);  g = 0
        otherwise:     step_size unchanged
        p = p - step_size * sign(g);  prev = g

    Defaults as torch: lr=1e-2 (the initial step size), etas=(0.5, 1.2),
    step_sizes=(1e-6, 50). State: ``'step'``, ``'prev'``, ``'step_size'``.
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False,
                 l1_weight_decay=0):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def _update(self):
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["prev"] = _zeros_like(p)
                    state["step_size"] = Tensor._make(
                        np.full(p._data.shape, _to_scalar(group["lr"]), p._data.dtype))
                _incr_step(state)
                g = _regularized_grad(p, group, 0, group["maximize"])
                prev = state["prev"]._data
                step_size = state["step_size"]._data
                T = step_size.dtype.type
                sign = _torch_sign(g * prev)
                # sign[sign > 0] = etaplus; sign[sign < 0] = etaminus; sign[sign == 0] = 1
                factor = np.where(sign > 0, T(etaplus), np.where(sign < 0, T(etaminus), T(1)))
                step_size *= factor
                np.clip(step_size, T(step_size_min), T(step_size_max), out=step_size)
                g = np.array(g, dtype=p._data.dtype, copy=True)
                g[factor == T(etaminus)] = 0
                p._data -= _torch_sign(g) * step_size      # addcmul_(sign(g), step_size, -1)
                prev[...] = g
                state["prev"]._vc[0] += 1
                state["step_size"]._vc[0] += 1
                _bump(p)
