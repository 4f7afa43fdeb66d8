"""Differential regressions against torch for nn edge cases (found by fuzzing nn vs torch)."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(0)


def _pair(x, requires_grad=True):
    """The same array as (ours, torch) tensors."""
    rg = requires_grad and x.dtype.kind == "f"
    return (autograd.tensor(x.copy(), requires_grad=rg),
            torch.from_numpy(x.copy()).requires_grad_(rg))


def _close(ours, theirs, **kw):
    a = ours._data if isinstance(ours, autograd.Tensor) else ours
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, equal_nan=True, **kw)


def _raises_like_torch(fo, ft, *arrays, **kw):
    with pytest.raises(Exception) as et:
        ft(*[torch.from_numpy(a.copy()) for a in arrays], **kw)
    with pytest.raises(Exception) as eo:
        fo(*[autograd.tensor(a.copy()) for a in arrays], **kw)
    assert isinstance(eo.value, type(et.value)), (eo.value, et.value)


@pytest.mark.parametrize("shape", [(0, 4, 2), (3, 0, 2), (3, 4, 0)])
def test_linear_zero_size_backward(shape):
    n, i, o = shape
    lin_o, lin_t = nn.Linear(i, o).double(), torch.nn.Linear(i, o).double()
    lin_o.load_state_dict({k: autograd.tensor(v.numpy()) for k, v in lin_t.state_dict().items()})
    xo, xt = _pair(R.standard_normal((n, i)))
    lin_o(xo).sum().backward()
    lin_t(xt).sum().backward()
    _close(xo.grad, xt.grad)
    _close(lin_o.weight.grad, lin_t.weight.grad)
    _close(lin_o.bias.grad, lin_t.bias.grad)


def test_prelu_many_parameters_needs_channel_dim():
    # below 2-D there is no channel dim: torch refuses num_parameters > 1
    x = R.standard_normal(4)
    _raises_like_torch(F.prelu, TF.prelu, x, np.full(4, 0.25))


@pytest.mark.parametrize("fo,ft,ls", [(F.cross_entropy, TF.cross_entropy, 0.0),
                                      (F.cross_entropy, TF.cross_entropy, 0.2),
                                      (F.nll_loss, TF.nll_loss, 0.0)])
def test_all_targets_ignored_gives_nan_loss_and_zero_grad(fo, ft, ls):
    kw = dict(ignore_index=1, label_smoothing=ls) if ls else dict(ignore_index=1)
    xo, xt = _pair(R.standard_normal((3, 4)))
    t = np.array([1, 1, 1])
    lo, lt = fo(xo, autograd.tensor(t), **kw), ft(xt, torch.from_numpy(t), **kw)
    _close(lo, lt)
    lo.backward()
    lt.backward()
    _close(xo.grad, xt.grad)


def test_bce_target_gradient_is_unclamped_like_torch():
    x = np.array([0.0, 1.0, 0.5, 1e-50, 0.3])
    t = np.array([1.0, 0.0, 0.3, 0.5, 0.2])
    xo, xt = _pair(x, requires_grad=False)
    to, tt = _pair(t)
    lo, lt = F.binary_cross_entropy(xo, to), TF.binary_cross_entropy(xt, tt)
    _close(lo, lt)
    lo.backward()
    lt.backward()
    _close(to.grad, tt.grad)


def test_kl_div_negative_target_is_nan_like_torch():
    x = np.log(np.array([0.2, 0.3, 0.5]))
    t = np.array([-0.1, 0.0, 0.5])
    for red in ("sum", "none"):
        _close(F.kl_div(autograd.tensor(x), autograd.tensor(t), reduction=red),
               TF.kl_div(torch.from_numpy(x), torch.from_numpy(t), reduction=red))


@pytest.mark.parametrize("x_shape,t", [((4,), np.array([2])), ((4,), np.array(2)),
                                       ((1, 4), np.array(2)), ((1, 4), np.array([2]))])
@pytest.mark.parametrize("red", ["none", "sum"])
def test_multi_margin_loss_output_takes_target_shape(x_shape, t, red):
    xo, xt = _pair(R.standard_normal(x_shape))
    lo = F.multi_margin_loss(xo, autograd.tensor(t), reduction=red)
    lt = TF.multi_margin_loss(xt, torch.from_numpy(t), reduction=red)
    _close(lo, lt)


@pytest.mark.parametrize("fo,ft", [(F.cross_entropy, TF.cross_entropy),
                                   (F.nll_loss, TF.nll_loss)])
def test_unbatched_input_with_one_element_target(fo, ft):
    xo, xt = _pair(R.standard_normal(4))
    t = np.array([2])
    for red in ("none", "mean"):
        lo, lt = fo(xo, autograd.tensor(t), reduction=red), ft(xt, torch.from_numpy(t),
                                                            reduction=red)
        _close(lo, lt)


@pytest.mark.parametrize("fo,ft,x,t", [
    (F.cross_entropy, TF.cross_entropy, R.standard_normal((3, 4)), np.array([1, 2, 3], np.int32)),
    (F.nll_loss, TF.nll_loss, R.standard_normal((3, 4)), np.array([1, 2, 3], np.int16)),
    (F.binary_cross_entropy, TF.binary_cross_entropy, np.full((3,), 0.5), np.full((3,), 1.5)),
    (F.binary_cross_entropy, TF.binary_cross_entropy, np.full((3,), 0.5, np.float32),
     np.full((3,), 0.5)),
    (F.binary_cross_entropy, TF.binary_cross_entropy, np.full((3,), 0.5), np.ones(3, np.int64)),
    (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
     R.standard_normal(3), np.ones(3, np.int64)),
    (F.kl_div, TF.kl_div, R.standard_normal(3), np.ones(3, np.int64)),
    (F.multi_margin_loss, TF.multi_margin_loss, R.standard_normal((3, 4)), np.array([1., 2, 3])),
    (F.multi_margin_loss, TF.multi_margin_loss, R.standard_normal((3, 4)), np.array([1, 2, 7])),
])
def test_loss_errors_like_torch(fo, ft, x, t):
    _raises_like_torch(fo, ft, x, t)


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "leaky_relu"])
def test_integer_activation_input_raises_not_implemented(name):
    _raises_like_torch(getattr(F, name), getattr(TF, name), np.array([1, -2, 3]))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy_with_logits", "soft_margin_loss",
                                  "kl_div", "poisson_nll_loss"])
@pytest.mark.parametrize("dx,dt", [(np.float32, np.float64), (np.float64, np.float32),
                                   (np.float32, np.int64)])
def test_loss_result_dtype_with_mixed_target_dtype(name, dx, dt):
    if name in ("binary_cross_entropy_with_logits", "kl_div") and dt == np.int64:
        return                                 # torch refuses integer targets there
    if name == "binary_cross_entropy_with_logits" and dx == np.float64:
        return                                 # torch takes the target's dtype: not followed
    x = R.uniform(0.1, 0.9, (3, 4)).astype(dx)
    t = (R.uniform(0.1, 0.9, (3, 4)) * 2).astype(dt)
    lo = getattr(F, name)(autograd.tensor(x), autograd.tensor(t))
    lt = getattr(TF, name)(torch.from_numpy(x), torch.from_numpy(t))
    assert str(lo.dtype).split(".")[-1] == str(lt.dtype).split(".")[-1]
    _close(lo, lt, rtol=1e-5)


# ---- Module API ---------------------------------------------------------------------------------

def _strip(s: str) -> str:
    return s.replace("torch.", "").replace("autograd.", "")


def _param_containers(lib, t):
    ps = [lib.Parameter(t.ones(2, 3, dtype=t.float64)), lib.Parameter(t.zeros(4))]
    return [lib.ParameterList(ps), lib.ParameterList(ps[:1]),
            lib.ParameterDict({"a": ps[0], "b": ps[1]}), lib.ParameterDict({"a": ps[1]}),
            lib.Sequential(lib.ParameterList(ps[1:]))]


def test_parameter_container_repr_like_torch():
    for ours, theirs in zip(_param_containers(nn, autograd), _param_containers(torch.nn, torch)):
        assert _strip(repr(ours)) == _strip(repr(theirs))


def test_load_state_dict_refuses_a_list_like_torch():
    sd = {"weight": [[1.0, 2.0]], "bias": [0.5]}
    with pytest.raises(RuntimeError, match="expected torch.Tensor or Tensor-like"):
        torch.nn.Linear(2, 1).load_state_dict(
            {"weight": sd["weight"], "bias": torch.zeros(1)})
    with pytest.raises(RuntimeError, match="expected torch.Tensor or Tensor-like"):
        nn.Linear(2, 1).load_state_dict({"weight": sd["weight"], "bias": autograd.zeros(1)})


def test_always_call_forward_hook_runs_when_forward_raises():
    def run(lib, t):
        log = []
        m = lib.Linear(3, 2)
        m.register_forward_hook(lambda mod, a, o: log.append(o), always_call=True)
        m.register_forward_hook(lambda mod, a, o: log.append("plain"))
        with pytest.raises(RuntimeError):
            m(t.ones(4, 5))
        return log
    assert run(nn, autograd) == run(torch.nn, torch) == [None]


@pytest.mark.parametrize("red", ["mean", "none"])
@pytest.mark.parametrize("ls", [0.0, 0.1])
def test_cross_entropy_with_a_positive_inf_logit_is_nan_like_torch(red, ls):
    x = np.array([[np.inf, 0.0, 1.0, 2.0], [0.0, 1.0, 2.0, 3.0]])
    t = np.array([2, 3])
    xo, xt = _pair(x)
    lo = F.cross_entropy(xo, autograd.tensor(t), reduction=red, label_smoothing=ls)
    lt = TF.cross_entropy(xt, torch.from_numpy(t), reduction=red, label_smoothing=ls)
    _close(lo, lt)
    lo.sum().backward()
    lt.sum().backward()
    _close(xo.grad, xt.grad)


@pytest.mark.parametrize("fo,ft,x,t,kw", [
    (F.binary_cross_entropy, TF.binary_cross_entropy, np.full((3, 4), 0.4), np.full((3, 4), 0.5),
     dict(weight=np.ones((2, 3, 4)))),
    (F.binary_cross_entropy, TF.binary_cross_entropy, np.full((3, 4), 0.4), np.full((3, 4), 0.5),
     dict(weight=np.ones(3))),
    (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, np.array(0.3),
     np.array(0.5), dict(pos_weight=np.array([2.0]))),
    (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
     np.full((3, 4), 0.3), np.full((3, 4), 0.5), dict(weight=np.ones((2, 3, 4)))),
    (F.soft_margin_loss, TF.soft_margin_loss, np.ones((3, 1)), np.ones(3), {}),
    (F.cross_entropy, TF.cross_entropy, np.ones((3, 4)), np.full((3, 4), 0.25),
     dict(ignore_index=1)),
])
def test_loss_argument_shape_errors_like_torch(fo, ft, x, t, kw):
    with pytest.raises(RuntimeError):
        ft(torch.from_numpy(x), torch.from_numpy(t),
           **{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    with pytest.raises(RuntimeError):
        fo(autograd.tensor(x), autograd.tensor(t),
           **{k: autograd.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})


@pytest.mark.parametrize("expr,shape", [("BatchNorm1d(3)", (2, 3)), ("LayerNorm(3)", (2, 3)),
                                        ("GroupNorm(1, 3)", (2, 3)), ("PReLU()", (2, 3)),
                                        ("PReLU(3)", (2, 3)), ("Bilinear(3, 3, 4)", (2, 3))])
@pytest.mark.parametrize("double_model", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_mixed_float_dtypes_raise_like_torch(expr, shape, double_model, train):
    x = R.standard_normal(shape).astype(np.float32 if double_model else np.float64)
    n_in = 2 if expr.startswith("Bilinear") else 1
    for lib, t in ((torch.nn, torch), (nn, autograd)):
        m = eval("lib." + expr)
        m = (m.double() if double_model else m.float()).train(train)
        with pytest.raises(RuntimeError):
            m(*[(torch.from_numpy if t is torch else autograd.tensor)(x)] * n_in)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss", "multi_margin_loss"])
@pytest.mark.parametrize("dx,dw", [(np.float64, np.float32), (np.float32, np.float64)])
def test_class_weight_of_another_dtype_raises_like_torch(name, dx, dw):
    x, t, w = R.standard_normal((3, 4)).astype(dx), np.array([1, 2, 3]), np.ones(4, dw)
    with pytest.raises(RuntimeError):
        getattr(TF, name)(torch.from_numpy(x), torch.from_numpy(t), weight=torch.from_numpy(w))
    with pytest.raises(RuntimeError):
        getattr(F, name)(autograd.tensor(x), autograd.tensor(t), weight=autograd.tensor(w))


@pytest.mark.parametrize("fn,args", [("uniform_", (2.0, 1.0)), ("normal_", (0.0, -1.0))])
def test_init_bad_range_raises_runtime_error_like_torch(fn, args):
    with pytest.raises(RuntimeError):
        getattr(torch.nn.init, fn)(torch.empty(3), *args)
    with pytest.raises(RuntimeError):
        getattr(nn.init, fn)(autograd.empty(3), *args)


@pytest.mark.parametrize("expr", ["Linear(-1, 3)", "Linear(3, -2)", "Bilinear(2, -1, 3)",
                                  "BatchNorm1d(-1)", "Unflatten(1, [2, 'a'])", "Unflatten(1, 5)"])
def test_constructor_errors_like_torch(expr):
    with pytest.raises(Exception) as et:
        eval("torch.nn." + expr)
    with pytest.raises(Exception) as eo:
        eval("nn." + expr)
    assert type(eo.value) is type(et.value)


@pytest.mark.parametrize("expr", ["BatchNorm1d(3)", "LayerNorm(3)", "GroupNorm(1, 3)", "Dropout()"])
def test_integer_input_errors_like_torch(expr):
    x = np.ones((2, 3), np.int64)
    with pytest.raises(Exception) as et:
        eval("torch.nn." + expr).double()(torch.from_numpy(x))
    with pytest.raises(Exception) as eo:
        eval("nn." + expr).double()(autograd.tensor(x))
    assert isinstance(eo.value, type(et.value))


# ---- padding modules, Unfold / Fold ------------------------------------------------------------
@pytest.mark.parametrize("name", [f"{kind}Pad{nd}d" for kind in
                                  ("Zero", "Reflection", "Replication", "Circular")
                                  for nd in (1, 2, 3)])
@pytest.mark.parametrize("pad", [2, "tuple"])
def test_padding_modules_match_torch(name, pad):
    nd = int(name[-2])
    rng = np.random.default_rng(nd)
    if pad == "tuple":
        pad = tuple(int(v) for v in rng.integers(0, 3, 2 * nd))
    m, tm = getattr(nn, name)(pad), getattr(torch.nn, name)(pad)
    assert repr(m) == repr(tm)
    x = rng.standard_normal((2, 3) + (5,) * nd)
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = m(a), tm(t)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(yt.shape))
    ya.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_constant_pad_modules_match_torch(nd):
    m, tm = getattr(nn, f"ConstantPad{nd}d")(1, 3.5), getattr(torch.nn, f"ConstantPad{nd}d")(1, 3.5)
    assert repr(m) == repr(tm)
    x = np.random.default_rng(0).standard_normal((2, 3) + (4,) * nd).astype(np.float32)
    y = m(autograd.tensor(x))
    assert y.dtype == autograd.float32
    np.testing.assert_allclose(y.numpy(), tm(torch.tensor(x)).numpy())


def test_unfold_fold_modules_match_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 7)).astype(np.float32)
    u, tu = nn.Unfold(3, padding=1, stride=2), torch.nn.Unfold(3, padding=1, stride=2)
    f, tf = nn.Fold((7, 7), 3, padding=1, stride=2), torch.nn.Fold((7, 7), 3, padding=1, stride=2)
    assert (repr(u), repr(f)) == (repr(tu), repr(tf))
    cols = u(autograd.tensor(x))
    np.testing.assert_allclose(cols.numpy(), tu(torch.tensor(x)).numpy(), rtol=1e-6)
    np.testing.assert_allclose(f(cols).numpy(), tf(tu(torch.tensor(x))).numpy(), rtol=1e-5)
