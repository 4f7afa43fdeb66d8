"""``.grad`` and ``._version`` behave as torch's: the non-leaf warning, the setter's checks,
the version counter shared by views."""
import warnings

import numpy as np
import pytest

import autograd


def _grad_warnings(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in rec if "not a leaf Tensor" in str(w.message)]


def test_nonleaf_grad_read_warns_unless_retained():
    x = autograd.ones(3, requires_grad=True)
    y = x * 2
    assert len(_grad_warnings(lambda: y.grad)) == 1
    assert _grad_warnings(lambda: x.grad) == []                 # leaf
    assert _grad_warnings(lambda: autograd.ones(2).grad) == []  # no grad at all
    y.retain_grad()
    y.sum().backward()
    assert _grad_warnings(lambda: y.grad) == []
    np.testing.assert_array_equal(y.grad.numpy(), np.ones(3, np.float32))


def test_grad_setter_checks():
    x = autograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="size"):
        x.grad = autograd.ones(4)
    with pytest.raises(RuntimeError, match="dtype"):
        x.grad = autograd.ones(3, dtype=autograd.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        x.grad = 3
    g = autograd.ones(3)
    x.grad = g
    assert x.grad is g
    del x.grad
    assert x.grad is None


def _versions(T):
    a = T.zeros(3)
    a.add_(1)
    r = [a._version]
    b = a[0:2]
    b.mul_(2)
    r += [a._version, b._version]
    a[1] = 5
    r += [a._version, b._version]
    p = T.ones(2, requires_grad=True)
    with T.no_grad():
        p.sub_(0.1)
    r += [p._version, a.clone()._version]
    d = a.view(3)
    d.zero_()
    return r + [a._version, d._version]


def test_version_counter_is_an_int_shared_by_views():
    r = _versions(autograd)
    assert all(type(v) is int for v in r)
    assert r == [1, 2, 2, 3, 3, 1, 0, 4, 4]


def test_version_counter_matches_torch():
    torch = pytest.importorskip("torch")
    assert _versions(autograd) == _versions(torch)

