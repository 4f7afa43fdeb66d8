"""Differential tests vs torch for top-level names added to mirror torch: nn aliases with aten
signatures, in-place aliases, statistics/linalg helpers, scatter_reduce/index_put, dtype info."""
import numpy as np
import pytest

import autograd as A

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")

NAMES = """relu_ sigmoid_ tanh_ exp_ clamp_ detach conv1d conv2d conv3d conv_transpose1d
conv_transpose2d conv_transpose3d max_pool1d max_pool2d max_pool3d avg_pool1d adaptive_avg_pool1d
adaptive_max_pool1d dropout alpha_dropout feature_dropout feature_alpha_dropout selu celu
threshold rrelu hardshrink prelu batch_norm layer_norm group_norm instance_norm embedding
bilinear pdist cosine_similarity pairwise_distance pixel_shuffle pixel_unshuffle channel_shuffle
cov corrcoef trapezoid trapz cumulative_trapezoid result_type can_cast cholesky pinverse
diagflat unique_consecutive scatter_reduce index_put frexp combinations finfo iinfo""".split()
METHODS = """scatter_reduce scatter_reduce_ index_put index_put_ storage_offset apply_ map_ cov
corrcoef cholesky pinverse diagflat unique_consecutive frexp""".split()


def test_names_exist_in_both():
    for n in NAMES:
        assert hasattr(torch, n) and hasattr(A, n), n
    for n in METHODS:
        assert hasattr(torch.Tensor, n) and hasattr(A.Tensor, n), n


def _pair(shape, seed=0, grad=True, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (A.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad))


def _same(a, t, tol=1e-6):
    t = t.detach().numpy()
    assert a.shape == tuple(t.shape)
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(a.detach().numpy(), t, rtol=tol, atol=tol)


def _check(fa, ft, *shapes, grad=True, tol=1e-6):
    """Same value and (summed-output) input gradients for fa(*xs) vs ft(*ts)."""
    pairs = [_pair(s, i, grad) for i, s in enumerate(shapes)]
    a, t = fa(*[p[0] for p in pairs]), ft(*[p[1] for p in pairs])
    _same(a, t, tol)
    if grad:
        w = np.random.default_rng(9).standard_normal(a.shape)
        (a * A.tensor(w)).sum().backward()
        (t * torch.tensor(w)).sum().backward()
        for pa, pt in pairs:
            _same(pa.grad, pt.grad, tol)


@pytest.mark.parametrize("name", ["relu_", "sigmoid_", "tanh_", "exp_"])
def test_inplace_aliases(name):
    a, t = _pair((3, 4), grad=False)
    ra, rt = getattr(A, name)(a), getattr(torch, name)(t)
    assert ra is a and rt is t
    _same(a, t)


def test_clamp_and_detach():
    a, t = _pair((5,), grad=False)
    assert A.clamp_(a, -0.5, 0.5) is a
    torch.clamp_(t, -0.5, 0.5)
    _same(a, t)
    a, t = _pair((2,))
    da, dt = A.detach(a), torch.detach(t)
    assert not da.requires_grad and not dt.requires_grad
    _same(da, dt)


def test_convs_positional():
    _check(lambda x, w, b: A.conv1d(x, w, b, 2, 1, 1, 1),
           lambda x, w, b: torch.conv1d(x, w, b, 2, 1, 1, 1), (2, 3, 9), (4, 3, 3), (4,))
    _check(lambda x, w: A.conv2d(x, w, None, 1, 1, 2, 1),
           lambda x, w: torch.conv2d(x, w, None, 1, 1, 2, 1), (1, 2, 7, 7), (3, 2, 3, 3))
    _check(lambda x, w: A.conv3d(x, w), lambda x, w: torch.conv3d(x, w),
           (1, 2, 4, 4, 4), (2, 2, 2, 2, 2))
    for n, sp in ((1, (5,)), (2, (4, 4)), (3, (3, 3, 3))):
        _check(lambda x, w: getattr(A, f"conv_transpose{n}d")(x, w, None, 2, 1, 1, 1, 1),
               lambda x, w: getattr(torch, f"conv_transpose{n}d")(x, w, None, 2, 1, 1, 1, 1),
               (1, 2) + sp, (2, 3) + (3,) * n)


