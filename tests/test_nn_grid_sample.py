"""affine_grid / grid_sample against torch: values, input / grid / theta gradients, dtypes,
errors and warnings; plus a float64 gradcheck of the bilinear sampler."""
import warnings

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES = ["bilinear", "nearest", "bicubic"]
PADS = ["zeros", "border", "reflection"]
# exact coordinates (grid values on pixel centres, edges and far outside) stress the border rules
EXACT = np.array([-3, -2, -1.5, -1, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 1 / 3, -2 / 3])


def _tol(dt):
    return dict(rtol=1e-4, atol=1e-4) if dt == np.float32 else dict(rtol=1e-9, atol=1e-9)


def _compare(x, g, mode, pad, ac, seed=0):
    xa, ga = autograd.tensor(x, requires_grad=True), autograd.tensor(g, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    out = F.grid_sample(xa, ga, mode=mode, padding_mode=pad, align_corners=ac)
    ref = TF.grid_sample(xt, gt, mode=mode, padding_mode=pad, align_corners=ac)
    assert tuple(out.shape) == tuple(ref.shape)
    assert out.detach().numpy().dtype == x.dtype
    w = np.random.default_rng(seed).standard_normal(tuple(ref.shape)).astype(x.dtype)
    (out * autograd.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    tol = _tol(x.dtype)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **tol)
    np.testing.assert_allclose(ga.grad.numpy(), gt.grad.numpy(), **tol)   # zero for nearest


CASES_2D = [((2, 3, 4, 5), (2, 3, 4, 2)), ((1, 2, 1, 6), (1, 5, 2, 2)), ((2, 1, 3, 3), (2, 1, 1, 2))]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shapes", CASES_2D)
def test_grid_sample_2d_random(shapes, mode, pad, ac, dt):
    rng = np.random.default_rng(1)
    xs, gs = shapes
    x = rng.standard_normal(xs).astype(dt)
    g = (rng.standard_normal(gs) * 1.5).astype(dt)      # plenty of points outside [-1, 1]
    _compare(x, g, mode, pad, ac)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_2d_exact_coordinates(mode, pad, ac):
    rng = np.random.default_rng(2)
    _compare(rng.standard_normal((1, 2, 3, 4)), rng.choice(EXACT, (1, 5, 7, 2)), mode, pad, ac)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_3d(mode, pad, ac, dt):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 3, 4, 5)).astype(dt)
    _compare(x, (rng.standard_normal((2, 2, 3, 4, 3)) * 1.5).astype(dt), mode, pad, ac)
    _compare(x, rng.choice(EXACT, (2, 3, 2, 4, 3)).astype(dt), mode, pad, ac)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("size", [[2, 3, 4, 5], [2, 1, 1, 6], [2, 2, 5, 1], [2, 3, 2, 4, 5],
                                  [2, 1, 1, 3, 1]])
