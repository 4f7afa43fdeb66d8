"""Differential regressions against PyTorch: optim, lr_scheduler and core tensor ops.

Each test compares live against torch (skipped without it) for a case that once differed.
"""
import numpy as np
import pytest

import autograd
import optim

torch = pytest.importorskip("torch")


def _pair(arr):
    return (torch.tensor(arr.copy(), requires_grad=True),
            autograd.tensor(arr.copy(), requires_grad=True))


# ---- optim -------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.2, maximize=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(weight_decay=0.1, maximize=True, centered=True)),
    ("Adagrad", dict(weight_decay=0.1, maximize=True)),
])
def test_zero_dim_param_maximize_with_weight_decay(name, kwargs):
    # -grad of a 0-d array used to be a numpy scalar, which the weight-decay add wrote into
    tp, op = _pair(np.array(1.5))
    to = getattr(torch.optim, name)([tp], **kwargs)
    oo = getattr(optim, name)([op], **kwargs)
    for g in (0.3, -1.2, 0.7):
        tp.grad = torch.tensor(g, dtype=torch.float64)
        op.grad = autograd.tensor(g, dtype=autograd.float64)
        to.step()
        oo.step()
    np.testing.assert_allclose(op.detach().numpy(), tp.detach().numpy(), rtol=1e-12)


def test_sgd_accepts_nan_lr_like_torch():
    # torch's SGD checks ``lr < 0.0``, so NaN passes (the other optimizers reject it)
    torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=float("nan"))
    optim.SGD([autograd.zeros(2, requires_grad=True)], lr=float("nan"))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=float("nan"))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([autograd.zeros(2, requires_grad=True)], lr=float("nan"))


# ---- lr_scheduler ------------------------------------------------------------------------
def _param(lib):
    return (torch if lib is torch else autograd).zeros(2, requires_grad=True)


