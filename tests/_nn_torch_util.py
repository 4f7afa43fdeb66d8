"""Helpers for comparing nn modules with torch (tests only)."""
import numpy as np

import autograd
import nn


def to_torch(x, torch, requires_grad=False):
    t = torch.from_numpy(np.array(x._data if isinstance(x, autograd.Tensor) else x))
    if requires_grad:
        t.requires_grad_(True)
    return t


def copy_params(ours, theirs, torch):
    """Copy our state_dict into the torch module (names must match)."""
    sd = {k: torch.from_numpy(np.array(v._data)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def compare_module(ours, theirs, torch, inputs, rtol=1e-5, atol=1e-6, grad=True):
    """Forward both on the same inputs, compare outputs, then compare input and param grads."""
    ins_o = [autograd.tensor(x, requires_grad=grad and x.dtype.kind == "f") for x in inputs]
    ins_t = [torch.from_numpy(x.copy()).requires_grad_(grad and x.dtype.kind == "f")
             for x in inputs]
    out_o = ours(*ins_o)
    out_t = theirs(*ins_t)
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), rtol=rtol, atol=atol)
    assert out_o._data.dtype == out_t.detach().numpy().dtype
    if not grad:
        return out_o, out_t
    rng = np.random.default_rng(0)
    g = rng.standard_normal(out_o.shape).astype(out_o._data.dtype)
    out_o.backward(autograd.tensor(g))
    out_t.backward(torch.from_numpy(g))
    for a, b in zip(ins_o, ins_t):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=rtol, atol=atol)
    po = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is not None:
            np.testing.assert_allclose(po[name].grad._data, p.grad.numpy(), rtol=rtol,
                                       atol=atol, err_msg=name)
    return out_o, out_t
