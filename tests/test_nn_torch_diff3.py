"""Differential tests against torch for the resampling, shuffle, distance and triplet-distance
additions to nn (interpolate / Upsample*, PixelShuffle, ChannelShuffle, pdist, ...)."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(0)
DTYPES = [np.float32, np.float64]


def _tol(dt):
    # float32: torch sums the taps in another order, so a few ulps apart
    return dict(rtol=1e-5, atol=1e-5) if dt == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _check(fo, ft, arrays, dt, grad=True, **kw):
    """Forward on the same arrays, compare values and dtype, then every input's gradient."""
    ins_o = [autograd.tensor(a.copy(), requires_grad=True) for a in arrays]
    ins_t = [torch.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    out_o, out_t = fo(*ins_o, **kw), ft(*ins_t, **kw)
    assert out_o.shape == tuple(out_t.shape)
    assert out_o._data.dtype == out_t.detach().numpy().dtype
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), **_tol(dt))
    if not grad:
        return
    g = R.standard_normal(out_o.shape).astype(dt)
    out_o.backward(autograd.tensor(g))
    out_t.backward(torch.from_numpy(g))
    for a, b in zip(ins_o, ins_t):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), **_tol(dt))


def _raises_like_torch(fo, ft, *arrays, **kw):
    with pytest.raises(Exception) as et:
        ft(*[torch.from_numpy(a.copy()) for a in arrays], **kw)
    with pytest.raises(Exception) as eo:
        fo(*[autograd.tensor(a.copy()) for a in arrays], **kw)
    assert type(eo.value) is type(et.value), (eo.value, et.value)
    assert str(eo.value) == str(et.value)


# ---- interpolate ----------------------------------------------------------------------------

SIZES = [dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=0.6),
         dict(scale_factor=1.1), dict(size=11), dict(size=3), dict(size=1),
         dict(scale_factor=2.3, recompute_scale_factor=True)]
CASES = [((2, 3, 7), ["nearest", "nearest-exact", "linear", "area"]),
         ((2, 3, 5, 6), ["nearest", "nearest-exact", "bilinear", "bicubic", "area"]),
         ((1, 2, 3, 4, 5), ["nearest", "nearest-exact", "trilinear", "area"])]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw", SIZES, ids=str)
@pytest.mark.parametrize("shape,mode", [(s, m) for s, ms in CASES for m in ms], ids=str)
def test_interpolate_matches_torch(shape, mode, kw, dt):
    x = R.standard_normal(shape).astype(dt)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    # torch's nearest and bicubic backward kernels take same-size (nearest: also double-size)
    # shortcuts even when a scale_factor made the forward pick other rows; we keep the
    # gradient of the forward actually computed, so only values are compared there
    sf = kw.get("scale_factor")
    outs = [int(n * sf) if sf else None for n in shape[2:]]
    torch_grad_bug = bool(sf) and not kw.get("recompute_scale_factor") and sf not in (1, 2) and (
        mode == "nearest" and len(shape) != 4   # the 2-D kernel shortcuts forward too
        and any(o in (n, 2 * n) for o, n in zip(outs, shape[2:]))
        or mode == "bicubic" and outs == list(shape[2:]))
    for ac in corners:
        _check(F.interpolate, TF.interpolate, [x], dt, grad=not torch_grad_bug, mode=mode,
               align_corners=ac, **kw)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
def test_interpolate_1d_index_rounding_sweep(mode):
    # float32 index arithmetic and torch's special cases (out == in, out == 2 * in)
    for n_in in range(1, 14):
        x = R.standard_normal((1, 1, n_in)).astype(np.float32)
        xt = torch.from_numpy(x)
        for kw in [dict(size=n) for n in range(1, 30)] + \
                  [dict(scale_factor=s) for s in (0.3, 0.5, 1.05, 1.5, 2.1, 2.5, 3.0, 3.3)]:
            try:
                want = TF.interpolate(xt, mode=mode, **kw).numpy()
            except RuntimeError:
                continue
            got = F.interpolate(autograd.tensor(x), mode=mode, **kw)._data
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{n_in} {kw}")


