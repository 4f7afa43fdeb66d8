"""Edge cases found by differential fuzzing against torch: 0-d tensors taking dim 0 / -1,
median's tie gradient, take_along_dim's broadcasting, mode's index shape. The expected values
are torch's semantics written out (no torch needed)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd


ZERO_D_OPS = {
    "sum": lambda x: x.sum(0), "sum_keep": lambda x: x.sum(-1, keepdim=True),
    "sum_tuple": lambda x: x.sum((0,)), "mean": lambda x: x.mean(0),
    "amax": lambda x: x.amax(0), "logsumexp": lambda x: x.logsumexp(0),
    "norm": lambda x: x.norm(dim=0), "prod": lambda x: x.prod(0),
    "cumsum": lambda x: x.cumsum(0), "topk": lambda x: x.topk(1).values,
    "flip": lambda x: x.flip(0), "gather": lambda x: x.gather(0, autograd.tensor(0)),
    "movedim": lambda x: autograd.movedim(x, 0, 0), "median": lambda x: x.median(0).values,
}


@pytest.mark.parametrize("name", sorted(ZERO_D_OPS))
def test_zero_dim_tensor_takes_dim_zero(name):
    x = autograd.tensor(1.5, requires_grad=True)
    y = ZERO_D_OPS[name](x)
    assert y.shape == () and float(y) == 1.5
    y.backward()
    assert float(x.grad) == 1.0


def test_zero_dim_scatter_and_reductions_of_bools():
    x = autograd.tensor(1.5, requires_grad=True)
    y = x.scatter(0, autograd.tensor(0), 5.0)
    assert y.shape == () and float(y) == 5.0
    y.backward()
    assert float(x.grad) == 0.0
    b = autograd.tensor(True)
    assert b.any(0).shape == () and bool(b.all(-1))
    assert int(autograd.count_nonzero(b, 0)) == 1
    assert np.isnan(float(autograd.tensor(2.0).var(0)))     # one element, correction 1
    with pytest.raises(IndexError):
        autograd.tensor(1.0).sum(1)


def test_median_without_dim_shares_the_gradient_among_ties():
    x = autograd.tensor([2.0, 2.0, 1.0, 3.0], requires_grad=True)
    m = x.median()
    assert float(m) == 2.0 and "MedianBackward0" in repr(m)
    m.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5, 0, 0])
    x = autograd.tensor([2.0, np.nan, 1.0, np.nan], requires_grad=True)
    m = x.median()
    m.backward()
    assert np.isnan(float(m))
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0.5, 0, 0.5])
    x = autograd.tensor([[4.0, 1.0], [4.0, 9.0], [0.0, 4.0]], requires_grad=True)
    x.nanmedian().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1 / 3, 0], [1 / 3, 0], [0, 1 / 3]])


def test_take_along_dim_broadcasts_other_dims():
    x = autograd.arange(8.0).reshape(2, 2, 2).requires_grad_()
    idx = autograd.tensor([[[1], [0]]])
    y = autograd.take_along_dim(x, idx, 0)
    assert y.shape == (1, 2, 2)
    np.testing.assert_array_equal(y.detach().numpy(), [[[4, 5], [2, 3]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[0, 0], [1, 1]], [[1, 1], [0, 0]]])
    with pytest.raises(RuntimeError, match="do not broadcast"):
        autograd.take_along_dim(autograd.zeros(2, 3), autograd.zeros(2, 2, dtype=autograd.int64), 0)


def test_mode_indices_of_a_vector_are_zero_dim():
    r = autograd.mode(autograd.tensor([1.0, 1.0, 2.0]))
    assert r.values.shape == () and r.indices.shape == () and int(r.indices) == 1


def test_inplace_view_ops_rewire_the_graph():
    x = autograd.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = x * 1
    y.unsqueeze_(0)
    assert y.shape == (1, 1, 3)
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2, 2]])
    x.grad = None
    y = (x * 1).expand(2, 3)
    y.t_()
    (y * autograd.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 5, 9]])
    x.grad = None
    y = x * 1
    y.squeeze_()
    y.transpose_(0, 0)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 4, 6]])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.unsqueeze_(0)
    with autograd.no_grad():
        x.unsqueeze_(0)
    assert x.shape == (1, 1, 3)


def test_rounding_divisions_and_remainder_gradients():
    a = autograd.tensor([1.0, 1.0], requires_grad=True)
    b = autograd.tensor([0.0, 2.0], requires_grad=True)
    for mode in ("trunc", "floor"):
        a.grad = b.grad = None
        y = autograd.div(a, b, rounding_mode=mode)
        assert y.requires_grad
        y.sum().backward()                  # zero gradients, also where b == 0 (torch)
        assert not a.grad.numpy().any() and not np.isnan(b.grad.numpy()).any()
    with pytest.raises(RuntimeError, match="derivative for floor_divide"):
        (a // 2).sum().backward()
    x = autograd.tensor([5.5, -5.5], requires_grad=True)
    d = autograd.tensor([2.0, 2.0], requires_grad=True)
    y = autograd.remainder(x, d)
    np.testing.assert_array_equal(y.detach().numpy(), [1.5, 0.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1])
    np.testing.assert_array_equal(d.grad.numpy(), [-2, 3])     # -floor(x / d)
    assert autograd.remainder(autograd.tensor([5.5]), d[:1]).requires_grad
    r = autograd.tensor([0.5, -0.5], requires_grad=True).remainder(float("inf"))
    np.testing.assert_array_equal(r.detach().numpy(), [0.5, np.inf])


def test_atan2_gradient_at_the_origin_is_zero():
    a = autograd.tensor([0.0, 1.0], requires_grad=True)
    b = autograd.tensor([0.0, 0.0], requires_grad=True)
    autograd.atan2(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0, 0])
    np.testing.assert_array_equal(b.grad.numpy(), [0, -1])


def test_empty_tensors_through_shape_ops_and_softmax():
    z = autograd.zeros(2, 0)
    assert [t.shape for t in z.split(1, 1)] == [(2, 0)]
    assert [t.shape for t in z.chunk(3, 1)] == [(2, 0)] * 3
    assert autograd.tensordot(z, autograd.zeros(0, 3), dims=1).shape == (2, 3)
    assert not autograd.tensordot(z, autograd.zeros(0, 3), dims=1).numpy().any()
    assert autograd.log_softmax(autograd.zeros(3, 0), 1).shape == (3, 0)
    assert autograd.softmax(autograd.zeros(0, 0), 1).shape == (0, 0)
    v, i = autograd.cummax(autograd.zeros(0), 0)
    assert v.shape == i.shape == (0,) and i.dtype == autograd.int64


def test_softmax_of_a_row_with_plus_inf_is_nan_as_torch():
    for f in (autograd.softmax, autograd.log_softmax):
        assert np.isnan(f(autograd.tensor([0.0, np.inf]), 0).numpy()).all()


def test_promotion_and_broadcasting_odds():
    y = autograd.zeros(2).masked_fill(autograd.tensor([[True], [False]]), 1.0)
    np.testing.assert_array_equal(y.numpy(), [[1, 1], [0, 0]])     # self broadcasts too
    assert autograd.hstack([autograd.tensor(1.0), autograd.tensor(2.0)]).shape == (2,)
    e = autograd.einsum("i,i->i", autograd.ones(2), autograd.ones(2, dtype=autograd.int64))
    assert e.dtype == autograd.float32
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        autograd.div(autograd.tensor([4]), autograd.tensor([0]), rounding_mode="trunc")
    x = autograd.tensor([1.0, 0.0], requires_grad=True)
    n = autograd.linalg.vector_norm(x, ord=0)
    assert float(n) == 1.0 and n.requires_grad
    a = autograd.tensor([0.0, 1.0, 2.0])
    assert a.clamp_(min=autograd.tensor([1.0, 1.0, 1.0], requires_grad=True)).requires_grad


def test_matmul_family_refuses_mixed_dtypes_as_torch():
    f32, f64 = autograd.ones(2, 2), autograd.ones(2, 2, dtype=autograd.float64)
    i64 = autograd.ones(2, 2, dtype=autograd.int64)
    for f in (autograd.matmul, autograd.mm, lambda a, b: a @ b, lambda a, b: autograd.mv(a, b[0]),
              lambda a, b: autograd.bmm(a[None], b[None]), lambda a, b: autograd.addmm(a, a, b)):
        with pytest.raises(RuntimeError, match="same dtype, but got: float != double"):
            f(f32, f64)
        with pytest.raises(RuntimeError, match="same dtype"):
            f(i64, f32)
    assert (f32 @ f32).dtype == autograd.float32


def test_setitem_value_with_extra_leading_unit_dims():
    y = autograd.zeros(4, 1)
    m = autograd.tensor([[True], [False], [True], [False]])
    v = autograd.ones(1, 1, requires_grad=True)
    y[m] = v * 2
    np.testing.assert_array_equal(y.detach().numpy().ravel(), [2, 0, 2, 0])
    y.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [[4.0]])
    z = autograd.zeros(())
    z[()] = autograd.tensor([3.0])
    assert float(z) == 3.0


def test_tensor_hooks_may_not_change_shape_dtype_or_kind():
    for hook, exc, match in [(lambda g: g.sum(), RuntimeError, "changed the size of value"),
                             (lambda g: g.double(), RuntimeError, "changed the type of value"),
                             (lambda g: 5, TypeError, "hook returned 'int'")]:
        for leaf in (True, False):
            x = autograd.tensor([1.0, 2.0], requires_grad=True)
            y = x if leaf else x * 1
            y.register_hook(hook)
            with pytest.raises(exc, match=match):
                (y * 3).sum().backward()
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 2)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6])


def test_custom_function_gradient_is_summed_to_the_input_shape():
    class Twice(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).reshape(1, -1)          # broadcastable to the input: summed back

    class Wrong(Twice):
        @staticmethod
        def backward(ctx, g):
            return autograd.ones(3)

    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    Twice.apply(x).sum().backward()
    assert x.grad.shape == (2,)
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2])
    with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
        Wrong.apply(x).sum().backward()


def test_tensor_infers_dtype_from_numpy_and_tensor_elements_as_torch():
    cases = [([np.array([1.0, 2.0]), np.array([3.0, 4.0])], np.float64),
             ([np.float64(1.5)], np.float64), ([np.int32(1)], np.int32),
             ([np.uint8(1)], np.uint8), ([np.array([1, 2], dtype=np.int32)], np.int32),
             ([autograd.tensor(1), 2.5], np.float32), ([1, autograd.tensor(2.0)], np.float32),
             ([np.int8(1), np.uint8(2)], np.int16), ([np.float32(1), 2.5], np.float32),
             ([True, 1], np.int64), ([], np.float32), (((1, 2), (3, 4)), np.int64)]
    for data, want in cases:
        assert autograd.tensor(data).numpy().dtype == want, data


def test_printing_as_torch_empty_dtypes_wrapped_suffixes_and_print_options():
    assert repr(autograd.zeros(0, dtype=autograd.int64)) == "tensor([], dtype=autograd.int64)"
    assert repr(autograd.zeros(2, 0, dtype=autograd.bool)) == \
        "tensor([], size=(2, 0), dtype=autograd.bool)"
    t = autograd.tensor([-1.7334e-04, -14.737, 1.3391], dtype=autograd.float64,
                        requires_grad=True)
    assert repr(t) == ("tensor([-1.7334e-04, -1.4737e+01,  1.3391e+00], dtype=autograd.float64,"
                       "\n       requires_grad=True)")
    before = np.get_printoptions()
    try:
        autograd.set_printoptions(sci_mode=False)
        assert repr(autograd.tensor([1e-6, 1.0])) == "tensor([0.0000, 1.0000])"
        autograd.set_printoptions(sci_mode=True)
        assert repr(autograd.tensor([1.0, 2.0])) == "tensor([1.0000e+00, 2.0000e+00])"
        autograd.set_printoptions(profile="short")
        assert repr(autograd.tensor([3.14159, 2.7])) == "tensor([3.14, 2.70])"
        autograd.set_printoptions(precision=2)
        assert np.get_printoptions() == before          # numpy's own options untouched
    finally:
        autograd.set_printoptions(profile="default")
    assert repr(autograd.tensor([3.14159])) == "tensor([3.1416])"


def test_linspace_and_float_arange_round_as_torch():
    # torch's kernels: fused multiply-adds in the dtype, linspace counting down from the end
    # in its second half, arange in 32-byte vectors from a per-vector base
    assert float(autograd.linspace(-1, 1, 13)[6]) == np.float32(-2.9802322e-08)
    assert float(autograd.arange(-1, 1, 0.2)[5]) == np.float32(5.551115123125783e-17)
    assert float(autograd.arange(0, 10, 0.1)[9]) == np.float32(0.90000004)
    x = autograd.linspace(0, 1, 1000).numpy()
    assert x[0] == 0 and x[-1] == 1 and np.all(np.diff(x) > 0)
    np.testing.assert_allclose(autograd.arange(0.5, 7.3, 0.37, dtype=autograd.float64).numpy(),
                               0.5 + 0.37 * np.arange(19), rtol=1e-15)


def test_size_slicing_and_arithmetic_stay_sizes():
    s = autograd.zeros(2, 3, 4).shape
    for r in (s[1:], s + (4,), (1,) + s, s * 2):
        assert isinstance(r, autograd.Size)
    assert s[1:] == (3, 4) and isinstance(s[0], int)
    assert autograd.Size([autograd.tensor(2), np.int64(3)]) == (2, 3)
    with pytest.raises(TypeError, match="iterable of 'int'"):
        autograd.Size([2.5])


def test_factories_take_size_keyword_and_randint_high_with_size():
    for f in (autograd.zeros, autograd.ones, autograd.empty, autograd.rand, autograd.randn):
        assert f(size=(2, 3)).shape == (2, 3) and f(2, 3).shape == (2, 3)
    autograd.manual_seed(0)
    a = autograd.randint(10, size=(2, 3))
    autograd.manual_seed(0)
    b = autograd.randint(0, 10, (2, 3))
    assert a.shape == (2, 3) and a.tolist() == b.tolist()


def test_legacy_constructors_tensor_sizes_and_asarray():
    x = autograd.FloatTensor([1, 2])
    assert x.dtype == autograd.float32 and isinstance(x, autograd.FloatTensor)
    assert not isinstance(x, autograd.LongTensor)
    assert autograd.LongTensor(2, 3).shape == (2, 3)
    assert x.type() == "autograd.FloatTensor"
    assert x.type("torch.DoubleTensor").dtype == autograd.float64
    assert x.type(autograd.LongTensor).dtype == autograd.int64
    assert autograd.Tensor(2, 3).shape == (2, 3) and autograd.Tensor([1, 2]).dtype == autograd.float32
    a = np.arange(3.0)
    t = autograd.asarray(a)
    t[0] = 5.0
    assert a[0] == 5.0                                    # shares memory
    assert autograd.asarray(t) is t and autograd.asarray([1, 2]).dtype == autograd.int64
    with pytest.raises(ValueError):
        autograd.asarray(a, dtype=autograd.float32, copy=False)


def test_views_taken_before_an_inplace_change_differentiate_through_it():
    # torch regenerates such views' grad_fn; they once kept the old graph (wrong gradients)
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[:2]
    y.mul_(2)
    (v * v).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [8, 16, 0])
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v1, v2 = y[:2], y[1:]
    v2.mul_(2)                                            # through a sibling view
    (v1 * v1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 16, 0])
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    buf = autograd.zeros(4)
    v = buf[1:3]
    buf[1:3] = w * 2                                      # the base did not require grad
    (v * v).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [8, 16])
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    vv = y.t()[0]                                         # a view of a view
    y.mul_(3)
    (vv * vv).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[18, 0], [54, 0]])


def test_retain_grad_follows_an_inplace_change():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.mul_(2)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [3, 3, 3])     # the new value's gradient
    np.testing.assert_array_equal(x.grad.numpy(), [6, 6, 6])


def test_function_apply_binds_keyword_arguments():
    class Scale(autograd.Function):
        @staticmethod
        def forward(ctx, x, k=2):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(x, k=3)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [3, 6])
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])
    assert Scale.apply(x).tolist() == [2.0, 4.0]


def test_select_matches_indexing_and_torch():
    a = autograd.randn(3, 4, 5, requires_grad=True)
    for d, i in [(0, 1), (1, -1), (-1, 2), (2, 0)]:
        y = a.select(d, i)
        want = a.detach().numpy()[(slice(None),) * (d % 3) + (i,)]
        assert np.array_equal(y.detach().numpy(), want)
        assert y.grad_fn.name() == "SelectBackward0"
        assert autograd.select(a, d, i).shape == want.shape
    (a.select(1, 2) * 2).sum().backward()
    g = np.zeros((3, 4, 5), np.float32)
    g[:, 2] = 2
    assert np.array_equal(a.grad.numpy(), g)
    with pytest.raises(IndexError, match="out of range"):
        a.select(0, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        a.select(3, 0)
    with pytest.raises(IndexError, match="0-dim"):
        autograd.tensor(1.0).select(0, 0)
