"""Elementwise primitives: arithmetic, unary math, clamp/where/maximum, comparisons, casts.

Binary primitives see operands already promoted to one dtype and, where they need a
gradient, broadcast to one shape (``_util.prepare``), so no backward here "unbroadcasts".
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..function import Function, named
from ..tensor import Tensor
from . import _util as U


class _Prim(Function):
    _raw = True


# ---- arithmetic -------------------------------------------------------------------------

class Add(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        ctx._to_save = (a, b)               # = ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        return (g * b if n[0] else None), (g * a if n[1] else None)


class Div(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        # (a / b) / b, as torch: b * b would underflow for tiny float32 b (0 -> NaN)
        return (g / b if n[0] else None), (-g * (a / b / b) if n[1] else None)


class DivRound(_Prim):
    """div(a, b, rounding_mode='floor' | 'trunc') of floats: piecewise constant, so a zero
    gradient (torch's, also where b == 0); ``floor_divide`` (``//``) has none at all."""

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.mode = mode
        if mode == "trunc":
            return np.trunc(np.true_divide(a, b))
        return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "floor_divide":
            raise RuntimeError("derivative for floor_divide is not implemented")
        z = g * 0.0
        return z, z, None


class Remainder(_Prim):
    """a - floor(a / b) * b with the sign of b (Python's %): d/da = 1, d/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        return (g if n[0] else None), (-g * floor_divide(a, b) if n[1] else None)


class Neg(_Prim):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(_Prim):
    """x ** p for a Python number p."""
    _tname = "PowBackward0"     # torch: pow(Tensor, Scalar)

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return _float_power_scalar(x, p) if x.dtype.kind == "f" else np.power(x, p)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0, None
        if p == 1:
            return g, None
        if p == 2:
            return g * (x * 2.0), None
        xp = x ** (p - 1) if isinstance(x, Tensor) else _float_power_scalar(x, p - 1)
        return g * (p * xp), None


def _float_power_scalar(x, p):
    """x ** p for a float array, with torch's special exponents: 0.5 is sqrt and -0.5 is
    1 / sqrt (they differ from IEEE pow at -0 and -inf: sqrt(-0) = -0, sqrt(-inf) = NaN)."""
    if p == 0.5:
        return np.sqrt(x)
    if p == -0.5:
        return np.asarray(1.0 / np.sqrt(x), x.dtype)
    return np.power(x, np.asarray(p, x.dtype))


def _int_power(x, y):
    """Integer x ** y with negative exponents as PyTorch: 1 ** -n = 1, (-1) ** -n = +-1,
    anything else 0 (numpy refuses negative integer powers)."""
    y = np.asarray(y)
    neg = y < 0
    if not neg.any():
        return np.power(x, y)
    out = np.power(x, np.where(neg, 0, y))
    inv = np.where(x == 1, 1, np.where(x == -1, np.where(y % 2 == 0, 1, -1), 0))
    return np.where(neg, inv, out).astype(out.dtype)


class Pow(_Prim):
    """x ** y, both tensors (PyTorch's masking: d/dx is 0 where y == 0, d/dy is 0 where x == 0
    and y >= 0)."""

    @staticmethod
    def forward(ctx, x, y):
        out = _int_power(x, y) if np.result_type(x, y).kind in "iu" else np.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y, out = ctx.saved_tensors
        n = ctx.needs_input_grad
        gx = gy = None
        if n[0]:
            gx = U.where(y == 0, 0.0, g * y * x ** (y - 1))
        if n[1]:
            gy = U.where((x == 0) & (y >= 0), 0.0, g * out * U.log(x))
        return gx, gy


# ---- unary math ---------------------------------------------------------------------------

def _unary(name, fwd, bwd, save="x"):
    """Make a unary primitive; bwd(g, x_or_out) is written with array/Tensor-agnostic code."""
    # ctx._to_save = (...) is what save_for_backward does (one call less on the hot path)
    if save == "x":
        def forward(ctx, x):
            ctx._to_save = (x,)
            return fwd(x)
    else:
        def forward(ctx, x):
            out = fwd(x)
            ctx._to_save = (out,)
            return out

    def backward(ctx, g):
        s, = ctx.saved_tensors
        return bwd(g, s)

    return type(name, (_Prim,), {"forward": staticmethod(forward),
                                 "backward": staticmethod(backward)})


Exp = _unary("Exp", np.exp, lambda g, out: g * out, save="out")
Log = _unary("Log", np.log, lambda g, x: g / x)
Log2 = _unary("Log2", np.log2, lambda g, x: g / (x * 0.6931471805599453))
Log10 = _unary("Log10", np.log10, lambda g, x: g / (x * 2.302585092994046))
Log1p = _unary("Log1p", np.log1p, lambda g, x: g / (x + 1.0))
Expm1 = _unary("Expm1", np.expm1, lambda g, out: g * (out + 1.0), save="out")
Sqrt = _unary("Sqrt", np.sqrt, lambda g, out: g / (out * 2.0), save="out")
Rsqrt = _unary("Rsqrt", lambda x: 1.0 / np.sqrt(x), lambda g, out: g * (out * out * out) * -0.5,
               save="out")
Reciprocal = _unary("Reciprocal", lambda x: 1.0 / x, lambda g, out: -g * out * out, save="out")
Abs = _unary("Abs", np.abs, lambda g, x: g * U.sign(x))
Sin = _unary("Sin", np.sin, lambda g, x: g * U.cos(x))
Cos = _unary("Cos", np.cos, lambda g, x: -g * U.sin(x))
Tan = _unary("Tan", np.tan, lambda g, out: g * (out * out + 1.0), save="out")
def _tanh_bwd(g, out):
    if type(g) is np.ndarray and type(out) is np.ndarray and g.shape == out.shape and out.ndim:
        t = np.multiply(out, out)           # in place: a third of the allocations
        np.subtract(1.0, t, out=t)
        np.multiply(g, t, out=t)
        return t
    return g * (1.0 - out * out)


Tanh = _unary("Tanh", np.tanh, _tanh_bwd, save="out")
Sinh = _unary("Sinh", np.sinh, lambda g, x: g * _cosh(x))
Cosh = _unary("Cosh", np.cosh, lambda g, x: g * _sinh(x))
Atan = _unary("Atan", np.arctan, lambda g, x: g / (x * x + 1.0))
Asin = _unary("Asin", np.arcsin, lambda g, x: g / _sqrt(1.0 - x * x))
Acos = _unary("Acos", np.arccos, lambda g, x: -g / _sqrt(1.0 - x * x))
def _sigmoid_bwd(g, out):
    if type(g) is np.ndarray and type(out) is np.ndarray and g.shape == out.shape and out.ndim:
        u = np.multiply(g, out)             # (g * out) * (1 - out), one buffer fewer
        np.multiply(u, np.subtract(1.0, out), out=u)
        return u
    return g * out * (1.0 - out)


Sigmoid = _unary("Sigmoid", lambda x: _sigmoid(x), _sigmoid_bwd, save="out")
# the gradient is blocked where out <= 0, so it passes at NaN, as torch's threshold_backward
Relu = _unary("Relu", lambda x: np.maximum(x, 0), lambda g, out: U.where(out <= 0, 0.0, g),
              save="out")


def _sigmoid(x):
    # exp of -|x| never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) otherwise
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _sqrt(x):
    return sqrt(x) if isinstance(x, Tensor) else np.sqrt(x)


def _cosh(x):
    return cosh(x) if isinstance(x, Tensor) else np.cosh(x)


def _sinh(x):
    return sinh(x) if isinstance(x, Tensor) else np.sinh(x)


class ZeroGrad(_Prim):
    """Piecewise-constant ops (sign, floor, round...): gradient zero, as PyTorch."""

    @staticmethod
    def forward(ctx, x, fn):
        return fn(x)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):           # not g * 0: an inf / nan gradient gives 0, as torch
            return Tensor._make(np.zeros_like(g._data)), None
        return np.zeros_like(g), None


class Clamp(_Prim):
    """clamp(x, lo, hi); the gradient passes where lo <= x <= hi (boundaries included)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        out = x
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            m = x <= ctx.hi
            mask = m if mask is None else mask & m
        return U.where(mask, g, 0.0), None, None


class Where(_Prim):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        n = ctx.needs_input_grad
        return (None, U.where(cond, g, 0.0) if n[1] else None,
                U.where(cond, 0.0, g) if n[2] else None)


class Maximum(_Prim):
    """maximum / minimum: a tie splits the gradient in halves, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b, is_max):
        ctx.save_for_backward(a, b)
        ctx.is_max = is_max
        return np.maximum(a, b) if is_max else np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        half = U.where(a == b, g * 0.5, g)
        a_wins = (a > b) if ctx.is_max else (a < b)
        b_wins = (a < b) if ctx.is_max else (a > b)
        return U.where(b_wins, 0.0, half), U.where(a_wins, 0.0, half), None


class ToDtype(_Prim):
    _tname = "ToCopyBackward0"  # torch: to(dtype) is _to_copy

    @staticmethod
    def forward(ctx, x, npd):
        ctx.in_dtype = x.dtype
        return x.astype(npd)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return to_dtype(g, ctx.in_dtype), None
        return g.astype(ctx.in_dtype), None


class Clone(_Prim):
    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True, order="C")

    @staticmethod
    def backward(ctx, g):
        return g


# ---- public functions --------------------------------------------------------------------

def _binary(cls, op, a, b):
    a, b = U.prepare(op, a, b)
    return cls.apply(a, b)


def add(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(Add, "add", input, other)


def sub(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    if _is_bool(input) or _is_bool(other):
        both = _is_bool(input) and _is_bool(other)
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead." if both else
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b = U.prepare("sub", input, other)
    return Sub.apply(a, b)


def _is_bool(v):
    return isinstance(v, (bool, np.bool_)) or (isinstance(v, Tensor) and
                                                 v._data.dtype == np.bool_)


def _check_int_divisor(op, ra, rb):
    """Integer division by zero raises in PyTorch (numpy would warn and give 0)."""
    if np.result_type(ra, rb).kind in "iub" and np.any(np.asarray(rb) == 0):
        raise RuntimeError(f"{op}(): ZeroDivisionError (integer division by zero)")


subtract = sub


def rsub(input, other, *, alpha=1):
    """other - alpha * input (torch.rsub; ``1 - x`` is rsub(x, 1))."""
    if alpha != 1:
        return sub(other, input, alpha=alpha)
    # torch: rsub(Tensor, Tensor) / rsub(Tensor, Scalar)
    return named(sub(other, input), "RsubBackward0" if isinstance(other, Tensor) else
                 "RsubBackward1")


def mul(input, other):
    return _binary(Mul, "mul", input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return floor_divide(input, other, _mode="floor")
        if rounding_mode == "trunc":
            a, b = U.prepare("div", input, other)
            if U.raw(a).dtype.kind == "f":
                return DivRound.apply(a, b, "trunc")
            _check_int_divisor("div", U.raw(a), U.raw(b))
            return _nograd(np.trunc(np.true_divide(U.raw(a), U.raw(b))).astype(U.raw(a).dtype))
        raise ValueError(f"div(): rounding_mode must be None, 'trunc' or 'floor', "
                         f"got {rounding_mode!r}")
    dtype = U.result_dtype(input, other)
    if dtype.kind != "f":                       # int / int -> default float, as PyTorch
        dtype = _dt.default_np()
    a, b = U.prepare("div", input, other, dtype=dtype)
    return Div.apply(a, b)


true_divide = divide = div


def floor_divide(input, other, *, _mode="floor_divide"):
    a, b = U.prepare("floor_divide", input, other)
    ra, rb = U.raw(a), U.raw(b)
    if ra.dtype.kind == "f":
        return DivRound.apply(a, b, _mode)
    if ra.dtype == np.bool_:
        raise U.not_implemented("div_floor_cpu", np.bool_)
    _check_int_divisor("floor_divide", ra, rb)
    return _nograd(np.floor_divide(ra, rb))


def remainder(input, other):
    a, b = U.prepare("remainder", input, other)
    ra, rb = U.raw(a), U.raw(b)
    if ra.dtype.kind == "f":
        return Remainder.apply(a, b)
    if ra.dtype == np.bool_:
        raise U.not_implemented("remainder_cpu", np.bool_)
    _check_int_divisor("remainder", ra, rb)
    return _nograd(np.remainder(ra, rb))


fmod_ = None


def neg(input):
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported.")
    return Neg.apply(U.as_tensor_arg(input))


negative = neg


def pow(input, exponent):
    if isinstance(input, Tensor) and isinstance(exponent, (int, float, np.number)) and \
            not isinstance(exponent, bool):
        d = input._data.dtype
        if d.kind != "f" and isinstance(exponent, (float, np.floating)):
            input = input.to(_dt.default_np())
        elif d.kind in "iu" and exponent < 0:
            raise RuntimeError("pow(): Integers to negative integer powers are not allowed.")
        return PowScalar.apply(input, exponent)
    a, b = U.prepare("pow", input, exponent)
    if U.raw(a).dtype == np.bool_:
        if isinstance(input, Tensor) and isinstance(exponent, (bool, np.bool_)):
            # a bool tensor ** a bool scalar stays bool: x ** True is x, x ** False is ones
            return clone(input) if exponent else _nograd(np.ones(input.shape, np.bool_))
        raise U.not_implemented("pow", np.bool_)
    # torch: pow(Tensor, Tensor) / pow(Scalar, Tensor)
    return named(Pow.apply(a, b), "PowBackward1" if isinstance(input, Tensor) else "PowBackward2")


def float_power(input, exponent):
    return pow(U.cast(input, np.dtype(np.float64)), U.cast(exponent, np.dtype(np.float64))
               if isinstance(exponent, Tensor) else exponent)


def square(input):
    if _is_bool(input):                         # torch squares a bool tensor as int64
        input = U.cast(U.as_tensor_arg(input), np.dtype(np.int64))
    return mul(input, input)


def _float_unary(cls, name):
    apply = cls.apply

    def f(input):
        if type(input) is Tensor and input._data.dtype.kind == "f":
            return apply(input)             # the hot path
        x = U.as_tensor_arg(input)
        if x._data.dtype.kind != "f":
            x = to_dtype(x, _dt.default_np())
        return cls.apply(x)
    f.__name__ = name
    f.__doc__ = f"torch.{name}: elementwise, with its backward."
    return f


exp = _float_unary(Exp, "exp")
log = _float_unary(Log, "log")
log2 = _float_unary(Log2, "log2")
log10 = _float_unary(Log10, "log10")
log1p = _float_unary(Log1p, "log1p")
expm1 = _float_unary(Expm1, "expm1")
sqrt = _float_unary(Sqrt, "sqrt")
rsqrt = _float_unary(Rsqrt, "rsqrt")
reciprocal = _float_unary(Reciprocal, "reciprocal")
sin = _float_unary(Sin, "sin")
cos = _float_unary(Cos, "cos")
tan = _float_unary(Tan, "tan")
tanh = _float_unary(Tanh, "tanh")
sinh = _float_unary(Sinh, "sinh")
cosh = _float_unary(Cosh, "cosh")
atan = arctan = _float_unary(Atan, "atan")
asin = arcsin = _float_unary(Asin, "asin")
acos = arccos = _float_unary(Acos, "acos")
sigmoid = _float_unary(Sigmoid, "sigmoid")


def abs(input):
    x = U.as_tensor_arg(input)
    if x._data.dtype == np.bool_:
        raise U.not_implemented("abs_cpu", np.bool_)
    return Abs.apply(x)


absolute = abs


def relu(input):
    x = U.as_tensor_arg(input)
    if x._data.dtype == np.bool_:
        raise RuntimeError("relu(): Boolean inputs not supported for relu")
    return Relu.apply(x)


def _zero_grad_op(fn, name):
    def f(input, **kwargs):
        x = U.as_tensor_arg(input)
        if x._data.dtype.kind != "f":
            if x._data.dtype == np.bool_ and name != "sign":
                raise U.not_implemented(name, np.bool_)    # torch: no bool floor/ceil/trunc
            # sign of a bool is itself (numpy has no bool sign)
            return x.clone() if name != "sign" or x._data.dtype == np.bool_ \
                else _nograd(np.sign(x._data))
        if kwargs:
            return ZeroGrad.apply(x, lambda a: fn(a, **kwargs))
        return ZeroGrad.apply(x, fn)
    f.__name__ = name
    return f


sign = _zero_grad_op(U.sign_array, "sign")
floor = _zero_grad_op(np.floor, "floor")
ceil = _zero_grad_op(np.ceil, "ceil")
trunc = fix = _zero_grad_op(np.trunc, "trunc")


def round(input, *, decimals=0):
    x = U.as_tensor_arg(input)
    if x._data.dtype == np.bool_:
        raise U.not_implemented("round", np.bool_)
    if x._data.dtype.kind != "f":
        return x.clone()
    if decimals:
        return ZeroGrad.apply(x, lambda a: np.round(a, decimals))
    return ZeroGrad.apply(x, np.round)      # round half to even, as PyTorch


def frac(input):
    if U.as_tensor_arg(input)._data.dtype.kind != "f":
        raise U.not_implemented("frac_cpu", U.as_tensor_arg(input)._data.dtype)
    return sub(input, trunc(input).detach())


def sgn(input):
    return sign(input)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
    x = U.as_tensor_arg(input)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = _clamp_tensor(out, min, True)
        if max is not None:
            out = _clamp_tensor(out, max, False)
        return out
    if x._data.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
        x = to_dtype(x, _dt.default_np())
    d = x._data.dtype
    lo = None if min is None else np.asarray(min, d) if d.kind == "f" else min
    hi = None if max is None else np.asarray(max, d) if d.kind == "f" else max
    return named(Clamp.apply(x, lo, hi), "ClampBackward1")     # torch: clamp(Tensor, Scalar...)


def _clamp_tensor(x, bound, is_min):
    # torch clamp with tensor bounds: x keeps the gradient at a tie (no halving as maximum),
    # the bound gets it where it is selected; NaN in either gives NaN with no gradient
    cond = (x >= bound) if is_min else (x <= bound)
    out = where(cond, x, bound)
    nan = np.isnan(U.raw(x)) | np.isnan(U.raw(bound))
    if nan.any():
        out = where(Tensor._make(nan), np.asarray(np.nan, out._data.dtype), out)
    return out


clip = clamp


def clamp_min(input, min):
    out = clamp(input, min=min)
    return out if isinstance(min, Tensor) else named(out, "ClampMinBackward0")


def clamp_max(input, max):
    out = clamp(input, max=max)
    return out if isinstance(max, Tensor) else named(out, "ClampMaxBackward0")


def where(condition, input=None, other=None):
    """torch.where(cond, x, y); where(cond) alone is nonzero(as_tuple=True)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    c = U.raw(condition)
    c = np.asarray(c)
    if c.dtype != np.bool_:
        c = c.astype(bool)
    a, b = U.prepare("where", input, other)
    shape = U.broadcast_shape("where", c.shape, U.raw(a).shape, U.raw(b).shape)
    from .movement import expand
    if isinstance(a, Tensor) and a._requires_grad and a.shape != shape:
        a = expand(a, shape)
    if isinstance(b, Tensor) and b._requires_grad and b.shape != shape:
        b = expand(b, shape)
    if isinstance(condition, Tensor):
        condition = Tensor._make(c)
    return Where.apply(condition if isinstance(condition, Tensor) else c, a, b)


def maximum(input, other):
    a, b = U.prepare("maximum", input, other)
    return Maximum.apply(a, b, True)


def minimum(input, other):
    a, b = U.prepare("minimum", input, other)
    return Maximum.apply(a, b, False)


class FMax(_Prim):
    """fmax / fmin: NaN-ignoring; the gradient goes to a (ties included) unless b is picked
    over it or a is NaN, as torch."""

    @staticmethod
    def forward(ctx, a, b, is_max):
        ctx.save_for_backward(a, b)
        ctx.is_max = is_max
        return np.fmax(a, b) if is_max else np.fmin(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_picked = ((a >= b) if ctx.is_max else (a <= b)) | _isnan_any(b)
        return U.where(a_picked, g, 0.0), U.where(a_picked, 0.0, g), None


def _isnan_any(x):
    return isnan(x) if isinstance(x, Tensor) else np.isnan(x)


def fmax(input, other):
    a, b = U.prepare("fmax", input, other)
    return FMax.apply(a, b, True)


def fmin(input, other):
    a, b = U.prepare("fmin", input, other)
    return FMax.apply(a, b, False)


def addcmul(input, tensor1, tensor2, *, value=1):
    return add(input, mul(mul(tensor1, tensor2), value) if value != 1 else mul(tensor1, tensor2))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return add(input, mul(div(tensor1, tensor2), value) if value != 1 else div(tensor1, tensor2))


def lerp(input, end, weight):
    return add(input, mul(weight, sub(end, input)))


def to_dtype(x, npd):
    npd = _dt.to_numpy_dtype(npd)
    if x._data.dtype == npd:
        return x
    if npd.kind != "f" and x._requires_grad:
        return Tensor._make(x._data.astype(npd))     # integer results carry no gradient
    return ToDtype.apply(x, npd)


def clone(input, *, memory_format=None):
    return Clone.apply(U.as_tensor_arg(input))


def full_like(input, fill_value, *, dtype=None, requires_grad=False):
    d = _dt.to_numpy_dtype(dtype) if dtype is not None else input._data.dtype
    t = Tensor._make(np.full(input._data.shape, fill_value, d))
    if requires_grad:
        t.requires_grad_()
    return t


# ---- comparisons and logic (no gradient) ------------------------------------------------

def _nograd(arr):
    return Tensor._make(np.asarray(arr))


def _compare(ufunc, name):
    def f(input, other):
        a, b = U.prepare(name, U.raw(input) if isinstance(input, Tensor) else input,
                         U.raw(other) if isinstance(other, Tensor) else other)
        return _nograd(ufunc(a, b))
    f.__name__ = name
    return f


eq = _compare(np.equal, "eq")
ne = not_equal = _compare(np.not_equal, "ne")
lt = less = _compare(np.less, "lt")
le = less_equal = _compare(np.less_equal, "le")
gt = greater = _compare(np.greater, "gt")
ge = greater_equal = _compare(np.greater_equal, "ge")


def logical_op(a, b, kind):
    ra, rb = U.raw(a), U.raw(b)
    ra, rb = np.asarray(ra), np.asarray(rb)
    if ra.dtype == np.bool_ and rb.dtype == np.bool_:
        f = {"and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor}[kind]
    else:
        f = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[kind]
        d = U.result_dtype(a, b)
        if d.kind == "f":
            raise TypeError(f"bitwise_{kind}(): not implemented for floating point tensors")
        ra, rb = ra.astype(d, copy=False), rb.astype(d, copy=False)
    return _nograd(f(ra, rb))


def logical_and(a, b):
    return _nograd(np.logical_and(U.raw(a), U.raw(b)))


def logical_or(a, b):
    return _nograd(np.logical_or(U.raw(a), U.raw(b)))


def logical_xor(a, b):
    return _nograd(np.logical_xor(U.raw(a), U.raw(b)))


def logical_not(a):
    return _nograd(np.logical_not(U.raw(a)))


def bitwise_not(a):
    r = U.raw(a)
    if r.dtype.kind == "f":
        raise TypeError("bitwise_not(): not implemented for floating point tensors")
    return _nograd(np.invert(r))


def isnan(input):
    return _nograd(np.isnan(U.raw(input)))


def isinf(input):
    return _nograd(np.isinf(U.raw(input)))


def isfinite(input):
    return _nograd(np.isfinite(U.raw(input)))


def isposinf(input):
    return _nograd(np.isposinf(U.raw(input)))


def isneginf(input):
    return _nograd(np.isneginf(U.raw(input)))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    x = U.as_tensor_arg(input)
    r = x._data
    bad = ~np.isfinite(r)
    fixed = Tensor._make(np.nan_to_num(r, nan=nan, posinf=posinf, neginf=neginf))
    return where(Tensor._make(bad), fixed, x)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _nograd(np.isclose(U.raw(input), U.raw(other), rtol=rtol, atol=atol,
                              equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(U.raw(input), U.raw(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(input, other) -> bool:
    a, b = U.raw(input), U.raw(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


# ---- more pointwise math (torch's derivative formulas, special points included) -------------

import math as _math  # noqa: E402

_LN2 = 0.6931471805599453


def _vec(f):
    """Vectorise a scalar math function (no scipy here): dtype kept, 0-d stays 0-d."""
    uf = np.frompyfunc(f, 1, 1)
    return lambda x: np.asarray(uf(x), dtype=x.dtype) if x.size else x.copy()


def _erfinv_arr(y):
    # Giles' single-precision approximation, then two Newton steps on erf for float64 accuracy
    y = np.asarray(y, np.float64)
    w = -np.log((1.0 - y) * (1.0 + y))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(np.where(small, 5.0, w)) - 3.0
    ps = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                     0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
                     1.50140941], ws)
    pl = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                     0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)
    x = np.where(small, ps, pl) * y
    erf = np.frompyfunc(_math.erf, 1, 1)
    with np.errstate(all="ignore"):
        for _ in range(2):
            fin = np.isfinite(x)
            err = np.asarray(erf(np.where(fin, x, 0.0)), np.float64) - y
            x = np.where(fin, x - err / (1.1283791670955126 * np.exp(-x * x)), x)
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    return np.where(np.abs(y) > 1, np.nan, x)


def _digamma_scalar(v):
    if v != v or v == -_math.inf:
        return _math.nan
    if v == _math.inf:
        return _math.inf
    if v <= 0 and v == _math.floor(v):
        return -_math.inf if v == 0 else _math.nan    # torch: -inf at 0, NaN at negative ints
    r = 0.0
    if v < 0:                                          # reflection
        return _digamma_scalar(1 - v) - _math.pi / _math.tan(_math.pi * v)
    while v < 10:
        r -= 1 / v
        v += 1
    f = 1 / (v * v)
    return r + _math.log(v) - 0.5 / v - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (
        1 / 240 - f / 132))))


def _trigamma_scalar(v):
    if v != v:
        return _math.nan
    if v <= 0 and v == _math.floor(v):
        return _math.inf
    if v < 0:                                          # reflection
        return -_trigamma_scalar(1 - v) + (_math.pi / _math.sin(_math.pi * v)) ** 2
    r = 0.0
    while v < 10:
        r += 1 / (v * v)
        v += 1
    f = 1 / (v * v)
    return r + 1 / v + f / 2 + f / v * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)))


