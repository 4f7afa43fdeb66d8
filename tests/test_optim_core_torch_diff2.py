"""Differential regressions against PyTorch: optim, lr_scheduler and core tensor ops.

Each test compares live against torch (skipped without it) for a case that once differed.
"""
import numpy as np
import pytest

import autograd
import optim

torch = pytest.importorskip("torch")


def _pair(arr):
    return (torch.tensor(arr.copy(), requires_grad=True),
            autograd.tensor(arr.copy(), requires_grad=True))


# ---- optim -------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.2, maximize=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(weight_decay=0.1, maximize=True, centered=True)),
    ("Adagrad", dict(weight_decay=0.1, maximize=True)),
])
def test_zero_dim_param_maximize_with_weight_decay(name, kwargs):
    # -grad of a 0-d array used to be a numpy scalar, which the weight-decay add wrote into
    tp, op = _pair(np.array(1.5))
    to = getattr(torch.optim, name)([tp], **kwargs)
    oo = getattr(optim, name)([op], **kwargs)
    for g in (0.3, -1.2, 0.7):
        tp.grad = torch.tensor(g, dtype=torch.float64)
        op.grad = autograd.tensor(g, dtype=autograd.float64)
        to.step()
        oo.step()
    np.testing.assert_allclose(op.detach().numpy(), tp.detach().numpy(), rtol=1e-12)


def test_sgd_accepts_nan_lr_like_torch():
    # torch's SGD checks ``lr < 0.0``, so NaN passes (the other optimizers reject it)
    torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=float("nan"))
    optim.SGD([autograd.zeros(2, requires_grad=True)], lr=float("nan"))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=float("nan"))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([autograd.zeros(2, requires_grad=True)], lr=float("nan"))