def test_pools_positional():
    _check(lambda x: A.max_pool1d(x, 3, 2, 1, 1, True),
           lambda x: torch.max_pool1d(x, 3, 2, 1, 1, True), (2, 3, 10))
    _check(lambda x: A.max_pool2d(x, 2), lambda x: torch.max_pool2d(x, 2), (1, 2, 6, 6))
    _check(lambda x: A.max_pool2d(x, [3, 3], [], 1), lambda x: torch.max_pool2d(x, [3, 3], [], 1),
           (1, 2, 6, 6))
    _check(lambda x: A.max_pool3d(x, 2, 1), lambda x: torch.max_pool3d(x, 2, 1), (1, 1, 4, 4, 4))
    _check(lambda x: A.avg_pool1d(x, 3, 2, 1, False, False),
           lambda x: torch.avg_pool1d(x, 3, 2, 1, False, False), (2, 3, 10))
    _check(lambda x: A.adaptive_avg_pool1d(x, 4), lambda x: torch.adaptive_avg_pool1d(x, 4),
           (2, 3, 10))
    a, t = _pair((2, 3, 10))
    (va, ia), (vt, it) = A.adaptive_max_pool1d(a, 3), torch.adaptive_max_pool1d(t, 3)
    _same(va, vt)
    _same(ia, it)


def test_dropouts_positional():
    a, t = _pair((4, 3, 5))
    for name in ("dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"):
        _same(getattr(A, name)(a, 0.3, False), getattr(torch, name)(t, 0.3, False))
    x = A.ones(8, 16, 6)
    y = A.feature_dropout(x, 0.5, True).numpy()
    # whole channels are zeroed (or scaled by 2) together
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (y == y[:, :, :1]).all()
    z = A.dropout(A.ones(1000), 0.5, True).numpy()
    assert set(np.unique(z)) <= {0.0, 2.0}


def test_activations_positional():
    _check(A.selu, torch.selu, (3, 4))
    _check(lambda x: A.celu(x, 0.7), lambda x: torch.celu(x, 0.7), (3, 4))
    _check(lambda x: A.threshold(x, 0.1, -2.0), lambda x: torch.threshold(x, 0.1, -2.0), (3, 4))
    _check(lambda x: A.rrelu(x, 0.1, 0.3, False), lambda x: torch.rrelu(x, 0.1, 0.3, False),
           (3, 4))
    _check(lambda x: A.hardshrink(x, 0.4), lambda x: torch.hardshrink(x, 0.4), (3, 4))
    _check(A.prelu, torch.prelu, (2, 3, 4), (3,))