def test_affine_grid_and_theta_grad(size, ac, dt):
    rng = np.random.default_rng(4)
    nsp = len(size) - 2
    th = rng.standard_normal((2, nsp, nsp + 1)).astype(dt)
    ta, tt = autograd.tensor(th, requires_grad=True), torch.tensor(th, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # unit-size dims under align_corners warn (both)
        out, ref = F.affine_grid(ta, size, align_corners=ac), TF.affine_grid(tt, size, ac)
    assert out.detach().numpy().dtype == dt
    tol = _tol(dt)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    # through the sampler too, as a spatial transformer uses it
    x = rng.standard_normal(size).astype(dt)
    s = F.grid_sample(autograd.tensor(x), out, align_corners=ac)
    r = TF.grid_sample(torch.tensor(x), ref, align_corners=ac)
    w = rng.standard_normal(tuple(r.shape)).astype(dt)
    (s * autograd.tensor(w)).sum().backward()
    (r * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(s.detach().numpy(), r.detach().numpy(), **tol)
    np.testing.assert_allclose(ta.grad.numpy(), tt.grad.numpy(), rtol=1e-3 if dt == np.float32
                               else 1e-8, atol=1e-3 if dt == np.float32 else 1e-8)


def test_gradcheck_bilinear():
    rng = np.random.default_rng(5)
    x = autograd.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    # keep coordinates off the pixel grid, where bilinear is not differentiable
    g = autograd.tensor(rng.uniform(-1.2, 1.2, (1, 2, 2, 2)) + 0.013, requires_grad=True)
    for pad in PADS:
        assert autograd.gradcheck(
            lambda a, b: F.grid_sample(a, b, padding_mode=pad, align_corners=False), (x, g))
    th = autograd.tensor(rng.standard_normal((1, 2, 3)) * 0.5, requires_grad=True)
    assert autograd.gradcheck(
        lambda t: F.grid_sample(x, F.affine_grid(t, [1, 2, 3, 4], align_corners=True),
                                align_corners=True), (th,))


def _errors(fn):
    """(type name, message) of what fn raises, torch's module name read as ours."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).replace("torch.", "autograd.")
    return None


@pytest.mark.parametrize("xs,gs,kw", [
    ((2, 3, 4, 5), (3, 2, 2, 2), {}),
    ((2, 3, 4, 5), (2, 2, 2, 3), {}),
    ((2, 3, 4, 5), (2, 2, 2), {}),
    ((2, 3, 4), (2, 2, 1), {}),
    ((2, 3, 4, 4, 4), (2, 2, 2, 2), {}),
    ((2, 3, 4, 4, 4), (2, 2, 2, 2, 3), {"mode": "bicubic"}),
    ((2, 3, 0, 4), (2, 2, 2, 2), {}),
    ((2, 3, 4, 4), (2, 2, 2, 2), {"mode": "linear"}),
    ((2, 3, 4, 4), (2, 2, 2, 2), {"padding_mode": "circular"}),
])
def test_grid_sample_errors(xs, gs, kw):
    x, g = np.zeros(xs, np.float32), np.zeros(gs, np.float32)
    ours = _errors(lambda: F.grid_sample(autograd.tensor(x), autograd.tensor(g),
                                         align_corners=False, **kw))
    ref = _errors(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g),
                                         align_corners=False, **kw))
    assert ref is not None and ours == ref


def test_grid_sample_dtype_mismatch():
    x, g = np.zeros((1, 1, 2, 2), np.float32), np.zeros((1, 1, 1, 2))
    ours = _errors(lambda: F.grid_sample(autograd.tensor(x), autograd.tensor(g),
                                         align_corners=False))
    assert ours == _errors(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g),
                                                  align_corners=False))


@pytest.mark.parametrize("shape,size", [((1, 2, 3), [1, 1, 0, 3]), ((1, 2, 3), [1, 1, 2]),
                                        ((2, 2, 3), [1, 1, 2, 3]), ((1, 2, 4), (1, 1, 2, 3)),
                                        ((1, 2, 3), (1, 1, 2, 3, 4)), ((1, 3, 4), [1, 1, 2, 3])])
def test_affine_grid_errors(shape, size):
    th = np.ones(shape, np.float32)
    ours = _errors(lambda: F.affine_grid(autograd.tensor(th), size, align_corners=False))
    ref = _errors(lambda: TF.affine_grid(torch.tensor(th), size, align_corners=False))
    assert ref is not None and ours == ref
    ours = _errors(lambda: F.affine_grid(autograd.tensor(np.ones((1, 2, 3), np.int64)),
                                         [1, 1, 2, 3], align_corners=False))
    assert ours == _errors(lambda: TF.affine_grid(torch.ones(1, 2, 3, dtype=torch.long),
                                                  [1, 1, 2, 3], align_corners=False))


def test_align_corners_none_warns_like_torch():
    th = np.eye(2, 3)[None]
    x, g = np.ones((1, 1, 2, 2)), np.zeros((1, 1, 1, 2))
    for ours, ref in [
            (lambda: F.affine_grid(autograd.tensor(th), [1, 1, 2, 3]),
             lambda: TF.affine_grid(torch.tensor(th), [1, 1, 2, 3])),
            (lambda: F.grid_sample(autograd.tensor(x), autograd.tensor(g)),
             lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g))),
            (lambda: F.affine_grid(autograd.tensor(th), [1, 1, 1, 3], align_corners=True),
             lambda: TF.affine_grid(torch.tensor(th), [1, 1, 1, 3], align_corners=True))]:
        with warnings.catch_warnings(record=True) as wa:
            warnings.simplefilter("always")
            ours()
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            ref()
        assert [(w.category, str(w.message)) for w in wa] == \
            [(w.category, str(w.message)) for w in wt]
        assert all(w.filename == __file__ for w in wa)      # stacklevel points at the caller


def test_nearest_grid_only_requires_grad():
    # torch gives the grid a zero gradient under nearest, even when it alone requires grad
    g = autograd.tensor(np.zeros((1, 1, 1, 2)), requires_grad=True)
    F.grid_sample(autograd.ones(1, 1, 2, 2, dtype=autograd.float64), g, mode="nearest",
                  align_corners=False).sum().backward()
    assert np.array_equal(g.grad.numpy(), np.zeros((1, 1, 1, 2)))


def test_empty_batch_and_grid():
    for xs, gs in [((0, 2, 3, 3), (0, 2, 2, 2)), ((1, 2, 3, 3), (1, 0, 2, 2))]:
        ours = F.grid_sample(autograd.zeros(*xs), autograd.zeros(*gs), align_corners=False)
        ref = TF.grid_sample(torch.zeros(*xs), torch.zeros(*gs), align_corners=False)
        assert tuple(ours.shape) == tuple(ref.shape)
