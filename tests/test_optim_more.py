"""Adamax, NAdam, RAdam, ASGD and Rprop: step for step against torch.optim (same params, same
gradients; every step's parameters, the state dict, param groups and repr), loading state dicts
both ways, argument errors, and (without torch) that each one descends a quadratic and keeps
float32 float32."""
import copy
import pickle

import numpy as np
import pytest

import autograd
import nn
import optim

NAMES = ["Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]
SHAPES = [(3, 4), (5,), (), (2, 13)]
N_STEPS = 20

CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True, weight_decay=0.05)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.9), momentum_decay=0.02, maximize=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True,
                   eps=1e-4)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, maximize=True, eps=1e-4)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.6, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
    ("ASGD", dict(lr=0.1, t0=0, lambd=0.1)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.1, maximize=True)),
]
IDS = [f"{n}-{'-'.join(k) or 'default'}" for n, k in CASES]
TOL = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-14)}


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _data(dtype, n_steps=N_STEPS, seed=0):
    """Initial values and gradients; ~1/5 of the gradient entries are exact zeros (Rprop's
    'no change' branch)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = []
    for _ in range(n_steps):
        gs = []
        for s in SHAPES:
            g = rng.standard_normal(s)
            g = np.where(rng.random(s) < 0.2, 0.0, g)
            gs.append(np.asarray(g, dtype))
        grads.append(gs)
    return init, grads


def _run(lib, name, kwargs, dtype, group_kwargs=None, n_steps=N_STEPS, l1=0.0):
    """Steps an optimizer of ``lib`` (torch or our optim) on the same gradients; returns every
    step's parameters and the optimizer. ``l1``: ours gets l1_weight_decay=l1, torch gets
    grad + l1 * sign(p) (what our L1 term is)."""
    init, grads = _data(dtype, n_steps)
    if lib == "ours":
        params = [nn.Parameter(autograd.tensor(a.copy())) for a in init]
        cls = getattr(optim, name)
        mk = lambda a: autograd.tensor(a.copy())  # noqa: E731
        if l1:
            kwargs = dict(kwargs, l1_weight_decay=l1)
    else:
        params = [lib.nn.Parameter(lib.tensor(a.copy())) for a in init]
        cls = getattr(lib.optim, name)
        mk = lambda a: lib.tensor(a.copy())  # noqa: E731
    spec = params if group_kwargs is None else \
        [{"params": params[:2]}, dict(group_kwargs, params=params[2:])]
    opt = cls(spec, **kwargs)
    history = []
    for gs in grads:
        for p, g in zip(params, gs):
            if l1 and lib != "ours":
                g = g + dtype(l1) * np.sign(p.detach().numpy())
            p.grad = mk(g)
        opt.step()
        history.append([np.array(p.detach().numpy()) for p in params])
    return history, opt


def _np(v):
    """Our Tensor, a torch tensor or a number -> ndarray."""
    if isinstance(v, autograd.Tensor):
        return np.asarray(v._data)
    if hasattr(v, "detach"):
        return v.detach().cpu().numpy()
    return np.asarray(v)


def _assert_states_equal(so, st, dtype, **tol):
    """Our state dict against torch's: same keys in the same order, same dtypes, close values."""
    assert list(so["state"]) == list(st["state"])
    for i in st["state"]:
        vo, vt = so["state"][i], st["state"][i]
        assert list(vo) == list(vt), (i, list(vo), list(vt))
        for k in vt:
            a, b = _np(vo[k]), _np(vt[k])
            assert a.dtype == b.dtype and a.shape == b.shape, (k, a.dtype, b.dtype)
            np.testing.assert_allclose(a, b, err_msg=f"state {i} {k}", **tol)


def _max_diff(ours, ref):
    return max(float(np.max(np.abs(a - b), initial=0)) for ha, hb in zip(ours, ref)
               for a, b in zip(ha, hb))


# ---- (a) step for step against torch ------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_matches_torch_every_step(torch, name, kwargs, dtype):
    ours, o = _run("ours", name, kwargs, dtype)
    ref, t = _run(torch, name, kwargs, dtype)
    for step, (ha, hb) in enumerate(zip(ours, ref)):
        for a, b in zip(ha, hb):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, b, err_msg=f"step {step + 1}", **TOL[dtype])
    so, st = o.state_dict(), t.state_dict()
    tol = dict(TOL[dtype], rtol=TOL[dtype]["rtol"] * 10)
    _assert_states_equal(so, st, dtype, **tol)
    assert so["param_groups"] == st["param_groups"]
    assert repr(o) == repr(t)


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] in ("Adamax", "ASGD",
                                                                      "Rprop")],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] in ("Adamax", "ASGD",
                                                                         "Rprop")])