def test_norms_positional():
    rm_a, rv_a = A.zeros(3, dtype=A.float64), A.ones(3, dtype=A.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    _check(lambda x, w, b: A.batch_norm(x, w, b, rm_a, rv_a, True, 0.2, 1e-5, False),
           lambda x, w, b: torch.batch_norm(x, w, b, rm_t, rv_t, True, 0.2, 1e-5, False),
           (4, 3, 5), (3,), (3,))
    _same(rm_a, rm_t)
    _same(rv_a, rv_t)
    _check(lambda x: A.batch_norm(x, None, None, rm_a, rv_a, False, 0.1, 1e-5, True),
           lambda x: torch.batch_norm(x, None, None, rm_t, rv_t, False, 0.1, 1e-5, True),
           (4, 3, 5))
    _check(lambda x, w, b: A.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
           lambda x, w, b: torch.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
           (2, 3, 5), (3,), (3,))
    _check(lambda x, w, b: A.layer_norm(x, [5], w, b, 1e-5, True),
           lambda x, w, b: torch.layer_norm(x, [5], w, b, 1e-5, True), (2, 3, 5), (5,), (5,))
    _check(lambda x, w, b: A.group_norm(x, 2, w, b, 1e-5, True),
           lambda x, w, b: torch.group_norm(x, 2, w, b, 1e-5, True), (2, 4, 5), (4,), (4,))


def test_embedding_positional():
    idx = [[0, 2, 1], [2, 2, 3]]
    _check(lambda w: A.embedding(w, A.tensor(idx)), lambda w: torch.embedding(w, torch.tensor(idx)),
           (4, 3))
    _check(lambda w: A.embedding(w, A.tensor(idx), 2, False, False),
           lambda w: torch.embedding(w, torch.tensor(idx), 2, False, False), (4, 3))


def test_distances_and_shuffles():
    _check(A.bilinear, torch.bilinear, (4, 3), (4, 2), (5, 3, 2), (5,))
    _check(lambda x: A.pdist(x, 3.0), lambda x: torch.pdist(x, 3.0), (5, 3))
    _check(lambda a, b: A.cosine_similarity(a, b, 0, 1e-6),
           lambda a, b: torch.cosine_similarity(a, b, 0, 1e-6), (4, 3), (4, 3))
    _check(lambda a, b: A.pairwise_distance(a, b, 1.0, 1e-6, True),
           lambda a, b: torch.pairwise_distance(a, b, 1.0, 1e-6, True), (4, 3), (4, 3))
    _check(lambda x: A.pixel_shuffle(x, 2), lambda x: torch.pixel_shuffle(x, 2), (1, 8, 2, 3))
    _check(lambda x: A.pixel_unshuffle(x, 2), lambda x: torch.pixel_unshuffle(x, 2), (1, 2, 4, 6))
    _check(lambda x: A.channel_shuffle(x, 2), lambda x: torch.channel_shuffle(x, 2), (1, 4, 2, 2))


def test_cov_corrcoef():
    _check(A.cov, torch.cov, (3, 6))
    _check(A.cov, torch.cov, (6,))
    _check(A.corrcoef, torch.corrcoef, (3, 6))
    fw, aw = [1, 2, 1, 3, 1, 2], [0.5, 1.0, 2.0, 1.0, 0.3, 0.7]
    _check(lambda x: A.cov(x, correction=0, fweights=A.tensor(fw),
                           aweights=A.tensor(aw, dtype=A.float64)),
           lambda x: torch.cov(x, correction=0, fweights=torch.tensor(fw),
                               aweights=torch.tensor(aw, dtype=torch.float64)), (2, 6))
    ia, it = A.tensor([[1, 2, 4], [0, 1, 1]]), torch.tensor([[1, 2, 4], [0, 1, 1]])
    _same(A.cov(ia), torch.cov(it))
    _same(A.Tensor.corrcoef(ia.float()), it.float().corrcoef())


def test_trapezoid():
    _check(A.trapezoid, torch.trapezoid, (3, 5))
    _check(lambda y, x: A.trapezoid(y, x, dim=0), lambda y, x: torch.trapezoid(y, x, dim=0),
           (4, 3), (4, 3))
    _check(lambda y, x: A.trapz(y, x), lambda y, x: torch.trapz(y, x), (3, 5), (5,))
    _check(lambda y: A.trapezoid(y, dx=0.5, dim=0), lambda y: torch.trapezoid(y, dx=0.5, dim=0),
           (4, 3))
    _check(lambda y: A.cumulative_trapezoid(y, dx=2), lambda y: torch.cumulative_trapezoid(y, dx=2),
           (3, 5))
    _check(lambda y, x: A.cumulative_trapezoid(y, x), lambda y, x: torch.cumulative_trapezoid(y, x),
           (3, 5), (5,))
    _same(A.trapezoid(A.tensor([1, 2, 4])), torch.trapezoid(torch.tensor([1, 2, 4])))


def test_result_type_can_cast():
    ta, tt = A.tensor([1, 2]), torch.tensor([1, 2])
    fa, ft = A.tensor([1.0], dtype=A.float16), torch.tensor([1.0], dtype=torch.float16)
    cases = [((ta, 2.5), (tt, 2.5)), ((ta, fa), (tt, ft)), ((1, 2.0), (1, 2.0)),
             ((True, 2), (True, 2)), ((A.tensor(1.0, dtype=A.float64), ta),
                                     (torch.tensor(1.0, dtype=torch.float64), tt))]
    for ca, ct in cases:
        assert A.result_type(*ca).name == str(torch.result_type(*ct)).split(".")[-1]
    names = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]
    for f in names:
        for t in names:
            assert A.can_cast(getattr(A, f), getattr(A, t)) == \
                torch.can_cast(getattr(torch, f), getattr(torch, t)), (f, t)