def _lgamma_scalar(v):
    try:
        return _math.lgamma(v)
    except (ValueError, OverflowError):                # poles: +inf, as torch
        return _math.inf


_erf = _vec(_math.erf)
_erfc = _vec(_math.erfc)
_lgamma = _vec(_lgamma_scalar)
_digamma = _vec(_digamma_scalar)
_trigamma = _vec(_trigamma_scalar)


def _erfinv(x):
    return _erfinv_arr(x).astype(x.dtype)


def _t_or_a(tfn, afn):
    return lambda x: tfn(x) if isinstance(x, Tensor) else afn(x)


Exp2 = _unary("Exp2", np.exp2, lambda g, out: g * (out * _LN2), save="out")
Asinh = _unary("Asinh", np.arcsinh, lambda g, x: g / _sqrt(x * x + 1.0))
Acosh = _unary("Acosh", np.arccosh, lambda g, x: g / _sqrt(x * x - 1.0))
Atanh = _unary("Atanh", np.arctanh, lambda g, x: g / (1.0 - x * x))
Erf = _unary("Erf", _erf, lambda g, x: g * (_t_or_a(exp, np.exp)(-(x * x)) * 1.1283791670955126))
Erfc = _unary("Erfc", _erfc,
              lambda g, x: g * (_t_or_a(exp, np.exp)(-(x * x)) * -1.1283791670955126))
