"""nn edge cases found by differential fuzzing against torch, with torch's behaviour written
out: normalisation whose weight is broadcast over the kept rows (the fused kernel read past
the weight), the "more than 1 value" checks, empty batches, feature-dropout ranks, loss
argument checks, hardswish's gradient at +-3."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F


def _ref_norm(x, axes, w, b, eps=1e-5):
    m = x.mean(axis=axes, keepdims=True)
    v = ((x - m) ** 2).mean(axis=axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def test_layer_norm_of_size_one_with_affine():
    x = np.arange(6, dtype=np.float64).reshape(2, 3, 1)
    m = nn.LayerNorm(1).double()
    with autograd.no_grad():
        m.weight.fill_(2.0)
        m.bias.fill_(0.5)
    np.testing.assert_array_equal(m(autograd.tensor(x)).detach().numpy(), np.full(x.shape, 0.5))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_instance_norm_of_one_channel_with_affine(dt):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1, 4)).astype(dt)
    m = nn.InstanceNorm1d(1, affine=True).to(autograd.float64 if dt == np.float64 else
                                                autograd.float32)
    with autograd.no_grad():
        m.weight.fill_(1.5)
        m.bias.fill_(0.25)
    xa = autograd.tensor(x, requires_grad=True)
    y = m(xa)
    np.testing.assert_allclose(y.detach().numpy(), _ref_norm(x.astype(np.float64), (2,), 1.5,
                                                                0.25), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    assert np.abs(xa.grad.numpy()).max() < 1e-4        # sum of a normalised row: constant


def test_norm_kernels_refuse_mismatched_weights():
    from autograd.kernels.norm import norm_forward
    x = np.zeros((2, 3, 1))
    k = [np.empty(3) for _ in range(3)]
    with pytest.raises(ValueError, match="need K values"):
        norm_forward(x, np.ones(1), np.empty(0), 1e-5, np.empty_like(x), *k)


def test_more_than_one_value_checks_and_empty_batches():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(2)(autograd.zeros(3, 2, 1))
    nn.InstanceNorm1d(2, track_running_stats=True).eval()(autograd.zeros(3, 2, 1))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.GroupNorm(2, 2)(autograd.zeros(1, 2))
    m = nn.BatchNorm1d(3)
    x = autograd.zeros(0, 3, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.shape == (0, 3) and x.grad.shape == (0, 3)
    np.testing.assert_array_equal(m.running_mean.numpy(), 0)
    np.testing.assert_array_equal(m.weight.grad.numpy(), 0)


def test_feature_dropout_ranks_as_torch():
    for nd in (1, 4, 5):
        for training in (True, False):
            with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
                F.dropout1d(autograd.ones((2,) * nd), 0.5, training)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            F.dropout2d(autograd.ones(4), 0.5, True)
        y = F.dropout2d(autograd.ones(6, 5), 0.5, True).numpy()        # per element
        assert set(np.unique(y)) <= {0.0, 2.0}
        y = F.dropout3d(autograd.ones(40, 3), 0.5, True).numpy()       # per first-dim index
        assert (y == y[:, :1]).all() and set(np.unique(y)) == {0.0, 2.0}
    with pytest.warns(UserWarning, match="dropout2d: Received a 5-D input"):
        F.dropout2d(autograd.ones((2,) * 5), 0.5, False)


def test_loss_argument_checks_as_torch():
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(autograd.ones(2, 3), autograd.ones(2, 3), autograd.ones(2, 3),
                              margin=-1.0)
    with pytest.raises(RuntimeError, match="inconsistent weight size, expected 3"):
        F.multi_margin_loss(autograd.ones(2, 3), autograd.tensor([0, 1]), weight=autograd.ones(2))
    x, t = autograd.ones(2, 3), autograd.zeros(2, 3)
    for shape in [(1,), (), (1, 2)]:
        with pytest.raises(ValueError, match="var is of incorrect size"):
            F.gaussian_nll_loss(x, t, autograd.ones(shape))
    for shape in [(2, 1), (1, 3), (2,)]:
        assert float(F.gaussian_nll_loss(x, t, autograd.ones(shape))) == 0.5
    with pytest.raises(RuntimeError, match="input dimensions do not match: got 3 and 2"):
        F.bilinear(autograd.ones(2, 1, 2), autograd.ones(2, 2), autograd.ones(3, 2, 2))


def test_multilabel_margin_counts_a_repeated_target():
    x = autograd.tensor([[0.1, 0.2, 0.4, 0.8]])
    # targets 1, 1, 2: the pairs of class 1 count twice; non-targets 0 and 3
    want = sum(max(0.0, 1 - (x.numpy()[0, j] - x.numpy()[0, i]))
               for j in (1, 1, 2) for i in (0, 3)) / 4
    got = F.multilabel_margin_loss(x, autograd.tensor([[1, 1, 2, -1]]))
    assert float(got) == pytest.approx(want) and want == pytest.approx(1.775)


def test_hardswish_gradient_at_the_kinks():
    a = autograd.tensor([-3.0, 3.0], requires_grad=True)
    F.hardswish(a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0])
