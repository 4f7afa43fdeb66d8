"""Every layer and loss against torch 2.x with copied parameters (skipped without torch)."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from _nn_torch_util import compare_module, copy_params

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(0)
f32 = np.float32


def _r(*shape, scale=1.0):
    return (R.standard_normal(shape) * scale).astype(f32)


X = _r(4, 5)
MODULES = [
    ("Linear(5, 3)", [X]), ("Linear(5, 3, bias=False)", [_r(2, 3, 5)]),
    ("Bilinear(5, 4, 3)", [X, _r(4, 4)]), ("ReLU()", [X]), ("LeakyReLU(0.2)", [X]),
    ("PReLU()", [X]), ("PReLU(5)", [X]), ("ELU(0.5)", [X]), ("SELU()", [X]), ("CELU(0.7)", [X]),
    ("GELU()", [X]), ("GELU('tanh')", [X]), ("SiLU()", [X]), ("Mish()", [X]), ("Sigmoid()", [X]),
    ("Tanh()", [X]), ("Hardtanh(-0.5, 0.7)", [X]), ("ReLU6()", [X * 4]),
    ("Hardsigmoid()", [X * 4]), ("Hardswish()", [X * 4]), ("Softplus(2.0, 3.0)", [X]),
    ("Softplus()", [X * 30]), ("Softsign()", [X]), ("LogSigmoid()", [X]), ("Softmax(1)", [X]),
    ("LogSoftmax(1)", [X]), ("Softmin(0)", [X]), ("Softmax2d()", [_r(2, 3, 2, 2)]),
    ("Threshold(0.1, 20.0)", [X]), ("GLU()", [_r(4, 6)]), ("Tanhshrink()", [X]),
    ("Softshrink()", [X]), ("Hardshrink()", [X]), ("Flatten()", [_r(2, 3, 4)]),
    ("Unflatten(1, (2, 2))", [_r(2, 4)]), ("BatchNorm1d(5)", [X]),
    ("BatchNorm1d(3, affine=False)", [_r(4, 3, 5)]), ("BatchNorm2d(3)", [_r(4, 3, 2, 2)]),
    ("BatchNorm3d(3, momentum=None)", [_r(2, 3, 2, 2, 2)]), ("LayerNorm(5)", [X]),
    ("LayerNorm((4, 5), bias=False)", [_r(2, 4, 5)]),
    ("LayerNorm(5, elementwise_affine=False)", [X]), ("GroupNorm(2, 4)", [_r(3, 4, 5)]),
    ("GroupNorm(1, 4, affine=False)", [_r(3, 4, 2, 2)]),
    ("InstanceNorm1d(4, affine=True)", [_r(3, 4, 5)]),
    ("InstanceNorm2d(4, track_running_stats=True)", [_r(3, 4, 3, 3)]),
    ("RMSNorm(5)", [X]), ("RMSNorm(5, eps=1e-3)", [X]),
    ("LocalResponseNorm(3)", [_r(2, 5, 3)]), ("Identity()", [X]), ("Dropout(0.3).eval()", [X]),
    ("Dropout2d(0.3).eval()", [_r(2, 3, 2, 2)]), ("Embedding(10, 3)", [np.array([[1, 2], [9, 0]])]),
    ("Embedding(10, 3, padding_idx=2)", [np.array([[1, 2], [2, 0]])]),
    ("Embedding(10, 3, scale_grad_by_freq=True)", [np.array([[1, 1], [2, 1]])]),
    ("Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))", [X]),
]


@pytest.mark.parametrize("expr,inputs", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(expr, inputs):
    ours = eval("nn." + expr)
    theirs = eval("torch.nn." + expr.replace("nn.", "torch.nn."))
    assert repr(ours) == repr(theirs)
    copy_params(ours, theirs, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for _ in range(2):                      # twice: running statistics are updated
        compare_module(ours, theirs, torch, inputs, rtol=1e-4, atol=1e-5)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k]._data, v.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=k)
    ours.eval()
    theirs.eval()
    compare_module(ours, theirs, torch, inputs, rtol=1e-4, atol=1e-5)


def _cmp(fo, ft, args, rtol=1e-5, atol=1e-6, grad_idx=(0,)):
    ao = [autograd.tensor(a, requires_grad=i in grad_idx) for i, a in enumerate(args)]
    at = [torch.from_numpy(np.array(a)).requires_grad_(i in grad_idx)
          for i, a in enumerate(args)]
    o, t = fo(*ao), ft(*at)
    np.testing.assert_allclose(o._data, t.detach().numpy(), rtol=rtol, atol=atol)
    assert o._data.dtype == t.detach().numpy().dtype
    g = R.standard_normal(o.shape).astype(o._data.dtype)
    o.backward(autograd.tensor(g))
    t.backward(torch.from_numpy(g))
    for i in grad_idx:
        np.testing.assert_allclose(ao[i].grad._data, at[i].grad.numpy(), rtol=rtol, atol=atol)


REDS = ["mean", "sum", "none"]
Y = R.integers(0, 5, 6)
Y[1] = -100
X6 = _r(6, 5)
W5 = (R.random(5) + 0.5).astype(f32)
P = R.random((6, 5)).astype(f32)
P /= P.sum(1, keepdims=True)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("ls", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy(red, ls, weighted):
    def kw(mod):
        w = None if not weighted else mod.from_numpy(W5) if mod is torch else autograd.tensor(W5)
        return dict(weight=w, reduction=red, label_smoothing=ls)

    _cmp(lambda a, b: F.cross_entropy(a, b, **kw(autograd)),
         lambda a, b: TF.cross_entropy(a, b, **kw(torch)), [X6, Y])
    x4, y4 = _r(3, 5, 2, 2), R.integers(0, 5, (3, 2, 2))
    y4[0, 0, 1] = -100
    _cmp(lambda a, b: F.cross_entropy(a, b, **kw(autograd)),
         lambda a, b: TF.cross_entropy(a, b, **kw(torch)), [x4, y4])
    _cmp(lambda a, b: F.cross_entropy(a, b, **kw(autograd)),
         lambda a, b: TF.cross_entropy(a, b, **kw(torch)), [X6, P])
    _cmp(lambda a, b: nn.CrossEntropyLoss(**kw(autograd))(a, b),
         lambda a, b: torch.nn.CrossEntropyLoss(**kw(torch))(a, b), [X6[0], np.array(3)])


@pytest.mark.parametrize("red", REDS)
def test_nll_and_regression_losses(red):
    _cmp(lambda a, b: nn.NLLLoss(weight=autograd.tensor(W5), reduction=red)(a, b),
         lambda a, b: torch.nn.NLLLoss(weight=torch.from_numpy(W5), reduction=red)(a, b),
         [np.log(P), Y])
    yt = _r(6, 5)
    for ours, theirs in [(nn.MSELoss, torch.nn.MSELoss), (nn.L1Loss, torch.nn.L1Loss)]:
        _cmp(ours(reduction=red), theirs(reduction=red), [X6, yt], grad_idx=(0, 1))
    for beta in (0.0, 0.5, 1.0):
        _cmp(nn.SmoothL1Loss(reduction=red, beta=beta),
             torch.nn.SmoothL1Loss(reduction=red, beta=beta), [X6, yt], grad_idx=(0, 1))
    _cmp(nn.HuberLoss(reduction=red, delta=0.7), torch.nn.HuberLoss(reduction=red, delta=0.7),
         [X6, yt], grad_idx=(0, 1))


@pytest.mark.parametrize("red", REDS)
def test_binary_and_margin_losses(red):
    pr, tg = R.random((6, 5)).astype(f32), R.random((6, 5)).astype(f32)
    w = autograd.tensor(W5)
    tw = torch.from_numpy(W5)
    _cmp(nn.BCELoss(weight=w, reduction=red), torch.nn.BCELoss(weight=tw, reduction=red),
         [pr, tg])
    _cmp(nn.BCEWithLogitsLoss(weight=w, pos_weight=w * 2, reduction=red),
         torch.nn.BCEWithLogitsLoss(weight=tw, pos_weight=tw * 2, reduction=red),
         [X6 * 10, tg])
    _cmp(nn.BCEWithLogitsLoss(reduction=red), torch.nn.BCEWithLogitsLoss(reduction=red),
         [X6 * 10, tg])
    for p in (1, 2):
        _cmp(nn.MultiMarginLoss(p=p, margin=0.8, weight=w, reduction=red),
             torch.nn.MultiMarginLoss(p=p, margin=0.8, weight=tw, reduction=red),
             [X6, np.abs(Y) % 5])
    sg = np.sign(R.standard_normal((6, 5))).astype(f32)
    _cmp(nn.HingeEmbeddingLoss(margin=0.5, reduction=red),
         torch.nn.HingeEmbeddingLoss(margin=0.5, reduction=red), [X6, sg])
    _cmp(nn.SoftMarginLoss(reduction=red), torch.nn.SoftMarginLoss(reduction=red), [X6, sg])
    _cmp(nn.MultiLabelSoftMarginLoss(reduction=red),
         torch.nn.MultiLabelSoftMarginLoss(reduction=red), [X6, (sg > 0).astype(f32)])
    yt = _r(6, 5)
    _cmp(nn.MarginRankingLoss(0.3, reduction=red), torch.nn.MarginRankingLoss(0.3, reduction=red),
         [X6[:, 0].copy(), yt[:, 0].copy(), sg[:, 0].copy()], grad_idx=(0, 1))
    _cmp(nn.CosineEmbeddingLoss(0.3, reduction=red),
         torch.nn.CosineEmbeddingLoss(0.3, reduction=red), [X6, yt, sg[:, 0].copy()],
         grad_idx=(0, 1))
    _cmp(nn.TripletMarginLoss(reduction=red), torch.nn.TripletMarginLoss(reduction=red),
         [X6, yt, yt[::-1].copy()], grad_idx=(0, 1, 2))
    ml = np.array([[3, 0, -1, 1, 2], [1, 2, 3, -1, 0]] * 3)
    _cmp(nn.MultiLabelMarginLoss(reduction=red), torch.nn.MultiLabelMarginLoss(reduction=red),
         [X6, ml])


@pytest.mark.parametrize("red", REDS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_and_probabilistic(red, log_target):
    tgt = np.log(P[::-1].copy()) if log_target else P[::-1].copy()
    tgt[0, 0] = -np.inf if log_target else 0.0
    _cmp(nn.KLDivLoss(reduction=red, log_target=log_target),
         torch.nn.KLDivLoss(reduction=red, log_target=log_target), [np.log(P), tgt])
    if red != "batchmean":
        yt = _r(6, 5)
        _cmp(nn.PoissonNLLLoss(full=True, reduction=red),
             torch.nn.PoissonNLLLoss(full=True, reduction=red), [X6, np.abs(yt) * 3])
        _cmp(nn.GaussianNLLLoss(reduction=red), torch.nn.GaussianNLLLoss(reduction=red),
             [X6, yt, np.abs(yt)], grad_idx=(0, 2))


EXT = np.array([[1e4, -1e4, 0.0, 3.0, -np.inf]] * 2, f32)


def test_extreme_logits_are_finite_and_match():
    _cmp(lambda a: F.cross_entropy(a, autograd.tensor([0, 3])),
         lambda a: TF.cross_entropy(a, torch.tensor([0, 3])), [EXT[:, :4].copy()])
    _cmp(lambda a: F.cross_entropy(a, autograd.tensor([0, 3])),
         lambda a: TF.cross_entropy(a, torch.tensor([0, 3])), [EXT])
    _cmp(lambda a: F.cross_entropy(a, autograd.tensor([0, 1]), label_smoothing=0.1),
         lambda a: TF.cross_entropy(a, torch.tensor([0, 1]), label_smoothing=0.1),
         [EXT[:, :4].copy()])
    _cmp(lambda a, b: F.binary_cross_entropy_with_logits(a, b),
         lambda a, b: TF.binary_cross_entropy_with_logits(a, b),
         [EXT[:, :4].copy(), np.full((2, 4), 0.3, f32)])
    _cmp(lambda a: F.softmax(a, -1), lambda a: TF.softmax(a, -1), [EXT])
    _cmp(lambda a: F.log_softmax(a, -1), lambda a: TF.log_softmax(a, -1), [EXT[:, :4].copy()])
    v = np.array([1e4, -1e4, 0.0, 30.0, -30.0], f32)
    for fn in ["relu", "gelu", "silu", "softplus", "logsigmoid", "elu", "selu", "mish",
               "sigmoid", "tanh", "hardswish", "softsign", "celu", "hardsigmoid"]:
        _cmp(getattr(F, fn), getattr(TF, fn), [v])


def test_functional_utilities():
    x, y = _r(4, 5), _r(4, 5)
    _cmp(F.normalize, TF.normalize, [x])
    _cmp(F.cosine_similarity, TF.cosine_similarity, [x, y], grad_idx=(0, 1))
    _cmp(F.pairwise_distance, TF.pairwise_distance, [x, y], grad_idx=(0, 1))
    emb = _r(7, 3)
    idx = np.array([[0, 2, 2], [6, 1, 0]])
    _cmp(lambda w: F.embedding(autograd.tensor(idx), w, max_norm=1.0),
         lambda w: TF.embedding(torch.from_numpy(idx), w, max_norm=1.0), [emb])
    np.testing.assert_array_equal(F.one_hot(autograd.tensor([0, 2]), 4)._data,
                                  TF.one_hot(torch.tensor([0, 2]), 4).numpy())
    _cmp(lambda a: F.leaky_relu(a, 0.3), lambda a: TF.leaky_relu(a, 0.3), [x])
    _cmp(lambda a: F.relu6(a * 4), lambda a: TF.relu6(a * 4), [x])
    _cmp(lambda a, w: F.prelu(a, w), lambda a, w: TF.prelu(a, w),
         [_r(2, 3, 4), np.array([0.1, 0.2, 0.3], f32)], grad_idx=(0, 1))
    _cmp(lambda a: F.batch_norm(a, None, None, training=True),
         lambda a: TF.batch_norm(a, None, None, training=True), [x])
    _cmp(lambda a: F.group_norm(a, 1), lambda a: TF.group_norm(a, 1), [_r(2, 4, 3)])


def test_load_torch_state_dict_into_ours():
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    ours.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in
                          theirs.state_dict().items()})
    x = _r(5, 3)
    ours.eval()
    theirs.eval()
    compare_module(ours, theirs, torch, [x])
    sd = {k: autograd.tensor(v.numpy()) for k, v in theirs.state_dict().items()}
    del sd["1.num_batches_tracked"]                # torch tolerates this without metadata
    ours.load_state_dict(sd)
    with pytest.raises(RuntimeError) as e_ours:
        ours.load_state_dict({"0.weight": autograd.zeros(4, 3)})
    with pytest.raises(RuntimeError) as e_theirs:
        theirs.load_state_dict({"0.weight": torch.zeros(4, 3)})
    assert str(e_ours.value) == str(e_theirs.value)