def test_float32_bitwise_without_sqrt(torch, name, kwargs):
    """The optimizers without a square root round as torch's CPU kernels (fused multiply-adds
    in lerp / add(alpha=)), so float32 runs agree bit for bit. (NAdam and RAdam go through
    torch's float32 sqrt, which is not always correctly rounded: last-ulp differences.)"""
    ours, _ = _run("ours", name, kwargs, np.float32)
    ref, _ = _run(torch, name, kwargs, np.float32)
    for ha, hb in zip(ours, ref):
        for a, b in zip(ha, hb):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] in ("NAdam", "RAdam")],
                         ids=[i for i, c in zip(IDS, CASES) if c[0] in ("NAdam", "RAdam")])
def test_float32_bitwise_given_torchs_sqrt(torch, name, kwargs, monkeypatch):
    """NAdam's and RAdam's float32 differences from torch all come from torch's float32 sqrt
    (not always correctly rounded on CPU): with it swapped in, every other operation rounds as
    torch's and the runs agree bit for bit."""
    def torch_sqrt(x, out=None):
        x = np.asarray(x)
        r = torch.from_numpy(np.ascontiguousarray(x)).sqrt().numpy().reshape(x.shape)
        if out is None:
            return r
        out[...] = r
        return out

    class _Np:
        def __getattr__(self, k):
            return torch_sqrt if k == "sqrt" else getattr(np, k)

    monkeypatch.setattr(getattr(optim, name.lower()), "np", _Np())
    ours, _ = _run("ours", name, kwargs, np.float32)
    ref, _ = _run(torch, name, kwargs, np.float32)
    for ha, hb in zip(ours, ref):
        for a, b in zip(ha, hb):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_rprop_nan_zero_and_underflow_like_torch(torch, dtype):
    """torch.sign(nan) is 0 (a NaN gradient leaves the parameter and its step size alone but is
    kept in 'prev'), and a gradient product that underflows counts as 0."""
    po = nn.Parameter(autograd.tensor(np.array([1.0, 2.0, 3.0, 4.0], dtype)))
    pt = torch.nn.Parameter(torch.tensor(np.array([1.0, 2.0, 3.0, 4.0], dtype)))
    oo, ot = optim.Rprop([po]), torch.optim.Rprop([pt])
    tiny = 1e-30 if dtype == np.float32 else 1e-200
    for g in ([1.0, np.nan, 0.0, -1.0], [1.0, 1.0, 2.0, 1.0], [-1.0, np.nan, 0.0, 1.0],
              [tiny, tiny, 1.0, 1.0], [tiny, -tiny, -1.0, 1.0]):
        g = np.array(g, dtype)
        po.grad, pt.grad = autograd.tensor(g.copy()), torch.tensor(g.copy())
        oo.step()
        ot.step()
        np.testing.assert_array_equal(po._data, pt.detach().numpy())
        for k in ("prev", "step_size"):
            np.testing.assert_array_equal(oo.state[po][k]._data, ot.state[pt][k].numpy())


GROUP2 = {"Adamax": dict(lr=0.01, betas=(0.5, 0.6), weight_decay=0.3),
          "NAdam": dict(lr=0.01, momentum_decay=0.1, decoupled_weight_decay=True,
                        weight_decay=0.1),
          "RAdam": dict(lr=0.02, betas=(0.5, 0.8), eps=1e-3),
          "ASGD": dict(lr=0.2, t0=2, alpha=0.5),
          "Rprop": dict(lr=0.3, etas=(0.1, 2.0), step_sizes=(0.01, 0.5))}


@pytest.mark.parametrize("name", NAMES)
def test_two_param_groups_match_torch(torch, name):
    kwargs = dict(lr=0.05, maximize=True)
    ours, o = _run("ours", name, kwargs, np.float64, group_kwargs=GROUP2[name])
    ref, t = _run(torch, name, kwargs, np.float64, group_kwargs=GROUP2[name])
    for ha, hb in zip(ours, ref):
        for a, b in zip(ha, hb):
            np.testing.assert_allclose(a, b, **TOL[np.float64])
    assert o.state_dict()["param_groups"] == t.state_dict()["param_groups"]
    assert repr(o) == repr(t)


