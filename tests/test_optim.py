"""Optimizers without torch: hand-written numpy reference updates, param groups, state dicts,
exact resume, closures, L1, clip_grad, early stopping."""
import copy
import math
import pickle

import numpy as np
import pytest

import autograd
import nn
import optim

SHAPES = [(2, 3), (4,)]


def _data(dtype, n_steps=5, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(n_steps)]
    return init, grads


# ---- numpy references, written from the published update rules --------------------------------
def ref_sgd(p, gs, lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False, maximize=False):
    p = p.astype(np.float64)
    buf = None
    for g in gs:
        g = (-g if maximize else g) + wd * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p, gs, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, amsgrad=False, decoupled=False,
             maximize=False):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2 ** t)
        p = p - lr / (1 - b1 ** t) * m / (np.sqrt(vhat) + eps)
    return p


def ref_rmsprop(p, gs, lr, alpha=0.99, eps=1e-8, wd=0.0, momentum=0.0, centered=False):
    p = p.astype(np.float64)
    v = np.zeros_like(p)
    ga = np.zeros_like(p)
    buf = np.zeros_like(p)
    for g in gs:
        g = g + wd * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(v - ga * ga) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def ref_adagrad(p, gs, lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10):
    p = p.astype(np.float64)
    s = np.full_like(p, init)
    for t, g in enumerate(gs, 1):
        g = g + wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


def ref_adadelta(p, gs, lr=1.0, rho=0.9, eps=1e-6, wd=0.0):
    p = p.astype(np.float64)
    v = np.zeros_like(p)
    u = np.zeros_like(p)
    for g in gs:
        g = g + wd * p
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


# (optimizer, group-0 kwargs, group-1 kwargs, reference, ref kwargs for group 0 / group 1)
REF_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
     dict(lr=0.05, nesterov=True, dampening=0.0), ref_sgd,
     dict(lr=0.1, momentum=0.9, dampening=0.1, wd=0.01),
     dict(lr=0.05, momentum=0.9, dampening=0.0, wd=0.01, nesterov=True)),
    ("SGD", dict(lr=0.1, maximize=True), dict(lr=0.3), ref_sgd,
     dict(lr=0.1, maximize=True), dict(lr=0.3, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1), dict(lr=0.02, betas=(0.8, 0.9), amsgrad=True),
     ref_adam, dict(lr=0.01, wd=0.1), dict(lr=0.02, b1=0.8, b2=0.9, amsgrad=True, wd=0.1)),
    ("Adam", dict(lr=0.01, maximize=True), dict(eps=1e-3), ref_adam,
     dict(lr=0.01, maximize=True), dict(lr=0.01, eps=1e-3, maximize=True)),
    ("AdamW", dict(lr=0.01), dict(weight_decay=0.5, amsgrad=True), ref_adam,
     dict(lr=0.01, wd=0.01, decoupled=True), dict(lr=0.01, wd=0.5, amsgrad=True, decoupled=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1), dict(centered=True, momentum=0.8, alpha=0.9),
     ref_rmsprop, dict(lr=0.01, wd=0.1), dict(lr=0.01, wd=0.1, centered=True, momentum=0.8,
                                               alpha=0.9)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05), dict(initial_accumulator_value=0.3, weight_decay=0.2),
     ref_adagrad, dict(lr=0.1, lr_decay=0.05), dict(lr=0.1, lr_decay=0.05, init=0.3, wd=0.2)),
    ("Adadelta", dict(rho=0.8), dict(lr=0.5, eps=1e-3, weight_decay=0.1), ref_adadelta,
     dict(rho=0.8), dict(lr=0.5, rho=0.8, eps=1e-3, wd=0.1)),
]


