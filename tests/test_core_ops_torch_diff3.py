"""Ops added for torch parity (pointwise math, order statistics, shape helpers, linalg,
einsum with '...' and repeated indices): values, dtypes and gradients live against torch."""
import numpy as np
import pytest

import autograd as A

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _run(fn_a, fn_t, arrays, grad=True, atol=1e-5):
    """Apply the same op to autograd and torch copies of arrays; compare outputs, dtypes and
    (for float inputs) the gradients of sum(out * w)."""
    a = [A.tensor(x, requires_grad=grad and x.dtype.kind == "f") for x in arrays]
    t = [torch.tensor(x, requires_grad=grad and x.dtype.kind == "f") for x in arrays]
    oa, ot = fn_a(*a), fn_t(*t)
    if isinstance(ot, tuple):
        oa, ot = oa[0], ot[0]
    assert str(oa.dtype).split(".")[-1] == str(ot.dtype).split(".")[-1]
    assert tuple(oa.shape) == tuple(ot.shape)
    np.testing.assert_allclose(oa.detach().numpy(), ot.detach().numpy(), atol=atol, rtol=1e-5,
                               equal_nan=True)
    if grad and ot.requires_grad:
        w = RNG.standard_normal(tuple(ot.shape)).astype(oa.detach().numpy().dtype)
        (oa * A.tensor(w)).sum().backward()
        (ot * torch.tensor(w)).sum().backward()
        for x, y in zip(a, t):
            if y.requires_grad:
                np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), atol=atol,
                                           rtol=1e-4, equal_nan=True)


def _f32(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


UNARY = [("exp2", -2, 2), ("asinh", -2, 2), ("acosh", 1.2, 3), ("atanh", -0.9, 0.9),
         ("erf", -2, 2), ("erfc", -2, 2), ("erfinv", -0.95, 0.95), ("lgamma", 0.2, 5),
         ("digamma", 0.2, 5), ("sinc", -2, 2), ("deg2rad", -90, 90), ("rad2deg", -2, 2),
         ("logit", 0.05, 0.95)]


@pytest.mark.parametrize("name,lo,hi", UNARY)
def test_unary(name, lo, hi):
    x = _f32(3, 4, lo=lo, hi=hi)
    _run(getattr(A, name), getattr(torch, name), [x], atol=1e-4)
    _run(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), [x.astype(np.float64)])


@pytest.mark.parametrize("name", ["exp2", "erf", "sinc", "deg2rad", "asinh"])
def test_unary_int_promotes(name):
    x = np.array([0, 1, 2], np.int64)
    _run(getattr(A, name), getattr(torch, name), [x], grad=False)


def test_special_points():
    x = np.array([0.0, 1.0, -0.5, 3.0], np.float32)
    _run(A.sinc, torch.sinc, [x])
    _run(lambda a: A.logit(a, eps=0.1), lambda a: torch.logit(a, eps=0.1),
         [np.array([0.0, 0.5, 0.95, 2.0], np.float32)])
    _run(A.logit, torch.logit, [np.array([0.25, 0.5, 2.0, -1.0], np.float32)])
    _run(A.xlogy, torch.xlogy, [np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.0, 2.0, 3.0, 5.0])])
    _run(A.copysign, torch.copysign, [np.array([0.0, 1.0, -2.0]), np.array([-1.0, -1.0, 3.0])])
    _run(A.hypot, torch.hypot, [np.array([3.0, 1.0]), np.array([4.0, -2.0])])
    for v in (np.array([0.0, 2.0, -1.5]), np.array([np.nan, np.inf, -np.inf])):
        _run(A.lgamma, torch.lgamma, [v], grad=False)
        _run(A.digamma, torch.digamma, [v], grad=False)
    _run(A.erfinv, torch.erfinv, [np.array([-1.0, 1.0, 1.5, 0.0])], grad=False)


BINARY = ["atan2", "hypot", "copysign", "fmod", "xlogy", "logaddexp", "logaddexp2", "remainder"]


@pytest.mark.parametrize("name", BINARY)
def test_binary(name):
    a, b = _f32(3, 4), _f32(4, lo=0.5, hi=2)
    _run(getattr(A, name), getattr(torch, name), [a, b])
    _run(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), [a, b])
    if name in ("fmod", "remainder", "copysign", "atan2", "xlogy"):    # int operands
        _run(getattr(A, name), getattr(torch, name), [np.array([5, -5, 7]), np.array([3, 3, -2])],
             grad=False)