@pytest.mark.parametrize("sf", [(1.1, 2.0), (1.2, 1.05), (1.9, 1.0), (2, 3)])
def test_bilinear_tuple_scale_factor_and_unchanged_dim(sf):
    x = R.standard_normal((2, 1, 2, 5))
    for ac in (False, True):
        _check(F.interpolate, TF.interpolate, [x], np.float64, scale_factor=sf,
               mode="bilinear", align_corners=ac)


def test_interpolate_nearest_keeps_integer_dtype_like_values():
    x = R.integers(0, 9, (1, 2, 3, 4)).astype(np.float32)
    got = F.interpolate(autograd.tensor(x), scale_factor=2)._data
    want = TF.interpolate(torch.from_numpy(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 3, 4), dict()),
    ((1, 2, 3, 4), dict(size=3, scale_factor=2)),
    ((1, 2, 3, 4), dict(size=(3, 4, 5))),
    ((1, 2, 3, 4), dict(scale_factor=(2, 3, 4))),
    ((1, 2, 3, 4), dict(size=3, mode="linear")),
    ((1, 2, 3, 4), dict(size=3, mode="trilinear")),
    ((1, 2, 3, 4), dict(size=3, align_corners=True)),
    ((1, 2, 3, 4), dict(size=3, mode="foo")),
    ((3, 4), dict(size=3)),
    ((1, 2, 3, 4), dict(size=0)),
    ((1, 2, 3, 4), dict(scale_factor=0.1)),
    ((1, 2, 3, 4), dict(size=3, recompute_scale_factor=True)),
], ids=str)
def test_interpolate_errors_like_torch(shape, kw):
    _raises_like_torch(F.interpolate, TF.interpolate, R.standard_normal(shape), **kw)


@pytest.mark.parametrize("size", [True, "2", 2.0, (2.0, 3)], ids=str)
def test_interpolate_size_must_be_ints(size):
    x = R.standard_normal((1, 1, 3, 3))
    with pytest.raises(TypeError):          # torch's message is its argument parser's
        TF.interpolate(torch.from_numpy(x), size=size)
    with pytest.raises(TypeError, match="size must be an int or a tuple of ints"):
        F.interpolate(autograd.tensor(x), size=size)


def test_deprecated_upsample_functions_warn_and_match():
    x = R.standard_normal((1, 2, 3, 4))
    for fo, ft, kw in [(F.upsample, TF.upsample, dict(scale_factor=2, mode="bilinear")),
                       (F.upsample_nearest, TF.upsample_nearest, dict(size=5)),
                       (F.upsample_bilinear, TF.upsample_bilinear, dict(scale_factor=2))]:
        with pytest.warns(UserWarning, match="deprecated"):
            got = fo(autograd.tensor(x), **kw)
        with pytest.warns(UserWarning):
            want = ft(torch.from_numpy(x), **kw)
        np.testing.assert_allclose(got._data, want.numpy(), rtol=1e-10, atol=1e-12)


# ---- Upsample modules -----------------------------------------------------------------------

UPSAMPLE = [("Upsample", dict(scale_factor=2)),
            ("Upsample", dict(size=(3, 4), mode="bilinear")),
            ("Upsample", dict(scale_factor=(2, 1.5), mode="bilinear", align_corners=True)),
            ("Upsample", dict(scale_factor=1.5, mode="bicubic")),
            ("Upsample", dict(size=5, mode="nearest-exact")),
            ("Upsample", dict(scale_factor=0.5, mode="area")),
            ("Upsample", dict(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True)),
            ("UpsamplingNearest2d", dict(scale_factor=2)),
            ("UpsamplingNearest2d", dict(size=5)),
            ("UpsamplingBilinear2d", dict(scale_factor=2)),
            ("UpsamplingBilinear2d", dict(size=(4, 7)))]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name,kw", UPSAMPLE, ids=str)
def test_upsample_modules_match_torch(name, kw, dt):
    mo, mt = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(mo) == repr(mt)
    assert (mo.size, mo.scale_factor, mo.mode, mo.align_corners) == \
        (mt.size, mt.scale_factor, mt.mode, mt.align_corners)
    _check(mo, mt, [R.standard_normal((2, 3, 4, 6)).astype(dt)], dt)