def _make(name, dtype, g0, g1, init):
    params = [nn.Parameter(autograd.tensor(a.copy())) for a in init]
    opt = getattr(optim, name)([dict(g0, params=[params[0]]), dict(g1, params=[params[1]])],
                               **{k: v for k, v in g0.items()})
    return params, opt


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 2e-5)])
@pytest.mark.parametrize("case", REF_CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(REF_CASES)])
def test_against_numpy_reference(case, dtype, rtol):
    name, g0, g1, ref, r0, r1 = case
    init, grads = _data(dtype)
    params, opt = _make(name, dtype, g0, g1, init)
    versions = [p._version for p in params]
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = autograd.tensor(g.copy())
        opt.step()
    for i, (p, rk) in enumerate(zip(params, (r0, r1))):
        expect = ref(init[i], [gs[i] for gs in grads], **rk)
        assert p.dtype == dtype and p.requires_grad and p.is_leaf
        assert p._version == versions[i] + len(grads)
        np.testing.assert_allclose(p.detach().numpy(), expect, rtol=rtol, atol=rtol * 0.1)
    for st in opt.state.values():
        for k, v in st.items():
            if k != "step":
                assert v.dtype == dtype, k
            else:
                assert v.dtype == np.float32 and float(v) == len(grads)


# ---- exact resume through state_dict ------------------------------------------------------------
RESUME = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
          ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
          ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
          ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("Adadelta", dict())]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", RESUME, ids=[r[0] for r in RESUME])
def test_exact_resume(name, kw, dtype):
    init, grads = _data(dtype, n_steps=8)

    def fresh(arrs):
        ps = [nn.Parameter(autograd.tensor(a.copy())) for a in arrs]
        return ps, getattr(optim, name)(
            [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.02}], **kw)

    def run(ps, opt, gseq):
        for gs in gseq:
            for p, g in zip(ps, gs):
                p.grad = autograd.tensor(g.copy())
            opt.step()

    ps, opt = fresh(init)
    run(ps, opt, grads)
    full = [p.detach().numpy().copy() for p in ps]

    ps, opt = fresh(init)
    run(ps, opt, grads[:3])
    sd = pickle.loads(pickle.dumps(opt.state_dict()))      # through a checkpoint file
    ps2, opt2 = fresh([p.detach().numpy() for p in ps])
    opt2.load_state_dict(sd)
    run(ps2, opt2, grads[3:])
    for a, b in zip(ps2, full):
        np.testing.assert_array_equal(a.detach().numpy(), b)   # bit for bit
    for st in opt2.state.values():
        for k, v in st.items():
            assert v.dtype == (np.float32 if k == "step" else dtype)
    # the loaded optimizer does not alias the dict it was loaded from
    assert all(float(v["step"]) == 3 for v in sd["state"].values() if "step" in v)


