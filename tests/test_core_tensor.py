"""Tensor surface, factories, seeding, movement and indexing against numpy."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd

import strategies as S


def test_tensor_attributes():
    x = autograd.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(-1) == 3
    assert x.dim() == x.ndim == 2 and x.numel() == 6
    assert x.dtype == autograd.float32 and x.is_leaf and x.grad_fn is None
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x[0, 1].item() == 2.0 and isinstance(x[0, 1].item(), float)
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert isinstance(x.detach().numpy(), np.ndarray)
    c = x.clone()
    assert c.grad_fn is not None and not np.shares_memory(c._data, x._data)
    assert x.t().contiguous().is_contiguous() and not x.t().is_contiguous()
    assert x.requires_grad_(False) is x and not x.requires_grad
    assert repr(autograd.Size([2, 3])) == "autograd.Size([2, 3])"


def test_factories_and_seed():
    assert autograd.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert autograd.ones((2,)).tolist() == [1.0, 1.0]
    assert autograd.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert autograd.empty(3).shape == (3,)
    assert autograd.arange(1, 7, 2).tolist() == [1, 3, 5]
    np.testing.assert_allclose(autograd.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    assert autograd.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    a = np.arange(3.0)
    t = autograd.from_numpy(a)
    a[0] = 9
    assert t[0].item() == 9                       # shares memory
    assert autograd.as_tensor(a)._data is a
    assert autograd.tensor(a)._data is not a
    autograd.manual_seed(3)
    r1 = (autograd.rand(3), autograd.randn(3), autograd.randint(0, 9, (3,)), autograd.randperm(5))
    autograd.manual_seed(3)
    r2 = (autograd.rand(3), autograd.randn(3), autograd.randint(0, 9, (3,)), autograd.randperm(5))
    for p, q in zip(r1, r2):
        assert p.tolist() == q.tolist()
    assert sorted(r1[3].tolist()) == list(range(5))
    x = autograd.ones(2, dtype=autograd.float64)
    for f in (autograd.zeros_like, autograd.ones_like, autograd.rand_like, autograd.randn_like):
        assert f(x).dtype == autograd.float64 and f(x).shape == (2,)


@given(x=S.tensors(shape=(4, 3), requires_grad=False),
       key=st.sampled_from([(slice(None, None, -1),), (slice(3, 0, -2), 1), (Ellipsis, 1),
                            (None, slice(1, 3)), (-1,), ([0, 0, 3],), (slice(None), [2, 0]),
                            (np.array([True, False, True, False]),)]))
def test_getitem_matches_numpy(x, key):
    np.testing.assert_array_equal(x[key]._data, x._data[key])


def test_getitem_negative_step_backward():
    x = autograd.tensor(np.arange(6.0), dtype=autograd.float64, requires_grad=True)
    y = x[::-2]                                        # numpy allows negative steps
    np.testing.assert_array_equal(y.numpy(force=True), [5.0, 3.0, 1.0])
    (y * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 2, 0, 1])


def test_repeated_indices_accumulate():
    x = autograd.ones(3, requires_grad=True)
    x[autograd.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_setitem_no_grad_and_version():
    x = autograd.zeros(2, 3)
    x[0] = 1.0
    x[1, [0, 2]] = autograd.tensor([5.0, 6.0])
    x[x > 5] = -1.0
    assert x.tolist() == [[1.0, 1.0, 1.0], [5.0, 0.0, -1.0]]
    assert x._version == 3


def test_movement_against_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = autograd.tensor(a)
    cases = [
        (x.reshape(4, 6), a.reshape(4, 6)), (x.view(-1, 4), a.reshape(-1, 4)),
        (x.transpose(0, 2), a.transpose(2, 1, 0)), (x.permute(1, 2, 0), a.transpose(1, 2, 0)),
        (x.flatten(), a.ravel()), (x.flatten(1), a.reshape(2, 12)),
        (x.unflatten(2, (2, 2)), a.reshape(2, 3, 2, 2)), (x[:, :1].squeeze(1), a[:, 0]),
        (x.unsqueeze(1), a[:, None]), (x[:, :1].expand(2, 3, 4), np.broadcast_to(a[:, :1],
                                                                                 (2, 3, 4))),
        (x.repeat(1, 2, 1), np.tile(a, (1, 2, 1))), (autograd.cat([x, x], 2),
                                                     np.concatenate([a, a], 2)),
        (autograd.stack([x, x], 1), np.stack([a, a], 1)), (x.flip(1), a[:, ::-1]),
        (x.split(2, 2)[1], a[:, :, 2:]), (x.chunk(3, 1)[2], a[:, 2:]),
    ]
    for got, want in cases:
        np.testing.assert_array_equal(got._data, want)


def test_gather_scatter_index_select_masked_fill():
    a = np.arange(12.0).reshape(3, 4)
    x = autograd.tensor(a)
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_array_equal(x.gather(1, autograd.tensor(idx))._data,
                                  np.take_along_axis(a, idx, 1))
    out = autograd.zeros(3, 4).scatter_add(1, autograd.tensor(idx), autograd.ones(3, 2))
    ref = np.zeros((3, 4))
    np.add.at(ref, (np.arange(3)[:, None], idx), 1)
    np.testing.assert_array_equal(out._data, ref)
    np.testing.assert_array_equal(x.index_select(1, autograd.tensor([3, 0]))._data, a[:, [3, 0]])
    m = a > 5
    np.testing.assert_array_equal(x.masked_fill(autograd.tensor(m), -1.0)._data,
                                  np.where(m, -1.0, a))


def test_max_min_with_dim_return_values_and_indices():
    x = autograd.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    v, i = x.max(1)
    assert v.tolist() == [3.0, 2.0] and i.tolist() == [1, 0]
    r = x.min(dim=0, keepdim=True)
    assert r.values.shape == (1, 3) and r.indices.tolist() == [[0, 1, 1]]


def test_reductions_against_numpy():
    a = np.random.default_rng(0).standard_normal((3, 4))
    x = autograd.tensor(a, dtype=autograd.float64)
    for got, want in [(x.sum(), a.sum()), (x.mean(0), a.mean(0)), (x.prod(1), a.prod(1)),
                      (x.amax(1), a.max(1)), (x.amin((0, 1)), a.min()),
                      (x.argmax(1), a.argmax(1)), (x.argmin(), a.argmin()),
                      (x.var(0, unbiased=False), a.var(0)), (x.std(1), a.std(1, ddof=1)),
                      (x.logsumexp(1), np.log(np.exp(a).sum(1))),
                      (x.norm(), np.linalg.norm(a))]:
        np.testing.assert_allclose(got._data, want, rtol=1e-12)


def test_unary_against_numpy():
    a = np.random.default_rng(1).uniform(0.1, 2.0, 5)
    x = autograd.tensor(a, dtype=autograd.float64)
    for fn, ref in [("exp", np.exp), ("log", np.log), ("log1p", np.log1p), ("sqrt", np.sqrt),
                    ("abs", np.abs), ("sin", np.sin), ("cos", np.cos), ("tanh", np.tanh),
                    ("sign", np.sign), ("rsqrt", lambda v: 1 / np.sqrt(v)),
                    ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
                    ("relu", lambda v: np.maximum(v, 0))]:
        np.testing.assert_allclose(getattr(x, fn)()._data, ref(a), rtol=1e-12)


def test_subgradients_match_torch():
    x = autograd.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]            # relu'(0) = 0
    x.grad = None
    x.abs().sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]           # abs'(0) = 0
    x.grad = None
    x.clamp(-1.0, 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0]            # boundaries pass the gradient
    x.grad = None
    autograd.maximum(x, autograd.zeros(3)).sum().backward()
    assert x.grad.tolist() == [0.0, 0.5, 1.0]            # a tie splits the gradient
    y = autograd.tensor([2.0, 2.0, 1.0], requires_grad=True)
    y.max().backward()
    assert y.grad.tolist() == [0.5, 0.5, 0.0]            # full max: evenly among ties
    y.grad = None
    y.max(0)[0].backward()
    assert y.grad.tolist() == [1.0, 0.0, 0.0]            # max(dim): to the returned index


def test_repr_format():
    assert repr(autograd.tensor([1.0, -2.0])) == "tensor([ 1., -2.])"
    assert repr(autograd.tensor([1.5, -2.0])) == "tensor([ 1.5000, -2.0000])"
    assert repr(autograd.tensor([1, 2], dtype=autograd.int32)) == \
        "tensor([1, 2], dtype=autograd.int32)"
    assert repr(autograd.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(autograd.tensor([1.0], requires_grad=True) * 2)
