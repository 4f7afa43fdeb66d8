"""ASGD (torch.optim.ASGD): averaged stochastic gradient descent."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .nadam import _scalar_state
from .optimizer import (Optimizer, _add_l1, _bump, _check_lr, _check_nonneg, _fma_, _incr_step,
                        _new_step, _regularized_grad, _step_dtype, _to_scalar, _zeros_like)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak-Juditsky), torch.optim.ASGD step for step.

    Per parameter, step t (g negated if ``maximize``, plus weight_decay * p, plus
    l1_weight_decay * sign(p))::

        p = p * (1 - lambd * eta)
        p = p - eta * g
        ax = ax + mu * (p - ax)          (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    ``ax`` is the running average of the iterates (the averaged solution, read it from
    ``optimizer.state[p]['ax']``). Defaults as torch: lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6.
    State: ``'step'``, ``'eta'`` (starts at lr), ``'mu'`` (starts at 1) — 0-d float32 Tensors as
    torch — and ``'ax'``.
    """

    _GROUP_DEFAULTS = dict(foreach=None, maximize=False, differentiable=False, capturable=False)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False, *,
                 l1_weight_decay=0):
        _check_lr(lr)
        _check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, _add_l1(defaults, l1_weight_decay))

    def __setstate__(self, state):
        super().__setstate__(state)
        for st in self.state.values():
            if isinstance(st, dict) and "eta" in st:
                _scalar_state(st, "eta", 0.0)
                _scalar_state(st, "mu", 1.0)

    def _update(self):
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["eta"] = Tensor._make(np.asarray(lr, _step_dtype()))
                    state["mu"] = Tensor._make(np.ones((), _step_dtype()))
                    state["ax"] = _zeros_like(p)
                step = _incr_step(state)
                g = _regularized_grad(p, group, group["weight_decay"], group["maximize"])
                eta_t = _scalar_state(state, "eta", lr)
                mu_t = _scalar_state(state, "mu", 1.0)
                eta = float(eta_t._data)
                p._data *= 1 - lambd * eta                 # decay term
                _fma_(p._data, g, -eta)                    # add_(g, alpha=-eta)
                ax = state["ax"]._data
                mu = float(mu_t._data)
                if mu != 1:
                    d = p._data - ax
                    d *= mu
                    ax += d
                else:
                    ax[...] = p._data
                # torch makes the new values default-dtype tensors (as_tensor) and copies them
                # into eta / mu (float32, or the param dtype after a load_state_dict)
                T = _step_dtype()
                eta_t._data[...] = T(lr / ((1 + lambd * lr * step) ** alpha))
                mu_t._data[...] = T(1 / max(1, step - t0))
                for k in ("eta", "mu", "ax"):
                    state[k]._vc[0] += 1
                _bump(p)
