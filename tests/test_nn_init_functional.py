"""nn.init statistics and default layer initialisation; functional forms against numpy
formulas; float64 gradchecks of every primitive in nn.functional."""
import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from nn import init


def test_calculate_gain_and_fans():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("conv2d") == 1
    with pytest.raises(ValueError):
        init.calculate_gain("nope")
    w = autograd.empty(8, 4, 3, 3)
    assert init._calculate_fan_in_and_fan_out(w) == (36, 72)
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(autograd.empty(3))


def test_initialiser_statistics():
    autograd.manual_seed(0)
    w = autograd.empty(400, 300)
    init.kaiming_uniform_(w, a=0, nonlinearity="relu")
    bound = math.sqrt(6 / 300)
    assert np.abs(w._data).max() <= bound and np.abs(w._data).max() > 0.99 * bound
    init.kaiming_normal_(w, mode="fan_out")
    assert abs(w._data.std() - math.sqrt(2 / (1 + 0.01 ** 2)) / math.sqrt(400)) < 2e-3
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w._data).max() <= 2.0 * math.sqrt(6 / 700)
    init.xavier_normal_(w)
    assert abs(w._data.std() - math.sqrt(2 / 700)) < 2e-3
    init.trunc_normal_(w, std=1.0, a=-1.0, b=1.5)
    assert w._data.min() >= -1.0 and w._data.max() <= 1.5
    init.orthogonal_(w)
    np.testing.assert_allclose(w._data.T @ w._data, np.eye(300), atol=1e-4)
    init.constant_(w, 0.5)
    assert np.all(w._data == 0.5) and w.dtype == autograd.float32
    e = autograd.empty(3, 5)
    init.eye_(e)
    np.testing.assert_array_equal(e._data, np.eye(3, 5))
    d = autograd.empty(4, 2, 3)
    init.dirac_(d)
    assert d._data.sum() == 2 and d._data[1, 1, 1] == 1
    p = nn.Parameter(autograd.empty(3, 3))
    init.normal_(p)                  # in place on a leaf requiring grad: allowed (no_grad)
    assert p.requires_grad and p.grad_fn is None


def test_default_layer_init():
    autograd.manual_seed(0)
    lin = nn.Linear(200, 300)
    b = 1 / math.sqrt(200)
    assert np.abs(lin.weight._data).max() <= b and np.abs(lin.weight._data).max() > 0.99 * b
    assert np.abs(lin.bias._data).max() <= b
    assert abs(lin.weight._data.std() - b / math.sqrt(3)) < 1e-3
    bil = nn.Bilinear(50, 20, 30)
    assert np.abs(bil.weight._data).max() <= 1 / math.sqrt(50)
    emb = nn.Embedding(1000, 50, padding_idx=0)
    assert abs(emb.weight._data[1:].std() - 1) < 0.02 and np.all(emb.weight._data[0] == 0)
    for m in (nn.BatchNorm2d(4), nn.LayerNorm(4), nn.GroupNorm(2, 4)):
        assert np.all(m.weight._data == 1) and np.all(m.bias._data == 0)
    assert np.all(nn.PReLU(3).weight._data == 0.25)
    bn = nn.BatchNorm1d(3)
    assert bn.num_batches_tracked.dtype == autograd.int64
    assert np.all(bn.running_var._data == 1) and np.all(bn.running_mean._data == 0)
    assert nn.Linear(3, 2, dtype=autograd.float64).weight.dtype == autograd.float64


