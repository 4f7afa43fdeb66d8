"""Differential regressions against PyTorch for pooling, F.pad and the conv modules: each case
is a mismatch a torch-vs-ours fuzz found (values, gradients, or raise-vs-no-raise)."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(7)


def _both(x, grad=True):
    return (torch.tensor(x, requires_grad=grad), autograd.tensor(x, requires_grad=grad))


def _close(a, t, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _raises_like_torch(tcall, acall):
    with pytest.raises(Exception):
        tcall()
    with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError)):
        acall()


# ---- pooling ---------------------------------------------------------------------------------

@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("p", [float("inf"), -float("inf")])
def test_lp_pool_infinite_norm_is_max_of_abs(nsp, p):
    # torch: p = +-inf means (-)max_pool of |x|, not x ** inf
    x = RNG.standard_normal((2, 3) + (5,) * nsp)
    xt, xa = _both(x)
    yt = getattr(TF, f"lp_pool{nsp}d")(xt, p, 2, 2, True)
    ya = getattr(F, f"lp_pool{nsp}d")(xa, p, 2, 2, True)
    _close(ya, yt)
    g = RNG.standard_normal(yt.shape)
    (yt * torch.tensor(g)).sum().backward()
    (ya * autograd.tensor(g)).sum().backward()
    _close(xa.grad, xt.grad)


@pytest.mark.parametrize("p", [1.5, 2, 3])
def test_lp_pool_zero_window_has_zero_gradient(p):
    # a window whose sum of x**p is 0: torch's gradient is 0, not nan
    x = np.array([[[-1.0, 2.0, 0.0, 0.0, 0.5, 0.0]]])
    for k in (1, 2):
        xt, xa = _both(x)
        TF.lp_pool1d(xt, p, k).sum().backward()
        F.lp_pool1d(xa, p, k).sum().backward()
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-12,
                                   equal_nan=True)
        assert not np.isnan(xa.grad.numpy()[..., 2:4]).any()


def test_float_and_bool_pool_arguments_raise_even_after_an_int_call():
    # the window plan is cached; 2.0 == 2 and True == 1 as cache keys used to skip the checks
    x = autograd.tensor(RNG.standard_normal((1, 2, 6, 6)))
    xt = torch.tensor(x.numpy())
    for name, bad in (("max_pool2d", dict(kernel_size=2.0)),
                      ("max_pool2d", dict(kernel_size=2, stride=2.0)),
                      ("max_pool2d", dict(kernel_size=2, padding=True)),
                      ("max_pool2d", dict(kernel_size=2, dilation=True)),
                      ("avg_pool2d", dict(kernel_size=3, stride=1.0)),
                      ("avg_pool2d", dict(kernel_size=3, padding=True))):
        good = {k: int(v) for k, v in bad.items()}
        getattr(F, name)(x, **good)                     # warms the cache with the int twin
        _raises_like_torch(lambda: getattr(TF, name)(xt, **bad),
                           lambda: getattr(F, name)(x, **bad))


def test_lp_pool_kernel_size_forms():
    x = RNG.standard_normal((1, 2, 6, 6))
    xt, xa = _both(x, False)
    # torch's lp_pool1d multiplies by kernel_size, so a tuple only works for p = inf
    _raises_like_torch(lambda: TF.lp_pool1d(xt[0], 2, (2,)), lambda: F.lp_pool1d(xa[0], 2, (2,)))
    _close(F.lp_pool1d(xa[0], float("inf"), (2,)), TF.lp_pool1d(xt[0], float("inf"), (2,)))
    _raises_like_torch(lambda: TF.lp_pool2d(xt, 2, (2,)), lambda: F.lp_pool2d(xa, 2, (2,)))


@pytest.mark.parametrize("nsp", [2, 3])
def test_adaptive_output_size_must_have_one_entry_per_dim(nsp):
    x = RNG.standard_normal((1, 2) + (5,) * nsp)
    xt, xa = _both(x, False)
    for name in ("adaptive_avg_pool", "adaptive_max_pool"):
        tf, af = getattr(TF, f"{name}{nsp}d"), getattr(F, f"{name}{nsp}d")
        _raises_like_torch(lambda: tf(xt, (3,)), lambda: af(xa, (3,)))
        _raises_like_torch(lambda: tf(xt, [None]), lambda: af(xa, [None]))
        _close(af(xa, (None,) + (3,) * (nsp - 1)), tf(xt, (None,) + (3,) * (nsp - 1)))


def test_adaptive_1d_rejects_none():
    xt, xa = _both(RNG.standard_normal((1, 2, 5)), False)
    for name in ("adaptive_avg_pool1d", "adaptive_max_pool1d"):
        _raises_like_torch(lambda: getattr(TF, name)(xt, (None,)),
                           lambda: getattr(F, name)(xa, (None,)))


def test_max_unpool_output_size_rules():
    x = RNG.standard_normal((1, 2, 3))
    yt, it = TF.max_pool1d(torch.tensor(x), 2, return_indices=True)       # (1, 2, 1)
    ya, ia = autograd.tensor(yt.numpy(), requires_grad=True), autograd.tensor(it.numpy())
    # an empty output is allowed (torch checks no index then)
    out = F.max_unpool1d(ya, ia, 2, 4, 0, [0])
    assert out.shape == TF.max_unpool1d(yt, it, 2, 4, 0, [0]).shape == (1, 2, 0)
    out.sum().backward()
    assert ya.grad.shape == ya.shape and not ya.grad.numpy().any()
    # output_size: nsp or nsp + 2 entries, for batched and unbatched inputs alike
    _raises_like_torch(lambda: TF.max_unpool1d(yt[0], it[0], 2, output_size=(2, 6)),
                       lambda: F.max_unpool1d(ya[0], ia[0], 2, output_size=(2, 6)))
    # max_unpool2d/3d expand a plain int only, not a 1-sequence
    x2 = RNG.standard_normal((1, 2, 4, 4))
    yt2, it2 = TF.max_pool2d(torch.tensor(x2), 2, return_indices=True)
    ya2, ia2 = autograd.tensor(yt2.numpy()), autograd.tensor(it2.numpy())
    for kw in (dict(kernel_size=(2,)), dict(kernel_size=2, stride=(2,)),
               dict(kernel_size=2, padding=[0])):
        _raises_like_torch(lambda: TF.max_unpool2d(yt2, it2, **kw),
                           lambda: F.max_unpool2d(ya2, ia2, **kw))


# ---- F.pad -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_non_constant_length_must_match_input_dims(mode):
    # torch pads the last k dims of a (C, *k) or (N, C, *k) input only
    for shape, pads in (((4,), (1, 1)), ((2, 3, 4, 5), (1, 1)), ((2, 3), (1, 1, 1, 1)),
                        ((2, 3, 4, 5, 5), (1, 1, 1, 1)), ((2, 3, 4, 4), (1,) * 8)):
        xt, xa = _both(RNG.standard_normal(shape), False)
        _raises_like_torch(lambda: TF.pad(xt, pads, mode), lambda: F.pad(xa, pads, mode))
    for shape, pads in (((3, 4), (1, 2)), ((2, 3, 4), (2, 1, 1, 0)), ((1, 2, 3, 4, 4),
                                                                      (1, 0, 2, 1, 0, 1))):
        xt, xa = _both(RNG.standard_normal(shape))
        yt, ya = TF.pad(xt, pads, mode), F.pad(xa, pads, mode)
        _close(ya, yt)


def test_pad_circular_negative_pads_wrap_the_cropped_input():
    for pads in ((1, -3), (-2, 1), (-1, 1), (2, -1), (-1, -1), (0, 0, -2, 2), (3, -1, 1, -2)):
        xt, xa = _both(RNG.standard_normal((2, 4, 5)))
        yt, ya = TF.pad(xt, pads, "circular"), F.pad(xa, pads, "circular")
        _close(ya, yt)
        g = RNG.standard_normal(yt.shape)
        (yt * torch.tensor(g)).sum().backward()
        (ya * autograd.tensor(g)).sum().backward()
        _close(xa.grad, xt.grad)


def test_pad_value_and_size_errors():
    xt, xa = _both(RNG.standard_normal((2, 3, 5)), False)
    _raises_like_torch(lambda: TF.pad(xt, (1, 1), "reflect", value=1.0),
                       lambda: F.pad(xa, (1, 1), "reflect", value=1.0))
    # a 1-d non-constant pad must leave at least one element; constant pads crop first
    _raises_like_torch(lambda: TF.pad(xt, (-5, 0), "replicate"),
                       lambda: F.pad(xa, (-5, 0), "replicate"))
    _raises_like_torch(lambda: TF.pad(xt, (-6, 4)), lambda: F.pad(xa, (-6, 4)))
    _raises_like_torch(lambda: TF.pad(xt, (-3, -3), "circular"),
                       lambda: F.pad(xa, (-3, -3), "circular"))
    assert F.pad(xa, (0, 0, -3, 1), "replicate").shape == TF.pad(xt, (0, 0, -3, 1),
                                                                 "replicate").shape


# ---- unfold / fold ---------------------------------------------------------------------------

def test_unfold_fold_take_an_int_or_exactly_two_ints():
    xt, xa = _both(RNG.standard_normal((1, 2, 5, 5)), False)
    for kw in (dict(kernel_size=(2,)), dict(kernel_size=2, stride=(1,)),
               dict(kernel_size=2, padding=[1]), dict(kernel_size=2, dilation=(1, 1, 1))):
        _raises_like_torch(lambda: TF.unfold(xt, **kw), lambda: F.unfold(xa, **kw))
    ct, ca = _both(RNG.standard_normal((1, 8, 16)), False)
    _raises_like_torch(lambda: TF.fold(ct, (5,), 2), lambda: F.fold(ca, (5,), 2))
    _close(F.fold(ca, (5, 5), 2), TF.fold(ct, (5, 5), 2))


# ---- conv modules ----------------------------------------------------------------------------

def _copy_params(tm, m):
    m.weight._data[...] = tm.weight.detach().numpy()
    if tm.bias is not None:
        m.bias._data[...] = tm.bias.detach().numpy()


def test_conv_module_same_padding_pairs_dilation_with_kernel_as_given():
    # torch zips dilation with kernel_size: a 1-tuple dilation pads only the first dim
    kw = dict(padding="same", dilation=(1,), groups=2, padding_mode="replicate")
    tm = torch.nn.Conv3d(2, 2, (4, 1, 4), **kw).double()
    m = nn.Conv3d(2, 2, (4, 1, 4), **kw, dtype=autograd.float64)
    _copy_params(tm, m)
    assert list(m._reversed_padding_repeated_twice) == list(tm._reversed_padding_repeated_twice)
    xt, xa = _both(RNG.standard_normal((1, 2, 1, 2, 4)))
    _close(m(xa), tm(xt))


def test_conv_module_keeps_sequences_as_given():
    # torch's _pair keeps a 1-tuple: padding=(1,) with a non-zeros mode is a 2-value F.pad
    # on a 4-D input, which torch refuses
    tm = torch.nn.Conv2d(1, 2, 2, padding=(1,), padding_mode="reflect")
    m = nn.Conv2d(1, 2, 2, padding=(1,), padding_mode="reflect")
    assert m.padding == tm.padding == (1,)
    xt, xa = _both(RNG.standard_normal((1, 1, 5, 5)).astype(np.float32), False)
    _raises_like_torch(lambda: tm(xt), lambda: m(xa))
    # zeros mode: the functional call broadcasts the 1-tuple
    tm = torch.nn.Conv2d(1, 2, 2, padding=(1,)).double()
    m = nn.Conv2d(1, 2, 2, padding=(1,), dtype=autograd.float64)
    _copy_params(tm, m)
    xt, xa = _both(RNG.standard_normal((1, 1, 5, 5)))
    _close(m(xa), tm(xt))


def test_conv_module_argument_errors_at_the_same_step_as_torch():
    x = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    xt, xa = _both(x, False)
    # accepted at construction, refused by forward
    for kw in (dict(stride=0), dict(padding=-1), dict(dilation=0)):
        tm, m = torch.nn.Conv2d(2, 2, 3, **kw), nn.Conv2d(2, 2, 3, **kw)
        _raises_like_torch(lambda: tm(xt), lambda: m(xa))
    # ConvTranspose output_size: nd or (nd + number of non-spatial dims) entries
    tm, m = torch.nn.ConvTranspose2d(2, 2, 3, stride=2), nn.ConvTranspose2d(2, 2, 3, stride=2)
    _raises_like_torch(lambda: tm(xt[0], output_size=(1, 2, 14, 14)),
                       lambda: m(xa[0], output_size=(1, 2, 14, 14)))
    _raises_like_torch(lambda: tm(xt, output_size=(2, 14, 14)),
                       lambda: m(xa, output_size=(2, 14, 14)))
    assert m(xa[0], output_size=(2, 14, 14)).shape == tm(xt[0], output_size=(2, 14, 14)).shape


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("transposed", [False, True])
def test_conv_of_an_empty_batch(nd, transposed):
    # torch returns an empty batch (zero gradients); the kernels used to divide by N = 0
    name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
    w = RNG.standard_normal((4, 2) + (3,) * nd)
    b = RNG.standard_normal(4 if not transposed else 4)
    kw = dict(stride=2, padding=1, groups=2)
    xt, xa = _both(np.zeros((0, 4) + (5,) * nd))
    (wt, wa), (bt, ba) = _both(w), _both(b)
    yt = getattr(TF, name)(xt, wt, bt, **kw)
    ya = getattr(F, name)(xa, wa, ba, **kw)
    assert ya.shape == yt.shape and ya.dtype == np.float64
    yt.sum().backward()
    ya.sum().backward()
    _close(wa.grad, wt.grad)
    _close(ba.grad, bt.grad)
    assert xa.grad.shape == xt.shape
    # still checked like any call
    _raises_like_torch(lambda: getattr(TF, name)(xt, wt, bt, groups=3),
                       lambda: getattr(F, name)(xa, wa, ba, groups=3))


@pytest.mark.parametrize("name,shape", [("adaptive_avg_pool1d", (2, 0, 5)),
                                        ("adaptive_avg_pool2d", (2, 0, 5, 5)),
                                        ("adaptive_avg_pool2d", (0, 5, 5)),
                                        ("adaptive_max_pool2d", (0, 5, 5)),
                                        ("adaptive_max_pool1d", (0, 5)),
                                        ("adaptive_avg_pool3d", (0, 5, 5, 5))])
def test_adaptive_pool_takes_empty_leading_dims_as_torch(name, shape):
    xt, xa = _both(np.zeros(shape))
    yt = getattr(TF, name)(xt, 2)
    ya = getattr(F, name)(xa, 2)
    assert ya.shape == yt.shape
    ya.sum().backward()
    assert xa.grad.shape == xa.shape


@pytest.mark.parametrize("name,shape", [("adaptive_max_pool2d", (2, 0, 5, 5)),
                                        ("adaptive_avg_pool3d", (2, 0, 5, 5, 5)),
                                        ("adaptive_avg_pool1d", (0, 0)),
                                        ("max_pool2d", (0, 5, 5))])
def test_pool_refuses_empty_dims_as_torch(name, shape):
    xt, xa = _both(np.zeros(shape), False)
    _raises_like_torch(lambda: getattr(TF, name)(xt, 2), lambda: getattr(F, name)(xa, 2))