def test_load_state_dict_casts_to_param_dtype_and_checks_sizes():
    p64 = nn.Parameter(autograd.zeros(3, dtype=autograd.float64))
    p32 = nn.Parameter(autograd.zeros(3))
    o64 = optim.Adam([p64])
    p64.grad = autograd.ones(3, dtype=autograd.float64)
    o64.step()
    o32 = optim.Adam([p32])
    o32.load_state_dict(o64.state_dict())
    st = o32.state[p32]
    assert st["exp_avg"].dtype == np.float32 and st["step"].dtype == np.float32
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [p32]}, {"params": [nn.Parameter(autograd.zeros(1))]}]) \
            .load_state_dict(o64.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([p32, nn.Parameter(autograd.zeros(1))]).load_state_dict(o64.state_dict())


def test_state_dict_format():
    a, b, c = (nn.Parameter(autograd.zeros(2)) for _ in range(3))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = autograd.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 0.1
    assert set(sd["state"]) == {0, 2} and set(sd["state"][0]) == {"momentum_buffer"}
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"].numpy(), [1, 1])


# ---- base class behaviour ------------------------------------------------------------------------
def test_param_group_errors_and_defaults():
    a, b = nn.Parameter(autograd.zeros(2)), nn.Parameter(autograd.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="sets"):
        optim.SGD([{"params": {a}}], lr=0.1)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    opt.add_param_group({"params": b, "momentum": 0.5})
    g = opt.param_groups[1]
    assert g["params"] == [b] and g["lr"] == 0.1 and g["momentum"] == 0.5
    assert set(g) == set(opt.param_groups[0])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([a], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0\n")


def test_named_params():
    a = nn.Parameter(autograd.zeros(2))
    opt = optim.Adam([("w", a)])
    assert opt.param_groups[0]["param_names"] == ["w"] and opt.param_groups[0]["params"] == [a]


def test_zero_grad_and_closure():
    a = nn.Parameter(autograd.tensor([1.0, 2.0]))
    opt = optim.SGD([a], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        assert autograd.is_grad_enabled()
        loss = (a * a).sum()
        loss.backward()
        calls.append(1)
        return loss

    with autograd.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0 and calls == [1]
    np.testing.assert_allclose(a.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and np.all(a.grad.numpy() == 0)
    opt.zero_grad()
    assert a.grad is None
    assert opt.step() is None


def test_l1_weight_decay():
    p0 = np.array([0.5, -2.0, 0.0, 3.0])
    g = np.array([0.1, 0.1, -0.2, 0.0])
    a = nn.Parameter(autograd.tensor(p0.copy()))
    opt = optim.SGD([a], lr=0.1, weight_decay=0.01, l1_weight_decay=0.3)
    a.grad = autograd.tensor(g)
    opt.step()
    expect = p0 - 0.1 * (g + 0.01 * p0 + 0.3 * np.sign(p0))
    np.testing.assert_allclose(a.detach().numpy(), expect, rtol=1e-12)
    assert opt.param_groups[0]["l1_weight_decay"] == 0.3
    assert "l1_weight_decay" not in optim.SGD([a]).param_groups[0]   # torch's keys by default
    # per-group L1 on Adam; the other group unaffected
    b, c = nn.Parameter(autograd.tensor(p0.copy())), nn.Parameter(autograd.tensor(p0.copy()))
    opt = optim.Adam([{"params": [b], "l1_weight_decay": 0.5}, {"params": [c]}], lr=0.01)
    b.grad, c.grad = autograd.tensor(g.copy()), autograd.tensor(g.copy())
    opt.step()
    gb = g + 0.5 * np.sign(p0)
    np.testing.assert_allclose(b.detach().numpy(), ref_adam(p0, [gb], lr=0.01), rtol=1e-10)
    np.testing.assert_allclose(c.detach().numpy(), ref_adam(p0, [g], lr=0.01), rtol=1e-10)


def test_lr_as_tensor_and_deepcopy():
    a = nn.Parameter(autograd.tensor([1.0, 2.0]))
    opt = optim.SGD([a], lr=autograd.tensor(0.5))
    a.grad = autograd.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.5, 1.5])
    opt2 = copy.deepcopy(optim.Adam([a]))
    assert opt2.param_groups[0]["lr"] == 1e-3


# ---- LBFGS ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_solves_quadratic_and_resumes(line_search):
    A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    bvec = np.array([1.0, -2.0, 0.5])

    def setup(x0):
        x = nn.Parameter(autograd.tensor(x0.copy()))
        opt = optim.LBFGS([x], lr=1, max_iter=4, history_size=3, line_search_fn=line_search)
        At, bt = autograd.tensor(A), autograd.tensor(bvec)

        def closure():
            opt.zero_grad()
            loss = 0.5 * (x * (At @ x)).sum() - (bt * x).sum()
            loss.backward()
            return loss
        return x, opt, closure

    x0 = np.array([1.0, 1.0, -1.0])
    x, opt, closure = setup(x0)
    for _ in range(6):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(A, bvec), atol=1e-4)

    # exact resume: 2 steps, save, fresh optimizer + load, 2 more == 4 uninterrupted
    x, opt, closure = setup(x0)
    for _ in range(4):
        opt.step(closure)
    full = x.detach().numpy().copy()
    x, opt, closure = setup(x0)
    for _ in range(2):
        opt.step(closure)
    sd = pickle.loads(pickle.dumps(opt.state_dict()))
    x2, opt2, closure2 = setup(x.detach().numpy())
    opt2.load_state_dict(sd)
    for _ in range(2):
        opt2.step(closure2)
    np.testing.assert_array_equal(x2.detach().numpy(), full)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [nn.Parameter(autograd.zeros(1))]}])


