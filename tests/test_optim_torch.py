"""Optimizers, clip_grad and state dicts against torch.optim (same params, same grads)."""
import math

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,)]
N_STEPS = 6


def _grads(dtype, n_steps=N_STEPS, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(n_steps)]


def _init(dtype, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _run(lib, cls_name, kwargs, dtype, group_kwargs=None, n_steps=N_STEPS):
    init, grads = _init(dtype), _grads(dtype, n_steps)
    if lib == "ours":
        params = [nn.Parameter(autograd.tensor(a.copy())) for a in init]
        cls = getattr(optim, cls_name)
        mk = lambda a: autograd.tensor(a.copy())  # noqa: E731
    else:
        params = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
        cls = getattr(torch.optim, cls_name)
        mk = lambda a: torch.tensor(a.copy())  # noqa: E731
        kwargs = dict(kwargs)
        kwargs.pop("l1_weight_decay", None)
    if group_kwargs is not None:
        spec = [{"params": [params[0]]}, dict(group_kwargs, params=[params[1]])]
    else:
        spec = params
    opt = cls(spec, **kwargs)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = mk(g)
        opt.step()
    return [np.asarray(p.detach().numpy()) for p in params], opt


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict()),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True, betas=(0.5, 0.6))),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, maximize=True, eps=1e-3)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-5)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.7, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
]

GROUP2 = {"SGD": dict(lr=0.05, momentum=0.3), "Adam": dict(lr=0.03, betas=(0.7, 0.8)),
          "AdamW": dict(lr=0.02, weight_decay=0.0), "RMSprop": dict(lr=0.02, alpha=0.5),
          "Adagrad": dict(lr=0.3, lr_decay=0.1), "Adadelta": dict(lr=0.2, rho=0.5)}


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 1e-5, 1e-6),
                                             (np.float64, 1e-10, 1e-12)])
@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{'-'.join(k)}" for n, k in CASES])
def test_matches_torch(name, kwargs, dtype, rtol, atol):
    ours, o = _run("ours", name, kwargs, dtype)
    ref, t = _run("torch", name, kwargs, dtype)
    for a, b in zip(ours, ref):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    # state buffers agree as well, and keep the param dtype; 'step' as torch
    for po, pt in zip(o.state_dict()["state"].values(), t.state_dict()["state"].values()):
        assert set(po) == set(pt)
        for k in po:
            vo, vt = np.asarray(po[k]), pt[k].numpy()
            assert vo.dtype == vt.dtype, k
            np.testing.assert_allclose(vo, vt, rtol=rtol * 10, atol=atol)


@pytest.mark.parametrize("name", list(GROUP2))
def test_two_groups_match_torch(name):
    kwargs = dict(lr=0.01) if name != "Adadelta" else {}
    ours, o = _run("ours", name, kwargs, np.float64, group_kwargs=GROUP2[name])
    ref, t = _run("torch", name, kwargs, np.float64, group_kwargs=GROUP2[name])
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    so, st = o.state_dict(), t.state_dict()
    assert [{k: v for k, v in g.items()} for g in so["param_groups"]] == \
        [{k: v for k, v in g.items()} for g in st["param_groups"]]
    assert repr(o) == repr(t)


def test_param_groups_defaults_like_torch():
    for name, kwargs in CASES:
        p1 = nn.Parameter(autograd.zeros(2))
        p2 = torch.nn.Parameter(torch.zeros(2))
        go = getattr(optim, name)([p1], **kwargs).param_groups[0]
        gt = getattr(torch.optim, name)([p2], **kwargs).param_groups[0]
        assert {k: v for k, v in go.items() if k != "params"} == \
            {k: v for k, v in gt.items() if k != "params"}, name


def test_sgd_default_lr():
    p = nn.Parameter(autograd.zeros(2))
    assert optim.SGD([p]).defaults["lr"] == 1e-3 == torch.optim.SGD(
        [torch.nn.Parameter(torch.zeros(2))]).defaults["lr"]