def test_upsample_repr_and_list_scale_factor():
    assert repr(nn.Upsample(scale_factor=0)) == repr(torch.nn.Upsample(scale_factor=0))
    with pytest.raises(TypeError):
        torch.nn.Upsample(scale_factor=[2, 3])
    with pytest.raises(TypeError):
        nn.Upsample(scale_factor=[2, 3])


def test_upsample_in_a_cnn_trains():
    # a decoder-style block: conv -> upsample -> conv, gradients reach the first conv
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
                        nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(4, 1, 1))
    x = autograd.tensor(R.standard_normal((2, 1, 5, 5)).astype(np.float32))
    out = net(x)
    assert out.shape == (2, 1, 10, 10) and out.dtype == autograd.float32
    out.sum().backward()
    assert net[0].weight.grad is not None


# ---- pixel / channel shuffle ----------------------------------------------------------------

SHUFFLES = [("pixel_shuffle", "PixelShuffle", (2, 8, 3, 4), 2),
            ("pixel_shuffle", "PixelShuffle", (9, 3, 4), 3),
            ("pixel_shuffle", "PixelShuffle", (2, 1, 4, 3, 4), 2),
            ("pixel_shuffle", "PixelShuffle", (2, 3, 3, 4), 1),
            ("pixel_unshuffle", "PixelUnshuffle", (2, 2, 4, 6), 2),
            ("pixel_unshuffle", "PixelUnshuffle", (3, 6, 3), 3),
            ("pixel_unshuffle", "PixelUnshuffle", (2, 1, 2, 4, 4), 2),
            ("channel_shuffle", "ChannelShuffle", (2, 6, 3, 4), 3),
            ("channel_shuffle", "ChannelShuffle", (2, 6, 3), 2),
            ("channel_shuffle", "ChannelShuffle", (1, 4, 2, 2, 2), 4)]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("fn,mod,shape,arg", SHUFFLES, ids=str)
def test_shuffles_match_torch(fn, mod, shape, arg, dt):
    x = R.standard_normal(shape).astype(dt)
    _check(lambda t: getattr(F, fn)(t, arg), lambda t: getattr(TF, fn)(t, arg), [x], dt)
    mo, mt = getattr(nn, mod)(arg), getattr(torch.nn, mod)(arg)
    assert repr(mo) == repr(mt)
    _check(mo, mt, [x], dt)


@pytest.mark.parametrize("fn,shape,arg", [
    ("pixel_shuffle", (1, 2, 3, 4), 3), ("pixel_shuffle", (3, 4), 1),
    ("pixel_shuffle", (1, 4, 3, 4), 0), ("pixel_unshuffle", (1, 2, 3, 4), 2),
    ("pixel_unshuffle", (1, 2, 4, 3), 2), ("pixel_unshuffle", (1, 2, 4, 4), 0),
    ("channel_shuffle", (1, 2, 3, 4), 3), ("channel_shuffle", (1, 2, 3, 4), 0),
    ("channel_shuffle", (2, 3, 4), 2)], ids=str)
def test_shuffle_errors_like_torch(fn, shape, arg):
    _raises_like_torch(lambda t: getattr(F, fn)(t, arg), lambda t: getattr(TF, fn)(t, arg),
                       R.standard_normal(shape))


# ---- distances ------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("p", [2, 1, 0.5, 3, float("inf")])
def test_pdist_matches_torch(p, dt):
    x = R.standard_normal((5, 3)).astype(dt)
    _check(lambda t: F.pdist(t, p), lambda t: TF.pdist(t, p), [x], dt)


@pytest.mark.parametrize("shape,p", [((2, 3, 4), 2), ((4, 3), -1)], ids=str)
def test_pdist_errors_like_torch(shape, p):
    _raises_like_torch(lambda t: F.pdist(t, p), lambda t: TF.pdist(t, p),
                       R.standard_normal(shape))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(p=1.0), dict(p=3.0, eps=1e-3, keepdim=True),
                                dict(p=float("inf"))], ids=str)
