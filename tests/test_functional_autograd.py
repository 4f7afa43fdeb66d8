"""autograd.functional (torch.autograd.functional) and the autograd.autograd path, against
closed forms (and PyTorch when importable)."""
import numpy as np
import pytest

import autograd
from autograd.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp

R = np.random.default_rng(7)


def t(a):
    return autograd.tensor(a, dtype=autograd.float64)


def test_torch_autograd_path_is_the_same_objects():
    import autograd.autograd as A
    assert A.grad is autograd.grad and A.Function is autograd.Function
    assert A.functional is autograd.functional and A.profiler is autograd.profiler
    assert autograd.tensor([1.0]).__class__ is autograd.Tensor     # no second module copies
    v = autograd.ones(2)
    assert A.Variable(v) is v and A.Variable(v, requires_grad=True).requires_grad


def test_jacobian_closed_form():
    x0 = R.standard_normal(4)
    J = jacobian(lambda x: x.sin() * x, t(x0))
    np.testing.assert_allclose(J.numpy(), np.diag(np.cos(x0) * x0 + np.sin(x0)))
    A = R.standard_normal((3, 4))
    (Ja, Jb) = jacobian(lambda a, x: a @ x, (t(A), t(x0)))
    np.testing.assert_allclose(Jb.numpy(), A)
    assert Ja.shape == (3, 3, 4)
    np.testing.assert_allclose(Ja.numpy()[1, 1], x0)
    np.testing.assert_allclose(Ja.numpy()[1, 0], 0)


def test_jacobian_unused_input_zero_or_strict_error():
    x = t(R.standard_normal(3))
    _, J2 = jacobian(lambda a, b: a * 2, (x, x.clone()))
    assert np.all(J2.numpy() == 0)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        jacobian(lambda a, b: a * 2, (x, x.clone()), strict=True)


def test_hessian_and_products_closed_form():
    A = R.standard_normal((4, 4))
    S = A + A.T
    x0, v0 = R.standard_normal(4), R.standard_normal(4)
    f = lambda x: 0.5 * (x @ (t(S) @ x)) + (x ** 3).sum()      # H = S + diag(6x)
    H = S + np.diag(6 * x0)
    np.testing.assert_allclose(hessian(f, t(x0)).numpy(), H, rtol=1e-12)
    val, hv = hvp(f, t(x0), t(v0))
    np.testing.assert_allclose(hv.numpy(), H @ v0, rtol=1e-12)
    np.testing.assert_allclose(vhp(f, t(x0), t(v0))[1].numpy(), v0 @ H, rtol=1e-12)
    assert not val.requires_grad


def test_vjp_jvp_closed_form():
    A = R.standard_normal((3, 4))
    x0, u0, v0 = R.standard_normal(4), R.standard_normal(3), R.standard_normal(4)
    f = lambda x: t(A) @ x.exp()
    J = A * np.exp(x0)[None, :]
    out, g = vjp(f, t(x0), t(u0))
    np.testing.assert_allclose(g.numpy(), u0 @ J)
    np.testing.assert_allclose(out.numpy(), A @ np.exp(x0))
    np.testing.assert_allclose(jvp(f, t(x0), t(v0))[1].numpy(), J @ v0)
    with pytest.raises(RuntimeError, match="mismatch in shape"):
        jvp(f, t(x0), t(u0))


def test_create_graph_gives_differentiable_results():
    x = t([0.5, -1.0]).requires_grad_()
    J = jacobian(lambda z: z ** 3, x, create_graph=True)
    J.sum().backward()                               # d/dx sum(diag(3x^2)) = 6x
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy())


def test_against_torch():
    torch = pytest.importorskip("torch")
    x0, y0 = R.standard_normal((2, 3)), R.standard_normal(3)
    res = []
    for M in (autograd, torch):
        F = M.autograd.functional
        f = lambda x, y: (x.exp() * y).sum(0) + (x * x).sum()
        J = F.jacobian(f, (M.tensor(x0), M.tensor(y0)))
        H = F.hessian(lambda x, y: (x.sum(1) * y[:2]).exp().sum(), (M.tensor(x0), M.tensor(y0)))
        res.append([J[0].numpy(), J[1].numpy()] + [h.numpy() for row in H for h in row])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10)