def test_activation_formulas_numpy():
    x = np.linspace(-5, 5, 41)
    t = autograd.tensor(x)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(F.gelu(t)._data, 0.5 * x * (1 + erf(x / math.sqrt(2))),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(F.softplus(t, beta=2)._data, np.log1p(np.exp(2 * x)) / 2,
                               rtol=1e-12)
    np.testing.assert_allclose(F.elu(t, 0.5)._data, np.where(x > 0, x, 0.5 * np.expm1(x)))
    np.testing.assert_allclose(F.logsigmoid(t)._data, -np.log1p(np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.silu(t)._data, x / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.hardswish(t)._data, x * np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(F.log_softmax(t, 0)._data, x - np.log(np.exp(x).sum()))
    assert F.gelu(autograd.randn(3)).dtype == autograd.float32


def test_dropout_statistics_and_eval():
    autograd.manual_seed(0)
    x = autograd.ones(20000)
    y = F.dropout(x, 0.25)
    assert abs((y._data == 0).mean() - 0.25) < 0.01
    assert set(np.unique(y._data)) <= {0.0, np.float32(1 / 0.75)}
    assert y.dtype == autograd.float32
    assert F.dropout(x, 0.25, training=False) is x
    assert np.all(F.dropout(x, 1.0)._data == 0)
    y = F.dropout2d(autograd.ones(8, 16, 3, 3), 0.5)
    per_channel = y._data.reshape(128, 9)
    assert np.all(per_channel.std(1) == 0)
    d = nn.Dropout(0.5).eval()
    assert np.all(d(x)._data == 1)
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def _g(*shape):
    return autograd.randn(*shape, dtype=autograd.float64, requires_grad=True)


GRAD_FNS = {
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "elu": F.elu, "selu": F.selu,
    "celu": lambda x: F.celu(x, 0.5), "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "mish": F.mish,
    "softplus": lambda x: F.softplus(x, 2.0, 1.0), "logsigmoid": F.logsigmoid,
    "hardtanh": lambda x: F.hardtanh(x * 2), "hardswish": lambda x: F.hardswish(x * 4),
    "hardsigmoid": lambda x: F.hardsigmoid(x * 4), "softmax": lambda x: F.softmax(x, -1),
    "log_softmax": lambda x: F.log_softmax(x, 0), "softshrink": F.softshrink,
    "glu": lambda x: F.glu(x, 0), "normalize": F.normalize,
    "layer_norm": lambda x: F.layer_norm(x, (3,)),
    "group_norm": lambda x: F.group_norm(x.reshape(1, 4, 3), 2),
    "batch_norm": lambda x: F.batch_norm(x, None, None, training=True),
    "ce": lambda x: F.cross_entropy(x, autograd.tensor([0, -100, 2, 1]), label_smoothing=0.2),
    "ce_w": lambda x: F.cross_entropy(x, autograd.tensor([0, 1, 2, 1]),
                                      weight=autograd.tensor([1.0, 2.0, 0.5], dtype=autograd.float64)),
    "nll": lambda x: F.nll_loss(x, autograd.tensor([0, 1, 2, 1]), reduction="sum"),
    "bce_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, autograd.full((4, 3), 0.3, dtype=autograd.float64),
        pos_weight=autograd.tensor([1.0, 2.0, 0.5], dtype=autograd.float64)),
    "smooth_l1": lambda x: F.smooth_l1_loss(x, autograd.full((4, 3), 0.2, dtype=autograd.float64),
                                            beta=0.5),
    "huber": lambda x: F.huber_loss(x, autograd.full((4, 3), 0.2, dtype=autograd.float64),
                                    delta=0.5),
}


@pytest.mark.parametrize("name", list(GRAD_FNS))
def test_gradcheck(name):
    autograd.manual_seed(1)
    x = _g(4, 3)
    assert autograd.gradcheck(GRAD_FNS[name], (x,))


@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "elu", "layer_norm",
                                  "batch_norm", "ce", "bce_logits"])
def test_gradgradcheck(name):
    autograd.manual_seed(2)
    assert autograd.gradgradcheck(GRAD_FNS[name], (_g(4, 3),))


def test_linear_bilinear_embedding_gradcheck():
    autograd.manual_seed(3)
    assert autograd.gradcheck(F.linear, (_g(2, 3), _g(4, 3), _g(4)))
    assert autograd.gradgradcheck(F.linear, (_g(2, 3), _g(4, 3), _g(4)))
    assert autograd.gradcheck(F.bilinear, (_g(2, 3), _g(2, 2), _g(4, 3, 2), _g(4)))
    idx = autograd.tensor([[0, 2], [2, 1]])
    assert autograd.gradcheck(lambda w: F.embedding(idx, w), (_g(3, 2),))
    assert autograd.gradcheck(lambda x, w: F.prelu(x, w), (_g(2, 3, 2), _g(3)))
    bce_x = autograd.tensor(np.array([0.2, 0.7, 0.5]), requires_grad=True)
    assert autograd.gradcheck(lambda x: F.binary_cross_entropy(x, autograd.tensor(
        np.array([0.0, 1.0, 0.3]))), (bce_x,))
    assert autograd.gradcheck(lambda x: F.multi_margin_loss(x, autograd.tensor([0, 2])),
                              (autograd.tensor(np.array([[0.1, 0.5, -0.2], [0.3, 0.9, 1.4]]),
                                               requires_grad=True),))