@pytest.mark.parametrize("name", NAMES)
def test_l1_weight_decay_is_a_coupled_gradient_term(torch, name):
    """l1_weight_decay (not in torch) is torch's run with grad + l1 * sign(p)."""
    ours, _ = _run("ours", name, dict(lr=0.05), np.float64, l1=0.3)
    ref, _ = _run(torch, name, dict(lr=0.05), np.float64, l1=0.3)
    for ha, hb in zip(ours, ref):
        for a, b in zip(ha, hb):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", NAMES)
def test_small_model_matches_torch(torch, name, dtype):
    """A small MLP trained 20 steps by each library's own backward pass."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 4)).astype(dtype)
    y = rng.standard_normal((16, 1)).astype(dtype)
    mo = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    mt = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    if dtype == np.float64:
        mo, mt = mo.to(autograd.float64), mt.to(torch.float64)
    mt.load_state_dict({k: torch.tensor(np.array(v._data)) for k, v in mo.state_dict().items()})
    kwargs = dict(lr=0.02, weight_decay=0.01) if name != "Rprop" else dict(lr=0.02)
    oo = getattr(optim, name)(mo.parameters(), **kwargs)
    ot = getattr(torch.optim, name)(mt.parameters(), **kwargs)
    xo, yo = autograd.tensor(x), autograd.tensor(y)
    xt, yt = torch.tensor(x), torch.tensor(y)
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-4, atol=1e-5)
    losses = []
    for _ in range(N_STEPS):
        oo.zero_grad()
        lo = nn.functional.mse_loss(mo(xo), yo)
        lo.backward()
        oo.step()
        ot.zero_grad()
        lt = torch.nn.functional.mse_loss(mt(xt), yt)
        lt.backward()
        ot.step()
        losses.append(float(lo._data))
        np.testing.assert_allclose(losses[-1], lt.item(), **tol)
        for (k, a), b in zip(mo.named_parameters(), mt.parameters()):
            assert a._data.dtype == dtype
            np.testing.assert_allclose(a._data, b.detach().numpy(), err_msg=k, **tol)
    assert losses[-1] < losses[0]


# ---- state dicts ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name,kwargs", [("Adamax", dict(lr=0.05)),
                                         ("NAdam", dict(lr=0.05, decoupled_weight_decay=True,
                                                        weight_decay=0.1)),
                                         ("RAdam", dict(lr=0.05)),
                                         ("ASGD", dict(lr=0.05, t0=2)),
                                         ("Rprop", dict(lr=0.05))])
def test_state_dicts_load_both_ways(torch, name, kwargs, dtype):
    """torch's state dict loads into ours (and ours into torch) after 8 steps; both runs then
    continue as torch's own reloaded run does (NAdam's 'mu_product' and ASGD's 'eta'/'mu' are
    cast to the parameter dtype on loading, in both libraries)."""
    init, grads = _data(dtype)
    pt = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    ot = getattr(torch.optim, name)(pt, **kwargs)
    for gs in grads[:8]:
        for p, g in zip(pt, gs):
            p.grad = torch.tensor(g.copy())
        ot.step()
    sd_t = ot.state_dict()
    # torch reloading its own state dict: the reference
    pr = [torch.nn.Parameter(p.detach().clone()) for p in pt]
    orf = getattr(torch.optim, name)(pr, lr=123.0)
    orf.load_state_dict(sd_t)
    # ours from torch's
    po = [nn.Parameter(autograd.tensor(p.detach().numpy().copy())) for p in pt]
    oo = getattr(optim, name)(po, lr=123.0)
    oo.load_state_dict(sd_t)
    assert oo.param_groups[0]["lr"] == kwargs["lr"]
    _assert_states_equal(oo.state_dict(), orf.state_dict(), dtype, rtol=0, atol=0)
    # torch from ours
    pb = [torch.nn.Parameter(p.detach().clone()) for p in pt]
    ob = getattr(torch.optim, name)(pb, lr=123.0)
    sd_o = oo.state_dict()
    ob.load_state_dict({"state": {i: {k: torch.tensor(_np(v)) for k, v in s.items()}
                                  for i, s in sd_o["state"].items()},
                        "param_groups": sd_o["param_groups"]})
    for gs in grads[8:]:
        for ps, mk in ((pr, torch.tensor), (pb, torch.tensor), (po, autograd.tensor)):
            for p, g in zip(ps, gs):
                p.grad = mk(g.copy())
        orf.step()
        ob.step()
        oo.step()
    for a, b, c in zip(po, pr, pb):
        np.testing.assert_allclose(a._data, b.detach().numpy(), **TOL[dtype])
        np.testing.assert_array_equal(b.detach().numpy(), c.detach().numpy())
    _assert_states_equal(oo.state_dict(), orf.state_dict(), dtype,
                         **dict(TOL[dtype], rtol=TOL[dtype]["rtol"] * 10))


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_resumes_exactly(name):
    """ours -> state_dict (through pickle, as a checkpoint) -> a new optimizer: the resumed run
    is bit for bit the uninterrupted one, and the loaded state does not alias the saved one."""
    init, grads = _data(np.float32)
    full, _ = _run("ours", name, dict(lr=0.05), np.float32)
    params = [nn.Parameter(autograd.tensor(a.copy())) for a in init]
    opt = getattr(optim, name)(params, lr=0.05)
    for i, gs in enumerate(grads):
        if i == 7:
            sd = pickle.loads(pickle.dumps(opt.state_dict()))
            opt = getattr(optim, name)(params, lr=1.0)
            opt.load_state_dict(sd)
            st = opt.state[params[0]]
            assert all(v is not sd["state"][0][k] for k, v in st.items())
        for p, g in zip(params, gs):
            p.grad = autograd.tensor(g.copy())
        opt.step()
    for a, b in zip(params, full[-1]):
        np.testing.assert_array_equal(a._data, b)


def test_setstate_fills_defaults_and_old_scalar_state():
    """Optimizers pickled by an older version: group keys they lacked get torch's defaults and
    number-valued 'step' / 'mu_product' / 'eta' / 'mu' become 0-d Tensors."""
    for name in NAMES:
        p = nn.Parameter(autograd.ones(3))
        opt = getattr(optim, name)([p], lr=0.1)
        p.grad = autograd.ones(3)
        opt.step()
        state = copy.deepcopy(opt.__getstate__())
        group = state["param_groups"][0]
        for k in ("foreach", "maximize", "differentiable", "capturable",
                  "decoupled_weight_decay"):
            group.pop(k, None)
        pst = next(iter(state["state"].values()))
        for k in ("step", "mu_product", "eta", "mu"):
            if k in pst:
                pst[k] = float(pst[k]._data)
        new = object.__new__(getattr(optim, name))
        new.__setstate__(state)
        g = new.param_groups[0]
        assert g["foreach"] is None and g["maximize"] is False
        assert g["differentiable"] is False and g["capturable"] is False
        if name in ("NAdam", "RAdam"):
            assert g["decoupled_weight_decay"] is False
        q = new.param_groups[0]["params"][0]
        for k in ("mu_product", "eta", "mu"):
            if k in new.state[q]:
                assert isinstance(new.state[q][k], autograd.Tensor), (name, k)
        q.grad = autograd.ones(3)
        new.step()                                          # steps on
        assert float(new.state[q]["step"]._data) == 2.0


# ---- (b) argument errors ----------------------------------------------------------------
BAD = [
    ("Adamax", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adamax", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adamax", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("NAdam", dict(lr=-0.5), "Invalid learning rate: -0.5"),
    ("NAdam", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("NAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(momentum_decay=-4e-3), "Invalid momentum_decay value: -0.004"),
    ("RAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("RAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("RAdam", dict(weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
    ("ASGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Rprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values: 0.0, 1.2"),
]


@pytest.mark.parametrize("name,kwargs,msg", BAD, ids=[f"{n}-{m}" for n, _, m in BAD])
def test_bad_arguments(name, kwargs, msg):
    with pytest.raises(ValueError) as e:
        getattr(optim, name)([nn.Parameter(autograd.zeros(2))], **kwargs)
    assert str(e.value) == msg
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(ValueError) as et:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    assert str(et.value) == msg


@pytest.mark.parametrize("name", NAMES)
def test_tensor_lr(name):
    p = nn.Parameter(autograd.zeros(2))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(optim, name)([p], lr=autograd.tensor([0.1, 0.2]))
    a = nn.Parameter(autograd.tensor([1.0, -2.0]))
    b = nn.Parameter(autograd.tensor([1.0, -2.0]))
    oa = getattr(optim, name)([a], lr=autograd.tensor(0.05))
    ob = getattr(optim, name)([b], lr=0.05)
    for g in ([0.5, -1.0], [0.3, 0.2], [-0.1, 0.4]):
        a.grad, b.grad = autograd.tensor(g), autograd.tensor(g)
        oa.step()
        ob.step()
    np.testing.assert_array_equal(a._data, b._data)


def test_param_groups_defaults_like_torch(torch):
    for name, kwargs in CASES:
        go = getattr(optim, name)([nn.Parameter(autograd.zeros(2))], **kwargs).param_groups[0]
        gt = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))],
                                        **kwargs).param_groups[0]
        assert {k: v for k, v in go.items() if k != "params"} == \
            {k: v for k, v in gt.items() if k != "params"}, name


# ---- (c) without torch ----------------------------------------------------------------------
LRS = {"Adamax": 0.1, "NAdam": 0.1, "RAdam": 0.1, "ASGD": 0.05, "Rprop": 0.01}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", NAMES)
def test_descends_quadratic_and_keeps_dtype(name, dtype):
    rng = np.random.default_rng(0)
    d = autograd.tensor(rng.uniform(0.5, 3.0, (3, 4)).astype(dtype))
    c = autograd.tensor(rng.standard_normal((3, 4)).astype(dtype))
    x = nn.Parameter(autograd.tensor(np.zeros((3, 4), dtype)))
    s = nn.Parameter(autograd.tensor(np.asarray(2.0, dtype)))          # a 0-d parameter
    opt = getattr(optim, name)([x, s], lr=LRS[name])

    def closure():
        opt.zero_grad()
        loss = (d * (x - c) ** 2).sum() + (s - 0.5) ** 2
        loss.backward()
        return loss

    losses = [float(opt.step(closure)._data) for _ in range(150)]
    assert losses[-1] < 0.05 * losses[0], losses[::15]
    assert x.dtype == dtype and s.dtype == dtype and s.shape == ()
    for p in (x, s):
        for k, v in opt.state[p].items():
            scalar = k in ("step", "mu_product", "eta", "mu")     # 0-d float32, as torch
            assert v._data.dtype == (np.float32 if scalar else dtype), (k, v._data.dtype)
            assert v._data.shape == (() if scalar else p.shape), k


def test_asgd_average_and_rprop_step_sizes():
    """ASGD's 'ax' is the mean of the iterates from t0 on; Rprop's step sizes grow by etaplus
    while the gradient keeps its sign, up to step_sizes[1], and the step is their sum."""
    p = nn.Parameter(autograd.tensor([0.0, 0.0], dtype=autograd.float64))
    opt = optim.ASGD([p], lr=0.1, lambd=0.0, t0=0)
    iterates = []
    for g in ([1.0, -1.0], [0.5, 2.0], [-1.0, 0.0], [2.0, 1.0]):
        p.grad = autograd.tensor(g, dtype=autograd.float64)
        opt.step()
        iterates.append(p._data.copy())
    # mu = 1 / max(1, t - t0) is set after step t, so with t0=0 the average starts at t=2
    # (mu is a float32 0-d tensor, as torch's: 1/3 is rounded)
    np.testing.assert_allclose(opt.state[p]["ax"]._data, np.mean(iterates[1:], 0), rtol=1e-7)
    assert float(opt.state[p]["eta"]._data) == np.float32(0.1)
    assert float(opt.state[p]["mu"]._data) == np.float32(1 / 4)

    q = nn.Parameter(autograd.tensor([0.0, 0.0]))
    opt = optim.Rprop([q], lr=0.1, etas=(0.5, 2.0), step_sizes=(1e-3, 0.5))
    for g in ([1.0, 1.0], [1.0, -1.0], [1.0, 1.0], [1.0, 0.0]):
        q.grad = autograd.tensor(g)
        opt.step()
    # elem 0: sizes 0.1, 0.2, 0.4, 0.5 (capped). elem 1: 0.1, then a sign change halves it to
    # 0.05 and skips the step (prev := 0), a step of 0.05, then a zero gradient: no step
    np.testing.assert_allclose(q._data, [-1.2, -0.15], rtol=1e-6)
    np.testing.assert_allclose(opt.state[q]["step_size"]._data, [0.5, 0.05], rtol=1e-6)
    np.testing.assert_array_equal(opt.state[q]["prev"]._data, [1.0, 0.0])
    assert q.dtype == np.float32 and opt.state[q]["prev"]._data.dtype == np.float32


def test_exported():
    for name in NAMES:
        assert name in optim.__all__ and issubclass(getattr(optim, name), optim.Optimizer)