def test_binary_scalar_and_inplace():
    x = _f32(5)
    _run(lambda a: A.fmod(a, 1.5), lambda a: torch.fmod(a, 1.5), [x])
    _run(lambda a: A.atan2(a, 2.0), lambda a: torch.atan2(a, torch.tensor(2.0)), [x])
    for name in ("atan2_", "hypot_", "fmod_", "copysign_", "xlogy_"):
        a, b = A.tensor(x.copy()), torch.tensor(x.copy())
        getattr(a, name)(A.tensor(np.abs(x) + 1))
        getattr(b, name)(torch.tensor(np.abs(x) + 1))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    for name in ("erf_", "exp2_", "lgamma_", "sinc_", "asinh_"):
        a, b = A.tensor(x.copy()), torch.tensor(x.copy())
        getattr(a, name)()
        getattr(b, name)()
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_int_and_bool_ops():
    a, b = np.array([12, 7, -3]), np.array([8, 3, 2])
    for name in ("gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "bitwise_left_shift"):
        _run(getattr(A, name), getattr(torch, name), [a, np.abs(b)], grad=False)
    x = np.array([-1.0, 0.0, -0.0, 2.0])
    _run(A.signbit, torch.signbit, [x], grad=False)
    _run(lambda v: A.heaviside(v, A.tensor(0.5, dtype=A.float64)),
         lambda v: torch.heaviside(v, torch.tensor(0.5, dtype=torch.float64)), [x], grad=False)
    with pytest.raises(RuntimeError):
        A.fmod(A.tensor([1, 2]), A.tensor([0, 1]))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative(dim):
    x = _f32(3, 4)
    for name in ("cumprod", "logcumsumexp", "cummax", "cummin"):
        _run(lambda a: getattr(A, name)(a, dim), lambda a: getattr(torch, name)(a, dim), [x])
    z = x.copy()
    z[1, 1] = 0.0
    z[2, 0] = 0.0
    _run(lambda a: A.cumprod(a, dim), lambda a: torch.cumprod(a, dim), [z])
    assert A.cumprod(A.tensor([1, 2, 3], dtype=A.int32), 0).dtype == A.int64


def test_cummax_indices_ties_nan():
    x = np.array([1.0, 3.0, 3.0, np.nan, 2.0, np.nan])
    for name in ("cummax", "cummin"):
        ra, rt = getattr(A, name)(A.tensor(x), 0), getattr(torch, name)(torch.tensor(x), 0)
        np.testing.assert_array_equal(ra.indices.numpy(), rt.indices.numpy())
        np.testing.assert_array_equal(ra.values.numpy(), rt.values.numpy())


def test_order_statistics():
    x = _f32(4, 5)
    _run(A.median, torch.median, [x])
    _run(A.nanmedian, torch.nanmedian, [x])
    for kw in ({"dim": 1}, {"dim": 0, "keepdim": True}):
        for name in ("median", "nanmedian"):
            ra = getattr(A, name)(A.tensor(x), **kw)
            rt = getattr(torch, name)(torch.tensor(x), **kw)
            np.testing.assert_array_equal(ra.indices.numpy(), rt.indices.numpy())
            _run(lambda a: getattr(A, name)(a, **kw).values,
                 lambda a: getattr(torch, name)(a, **kw).values, [x])
    _run(lambda a: A.kthvalue(a, 2, 1).values, lambda a: torch.kthvalue(a, 2, 1).values, [x])
    xn = x.copy()
    xn[1, 2] = np.nan
    _run(lambda a: A.median(a, 1).values, lambda a: torch.median(a, 1).values, [xn])
    _run(lambda a: A.nanmedian(a, 1).values, lambda a: torch.nanmedian(a, 1).values, [xn])
    m = np.array([[3.0, 1.0, 3.0, 1.0, 2.0], [5.0, 5.0, 4.0, 4.0, 4.0]])
    ra, rt = A.mode(A.tensor(m), 1), torch.mode(torch.tensor(m), 1)
    np.testing.assert_array_equal(ra.values.numpy(), rt.values.numpy())
    np.testing.assert_array_equal(ra.indices.numpy(), rt.indices.numpy())


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(interp):
    x = _f32(4, 6)
    for q in (0.3, [0.0, 0.25, 0.5, 1.0]):
        for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": None, "keepdim": True}):
            qa = A.tensor(np.array(q, np.float32)) if isinstance(q, list) else q
            qt = torch.tensor(np.array(q, np.float32)) if isinstance(q, list) else q
            _run(lambda a: A.quantile(a, qa, interpolation=interp, **kw),
                 lambda a: torch.quantile(a, qt, interpolation=interp, **kw), [x])
    xn = x.copy()
    xn[0, 1] = np.nan
    _run(lambda a: A.nanquantile(a, 0.4, 1, interpolation=interp),
         lambda a: torch.nanquantile(a, 0.4, 1, interpolation=interp), [xn])
    _run(lambda a: A.quantile(a, 0.4, 1, interpolation=interp),
         lambda a: torch.quantile(a, 0.4, 1, interpolation=interp), [xn])


def test_nan_reductions_dist_hist():
    x = _f32(3, 4)
    x[0, 0] = np.nan
    _run(A.nanmean, torch.nanmean, [x])
    _run(lambda a: A.nanmean(a, 1), lambda a: torch.nanmean(a, 1), [x])
    a, b = _f32(3, 4), _f32(3, 4)
    for p in (1, 2, 3, float("inf")):
        _run(lambda u, v: A.dist(u, v, p), lambda u, v: torch.dist(u, v, p), [a, b])
    _run(lambda u: A.histc(u, 5), lambda u: torch.histc(u, 5), [a], grad=False)
    _run(lambda u: A.histc(u, 4, -1, 1), lambda u: torch.histc(u, 4, -1, 1), [a], grad=False)
    i = np.array([0, 3, 1, 3])
    _run(A.bincount, torch.bincount, [i], grad=False)
    _run(lambda u, w: A.bincount(u, w, 6), lambda u, w: torch.bincount(u, w, 6),
         [i, _f32(4)], grad=False)


def test_shape_helpers():
    x = _f32(2, 3, 4)
    _run(lambda a: A.repeat_interleave(a, 2, 1), lambda a: torch.repeat_interleave(a, 2, 1), [x])
    _run(lambda a: a.repeat_interleave(A.tensor([1, 0, 2]), dim=1),
         lambda a: a.repeat_interleave(torch.tensor([1, 0, 2]), dim=1), [x])
    _run(lambda a: A.repeat_interleave(a, 2), lambda a: torch.repeat_interleave(a, 2), [x])
    for k in (0, 1, 2, 3, -1):
        _run(lambda a: A.rot90(a, k, (1, 2)), lambda a: torch.rot90(a, k, (1, 2)), [x])
    for off, d1, d2 in ((0, -2, -1), (1, 0, 2), (-2, 1, 0)):
        _run(lambda a: A.diag_embed(a, off, d1, d2), lambda a: torch.diag_embed(a, off, d1, d2),
             [x])
    _run(lambda a: A.diff(a, 2, 1), lambda a: torch.diff(a, 2, 1), [x])
    _run(lambda a, b: A.diff(a, 1, 0, prepend=b), lambda a, b: torch.diff(a, 1, 0, prepend=b),
         [x, _f32(1, 3, 4)])
    v, w = _f32(3), _f32(2)
    for ix in ("ij", "xy"):
        _run(lambda a, b: A.stack(A.meshgrid(a, b, indexing=ix)),
             lambda a, b: torch.stack(torch.meshgrid(a, b, indexing=ix)), [v, w])
    _run(A.cartesian_prod, torch.cartesian_prod, [v, w])
    _run(lambda a, b: A.block_diag(a, b), lambda a, b: torch.block_diag(a, b), [x[0], v])
    _run(lambda a, b: A.dstack([a, b]), lambda a, b: torch.dstack([a, b]), [x[0], x[1]])
    _run(lambda a, b: A.column_stack([a, b]), lambda a, b: torch.column_stack([a, b]), [v, v])
    _run(lambda a: A.stack(A.hsplit(a, 2)), lambda a: torch.stack(torch.hsplit(a, 2)),
         [_f32(3, 4)])
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for s in ((), (3,), (2, 3)):
            assert getattr(A, f)(A.zeros(s)).shape == getattr(torch, f)(torch.zeros(s)).shape


def test_indexing_helpers():
    x = _f32(3, 4)
    idx = np.array([[0, 5], [-1, 3]])
    _run(lambda a: A.take(a, A.tensor(idx)), lambda a: torch.take(a, torch.tensor(idx)), [x])
    m = x > 0
    np.testing.assert_array_equal(A.argwhere(A.tensor(m)).numpy(),
                                  torch.argwhere(torch.tensor(m)).numpy())
    i = np.array([2, 0])
    _run(lambda a: A.index_fill(a, 1, A.tensor(i), -1.0),
         lambda a: torch.index_fill(a, 1, torch.tensor(i), -1.0), [x])
    _run(lambda a, s: A.index_copy(a, 0, A.tensor(i), s),
         lambda a, s: torch.index_copy(a, 0, torch.tensor(i), s), [x, _f32(2, 4)])
    _run(lambda a, s: A.masked_scatter(a, A.tensor(m), s),
         lambda a, s: torch.masked_scatter(a, torch.tensor(m), s), [x, _f32(12)])
    _run(lambda a, s: a.put(A.tensor(i), s), lambda a, s: a.put(torch.tensor(i), s),
         [x, _f32(2)])
    _run(lambda a, s: a.put(A.tensor(i), s, True), lambda a, s: a.put(torch.tensor(i), s, True),
         [x, _f32(2)])
    a, t = A.tensor(x.copy()), torch.tensor(x.copy())
    a.fill_diagonal_(7.0)
    t.fill_diagonal_(7.0)
    np.testing.assert_array_equal(a.numpy(), t.numpy())


def test_searchsorted_bucketize_tri_indices():
    s, v = np.array([1.0, 3.0, 5.0, 7.0]), np.array([[3.0, 6.0], [9.0, 0.0]])
    for right in (False, True):
        np.testing.assert_array_equal(
            A.searchsorted(A.tensor(s), A.tensor(v), right=right).numpy(),
            torch.searchsorted(torch.tensor(s), torch.tensor(v), right=right).numpy())
        np.testing.assert_array_equal(
            A.bucketize(A.tensor(v), A.tensor(s), right=right).numpy(),
            torch.bucketize(torch.tensor(v), torch.tensor(s), right=right).numpy())
    s2 = np.sort(RNG.standard_normal((2, 5)), 1)
    v2 = RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(A.searchsorted(A.tensor(s2), A.tensor(v2)).numpy(),
                                  torch.searchsorted(torch.tensor(s2), torch.tensor(v2)).numpy())
    for args in ((3, 3), (4, 3, 1), (3, 5, -1)):
        for f in ("tril_indices", "triu_indices"):
            ra, rt = getattr(A, f)(*args), getattr(torch, f)(*args)
            assert ra.dtype == A.int64
            np.testing.assert_array_equal(ra.numpy(), rt.numpy())


def test_linalg_composites():
    a, b = _f32(3, 4), _f32(4, 5)
    _run(lambda x, y: A.tensordot(x, y, 1), lambda x, y: torch.tensordot(x, y, 1), [a, b])
    c, d = _f32(2, 3, 4), _f32(4, 3, 5)
    _run(lambda x, y: A.tensordot(x, y, ([1, 2], [1, 0])),
         lambda x, y: torch.tensordot(x, y, ([1, 2], [1, 0])), [c, d])
    _run(lambda i, x, y: A.baddbmm(i, x, y, beta=0.5, alpha=2),
         lambda i, x, y: torch.baddbmm(i, x, y, beta=0.5, alpha=2),
         [_f32(2, 3, 5), c, _f32(2, 4, 5)])
    _run(lambda i, x, y: A.addbmm(i, x, y), lambda i, x, y: torch.addbmm(i, x, y),
         [_f32(3, 5), c, _f32(2, 4, 5)])
    _run(lambda i, m, v: A.addmv(i, m, v, alpha=3), lambda i, m, v: torch.addmv(i, m, v, alpha=3),
         [_f32(3), a, _f32(4)])
    _run(A.addr, torch.addr, [_f32(3, 4), _f32(3), _f32(4)])
    _run(A.vdot, torch.vdot, [_f32(4), _f32(4)])
    _run(A.kron, torch.kron, [_f32(2, 3), _f32(3, 2)])
    _run(A.kron, torch.kron, [_f32(2), _f32(3, 2)])
    _run(lambda x, y: A.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1),
         [_f32(4, 3), _f32(4, 3)])
    _run(A.cdist, torch.cdist, [_f32(4, 3), _f32(5, 3)])
    _run(lambda x, y: A.cdist(x, y, 1.0), lambda x, y: torch.cdist(x, y, 1.0),
         [_f32(2, 4, 3), _f32(2, 5, 3)])


