"""Pooling: forward against explicit-window numpy references (hypothesis), backward by float64
gradcheck / gradgradcheck, torch semantics (ties, NaN, indices, ceil_mode), dtype, thread
determinism, argument errors, and PyTorch itself where importable."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import autograd
import nn
import nn.functional as F

SET = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def out_len(n, k, s, p, d, ceil):
    eff = d * (k - 1) + 1
    if ceil:
        o = -(-(n + 2 * p - eff) // s) + 1
        if (o - 1) * s >= n + p:
            o -= 1
    else:
        o = (n + 2 * p - eff) // s + 1
    return o


def ref_pool(x, nsp, k, s, p, d, ceil, kind, cip=True, div=None):
    """Explicit windows. Returns (out, first-max flat index) for max, out for avg."""
    sp = x.shape[-nsp:]
    lead = x.shape[:-nsp]
    osz = [out_len(sp[i], k[i], s[i], p[i], d[i], ceil) for i in range(nsp)]
    out = np.zeros(lead + tuple(osz), x.dtype)
    idx = np.zeros(lead + tuple(osz), np.int64)
    strides = [int(np.prod(sp[i + 1:])) for i in range(nsp)]
    for o in itertools.product(*[range(v) for v in osz]):
        taps = [[o[i] * s[i] - p[i] + j * d[i] for j in range(k[i])] for i in range(nsp)]
        valid = [[t for t in taps[i] if 0 <= t < sp[i]] for i in range(nsp)]
        pos = list(itertools.product(*valid))
        sl = (Ellipsis,) + tuple(o)
        if kind == "max" and not pos:          # window entirely in padding: torch's -inf
            out[sl] = -np.inf
            first = [next(t for t in taps[i] if t >= 0) for i in range(nsp)]
            idx[sl] = sum(first[i] * strides[i] for i in range(nsp))
        elif kind == "max":
            vals = np.stack([x[(Ellipsis,) + q] for q in pos], -1)
            a = np.argmax(vals, -1)            # first maximum
            out[sl] = np.take_along_axis(vals, a[..., None], -1)[..., 0]
            flat = np.array([sum(q[i] * strides[i] for i in range(nsp)) for q in pos])
            idx[sl] = flat[a]
        else:
            tot = sum(x[(Ellipsis,) + q] for q in pos)
            if div is not None:
                dv = div
            elif cip:
                dv = np.prod([min(o[i] * s[i] - p[i] + k[i], sp[i] + p[i]) - (o[i] * s[i] - p[i])
                              for i in range(nsp)])
            else:
                dv = len(pos)
            out[sl] = tot / dv
    return (out, idx) if kind == "max" else out


@st.composite
def pool_case(draw, kind):
    nsp = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    k = [draw(st.integers(1, 3)) for _ in range(nsp)]
    d = [draw(st.integers(1, 2)) if kind == "max" else 1 for _ in range(nsp)]
    s = [draw(st.integers(1, 3)) for _ in range(nsp)]
    p = [draw(st.integers(0, k[i] // 2)) for i in range(nsp)]
    ceil = draw(st.booleans())
    lo = [max(1, (k[i] - 1) * d[i] + 1 - 2 * p[i]) for i in range(nsp)]
    if kind == "avg" and nsp == 3:                 # torch's avg_pool3d: input >= kernel
        lo = [max(v, kk) for v, kk in zip(lo, k)]
    sp = [draw(st.integers(lo[i], 7)) for i in range(nsp)]
    lead = [draw(st.integers(1, 2)), draw(st.integers(1, 3))] if batched \
        else [draw(st.integers(1, 3))]
    return nsp, tuple(lead + sp), k, s, p, d, ceil


MAXF = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVGF = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


@SET
@given(pool_case("max"), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**31))
def test_max_pool_matches_reference(case, dt, seed):
    nsp, shape, k, s, p, d, ceil = case
    x = np.random.default_rng(seed).integers(-3, 4, shape).astype(dt)   # many ties
    out, idx = MAXF[nsp](autograd.tensor(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    ro, ri = ref_pool(x, nsp, k, s, p, d, ceil, "max")
    assert out.dtype == dt and idx.dtype == autograd.int64
    np.testing.assert_array_equal(out.detach().numpy(), ro)
    np.testing.assert_array_equal(idx.detach().numpy(), ri)


@SET
@given(pool_case("avg"), st.sampled_from([np.float32, np.float64]), st.booleans(),
       st.sampled_from([None, 1, 3]), st.integers(0, 2**31))
def test_avg_pool_matches_reference(case, dt, cip, div, seed):
    nsp, shape, k, s, p, d, ceil = case
    x = np.random.default_rng(seed).standard_normal(shape).astype(dt)
    if nsp == 1:
        div = None
        out = F.avg_pool1d(autograd.tensor(x), k, s, p, ceil, cip)
    else:
        out = AVGF[nsp](autograd.tensor(x), k, s, p, ceil, cip, div)
    ref = ref_pool(x.astype(np.float64), nsp, k, s, p, d, ceil, "avg", cip, div)
    assert out.dtype == dt
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-5 if dt == np.float32 else 1e-12,
                               atol=1e-6 if dt == np.float32 else 1e-12)


def _x64(*shape, seed=0):
    # distinct values: finite differences stay away from max-pool ties
    n = int(np.prod(shape))
    v = np.random.default_rng(seed).permutation(n).astype(np.float64) / n
    return autograd.tensor(v.reshape(shape), requires_grad=True)


@pytest.mark.parametrize("fn", [
    lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True),
    lambda a: F.max_pool2d(a, 2),                       # 2x2 fast path, window codes, odd size
    lambda a: F.max_pool2d(a, 2, return_indices=True)[0],
    lambda a: F.avg_pool2d(a, 2),
    lambda a: F.max_pool2d(a, 2, 1, 0, dilation=2),
    lambda a: F.max_pool1d(a[0], 2, ceil_mode=True),
    lambda a: F.max_pool3d(a.unsqueeze(0), (1, 2, 2), 1),
    lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda a: F.avg_pool2d(a, 2, divisor_override=3),
    lambda a: F.avg_pool1d(a[0], 3, 2, 1),
    lambda a: F.avg_pool3d(a.unsqueeze(0), 2, 1, 1),
    lambda a: F.adaptive_avg_pool2d(a, (2, 3)),
    lambda a: F.adaptive_max_pool2d(a, (3, 2)),
    lambda a: F.adaptive_avg_pool1d(a[0], 3),
    lambda a: F.adaptive_max_pool1d(a[0], 4),
    lambda a: F.lp_pool2d(a + 2.0, 2, 2, ceil_mode=True),
    lambda a: F.lp_pool1d(a[0] + 2.0, 3.0, 2),
    lambda a: F.max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2, output_size=(5, 5)),
])
def test_gradcheck_and_gradgradcheck(fn):
    x = _x64(2, 2, 5, 5)
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_tie_gradient_goes_to_first_maximum():
    x = autograd.tensor([[[[1.0, 1.0], [1.0, 1.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy()[0, 0], [[1, 0], [0, 0]])
    x = autograd.tensor([[[5.0, 2.0, 5.0, 5.0]]], requires_grad=True)
    out, idx = F.max_pool1d(x, 3, 1, return_indices=True)
    assert idx.tolist() == [[[0, 2]]]
    out.sum().backward()
    assert x.grad.tolist() == [[[1.0, 0.0, 1.0, 0.0]]]


def test_nan_propagates_and_general_kernel_agrees_with_fast_path():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 6, 6)).astype(np.float32)
    x[0, 0, 1, 1] = np.nan
    x[1, 2, 0, 0] = x[1, 2, 0, 1] = np.nan
    xt = autograd.tensor(x)
    fast = F.max_pool2d(xt, 2, return_indices=True)              # 2x2 specialised kernel
    general = F.max_pool2d(xt, (2, 2), 2, 0, 1, True, True)      # ceil_mode: general kernel
    np.testing.assert_array_equal(fast[0].detach().numpy(), general[0].detach().numpy())
    np.testing.assert_array_equal(fast[1].detach().numpy(), general[1].detach().numpy())
    assert np.isnan(fast[0].detach().numpy()[0, 0, 0, 0]) and fast[1].detach().numpy()[1, 2, 0, 0] == 1
    a = F.avg_pool2d(xt[1:], 2).detach().numpy()
    b = F.avg_pool2d(xt[1:], 2, ceil_mode=True, divisor_override=4).detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_fast_path_backward_ties_nan_odd_sizes():
    # 2x2 fast path, with and without returned indices (then kept for backward only)
    rng = np.random.default_rng(7)
    for dt in (np.float32, np.float64):
        x = rng.integers(-2, 3, (2, 3, 7, 9)).astype(dt)                # many ties
        x[0, 0, 1, 1] = np.nan
        x[1, 2, 0, 0] = x[1, 2, 0, 1] = np.nan
        x[1, 1, 2, 3] = x[1, 1, 3, 3] = np.nan
        g = rng.standard_normal((2, 3, 3, 4)).astype(dt)
        ro, ri = ref_pool(x, 2, [2, 2], [2, 2], [0, 0], [1, 1], False, "max")
        nan_at = np.isnan(x).reshape(6, 63)
        for b in range(6):                      # torch: the last NaN of a window wins
            for q in range(12):
                oh, ow = divmod(q, 4)
                win = [(2 * oh + i) * 9 + 2 * ow + j for i in (0, 1) for j in (0, 1)]
                nans = [p for p in win if nan_at[b, p]]
                if nans:
                    ri.reshape(6, 12)[b, q] = nans[-1]
        exp = np.zeros((6, 63), dt)
        for b in range(6):
            for q in range(12):
                exp[b, ri.reshape(6, 12)[b, q]] += g.reshape(6, 12)[b, q]
        for ret in (False, True):
            xt = autograd.tensor(x, requires_grad=True)
            r = F.max_pool2d(xt, 2, return_indices=ret)
            out = r[0] if ret else r
            if ret:
                np.testing.assert_array_equal(r[1].detach().numpy(), ri)
            assert out.dtype == dt
            np.testing.assert_array_equal(out.detach().numpy(), np.where(
                np.isnan(np.take_along_axis(x.reshape(6, 63), ri.reshape(6, 12), 1)),
                np.nan, ro.reshape(6, 12)).reshape(ro.shape))
            out.backward(autograd.tensor(g))
            assert xt.grad.dtype == dt
            np.testing.assert_array_equal(xt.grad.detach().numpy(), exp.reshape(x.shape))


def test_fast_path_backward_matches_general():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    g = rng.standard_normal((2, 3, 3, 4)).astype(np.float32)
    for f in (F.max_pool2d, F.avg_pool2d):
        grads = []
        for args in ((2,), ((2, 2), 2, 0, *((1,) if f is F.max_pool2d else ()), False)):
            xt = autograd.tensor(x, requires_grad=True)
            f(xt, *args).backward(autograd.tensor(g))
            grads.append(xt.grad.detach().numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


def test_float32_stays_float32_through_backward():
    x = autograd.randn(2, 3, 8, 8, requires_grad=True)
    for f in (lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 3, 2, 1),
              lambda a: F.lp_pool2d(a, 2, 2), lambda a: F.adaptive_avg_pool2d(a, 3)):
        x.grad = None
        y = f(x)
        assert y.dtype == autograd.float32
        y.sum().backward()
        assert x.grad.dtype == autograd.float32


def test_one_vs_two_threads_bitwise():
    numba = pytest.importorskip("numba")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 8, 13, 11)).astype(np.float32)
    results = []
    old = numba.get_num_threads()
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            outs = []
            for f in (lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True),
                      lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False),
                      lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 2),
                      lambda a: F.adaptive_avg_pool2d(a, 5)):
                xt = autograd.tensor(x, requires_grad=True)
                y = f(xt)
                (y * y).sum().backward()
                outs += [y.detach().numpy().copy(), xt.grad.detach().numpy().copy()]
            results.append(outs)
    finally:
        numba.set_num_threads(old)
    for a, b in zip(*results):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("call, match", [
    (lambda x: F.max_pool2d(x[0, 0], 2), r"max_pool2d\(\): Expected 3D .* or 4D"),
    (lambda x: F.max_pool2d(x, 0), "kernel_size should be greater than zero"),
    (lambda x: F.max_pool2d(x, 2, 0), "stride should be greater than zero"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), "dilation should be greater than zero"),
    (lambda x: F.max_pool2d(x, 2, padding=2), "pad should be at most half of effective"),
    (lambda x: F.avg_pool2d(x, 3, padding=2), "pad should be at most half of effective"),
    (lambda x: F.max_pool2d(x, 3, dilation=2, padding=2), "smaller than or equal to half of"),
    (lambda x: F.max_pool2d(x, 9), r"Output size is too small"),
    (lambda x: F.avg_pool2d(x, (2, 2, 2)), "kernel_size must either be a single int"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor must be not zero"),
    (lambda x: F.max_pool1d(x, 2), r"max_pool1d\(\): Expected 2D"),
    (lambda x: F.max_pool2d(x.to(autograd.int64), 2), "not implemented"),
    (lambda x: F.adaptive_avg_pool2d(x, -1), "greater than or equal to 0"),
])
def test_errors_before_any_kernel(call, match):
    x = autograd.randn(1, 2, 6, 6)
    with pytest.raises(RuntimeError, match=match):
        call(x)


def test_unpool_errors_and_roundtrip():
    x = autograd.randn(1, 2, 4, 4)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    up = F.max_unpool2d(out, idx, 2)
    assert up.shape == (1, 2, 4, 4)
    assert np.count_nonzero(up.detach().numpy()) == 8
    assert F.max_unpool2d(out, idx, 2, output_size=(1, 2, 5, 5)).shape == (1, 2, 5, 5)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(out, idx, 2, output_size=(7, 7))
    with pytest.raises(RuntimeError, match="invalid max index"):
        F.max_unpool2d(out, idx + 100, 2)
    y, i = autograd.ones(1, 1, 1, 2, 1), autograd.zeros(1, 1, 1, 2, 1, dtype=autograd.int64)
    for k, s in [((1, 3, 0), None), (2, (1, 0, 1))]:       # torch checks strides in 3-d only
        with pytest.raises(RuntimeError, match=r"max_unpool3d\(\): strides should be greater"):
            F.max_unpool3d(y, i, k, s)


def test_modules_attributes_and_repr():
    assert repr(nn.MaxPool2d(3, 2, 1)) == ("MaxPool2d(kernel_size=3, stride=2, padding=1, "
                                           "dilation=1, ceil_mode=False)")
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.LPPool2d(2, 3)) == ("LPPool2d(norm_type=2, kernel_size=3, stride=None, "
                                       "ceil_mode=False)")
    assert repr(nn.AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"
    assert repr(nn.MaxUnpool2d(2)) == ("MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), "
                                       "padding=(0, 0))")
    m = nn.MaxPool2d(2, return_indices=True)
    out, idx = m(autograd.randn(1, 1, 4, 4))
    assert idx.dtype == autograd.int64
    assert nn.MaxUnpool2d(2)(out, idx).shape == (1, 1, 4, 4)
    assert nn.AdaptiveAvgPool2d((None, 2))(autograd.randn(2, 3, 5, 6)).shape == (2, 3, 5, 2)


# ---- against PyTorch, every option ----------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


@SET
@given(pool_case("max"), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**31))
def test_max_pool_vs_torch(case, dt, seed):
    torch = _torch()
    nsp, shape, k, s, p, d, ceil = case
    x = np.random.default_rng(seed).integers(-3, 4, shape).astype(dt)
    g = np.random.default_rng(seed + 1)
    xt = torch.tensor(x, requires_grad=True)
    to, ti = getattr(torch.nn.functional, f"max_pool{nsp}d")(xt, k, s, p, d, ceil, True)
    gy = g.standard_normal(tuple(to.shape)).astype(dt)
    to.backward(torch.tensor(gy))
    xa = autograd.tensor(x, requires_grad=True)
    ao, ai = MAXF[nsp](xa, k, s, p, d, ceil, True)
    ao.backward(autograd.tensor(gy))
    np.testing.assert_array_equal(ao.detach().numpy(), to.detach().numpy())
    np.testing.assert_array_equal(ai.detach().numpy(), ti.detach().numpy())
    np.testing.assert_allclose(xa.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-6, atol=1e-6)


@SET
@given(pool_case("avg"), st.sampled_from([np.float32, np.float64]), st.booleans(),
       st.sampled_from([None, 1, 5]), st.integers(0, 2**31))
def test_avg_pool_vs_torch(case, dt, cip, div, seed):
    torch = _torch()
    nsp, shape, k, s, p, d, ceil = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dt)
    xt = torch.tensor(x, requires_grad=True)
    xa = autograd.tensor(x, requires_grad=True)
    tf = getattr(torch.nn.functional, f"avg_pool{nsp}d")
    if nsp == 1:
        to, ao = tf(xt, k, s, p, ceil, cip), F.avg_pool1d(xa, k, s, p, ceil, cip)
    else:
        to, ao = tf(xt, k, s, p, ceil, cip, div), AVGF[nsp](xa, k, s, p, ceil, cip, div)
    gy = rng.standard_normal(tuple(to.shape)).astype(dt)
    to.backward(torch.tensor(gy))
    ao.backward(autograd.tensor(gy))
    tol = dict(rtol=2e-6, atol=2e-6) if dt == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), **tol)
    np.testing.assert_allclose(xa.grad.detach().numpy(), xt.grad.detach().numpy(), **tol)


@SET
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 9),
       st.booleans(), st.integers(0, 2**31))
def test_adaptive_vs_torch(nsp, a, b, c, batched, seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    sp = [rng.integers(1, 9) for _ in range(nsp)]
    shape = ((2, 3) if batched else (3,)) + tuple(int(v) for v in sp)
    osz = (a, b, c)[:nsp]
    x = rng.integers(-3, 4, shape).astype(np.float64)
    tF = torch.nn.functional
    for name in ("adaptive_avg_pool", "adaptive_max_pool"):
        xt = torch.tensor(x, requires_grad=True)
        xa = autograd.tensor(x, requires_grad=True)
        to = getattr(tF, f"{name}{nsp}d")(xt, osz)
        ao = getattr(F, f"{name}{nsp}d")(xa, osz)
        to = to[0] if isinstance(to, tuple) else to
        gy = rng.standard_normal(tuple(to.shape))
        to.backward(torch.tensor(gy))
        ao.backward(autograd.tensor(gy))
        np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(xa.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-12, atol=1e-12)
        if name == "adaptive_max_pool":
            ti = getattr(tF, f"{name}{nsp}d")(xt, osz, return_indices=True)[1]
            ai = getattr(F, f"{name}{nsp}d")(xa, osz, return_indices=True)[1]
            np.testing.assert_array_equal(ai.detach().numpy(), ti.detach().numpy())


@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("p, k, s, ceil", [(2, 2, None, False), (3.0, 3, 2, True),
                                            (1, 2, 1, False)])
def test_lp_pool_vs_torch(nsp, p, k, s, ceil):
    torch = _torch()
    rng = np.random.default_rng(nsp)
    x = rng.standard_normal((2, 3) + (5,) * nsp)
    xt = torch.tensor(x, requires_grad=True)
    xa = autograd.tensor(x, requires_grad=True)
    to = getattr(torch.nn.functional, f"lp_pool{nsp}d")(xt, p, k, s, ceil)
    ao = getattr(F, f"lp_pool{nsp}d")(xa, p, k, s, ceil)
    np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12,
                               equal_nan=True)
    mask = np.isfinite(to.detach().numpy())
    gy = np.where(mask, 1.0, 0.0)
    to.backward(torch.tensor(gy))
    ao.backward(autograd.tensor(gy))
    np.testing.assert_allclose(xa.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-8, atol=1e-10,
                               equal_nan=True)


@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("k, s, p, osz, n", [(2, None, 0, None, 6), (3, 2, 1, None, 7),
                                             (2, 2, 0, "plus1", 7)])
def test_unpool_vs_torch(nsp, k, s, p, osz, n):
    torch = _torch()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3) + (n,) * nsp)
    tF = torch.nn.functional
    to, ti = getattr(tF, f"max_pool{nsp}d")(torch.tensor(x), k, s, p, return_indices=True)
    ao, ai = MAXF[nsp](autograd.tensor(x), k, s, p, return_indices=True)
    size = None if osz is None else tuple(v * 2 + 1 for v in ao.shape[2:])
    tin = to.clone().requires_grad_()
    ain = autograd.tensor(ao.detach().numpy(), requires_grad=True)
    tu = getattr(tF, f"max_unpool{nsp}d")(tin, ti, k, s, p, size)
    au = getattr(F, f"max_unpool{nsp}d")(ain, ai, k, s, p, size)
    np.testing.assert_array_equal(au.detach().numpy(), tu.detach().numpy())
    gy = rng.standard_normal(tuple(tu.shape))
    tu.backward(torch.tensor(gy))
    au.backward(autograd.tensor(gy))
    np.testing.assert_array_equal(ain.grad.detach().numpy(), tin.grad.detach().numpy())


def test_unbatched_and_modules_vs_torch():
    torch = _torch()
    x = np.random.default_rng(5).standard_normal((3, 6, 7)).astype(np.float32)
    pairs = [(nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(3, 2, 1, True, False), torch.nn.AvgPool2d(3, 2, 1, True, False)),
             (nn.MaxPool1d(2), torch.nn.MaxPool1d(2)), (nn.AvgPool1d(2), torch.nn.AvgPool1d(2)),
             (nn.LPPool2d(2, 2), torch.nn.LPPool2d(2, 2)),
             (nn.AdaptiveAvgPool2d(4), torch.nn.AdaptiveAvgPool2d(4)),
             (nn.AdaptiveMaxPool1d(3), torch.nn.AdaptiveMaxPool1d(3))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        a = ours(autograd.tensor(x)).detach().numpy()
        b = theirs(torch.tensor(x)).detach().numpy()
        assert a.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for ours, theirs in [(nn.MaxPool3d(2), torch.nn.MaxPool3d(2)),
                         (nn.AvgPool3d(2), torch.nn.AvgPool3d(2)),
                         (nn.LPPool3d(2, 2), torch.nn.LPPool3d(2, 2)),
                         (nn.MaxUnpool1d(2), torch.nn.MaxUnpool1d(2)),
                         (nn.LPPool1d(2, 3), torch.nn.LPPool1d(2, 3))]:
        assert repr(ours) == repr(theirs)