def _sched_warnings(lib, optimizer_first):
    import warnings
    p = _param(lib)
    opt = (torch.optim if lib is torch else optim).SGD([p], lr=0.1)
    sched = (torch.optim if lib is torch else optim).lr_scheduler.StepLR(opt, 2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        if optimizer_first:
            opt.step()
        sched.step()
        opt.step()
        sched.step()
    return ["before `optimizer.step()`" in str(x.message) for x in w]


@pytest.mark.parametrize("optimizer_first", [False, True])
def test_scheduler_warns_when_stepped_before_optimizer(optimizer_first):
    assert _sched_warnings(optim, optimizer_first) == _sched_warnings(torch, optimizer_first)


def test_scheduler_resume_without_initial_lr_message():
    def msg(lib):
        p = _param(lib)
        opt = (torch.optim if lib is torch else optim).SGD([p], lr=0.1)
        with pytest.raises(KeyError) as e:
            (torch.optim if lib is torch else optim).lr_scheduler.StepLR(opt, 2, last_epoch=3)
        return str(e.value)
    assert msg(optim) == msg(torch)


# ---- core ops: dtypes and bool handling ----------------------------------------------------
def _outcome(fn, lib, *arrays):
    """(dtype name, values) of fn on lib tensors, or the exception type's name."""
    try:
        out = fn(lib, *[lib.tensor(a) for a in arrays])
    except (RuntimeError, NotImplementedError, TypeError) as e:
        return type(e).__name__
    return str(out.dtype).split(".")[-1], np.asarray(out.detach().numpy()).tolist()


_B = np.array([True, False, True, True])
_B2 = np.array([False, False, True, True])


@pytest.mark.parametrize("name,fn,arrays", [
    ("bool ** bool tensor", lambda L, a, b: a ** b, (_B, _B2)),
    ("bool ** True", lambda L, a: a ** True, (_B,)),
    ("bool ** False", lambda L, a: a ** False, (_B,)),
    ("True ** bool", lambda L, a: True ** a, (_B,)),
    ("bool ** 2", lambda L, a: a ** 2, (_B,)),
    ("abs(bool)", lambda L, a: L.abs(a), (_B,)),
    ("sign(bool)", lambda L, a: L.sign(a), (_B,)),
    ("argmax(bool)", lambda L, a: L.argmax(a), (_B,)),
    ("argmin(bool, 0)", lambda L, a: L.argmin(a, 0), (_B,)),
    ("square(bool)", lambda L, a: L.square(a), (_B,)),
    ("relu(bool)", lambda L, a: L.relu(a), (_B,)),
    ("floor(bool)", lambda L, a: L.floor(a), (_B,)),
    ("round(bool)", lambda L, a: L.round(a), (_B,)),
    ("frac(int)", lambda L, a: L.frac(a), (np.arange(4),)),
    ("bool // True", lambda L, a: a // True, (_B,)),
    ("bool % bool", lambda L, a, b: a % b, (_B, _B2)),
    ("nansum(int32)", lambda L, a: L.nansum(a), (np.arange(4, dtype=np.int32),)),
    ("nansum(bool)", lambda L, a: L.nansum(a), (_B,)),
    ("all(uint8)", lambda L, a: L.all(a), (np.array([1, 2, 0], np.uint8),)),
    ("any(uint8, 0)", lambda L, a: L.any(a, 0), (np.array([1, 2, 0], np.uint8),)),
    ("softmax(int)", lambda L, a: L.softmax(a, 0), (np.arange(4, dtype=np.int8),)),
    ("tril(bool)", lambda L, a: L.tril(a), (np.ones((3, 3), bool),)),
    ("triu(bool)", lambda L, a: L.triu(a, 1), (np.ones((3, 3), bool),)),
    ("trace(bool)", lambda L, a: L.trace(a), (np.ones((3, 3), bool),)),
    ("uint8 + -1", lambda L, a: a + -1, (np.array([0, 1, 200], np.uint8),)),
    ("-1 * uint8", lambda L, a: -1 * a, (np.array([0, 1, 200], np.uint8),)),
    ("uint8 - -3", lambda L, a: a - (-3), (np.array([0, 1, 254], np.uint8),)),
])
def test_dtype_edge_cases_like_torch(name, fn, arrays):
    assert _outcome(fn, autograd, *arrays) == _outcome(fn, torch, *arrays)


# ---- core ops: reductions at degenerate points ---------------------------------------------
def _value_and_grad(lib, fn, arr):
    x = lib.tensor(arr.copy(), requires_grad=True)
    out = fn(lib, x)
    out.sum().backward()
    return (out.detach().numpy(), None if x.grad is None else x.grad.numpy())


@pytest.mark.parametrize("name,fn,arr", [
    ("std of constant", lambda L, x: L.std(x), np.ones(3)),
    ("std dim, one constant row", lambda L, x: L.std(x, 1, correction=0),
     np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])),
    ("var N == correction", lambda L, x: L.var(x, 0, correction=2),
     np.array([[1.0, 2.0, 1.0], [1.0, 2.0, 3.0]])),
    ("norm p=3 at 0", lambda L, x: L.norm(x, 3), np.zeros(4)),
    ("norm p=0.5 with a zero", lambda L, x: L.norm(x, 0.5), np.array([0.0, 1.0, -2.0])),
    ("norm p=-1 dim", lambda L, x: L.norm(x, -1, dim=1), np.array([[1.0, -2.0], [0.5, 3.0]])),
    ("norm p=0", lambda L, x: L.norm(x, 0), np.array([0.0, 1.0, -2.0])),
    ("prod of empty", lambda L, x: L.prod(x), np.zeros((2, 0))),
    ("logsumexp over empty dim", lambda L, x: L.logsumexp(x, 1), np.zeros((2, 0))),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduction_degenerate_grads_like_torch(name, fn, arr, dtype):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ov, og = _value_and_grad(autograd, fn, arr.astype(dtype))
        tv, tg = _value_and_grad(torch, fn, arr.astype(dtype))
    assert ov.dtype == tv.dtype and ov.shape == tv.shape
    np.testing.assert_allclose(ov, tv, rtol=1e-6)
    assert (og is None) == (tg is None)
    if tg is not None:
        np.testing.assert_allclose(og, tg, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", [lambda L, x: L.all(x, ()), lambda L, x: L.any(x, ()),
                                lambda L, x: L.cumsum(x, 0)])
def test_no_dim_reductions_keep_shape(fn):
    arr = np.array(3) if fn.__code__.co_names[-1] == "cumsum" else np.array([[1, 0], [2, 0]])
    o, t = fn(autograd, autograd.tensor(arr)), fn(torch, torch.tensor(arr))
    assert tuple(o.shape) == tuple(t.shape)
    assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(o.numpy(), t.numpy())


# ---- core ops: special values and subgradients ---------------------------------------------
_SPECIAL = np.array([0.0, -0.0, 1.0, -1.5, 2.0, np.inf, -np.inf, np.nan, 1e-30])
_XS = np.repeat(_SPECIAL, len(_SPECIAL))
_YS = np.tile(_SPECIAL, len(_SPECIAL))


def _values_and_grads(lib, fn, arrays):
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    out.backward(lib.ones_like(out))
    return [out.detach().numpy()] + [None if x.grad is None else x.grad.numpy() for x in xs]


@pytest.mark.parametrize("name,fn,arrays", [
    ("sign at nan", lambda L, x: L.sign(x), (_SPECIAL,)),
    ("abs' at nan", lambda L, x: L.abs(x), (_SPECIAL,)),
    ("relu' at nan", lambda L, x: L.relu(x), (_SPECIAL,)),
    ("x ** 0.5", lambda L, x: x ** 0.5, (_SPECIAL,)),
    ("x ** -0.5", lambda L, x: x ** -0.5, (_SPECIAL,)),
    ("div by tiny", lambda L, x, y: x / y, (_XS, _YS)),
    ("fmax", lambda L, x, y: L.fmax(x, y), (_XS, _YS)),
    ("fmin", lambda L, x, y: L.fmin(x, y), (_XS, _YS)),
    ("clamp tensor min", lambda L, x, y: L.clamp(x, min=y), (_XS, _YS)),
    ("clamp tensor max", lambda L, x, y: L.clamp(x, max=y), (_XS, _YS)),
    ("clamp tensor min, bound without grad", lambda L, x, y: L.clamp(x, min=y.detach()),
     (_XS, _YS)),
    ("max() with nans", lambda L, x: x.max(), (np.array([1.0, np.nan, 3.0, np.nan]),)),
    ("min() with nans", lambda L, x: x.min(), (np.array([1.0, np.nan, 3.0, np.nan]),)),
    ("sort descending with nan", lambda L, x: L.sort(x, 1, descending=True)[0],
     (np.array([[1.0, np.nan, 5.0, np.inf], [np.inf, 2.0, np.nan, np.nan]]),)),
    ("topk with nan", lambda L, x: L.topk(x, 2, 1)[0],
     (np.array([[1.0, np.nan, 5.0, np.inf], [np.inf, 2.0, np.nan, -1.0]]),)),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_like_torch(name, fn, arrays, dtype):
    import warnings
    arrays = [a.astype(dtype) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _values_and_grads(autograd, fn, arrays)
        theirs = _values_and_grads(torch, fn, arrays)
    for o, t in zip(ours, theirs):
        assert (o is None) == (t is None)
        if o is None:
            continue
        assert o.dtype == t.dtype
        np.testing.assert_allclose(o, t, rtol=1e-6, equal_nan=True)


def test_argsort_descending_nan_first_like_torch():
    a = np.array([[1.0, np.nan, 5.0, np.inf, np.nan], [3.0, 3.0, np.nan, -1.0, 3.0]])
    np.testing.assert_array_equal(
        autograd.argsort(autograd.tensor(a), 1, descending=True).numpy(),
        torch.argsort(torch.tensor(a), dim=1, descending=True, stable=True).numpy())


@pytest.mark.parametrize("value", [np.float64(1.5), np.int32(3), np.float32(2.0), np.bool_(True),
                                   np.uint8(7), np.float16(1.0)])
def test_numpy_scalar_keeps_its_dtype(value):
    for ours, theirs in ((autograd.tensor, torch.tensor), (autograd.as_tensor, torch.as_tensor)):
        assert str(ours(value).dtype).split(".")[-1] == str(theirs(value).dtype).split(".")[-1]


@pytest.mark.parametrize("op", ["sign", "floor", "ceil", "round", "trunc"])
def test_piecewise_constant_ops_give_zero_gradient_for_inf_and_nan(op):
    x = np.array([0.0, 1.5, -2.5], np.float32)
    g = np.array([np.inf, np.nan, 1.0], np.float32)
    t, a = _pair(x)
    getattr(torch, op)(t).backward(torch.tensor(g))
    getattr(autograd, op)(a).backward(autograd.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())
    gg, = autograd.grad(getattr(autograd, op)(a), a, autograd.tensor(g), create_graph=True)
    np.testing.assert_array_equal(gg.detach().numpy(), t.grad.numpy())
