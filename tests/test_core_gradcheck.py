"""Every primitive: backward by gradcheck (float64 central differences) and double backward
by gradgradcheck; hypothesis drives shapes, broadcasting and non-contiguous layouts."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd
from autograd import gradcheck, gradgradcheck

import strategies as S

R = np.random.default_rng(7)


def t(shape, kind="f"):
    if kind == "f":
        a = R.standard_normal(shape)
    elif kind == "p":
        a = R.uniform(0.5, 2.0, shape)
    elif kind == "u":
        a = R.uniform(-0.8, 0.8, shape)
    elif kind == "d":        # well separated values: no ties, no kinks near the probe
        a = R.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.5 + R.uniform(
            -0.1, 0.1, shape)
    return autograd.tensor(a, dtype=autograd.float64, requires_grad=True)


IDX = autograd.tensor([[0, 2], [1, 1], [2, 0]])

# name: (function, input maker); inputs are tiny float64 tensors requiring grad
PRIMS = {
    "add": (lambda a, b: a + b, lambda: (t((2, 3)), t((3,)))),
    "sub": (lambda a, b: a - b, lambda: (t((2, 1)), t((1, 3)))),
    "mul": (lambda a, b: a * b, lambda: (t((2, 3)), t((2, 3)))),
    "div": (lambda a, b: a / b, lambda: (t((2, 3)), t((3,), "p"))),
    "rdiv": (lambda a: 1.5 / a, lambda: (t((3,), "p"),)),
    "neg": (lambda a: -a, lambda: (t((3,)),)),
    "pow_scalar": (lambda a: a ** 3, lambda: (t((3,)),)),
    "pow_frac": (lambda a: a ** 1.5, lambda: (t((3,), "p"),)),
    "pow_tensor": (lambda a, b: a ** b, lambda: (t((3,), "p"), t((3,)))),
    "rpow": (lambda a: 2.0 ** a, lambda: (t((3,)),)),
    "exp": (lambda a: a.exp(), lambda: (t((3,)),)),
    "log": (lambda a: a.log(), lambda: (t((3,), "p"),)),
    "log1p": (lambda a: a.log1p(), lambda: (t((3,), "p"),)),
    "sqrt": (lambda a: a.sqrt(), lambda: (t((3,), "p"),)),
    "rsqrt": (lambda a: a.rsqrt(), lambda: (t((3,), "p"),)),
    "abs": (lambda a: a.abs(), lambda: (t((4,), "d"),)),
    "sign": (lambda a: a.sign() * a, lambda: (t((4,), "d"),)),
    "sin": (lambda a: a.sin(), lambda: (t((3,)),)),
    "cos": (lambda a: a.cos(), lambda: (t((3,)),)),
    "tanh": (lambda a: a.tanh(), lambda: (t((3,)),)),
    "sigmoid": (lambda a: a.sigmoid(), lambda: (t((3,)),)),
    "relu": (lambda a: a.relu(), lambda: (t((4,), "d"),)),
    "clamp": (lambda a: a.clamp(-1.0, 1.0), lambda: (t((6,), "d"),)),
    "clamp_tensor": (lambda a, lo: autograd.clamp(a, lo), lambda: (t((4,), "d"), t((4,), "d"))),
    "where": (lambda a, b: autograd.where(a > 0, a, b), lambda: (t((2, 3)), t((3,)))),
    "maximum": (lambda a, b: autograd.maximum(a, b), lambda: (t((2, 3), "d"), t((3,), "d"))),
    "minimum": (lambda a, b: autograd.minimum(a, b), lambda: (t((2, 3), "d"), t((3,), "d"))),
    "matmul": (lambda a, b: a @ b, lambda: (t((2, 3)), t((3, 2)))),
    "matmul_1d": (lambda a, b: a @ b, lambda: (t((3,)), t((3, 2)))),
    "matmul_batch_bcast": (lambda a, b: a @ b, lambda: (t((2, 1, 2, 3)), t((2, 3, 2)))),
    "mm": (lambda a, b: autograd.mm(a, b), lambda: (t((2, 3)), t((3, 2)))),
    "bmm": (lambda a, b: autograd.bmm(a, b), lambda: (t((2, 2, 3)), t((2, 3, 2)))),
    "sum": (lambda a: a.sum((0, 2), keepdim=True), lambda: (t((2, 3, 2)),)),
    "mean": (lambda a: a.mean(1), lambda: (t((2, 3)),)),
    "prod": (lambda a: a.prod(1), lambda: (t((2, 3)),)),
    "prod_all": (lambda a: a.prod(), lambda: (t((2, 3)),)),
    "max_dim": (lambda a: a.max(1)[0], lambda: (t((2, 3), "d"),)),
    "min_dim": (lambda a: a.min(0, keepdim=True)[0], lambda: (t((2, 3), "d"),)),
    "max_all": (lambda a: a.max(), lambda: (t((2, 3), "d"),)),
    "amax": (lambda a: a.amax((0, 1)), lambda: (t((2, 3), "d"),)),
    "amin": (lambda a: a.amin(1), lambda: (t((2, 3), "d"),)),
    "var": (lambda a: a.var(1), lambda: (t((2, 3)),)),
    "std": (lambda a: a.std(), lambda: (t((2, 3)),)),
    "logsumexp": (lambda a: a.logsumexp(1), lambda: (t((2, 3)),)),
    "norm": (lambda a: a.norm(), lambda: (t((2, 3)),)),
    "norm_dim": (lambda a: autograd.norm(a, dim=0), lambda: (t((2, 3)),)),
    "norm_p3": (lambda a: autograd.norm(a, p=3), lambda: (t((2, 3), "p"),)),
    "cumsum": (lambda a: a.cumsum(1), lambda: (t((2, 3)),)),
    "softmax": (lambda a: a.softmax(1), lambda: (t((2, 3)),)),
    "log_softmax": (lambda a: a.log_softmax(0), lambda: (t((2, 3)),)),
    "reshape": (lambda a: a.reshape(3, 2) * 1.0, lambda: (t((2, 3)),)),
    "view": (lambda a: a.view(-1), lambda: (t((2, 3)),)),
    "transpose": (lambda a: a.transpose(0, 1), lambda: (t((2, 3)),)),
    "permute": (lambda a: a.permute(2, 0, 1), lambda: (t((2, 3, 2)),)),
    "flatten": (lambda a: a.flatten(), lambda: (t((2, 3)),)),
    "unflatten": (lambda a: a.unflatten(1, (3, 1)), lambda: (t((2, 3)),)),
    "squeeze": (lambda a: a.squeeze(1), lambda: (t((2, 1, 3)),)),
    "unsqueeze": (lambda a: a.unsqueeze(0), lambda: (t((2, 3)),)),
    "expand": (lambda a: a.expand(2, 3, 3), lambda: (t((3, 1)),)),
    "expand_as": (lambda a, b: a.expand_as(b) * b, lambda: (t((1, 3)), t((2, 3)))),
    "repeat": (lambda a: a.repeat(2, 2), lambda: (t((2, 3)),)),
    "cat": (lambda a, b: autograd.cat([a, b], 1), lambda: (t((2, 3)), t((2, 1)))),
    "stack": (lambda a, b: autograd.stack([a, b], 0), lambda: (t((2, 3)), t((2, 3)))),
    "split": (lambda a: a.split(2, 1)[1], lambda: (t((2, 3)),)),
    "chunk": (lambda a: a.chunk(2, 0)[0], lambda: (t((3, 2)),)),
    "flip": (lambda a: a.flip((0, 1)), lambda: (t((2, 3)),)),
    "getitem_basic": (lambda a: a[1:, None, ::2], lambda: (t((3, 4)),)),
    "getitem_int": (lambda a: a[-1, 1], lambda: (t((3, 4)),)),
    "getitem_ellipsis": (lambda a: a[..., 1], lambda: (t((2, 3, 2)),)),
    "getitem_repeat_idx": (lambda a: a[[0, 0, 2, 0]], lambda: (t((3, 2)),)),
    "getitem_bool": (lambda a: a[a > 0], lambda: (t((3, 2)),)),
    "getitem_tensor_pair": (lambda a: a[autograd.tensor([0, 2, 2]), autograd.tensor([1, 0, 0])],
                            lambda: (t((3, 2)),)),
    "setitem": (lambda a, b: _setitem(a, b), lambda: (t((3, 4)), t((4,)))),
    "masked_fill": (lambda a: a.masked_fill(autograd.tensor([True, False, True]), 2.0),
                    lambda: (t((2, 3)),)),
    "gather": (lambda a: a.gather(1, IDX), lambda: (t((3, 3)),)),
    "scatter_add": (lambda a, s: a.scatter_add(1, IDX, s), lambda: (t((3, 3)), t((3, 2)))),
    "index_select": (lambda a: a.index_select(0, autograd.tensor([2, 0, 2])),
                     lambda: (t((3, 2)),)),
    "clone": (lambda a: a.clone() * a, lambda: (t((3,)),)),
    "prod_zeros": (lambda a: a.prod(1), lambda: (_z(),)),
    "prod_zeros_all": (lambda a: a.prod(), lambda: (autograd.tensor(
        [1.5, 0.0, -2.0, 0.7], dtype=autograd.float64, requires_grad=True),)),
    "inplace_on_view": (lambda a, b: _inplace_view(a, b), lambda: (t((3, 4)), t((3,)))),
}


def _z():
    """Exact zeros (one and two in a row): prod's gradient is then not out / x."""
    return autograd.tensor([[1.5, 0.0, -2.0, 0.7], [0.0, 0.0, 3.0, 1.1]],
                           dtype=autograd.float64, requires_grad=True)


