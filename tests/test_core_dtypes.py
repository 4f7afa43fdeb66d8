"""dtype preservation and torch's promotion rules (no float32 computation drifts to float64)."""
import numpy as np
import pytest

import autograd
from autograd import float32, float64, int64, int32

f32 = lambda *s: autograd.randn(*s, requires_grad=True)            # noqa: E731
i64 = lambda *s: autograd.randint(-3, 4, s)                        # noqa: E731

FLOAT32_OPS = {
    "add_scalar": lambda x: x + 2.5,
    "radd_int": lambda x: 3 + x,
    "mul_f64_0d": lambda x: x * autograd.tensor(2.0, dtype=float64),
    "div_int": lambda x: x / 3,
    "pow": lambda x: x ** 2.5,
    "rpow": lambda x: 2.0 ** x,
    "exp": lambda x: x.exp(),
    "sigmoid": lambda x: x.sigmoid(),
    "mean": lambda x: x.mean(),
    "var": lambda x: x.var(0),
    "std": lambda x: x.std(),
    "norm": lambda x: x.norm(),
    "logsumexp": lambda x: x.logsumexp(0),
    "softmax": lambda x: x.softmax(0),
    "prod": lambda x: x.prod(),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "where": lambda x: autograd.where(x > 0, x, 0.0),
    "maximum": lambda x: autograd.maximum(x, autograd.zeros(3)),
    "matmul": lambda x: x @ autograd.ones(3, 2),
    "int_tensor_promotes": lambda x: x + autograd.tensor([1, 2, 3]),
    "masked_fill": lambda x: x.masked_fill(x > 0, 1.5),
    "lerp": lambda x: autograd.lerp(x, x * 2, 0.25),
    "cumsum": lambda x: x.cumsum(0),
    "getitem": lambda x: x[[0, 0]],
    "rsqrt": lambda x: (x * x + 1.0).rsqrt(),
}


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_stays_float32_forward_and_backward(name):
    x = f32(3)
    y = FLOAT32_OPS[name](x)
    assert y.dtype == float32, y.dtype
    y.sum().backward()
    assert x.grad.dtype == float32


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_double_backward_stays_float32(name):
    x = f32(3)
    (g,) = autograd.grad(FLOAT32_OPS[name](x).sum(), x, create_graph=True, allow_unused=True)
    assert g.dtype == float32


def test_promotion_rules():
    x32 = autograd.ones(2)
    x64 = autograd.ones(2, dtype=float64)
    i = autograd.tensor([1, 2])
    i32 = autograd.tensor([1, 2], dtype=int32)
    b = autograd.tensor([True, False])
    assert (x32 + x64).dtype == float64                        # two dimensioned tensors
    assert (x32 + autograd.tensor(1.0, dtype=float64)).dtype == float32   # 0-d doesn't upcast
    assert (i + autograd.tensor(1.5)).dtype == float32         # but a higher category does
    assert (i + 1.5).dtype == float32
    assert (i + 1).dtype == int64
    assert (i32 + 1).dtype == int32
    assert (i32 + autograd.tensor(5)).dtype == int32           # 0-d int64 doesn't upcast int32
    assert (i32 + i).dtype == int64
    assert (b + b).dtype == autograd.bool
    assert (b + 1).dtype == int64
    assert (b * 1.5).dtype == float32
    assert (i / i).dtype == float32                            # true division -> float
    assert (i / 2).dtype == float32
    assert (i // 2).dtype == int64
    assert (x32 > 0).dtype == autograd.bool
    assert (i == i32).dtype == autograd.bool
    assert i.sum().dtype == int64 and b.sum().dtype == int64 and i32.sum().dtype == int64
    assert i.float().mean().dtype == float32
    assert autograd.promote_types(int32, float32) == float32
    assert autograd.promote_types(int64, int32) == int64


def test_default_dtype():
    assert autograd.get_default_dtype() == float32
    assert autograd.tensor([1.0]).dtype == float32
    assert autograd.zeros(2).dtype == float32
    autograd.set_default_dtype(float64)
    assert autograd.tensor([1.0]).dtype == float64
    assert autograd.randn(2).dtype == float64
    assert (autograd.tensor([1, 2]) / 2).dtype == float64
    autograd.set_default_dtype(float32)
    with pytest.raises(TypeError, match="float32 and float64"):
        autograd.set_default_dtype(int64)


def test_factory_dtypes():
    assert autograd.tensor([1, 2]).dtype == int64
    assert autograd.tensor([True]).dtype == autograd.bool
    assert autograd.tensor(np.array([1.0], np.float64)).dtype == float64
    assert autograd.arange(5).dtype == int64
    assert autograd.arange(0, 1, 0.25).dtype == float32
    assert autograd.full((2,), 3).dtype == int64
    assert autograd.full((2,), 3.0).dtype == float32
    assert autograd.randint(0, 5, (3,)).dtype == int64
    assert autograd.randperm(4).dtype == int64
    assert autograd.linspace(0, 1, 5).dtype == float32
    assert autograd.eye(3).dtype == float32
    assert autograd.zeros_like(autograd.tensor([1, 2])).dtype == int64


def test_conversions():
    x = autograd.tensor([1.7, -1.7])
    assert x.long().tolist() == [1, -1]
    assert x.double().dtype == float64 and x.float().dtype == float32
    assert x.to(int32).dtype == int32
    assert x.to(autograd.tensor([1], dtype=float64)).dtype == float64
    assert x.to(float32) is x
    xg = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = xg.double()
    assert y.requires_grad
    y.sum().backward()
    assert xg.grad.dtype == float32


def test_numpy_float64_scalar_does_not_upcast():
    x = autograd.ones(2)
    assert (x * np.float64(2.0)).dtype == float32
    assert (x + np.float32(1)).dtype == float32


def test_inplace_dtype_rules():
    x = autograd.zeros(2)
    x += autograd.tensor([1, 2])                     # int into float: fine
    assert x.dtype == float32 and x.tolist() == [1.0, 2.0]
    x += autograd.ones(2, dtype=float64)             # same category: cast to float32
    assert x.dtype == float32
    i = autograd.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += autograd.tensor([0.5, 0.5])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.mul_(1.5)