# ---- nn.utils ---------------------------------------------------------------------------------------
def test_clip_grad_norm_formula():
    ps = [nn.Parameter(autograd.zeros(2)), nn.Parameter(autograd.zeros(2)),
          nn.Parameter(autograd.zeros(1))]
    ps[0].grad = autograd.tensor([3.0, 0.0])
    ps[1].grad = autograd.tensor([0.0, 4.0])
    n = nn.utils.clip_grad_norm_(ps, max_norm=1.0)
    assert n.dtype == np.float32 and n.item() == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad.numpy(), [3 / (5 + 1e-6), 0], rtol=1e-6)
    assert ps[2].grad is None
    n = nn.utils.clip_grad_norm_(ps, max_norm=10.0, norm_type="inf")
    np.testing.assert_allclose(ps[1].grad.numpy(), [0, 4 / (5 + 1e-6)], rtol=1e-6)
    assert nn.utils.clip_grad_norm_([ps[2]], 1.0).item() == 0.0
    ps[0].grad = autograd.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    ps[0].grad = autograd.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_(ps[0], 1.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [-1.0, 0.5])


def test_parameters_vector_round_trip():
    ps = [nn.Parameter(autograd.tensor(np.arange(6.0).reshape(2, 3))),
          nn.Parameter(autograd.tensor([7.0]))]
    v = nn.utils.parameters_to_vector(ps)
    assert v.shape == (7,) and v.requires_grad
    v.sum().backward()
    np.testing.assert_array_equal(ps[0].grad.numpy(), np.ones((2, 3)))
    nn.utils.vector_to_parameters(autograd.tensor(np.arange(10.0, 17.0)), ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), np.arange(10.0, 16.0).reshape(2, 3))
    np.testing.assert_array_equal(ps[1].detach().numpy(), [16.0])
    with pytest.raises(TypeError):
        nn.utils.vector_to_parameters(np.zeros(7), ps)


# ---- early stopping -----------------------------------------------------------------------------------
class _Model:
    def __init__(self):
        self.w = nn.Parameter(autograd.zeros(2))

    def state_dict(self):
        return {"w": self.w.detach()}

    def load_state_dict(self, sd):
        self.w._data[...] = sd["w"]._data


def test_early_stopping_min_with_restore():
    m = _Model()
    es = optim.EarlyStopping(patience=2, min_delta=0.01, restore_best_weights=True)
    stops = []
    for epoch, loss in enumerate([1.0, 0.8, 0.795, 0.79, 0.9, 0.5]):
        m.w._data[...] = epoch
        stops.append(es.step(loss, m))
        if stops[-1]:
            break
    # 0.795 and 0.79 do not beat 0.8 by min_delta -> stop at the 2nd bad epoch
    assert stops == [False, False, False, True]
    assert es.best == 0.8 and es.best_epoch == 1
    np.testing.assert_array_equal(m.w.detach().numpy(), [1.0, 1.0])   # best weights back
    sd = es.state_dict()
    es2 = optim.EarlyStopping(patience=2)
    es2.load_state_dict(sd)
    assert es2.best == 0.8 and es2.should_stop and es2.best_state is not None


def test_early_stopping_max_and_patience_zero():
    es = optim.EarlyStopping(patience=0, mode="max")
    assert [es.step(a) for a in [0.5, 0.6, 0.6]] == [False, False, True]
    es = optim.EarlyStopping(patience=3, mode="max")
    assert [es.step(a) for a in [0.5, 0.4, 0.4, 0.7, 0.6, 0.6, 0.6]] == \
        [False] * 6 + [True]
    with pytest.raises(ValueError):
        optim.EarlyStopping(mode="median")