Erfinv = _unary("Erfinv", _erfinv,
                lambda g, out: g * (_t_or_a(exp, np.exp)(out * out) * 0.886226925452758),
                save="out")
Lgamma = _unary("Lgamma", _lgamma, lambda g, x: g * _t_or_a(lambda t: digamma(t), _digamma)(x))
Digamma = _unary("Digamma", _digamma,
                 lambda g, x: g * _t_or_a(lambda t: polygamma(1, t), _trigamma)(x))
Trigamma = _unary("Trigamma", _trigamma, lambda g, x: _no_higher("polygamma(1)"))


def _no_higher(name):
    raise NotImplementedError(f"{name}: the derivative of this function is not implemented")


def _sinc(x):
    with np.errstate(all="ignore"):
        px = x * np.asarray(np.pi, x.dtype)
        out = np.sin(px) / px
    return np.where(x == 0, np.asarray(1, x.dtype), out).astype(x.dtype, copy=False)


def _sinc_bwd(g, x):
    # torch: (pi x cos(pi x) - sin(pi x)) / (pi x^2), set to 0 at x == 0
    if isinstance(x, Tensor):
        px = x * _math.pi
        d = (px * cos(px) - sin(px)) / (px * x)
    else:
        with np.errstate(all="ignore"):
            px = x * np.asarray(np.pi, x.dtype)
            d = (px * np.cos(px) - np.sin(px)) / (px * x)
    return g * U.where(x == 0, 0.0, d)