def test_square_matrix_algebra():
    m = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    bm = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    for fa, ft in ((A.det, torch.det), (A.inverse, torch.inverse), (A.logdet, torch.logdet),
                   (A.linalg.inv, torch.linalg.inv), (A.linalg.det, torch.linalg.det)):
        _run(fa, ft, [m])
        _run(fa, ft, [bm])
    _run(lambda x: A.slogdet(x).logabsdet, lambda x: torch.slogdet(x).logabsdet, [m])
    _run(A.linalg.solve, torch.linalg.solve, [m, RNG.standard_normal((3, 2))])
    sing = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    _run(A.det, torch.det, [sing])
    x = RNG.standard_normal((3, 4))
    for kw in ({}, {"ord": 1}, {"ord": float("inf")}, {"dim": 1}, {"ord": 3, "dim": 0}):
        _run(lambda v: A.linalg.norm(v, **kw), lambda v: torch.linalg.norm(v, **kw), [x])
    for o in (2, 1, float("inf"), 0):
        _run(lambda v: A.linalg.vector_norm(v, o), lambda v: torch.linalg.vector_norm(v, o), [x],
             grad=o != 0)
    for o in ("fro", 1, -1, float("inf")):
        _run(lambda v: A.linalg.matrix_norm(v, o), lambda v: torch.linalg.matrix_norm(v, o), [x])