def test_finfo_iinfo():
    for n in ("float16", "float32", "float64"):
        a, t = A.finfo(getattr(A, n)), torch.finfo(getattr(torch, n))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                     "dtype"):
            assert getattr(a, attr) == getattr(t, attr) and \
                type(getattr(a, attr)) is type(getattr(t, attr)), (n, attr)
        assert repr(a) == repr(t)
    assert A.finfo().dtype == torch.finfo().dtype
    A.set_default_dtype(A.float64)
    assert A.finfo().dtype == "float64"
    for n in ("uint8", "int8", "int16", "int32", "int64"):
        a, t = A.iinfo(getattr(A, n)), torch.iinfo(getattr(torch, n))
        assert (a.bits, a.max, a.min, a.dtype) == (t.bits, t.max, t.min, t.dtype)
        assert type(a.max) is int and repr(a) == repr(t)
    with pytest.raises(TypeError):
        A.finfo(A.int32)
    with pytest.raises(TypeError):
        A.iinfo(A.float32)


def test_cholesky_pinverse_diagflat():
    def spd(x):
        return x @ x.mT + 3 * (A.eye(4, dtype=A.float64) if isinstance(x, A.Tensor)
                               else torch.eye(4, dtype=torch.float64))
    _check(lambda x: A.cholesky(spd(x)), lambda x: torch.cholesky(spd(x)), (4, 4))
    _check(lambda x: A.cholesky(spd(x), True), lambda x: torch.cholesky(spd(x), True), (2, 4, 4))
    _check(A.pinverse, torch.pinverse, (5, 3), tol=1e-5)
    _check(lambda x: A.pinverse(x, 1e-10), lambda x: torch.pinverse(x, 1e-10), (2, 3, 4),
           tol=1e-5)
    _check(lambda x: x.pinverse(), lambda x: x.pinverse(), (3, 3), tol=1e-5)
    _check(A.diagflat, torch.diagflat, (2, 2))
    _check(lambda x: A.diagflat(x, -1), lambda x: torch.diagflat(x, -1), (3,))