Sinc = _unary("Sinc", _sinc, _sinc_bwd)

exp2 = _float_unary(Exp2, "exp2")
asinh = arcsinh = _float_unary(Asinh, "asinh")
acosh = arccosh = _float_unary(Acosh, "acosh")
atanh = arctanh = _float_unary(Atanh, "atanh")
erf = _float_unary(Erf, "erf")
erfc = _float_unary(Erfc, "erfc")
erfinv = _float_unary(Erfinv, "erfinv")
lgamma = _float_unary(Lgamma, "lgamma")
digamma = _float_unary(Digamma, "digamma")
sinc = _float_unary(Sinc, "sinc")


def polygamma(n, input):
    if n == 0:
        return digamma(input)
    if n == 1:
        return _float_unary(Trigamma, "polygamma")(input)
    raise NotImplementedError("polygamma(): only n = 0 and n = 1 are implemented")


def _as_float(x):
    x = U.as_tensor_arg(x)
    return x if x._data.dtype.kind == "f" else to_dtype(x, _dt.default_np())


def deg2rad(input):
    x = _as_float(input)
    return mul(x, np.asarray(np.pi / 180, x._data.dtype))


def rad2deg(input):
    x = _as_float(input)
    return mul(x, np.asarray(180 / np.pi, x._data.dtype))