def test_skips_params_without_grad():
    a, b = nn.Parameter(autograd.ones(2)), nn.Parameter(autograd.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = autograd.ones(2)
    opt.step()
    assert b not in opt.state and np.all(b.detach().numpy() == 1)
    assert len(opt.state) == 1


# ---- LBFGS -------------------------------------------------------------------------------
def _rosen(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _quad(lib, x):
    A = [[3.0, 0.5, 0.0, 0.1], [0.5, 2.0, 0.3, 0.0], [0.0, 0.3, 1.0, 0.2], [0.1, 0.0, 0.2, 4.0]]
    if lib == "ours":
        A = autograd.tensor(np.array(A, x._data.dtype))
        b = autograd.tensor(np.array([1.0, -2.0, 0.5, 3.0], x._data.dtype))
    else:
        A = torch.tensor(np.array(A, x.detach().numpy().dtype))
        b = torch.tensor(np.array([1.0, -2.0, 0.5, 3.0], x.detach().numpy().dtype))
    return 0.5 * (x * (A @ x)).sum() - (b * x).sum()


def _run_lbfgs(lib, fn, x0, kwargs, n_steps):
    if lib == "ours":
        x = nn.Parameter(autograd.tensor(x0.copy()))
        opt = optim.LBFGS([x], **kwargs)
    else:
        x = torch.nn.Parameter(torch.tensor(x0.copy()))
        opt = torch.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = fn(lib, x)
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(n_steps)]
    st = opt.state[x]
    return x.detach().numpy().copy(), losses, st["func_evals"], st["n_iter"]


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("fn,x0,kwargs", [
    (_rosen, [-1.5, 2.0], dict(lr=1, max_iter=20, history_size=10)),
    (_rosen, [-1.2, 1.0], dict(lr=0.5, max_iter=7, history_size=3)),
    (_quad, [1.0, 1.0, -1.0, 0.5], dict(lr=1, max_iter=5, history_size=4)),
])
def test_lbfgs_matches_torch(fn, x0, kwargs, line_search):
    kwargs = dict(kwargs, line_search_fn=line_search)
    x0 = np.array(x0, np.float64)
    ours = _run_lbfgs("ours", fn, x0, kwargs, 3)
    ref = _run_lbfgs("torch", fn, x0, kwargs, 3)
    # Rounding-level differences (BLAS dot order) grow over 60 chaotic Rosenbrock iterations
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-6, atol=1e-9)
    assert ours[2:] == ref[2:]


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_float32_matches_torch(line_search):
    kwargs = dict(lr=1, max_iter=4, history_size=5, line_search_fn=line_search)
    x0 = np.array([1.0, 1.0, -1.0, 0.5], np.float32)
    ours = _run_lbfgs("ours", _quad, x0, kwargs, 2)
    ref = _run_lbfgs("torch", _quad, x0, kwargs, 2)
    assert ours[0].dtype == np.float32
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-4, atol=1e-5)


# ---- clip_grad ---------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    gs = _grads(dtype, 1)[0]
    po = [nn.Parameter(autograd.tensor(np.zeros_like(g))) for g in gs]
    pt = [torch.nn.Parameter(torch.tensor(np.zeros_like(g))) for g in gs]
    for p, g in zip(po, gs):
        p.grad = autograd.tensor(g.copy())
    for p, g in zip(pt, gs):
        p.grad = torch.tensor(g.copy())
    no = nn.utils.clip_grad_norm_(po, max_norm, norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type)
    assert isinstance(no, autograd.Tensor) and no.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(no.item(), nt.item(), rtol=rtol)
    for a, b in zip(po, pt):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_value_and_vectors_match_torch():
    gs = _grads(np.float32, 1)[0]
    po = [nn.Parameter(autograd.tensor(g * 0 + 1)) for g in gs]
    pt = [torch.nn.Parameter(torch.tensor(g * 0 + 1)) for g in gs]
    for p, g in zip(po, gs):
        p.grad = autograd.tensor(g.copy())
    for p, g in zip(pt, gs):
        p.grad = torch.tensor(g.copy())
    nn.utils.clip_grad_value_(po, 0.3)
    torch.nn.utils.clip_grad_value_(pt, 0.3)
    for a, b in zip(po, pt):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    v = nn.utils.parameters_to_vector(po)
    np.testing.assert_array_equal(v.detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(pt).detach().numpy())


# ---- state dict / resume vs torch ------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", [("Adam", dict(lr=0.01, amsgrad=True)),
                                         ("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5))])
def test_load_torch_state_dict(name, kwargs):
    """A torch optimizer's state dict loads into ours and the run continues identically."""
    dtype = np.float64
    init, grads = _init(dtype), _grads(dtype)
    pt = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    ot = getattr(torch.optim, name)(pt, **kwargs)
    for i, gs in enumerate(grads):
        if i == 3:
            po = [nn.Parameter(autograd.tensor(p.detach().numpy().copy())) for p in pt]
            oo = getattr(optim, name)(po, lr=123.0)
            oo.load_state_dict(ot.state_dict())
            assert oo.param_groups[0]["lr"] == kwargs["lr"]
        for p, g in zip(pt, gs):
            p.grad = torch.tensor(g.copy())
        ot.step()
        if i >= 3:
            for p, g in zip(po, gs):
                p.grad = autograd.tensor(g.copy())
            oo.step()
    for a, b in zip(po, pt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name,kwargs", CASES[::2], ids=[c[0] for c in CASES[::2]])
def test_float32_bitwise_like_torch(name, kwargs):
    """torch's CPU kernels fuse multiply-adds (add(alpha=), addcmul, lerp); we round the same
    way, so float32 runs agree bit for bit over many steps."""
    ours, _ = _run("ours", name, kwargs, np.float32, n_steps=25)
    ref, _ = _run("torch", name, kwargs, np.float32, n_steps=25)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)