def test_pairwise_distance_module(kw, dt):
    mo, mt = nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw)
    assert repr(mo) == repr(mt)
    assert (mo.norm, mo.eps, mo.keepdim) == (mt.norm, mt.eps, mt.keepdim)
    a, b = (R.standard_normal((4, 5)).astype(dt) for _ in range(2))
    _check(mo, mt, [a, b], dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw,shapes", [(dict(), [(4, 5), (4, 5)]),
                                       (dict(dim=0, eps=1e-3), [(4, 5), (4, 5)]),
                                       (dict(dim=-1), [(2, 3, 5), (3, 5)])], ids=str)
def test_cosine_similarity_module(kw, shapes, dt):
    mo, mt = nn.CosineSimilarity(**kw), torch.nn.CosineSimilarity(**kw)
    assert repr(mo) == repr(mt)
    _check(mo, mt, [R.standard_normal(s).astype(dt) for s in shapes], dt)


# ---- TripletMarginWithDistanceLoss ----------------------------------------------------------

def _l1(x, y):
    return (x - y).abs().sum(-1)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kw", [dict(), dict(swap=True), dict(margin=0.5, reduction="sum"),
                                dict(reduction="none"), dict(distance_function=_l1, swap=True)],
                         ids=str)
def test_triplet_margin_with_distance_loss(kw, dt):
    arrays = [R.standard_normal((6, 4)).astype(dt) for _ in range(3)]
    _check(F.triplet_margin_with_distance_loss, TF.triplet_margin_with_distance_loss,
           arrays, dt, **kw)
    mo, mt = nn.TripletMarginWithDistanceLoss(**kw), torch.nn.TripletMarginWithDistanceLoss(**kw)
    assert repr(mo) == repr(mt)
    _check(mo, mt, arrays, dt)


def test_triplet_losses_errors_like_torch():
    a = R.standard_normal((3, 4))
    for fo, ft in [(F.triplet_margin_loss, TF.triplet_margin_loss),
                   (F.triplet_margin_with_distance_loss, TF.triplet_margin_with_distance_loss)]:
        _raises_like_torch(fo, ft, a, a, a[0])
    _raises_like_torch(F.triplet_margin_with_distance_loss, TF.triplet_margin_with_distance_loss,
                       a, a, a, margin=0)
    _raises_like_torch(F.triplet_margin_with_distance_loss, TF.triplet_margin_with_distance_loss,
                       a, a, a, reduction="foo")
    for mod in (nn.TripletMarginWithDistanceLoss, torch.nn.TripletMarginWithDistanceLoss):
        with pytest.raises(ValueError, match="expected margin to be greater than 0"):
            mod(margin=-1)


# ---- gumbel_softmax -------------------------------------------------------------------------

@pytest.mark.parametrize("dt", DTYPES)
def test_gumbel_softmax_soft_and_hard(dt):
    # random, so compare properties and the straight-through gradient, not values
    x = autograd.tensor(R.standard_normal((4, 5)).astype(dt), requires_grad=True)
    y = F.gumbel_softmax(x, tau=0.5)
    assert y.dtype == x.dtype
    np.testing.assert_allclose(y._data.sum(-1), 1, rtol=1e-6)
    h = F.gumbel_softmax(x, hard=True, dim=0)
    assert h.dtype == x.dtype
    np.testing.assert_array_equal(h._data.sum(0), 1)
    assert set(np.unique(h._data)) <= {0, 1}
    (h * autograd.tensor(R.standard_normal((4, 5)).astype(dt))).sum().backward()
    assert x.grad is not None and np.abs(x.grad._data).sum() > 0
    np.testing.assert_allclose(x.grad._data.sum(0), 0, atol=1e-6)   # softmax grads sum to 0


@pytest.mark.parametrize("training,eps", [(True, 0.0), (True, -1e-5), (False, -1e-5)])
def test_batch_norm_eps_checked_like_torch(training, eps):
    import nn.functional as F
    x = autograd.ones(4, 3, 5, 5)
    with pytest.raises(ValueError, match="batch_norm eps must be"):
        F.batch_norm(x, autograd.zeros(3), autograd.ones(3), training=training, eps=eps)
    y = F.batch_norm(x, autograd.zeros(3), autograd.ones(3), training=False, eps=0.0)
    np.testing.assert_array_equal(y.numpy(), np.ones((4, 3, 5, 5), np.float32))