class Logit(_Prim):
    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        with np.errstate(all="ignore"):
            return np.log(x / (1 - x))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        d = g / (x * (1.0 - x))
        if ctx.eps is None:                     # outside [0, 1]: NaN, as torch
            return U.where((x < 0.0) | (x > 1.0), np.nan, d), None
        return U.where((x < ctx.eps) | (x > 1 - ctx.eps), 0.0, d), None


def logit(input, eps=None):
    x = _as_float(input)
    return Logit.apply(x, None if eps is None else np.asarray(eps, x._data.dtype))


def _float_pair(op, a, b):
    d = U.result_dtype(a, b)
    return U.prepare(op, a, b, dtype=d if d.kind == "f" else _dt.default_np())


class Atan2(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        den = a * a + b * b
        with np.errstate(divide="ignore", invalid="ignore"):
            r = U.where(den == 0, 0.0, g / den)      # torch: no NaN at the origin
        return r * b, -r * a


def atan2(input, other):
    return Atan2.apply(*_float_pair("atan2", input, other))


arctan2 = atan2


class Hypot(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        r = g / out
        return r * a, r * b


def hypot(input, other):
    return Hypot.apply(*U.prepare("hypot", input, other))


class Copysign(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        out = np.copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        # torch: grad * out / a, 0 where a == 0; the sign operand gets a zero gradient
        ratio = U.where(a == 0, 0.0, out / U.where(a == 0, 1.0, a))
        return g * ratio, g * 0.0


def copysign(input, other):
    return Copysign.apply(*_float_pair("copysign", input, other))


class Fmod(_Prim):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        q = U.raw(a) / U.raw(b)
        return g, (-g * U.const_like(np.trunc(q), g) if n[1] else None)


def fmod(input, other):
    a, b = U.prepare("fmod", input, other)
    ra, rb = U.raw(a), U.raw(b)
    if ra.dtype == np.bool_:
        raise U.not_implemented("fmod_cpu", np.bool_)
    _check_int_divisor("fmod", ra, rb)
    if ra.dtype.kind != "f":
        return _nograd(np.fmod(ra, rb))
    return Fmod.apply(a, b)


class Xlogy(_Prim):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(all="ignore"):
            out = np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))
        return np.where(np.isnan(y), y, out)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        n = ctx.needs_input_grad
        gx = gy = None
        if n[0]:                                # torch: g log(y), 0 where x == 0 and y <= 0
            logy = log(y) if isinstance(y, Tensor) else np.log(y)
            gx = U.where((x == 0) & (y <= 0), 0.0, g * logy)
        if n[1]:
            gy = g * x / y
        return gx, gy


def xlogy(input, other):
    return Xlogy.apply(*_float_pair("xlogy", input, other))


class LogAddExp(_Prim):
    @staticmethod
    def forward(ctx, a, b, base2):
        ctx.save_for_backward(a, b)
        ctx.base2 = base2
        return np.logaddexp2(a, b) if base2 else np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        f = (_t_or_a(lambda t: exp2(t), np.exp2) if ctx.base2 else _t_or_a(exp, np.exp))
        with np.errstate(over="ignore"):
            return g / (f(b - a) + 1.0), g / (f(a - b) + 1.0), None


def logaddexp(input, other):
    return LogAddExp.apply(*_float_pair("logaddexp", input, other), False)


def logaddexp2(input, other):
    return LogAddExp.apply(*_float_pair("logaddexp2", input, other), True)


def ldexp(input, other):
    return mul(input, exp2(other))


def heaviside(input, values):
    a, v = U.raw(input), U.raw(values)
    if np.asarray(a).dtype != np.asarray(v).dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return _nograd(np.heaviside(a, v).astype(np.asarray(a).dtype))


def signbit(input):
    return _nograd(np.signbit(U.raw(input)))


def bitwise_and(input, other):
    return logical_op(input, other, "and")


def bitwise_or(input, other):
    return logical_op(input, other, "or")


def bitwise_xor(input, other):
    return logical_op(input, other, "xor")


def _int_pair(ufunc, op):
    def f(input, other):
        a, b = U.prepare(op, U.raw(input), U.raw(other))
        if np.asarray(a).dtype.kind not in "iub":
            raise U.not_implemented(op + "_cpu", np.asarray(a).dtype)
        return _nograd(ufunc(a, b))
    f.__name__ = op
    return f


gcd = _int_pair(np.gcd, "gcd")
lcm = _int_pair(np.lcm, "lcm")
bitwise_left_shift = _int_pair(np.left_shift, "bitwise_left_shift")
bitwise_right_shift = _int_pair(np.right_shift, "bitwise_right_shift")


# ---- dtype of a result, frexp ----------------------------------------------------------------
def result_type(tensor, other):
    """torch.result_type: the dtype ``tensor op other`` would have (tensor/scalar tiers)."""
    return _dt.from_numpy_dtype(U.result_dtype(tensor, other))



class Frexp(_Prim):
    @staticmethod
    def forward(ctx, a):
        m, e = np.frexp(a)
        ctx.meta = np.ldexp(1.0, -e).astype(a.dtype)   # d mantissa / d x = 2^-exponent
        return m

    @staticmethod
    def backward(ctx, g):
        return g * ctx.meta


def frexp(input):
    from collections import namedtuple
    x = U.as_tensor_arg(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    e = Tensor._make(np.frexp(x._data)[1].astype(np.int32))
    return namedtuple("frexp", ["mantissa", "exponent"])(Frexp.apply(x), e)