def _inplace_view(a, b):
    y = a * 1.0
    y.t()[1].mul_(b)                    # CopySlices: y's graph is rewired through the view
    y[0].add_(b.sum())
    return y


def _setitem(a, b):
    y = a * 1.0
    y[1] = b * b
    y[:, 0] = 0.0
    return y


@pytest.mark.parametrize("name", list(PRIMS))
def test_gradcheck(name):
    fn, make = PRIMS[name]
    assert gradcheck(fn, make(), eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", list(PRIMS))
def test_gradgradcheck(name):
    fn, make = PRIMS[name]
    assert gradgradcheck(fn, make(), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_gradcheck_detects_wrong_backward():
    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = t((3,))
    with pytest.raises(autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(Bad.apply, (x,))
    assert gradcheck(Bad.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_detects_a_wrong_second_derivative():
    # first order right (2x g), second order wrong: x is detached in the backward, so the
    # double backward misses d(2x g)/dx = 2g. (gradgradcheck once compared nothing: its finite
    # differences ran under no_grad, where the first-order gradients came out empty.)
    class FirstOrderOnly(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x.detach() * g

    class Square(FirstOrderOnly):
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = t((3,))
    assert gradcheck(FirstOrderOnly.apply, (x,))
    with pytest.raises(autograd.GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(FirstOrderOnly.apply, (x,))
    assert gradgradcheck(FirstOrderOnly.apply, (x,), raise_exception=False) is False
    assert gradgradcheck(Square.apply, (x,))


# ---- hypothesis: broadcasting + layouts -----------------------------------------------------

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": lambda a, b: autograd.maximum(a, b),
    "where": lambda a, b: autograd.where(a > b, a, b * 2.0),
}


@pytest.mark.parametrize("op", list(BINARY))
@given(data=st.data())
def test_binary_broadcast_gradcheck(op, data):
    sa, sb = data.draw(S.broadcastable_pair(max_dims=3, max_side=3))
    a = data.draw(S.tensors(sa))
    b = data.draw(S.tensors(sb))
    # forward against numpy
    out = BINARY[op](a, b)
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
           "div": lambda x, y: x / (y * y + 1.0), "maximum": np.maximum,
           "where": lambda x, y: np.where(x > y, x, y * 2.0)}[op](a._data, b._data)
    np.testing.assert_allclose(out._data, ref, rtol=1e-12)
    assert out.dtype == autograd.float64
    if op not in ("maximum", "where"):          # kinks: finite differences unreliable on ties
        assert gradcheck(BINARY[op], (a, b), atol=1e-6, rtol=1e-5)


UNARY = {
    "exp": (np.exp, lambda x: x.exp()),
    "tanh": (np.tanh, lambda x: x.tanh()),
    "sin": (np.sin, lambda x: x.sin()),
    "sigmoid": (lambda v: 1 / (1 + np.exp(-v)), lambda x: x.sigmoid()),
    "square": (np.square, lambda x: x * x),
}


@pytest.mark.parametrize("op", list(UNARY))
@given(x=S.tensors())
def test_unary_layouts(op, x):
    ref, fn = UNARY[op]
    np.testing.assert_allclose(fn(x)._data, ref(x._data), rtol=1e-12, atol=1e-15)
    assert gradcheck(fn, (x,), atol=1e-6, rtol=1e-5)


@given(x=S.tensors(shape=(2, 3, 2)), dim=st.sampled_from([0, 1, 2, -1, (0, 2), None]),
       keepdim=st.booleans())
def test_reductions_layouts(x, dim, keepdim):
    np_dim = dim if dim is None or isinstance(dim, tuple) else dim
    np.testing.assert_allclose(x.sum(dim, keepdim)._data,
                               x._data.sum(axis=np_dim, keepdims=keepdim), rtol=1e-12)
    np.testing.assert_allclose(x.mean(dim, keepdim)._data,
                               x._data.mean(axis=np_dim, keepdims=keepdim), rtol=1e-12)
    np.testing.assert_allclose(x.var(dim, keepdim=keepdim)._data,
                               x._data.var(axis=np_dim, keepdims=keepdim, ddof=1), rtol=1e-10)
    assert gradcheck(lambda v: v.sum(dim, keepdim) * 2.0, (x,))
    assert gradcheck(lambda v: v.var(dim, keepdim=keepdim), (x,), atol=1e-6, rtol=1e-5)


@given(a=S.tensors(shape=(2, 3)), b=S.tensors(shape=(3, 2)))
def test_matmul_layouts(a, b):
    np.testing.assert_allclose((a @ b)._data, a._data @ b._data, rtol=1e-12)
    assert gradcheck(lambda x, y: x @ y, (a, b))


@given(x=S.tensors(shape=(3, 4)), perm=st.permutations([0, 1]))
def test_movement_layouts(x, perm):
    y = x.permute(*perm).reshape(-1).flip(0)
    np.testing.assert_array_equal(y._data, x._data.transpose(perm).reshape(-1)[::-1])
    assert gradcheck(lambda v: v.permute(*perm).reshape(-1).flip(0)[1::2], (x,))
