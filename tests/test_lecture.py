"""Lecture layers: maxout, channel pooling, locally connected, LRN (vs torch), LCN formula."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


def _x64(*shape, seed=0):
    n = int(np.prod(shape))
    v = np.random.default_rng(seed).permutation(n).astype(np.float64) / n - 0.5
    return autograd.tensor(v.reshape(shape), requires_grad=True)


def test_maxout_and_channel_pool_forward():
    x = np.random.default_rng(0).standard_normal((2, 6, 3, 4)).astype(np.float32)
    y = F.maxout(autograd.tensor(x), 3).detach().numpy()
    np.testing.assert_array_equal(y, x.reshape(2, 2, 3, 3, 4).max(2))
    assert y.dtype == np.float32
    xp = np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)))
    for mode, red in (("max", lambda w: np.where(np.isfinite(w), w, -np.inf).max(1)),
                      ("avg", lambda w: w.sum(1) / 3), ("l2", lambda w: np.sqrt((w * w).sum(1)))):
        got = F.channel_pool(autograd.tensor(x), 3, 1, 1, mode=mode).detach().numpy()
        ref = np.stack([red(xp[:, c:c + 3]) for c in range(6)], 1)
        if mode == "max":   # padding is ignored by max: windows clipped to the real channels
            ref = np.stack([x[:, max(c - 1, 0):c + 2].max(1) for c in range(6)], 1)
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    assert nn.ChannelPool(2, mode="avg")(autograd.tensor(x)).shape == (2, 3, 3, 4)
    assert repr(nn.Maxout(2)) == "Maxout(pool_size=2, dim=1)"


def test_maxout_tie_first_and_errors():
    x = autograd.tensor([[[1.0], [1.0], [0.0], [2.0]]], requires_grad=True)
    F.maxout(x, 2).sum().backward()
    assert x.grad.detach().numpy().ravel().tolist() == [1.0, 0.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="divisible by pool_size"):
        F.maxout(autograd.randn(1, 5, 2), 2)
    with pytest.raises(RuntimeError, match="larger than the padded channel dim"):
        F.channel_pool(autograd.randn(1, 2, 2), 5, padding=1)
    with pytest.raises(ValueError, match="mode"):
        F.channel_pool(autograd.randn(1, 2, 2), 1, mode="median")


@pytest.mark.parametrize("fn", [
    lambda a: F.maxout(a, 2),
    lambda a: F.channel_pool(a, 3, 1, 1, mode="max"),
    lambda a: F.channel_pool(a, 3, 2, 1, mode="avg"),
    lambda a: F.channel_pool(a + 1.0, 2, mode="l2"),
    lambda a: F.local_response_norm(a, 3, alpha=0.5, beta=0.75, k=2.0),
    lambda a: F.local_contrast_norm(a, 3, 1.0),
])
def test_lecture_gradcheck(fn):
    x = _x64(2, 4, 3, 3)
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_locally_connected_reference_and_gradcheck():
    m = nn.LocallyConnected2d(2, 3, (5, 4), (3, 2), stride=(2, 1), padding=1,
                              dtype=autograd.float64)
    assert m.weight.shape == (3, 5, 3, 2, 3, 2) and m.bias.shape == (3, 3, 5)
    x = _x64(2, 2, 5, 4)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    xp = np.pad(x.detach().numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = np.zeros((2, 3, 3, 5))
    for i in range(3):
        for j in range(5):
            ref[:, :, i, j] = np.einsum("ncpq,ocpq->no", xp[:, :, 2 * i:2 * i + 3, j:j + 2],
                                        w[i, j]) + b[:, i, j]
    np.testing.assert_allclose(m(x).detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    f = lambda a, ww, bb: F.locally_connected2d(a, ww, bb, (2, 1), 1)  # noqa: E731
    assert autograd.gradcheck(f, (x, m.weight, m.bias))
    assert autograd.gradgradcheck(f, (x, m.weight, m.bias))
    m1 = nn.LocallyConnected1d(2, 3, 6, 3, stride=2, padding=1, dtype=autograd.float64)
    z = _x64(2, 2, 6)
    assert m1(z).shape == (2, 3, 3)
    assert autograd.gradcheck(lambda a, ww, bb: F.locally_connected1d(a, ww, bb, 2, 1),
                              (z, m1.weight, m1.bias))
    assert nn.LocallyConnected2d(1, 2, 8, 3).weight.dtype == autograd.float32
    with pytest.raises(RuntimeError, match="weight expects 2 input channels but input has 3"):
        m(autograd.randn(1, 3, 5, 4, dtype=autograd.float64))


def test_local_contrast_norm_formula():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 7))
    ks, sig = 5, 1.5
    r = ks // 2
    g = np.exp(-((np.arange(ks) - r) ** 2) / (2 * sig * sig))
    w = np.outer(g, g) / (g.sum() ** 2 * 3)

    def wsum(a):      # sum_{c, p, q} w_pq a[c, i+p-r, j+q-r], zero padded
        ap = np.pad(a, ((0, 0), (0, 0), (r, r), (r, r)))
        out = np.zeros((a.shape[0], 1) + a.shape[2:])
        for p in range(ks):
            for q in range(ks):
                out[:, 0] += w[p, q] * ap[:, :, p:p + a.shape[2], q:q + a.shape[3]].sum(1)
        return out

    v = x - wsum(x)
    s = np.sqrt(wsum(v * v))
    c = s.mean((2, 3), keepdims=True)
    ref = v / np.maximum(np.maximum(c, s), 1e-4)
    got = nn.LocalContrastNorm(ks, sig)(autograd.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    y32 = F.local_contrast_norm(autograd.tensor(x[0].astype(np.float32)), ks, sig)
    assert y32.dtype == autograd.float32 and y32.shape == (3, 6, 7)


@pytest.mark.parametrize("shape, size", [((2, 5, 4), 3), ((2, 6, 3, 4), 4), ((1, 4, 2, 2, 3), 2)])
def test_local_response_norm_vs_torch(shape, size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(shape)
    for dt in (np.float32, np.float64):
        xt = torch.tensor(x.astype(dt), requires_grad=True)
        xa = autograd.tensor(x.astype(dt), requires_grad=True)
        to = torch.nn.LocalResponseNorm(size, 0.3, 0.7, 1.5)(xt)
        ao = nn.LocalResponseNorm(size, 0.3, 0.7, 1.5)(xa)
        assert ao.dtype == dt
        tol = 1e-5 if dt == np.float32 else 1e-12
        np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
        to.sum().backward()
        ao.sum().backward()
        np.testing.assert_allclose(xa.grad.detach().numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    assert repr(nn.LocalResponseNorm(3)) == repr(torch.nn.LocalResponseNorm(3))
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(autograd.randn(2, 3), 2)


def test_local_contrast_norm_gradient_is_finite_on_flat_regions():
    # sqrt'(0) is infinite: a zero local deviation (a flat or zero-padded region) once made
    # every input gradient NaN through the image-wide mean of s
    rng = np.random.default_rng(0)
    x = np.pad(rng.standard_normal((1, 2, 3, 3)), ((0, 0), (0, 0), (0, 9), (0, 9)))
    for a in (x, np.zeros((1, 1, 6, 6))):
        t = autograd.tensor(a, requires_grad=True)
        F.local_contrast_norm(t).sum().backward()
        assert np.isfinite(t.grad.numpy()).all()
    t = autograd.tensor(x[:, :, :6, :6].copy(), requires_grad=True)
    assert autograd.gradcheck(lambda a: F.local_contrast_norm(a, 3, 1.0), (t,))


def test_locally_connected_checks_bias_dtype_and_reports_1d_shapes():
    m = nn.LocallyConnected2d(2, 3, (5, 6), 3, 1, 1)
    x = autograd.tensor(np.zeros((1, 2, 5, 6), np.float32))
    with pytest.raises(RuntimeError, match=r"bias \(autograd.float64\) must have the same dtype"):
        F.locally_connected2d(x, m.weight, autograd.tensor(np.zeros((3, 5, 6))), 1, 1)
    m1 = nn.LocallyConnected1d(2, 3, 7, 2)
    with pytest.raises(RuntimeError, match=r"locally_connected1d\(\): input \(1, 2, 8\) .* "
                                           r"output length 7, but weight \(6, 3, 2, 2\)"):
        m1(autograd.tensor(np.zeros((1, 2, 8), np.float32)))
    with pytest.raises(RuntimeError, match=r"weight expects 2 input channels but input has 3"):
        m1(autograd.tensor(np.zeros((1, 3, 7), np.float32)))
    assert "dim=2" in repr(nn.ChannelPool(2, dim=2))