EINSUM = [("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(3, 3, 2)]),
          ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("i...->...", [(3, 2, 1)]),
          ("...i,...i->...", [(2, 1, 3), (4, 3)]), ("...", [(2, 3)]), ("b...,b...", [(2, 3), (2, 3)]),
          ("ij,jk", [(2, 3), (3, 4)])]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum_ellipsis_and_diagonals(eq, shapes):
    xs = [RNG.standard_normal(s) for s in shapes]
    _run(lambda *z: A.einsum(eq, *z), lambda *z: torch.einsum(eq, *z), xs)
    assert A.gradcheck(lambda *z: A.einsum(eq, *z), [A.tensor(x, requires_grad=True)
                                                       for x in xs])


GRADCHECK = [
    (lambda x: A.erf(x) + A.erfc(x * 0.5) + A.exp2(x), (3,), -1, 1),
    (lambda x: A.asinh(x) + A.atanh(x * 0.5) + A.sinc(x), (4,), -0.9, 0.9),
    (lambda x: A.acosh(x) + A.lgamma(x) + A.digamma(x), (4,), 1.5, 4),
    (lambda x: A.erfinv(x) + A.logit(x * 0.5 + 0.5), (4,), -0.8, 0.8),
    (lambda x: A.atan2(x[0], x[1]) + A.hypot(x[0], x[1]) + A.logaddexp(x[0], x[1])
     + A.logaddexp2(x[1], x[0]) + A.xlogy(x[0], x[1] + 3) + A.fmod(x[0], x[1] + 3)
     + A.copysign(x[0], x[1]), (2, 3), -2, 2),
    (lambda x: A.cumprod(x, 1) + A.logcumsumexp(x, 0) + A.cummax(x, 1).values, (3, 4), -2, 2),
    (lambda x: A.quantile(x, 0.3, 1) + A.median(x, 1).values + A.nanmean(x, 1), (3, 5), -2, 2),
    (lambda x: A.kron(x, x).sum() + A.cdist(x, x * 2).sum() + A.det(x[:, :3]), (3, 4), -2, 2),
    (lambda x: A.repeat_interleave(x, 2, 0).sum(0) + A.diag_embed(x, 1).sum((0, 1))[:4], (3, 4),
     -2, 2),
]


@pytest.mark.parametrize("k", range(len(GRADCHECK)))
def test_gradcheck(k):
    fn, shape, lo, hi = GRADCHECK[k]
    x = A.tensor(RNG.uniform(lo, hi, shape), requires_grad=True)
    assert A.gradcheck(fn, [x])


def test_cumprod_zero_gradcheck():
    x = A.tensor([[0.0, 1.5, 0.0, 2.0], [1.0, -2.0, 0.5, 0.0]], dtype=A.float64,
                 requires_grad=True)
    assert A.gradcheck(lambda v: A.cumprod(v, 1), [x])


def test_tensor_methods():
    x = A.tensor(_f32(2, 3))
    t = torch.tensor(x.numpy())
    for name, args in (("new_zeros", (2, 2)), ("new_ones", ((3,),)), ("new_full", ((2,), 5.0)),
                       ("new_tensor", ([1, 2],)), ("new_empty", (0,))):
        ra, rt = getattr(x, name)(*args), getattr(t, name)(*args)
        assert str(ra.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1]
        assert tuple(ra.shape) == tuple(rt.shape)
        if name != "new_empty":
            np.testing.assert_array_equal(ra.numpy(), rt.numpy())
    c = x > 0
    np.testing.assert_array_equal(x.where(c, 0.0).numpy(), t.where(t > 0, 0.0).numpy())
    assert x.short().dtype == A.int16 and x.char().dtype == A.int8
    a, b = A.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    a.eq_(2.0)
    b.eq_(2.0)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    w = A.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1.0
    y.atan2_(A.tensor([1.0, 1.0]))
    y.sum().backward()
    wt = torch.tensor([1.0, 2.0], requires_grad=True)
    yt = wt * 1.0
    yt.atan2_(torch.tensor([1.0, 1.0]))
    yt.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