def test_unique_consecutive():
    v = [1, 1, 2, 2, 3, 1, 1, 2]
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}):
        ra, rt = A.unique_consecutive(A.tensor(v), **kw), torch.unique_consecutive(
            torch.tensor(v), **kw)
        ra, rt = (ra, rt) if isinstance(rt, tuple) else ((ra,), (rt,))
        assert len(ra) == len(rt)
        for a, t in zip(ra, rt):
            _same(a, t)
    m = [[1, 1], [1, 1], [2, 0], [1, 1]]
    ra = A.unique_consecutive(A.tensor(m), True, True, 0)
    rt = torch.unique_consecutive(torch.tensor(m), True, True, 0)
    for a, t in zip(ra, rt):
        _same(a, t)
    _same(A.tensor(m).unique_consecutive(dim=1), torch.tensor(m).unique_consecutive(dim=1))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    idx = [[0, 1, 0, 2], [1, 1, 0, 0]]
    src = np.array([[1.0, 2.0, 1.0, 0.0], [3.0, 3.0, -1.0, 2.0]])
    x = np.array([[1.0, 0.0, 2.0, 1.0], [2.0, 3.0, 0.0, 0.5], [1.0, 1.0, 1.0, 1.0]])
    pa = [A.tensor(x, requires_grad=True), A.tensor(src, requires_grad=True)]
    pt = [torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)]
    oa = A.scatter_reduce(pa[0], 0, A.tensor(idx), pa[1], reduce, include_self=include_self)
    ot = torch.scatter_reduce(pt[0], 0, torch.tensor(idx), pt[1], reduce,
                              include_self=include_self)
    _same(oa, ot)
    w = np.arange(12.0).reshape(3, 4)
    (oa * A.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    _same(pa[0].grad, pt[0].grad)
    _same(pa[1].grad, pt[1].grad)
    # method and in-place spellings, integer dtype
    xi, si = A.tensor(x.astype(np.int64)), A.tensor(src.astype(np.int64))
    ti, tsi = torch.tensor(x.astype(np.int64)), torch.tensor(src.astype(np.int64))
    _same(xi.scatter_reduce(1, A.tensor(idx), si, reduce, include_self=include_self),
          ti.scatter_reduce(1, torch.tensor(idx), tsi, reduce, include_self=include_self))
    assert xi.scatter_reduce_(1, A.tensor(idx), si, reduce) is xi
    ti.scatter_reduce_(1, torch.tensor(idx), tsi, reduce)
    _same(xi, ti)


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put(accumulate):
    ia, it = (A.tensor([0, 2, 0]), A.tensor([1, 1, 1])), (torch.tensor([0, 2, 0]),
                                                          torch.tensor([1, 1, 1]))
    _check(lambda x, v: A.index_put(x, ia, v, accumulate),
           lambda x, v: torch.index_put(x, it, v, accumulate), (3, 4), (3,)) \
        if accumulate else None
    _check(lambda x, v: A.index_put(x, (A.tensor([0, 2]),), v, accumulate),
           lambda x, v: torch.index_put(x, (torch.tensor([0, 2]),), v, accumulate),
           (3, 4), (4,))
    a, t = _pair((3, 4), grad=False)
    va, vt = A.tensor(5.0, dtype=A.float64), torch.tensor(5.0, dtype=torch.float64)
    ma, mt = a > 0, t > 0
    assert a.index_put_((ma,), va, accumulate) is a
    t.index_put_((mt,), vt, accumulate)
    _same(a, t)
    _same(a.index_put([A.tensor([1, 2]), A.tensor([1, 3])], va),
          t.index_put([torch.tensor([1, 2]), torch.tensor([1, 3])], vt))


def test_frexp():
    for dt in (np.float32, np.float64):
        x = np.array([8.0, 0.5, -3.0, 0.0, 1e-3, 7.25], dt)
        a, t = A.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (ma, ea), (mt, et) = A.frexp(a), torch.frexp(t)
        _same(ma, mt)
        _same(ea, et)
        (ma * A.tensor(np.arange(6.0, dtype=dt))).sum().backward()
        (mt * torch.tensor(np.arange(6.0, dtype=dt))).sum().backward()
        _same(a.grad, t.grad)
        assert A.frexp(a).mantissa is not None and a.frexp().exponent.dtype == A.int32


def test_combinations():
    _check(lambda x: A.combinations(x), lambda x: torch.combinations(x), (4,))
    _check(lambda x: A.combinations(x, 3, True), lambda x: torch.combinations(x, 3, True), (3,))
    _same(A.combinations(A.arange(2), r=3), torch.combinations(torch.arange(2), r=3))
    _same(A.combinations(A.arange(3), r=0), torch.combinations(torch.arange(3), r=0))


def test_storage_offset_apply_map():
    a, t = A.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
    assert a.storage_offset() == t.storage_offset() == 0
    assert a[1:, 2:].storage_offset() == t[1:, 2:].storage_offset()
    assert a.t()[2].storage_offset() == t.t()[2].storage_offset()
    assert a.apply_(lambda v: v * 2 + 1) is a
    t.apply_(lambda v: v * 2 + 1)
    _same(a, t)
    assert a.map_(A.arange(4.0), lambda u, v: u - v) is a
    t.map_(torch.arange(4.0), lambda u, v: u - v)
    _same(a, t)
    with pytest.raises(RuntimeError, match="requires grad"):
        A.ones(2, requires_grad=True).apply_(lambda v: v)
