"""lr schedulers: sequences vs torch.optim.lr_scheduler, closed forms, state dicts."""
import math

import numpy as np
import pytest

import autograd
import nn
import optim
from optim import lr_scheduler as ls


def _opt(lib, name="SGD", **kw):
    if lib == "ours":
        mod, P, z = optim, nn.Parameter, autograd.zeros
    else:
        import torch
        mod, P, z = torch.optim, torch.nn.Parameter, torch.zeros
    groups = [{"params": [P(z(2))]}, {"params": [P(z(3))], "lr": 0.5}]
    kw.setdefault("lr", 0.1)
    if name == "SGD":
        kw.setdefault("momentum", 0.9)
    return getattr(mod, name)(groups, **kw)


def _sched_mod(lib):
    if lib == "ours":
        return ls
    import torch
    return torch.optim.lr_scheduler


SCHEDS = [
    ("StepLR", dict(step_size=3, gamma=0.5), "SGD"),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), "SGD"),
    ("ExponentialLR", dict(gamma=0.9), "SGD"),
    ("LambdaLR", dict(lr_lambda=lambda t: 1 / math.sqrt(t + 1)), "SGD"),
    ("MultiplicativeLR", dict(lr_lambda=lambda t: 0.95), "SGD"),
    ("CosineAnnealingLR", dict(T_max=7), "SGD"),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01), "SGD"),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6), "SGD"),
    ("LinearLR", dict(), "SGD"),
    ("ConstantLR", dict(factor=0.5, total_iters=4), "SGD"),
    ("PolynomialLR", dict(total_iters=8, power=2.0), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2, eta_min=0.001), "SGD"),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=25), "SGD"),
    ("OneCycleLR", dict(max_lr=[1.0, 2.0], total_steps=25, anneal_strategy="linear",
                        pct_start=0.4, div_factor=10.0, final_div_factor=100.0), "SGD"),
    ("OneCycleLR", dict(max_lr=0.1, epochs=5, steps_per_epoch=5, three_phase=True), "Adam"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=25, cycle_momentum=False), "Adagrad"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5,
                      mode="triangular2"), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range",
                      gamma=0.9), "Adam"),
]


def _sequence(lib, name, kw, opt_name, n=24):
    opt = _opt(lib, opt_name)
    s = getattr(_sched_mod(lib), name)(opt, **kw)
    seq = [list(s.get_last_lr())]
    moms = []
    for _ in range(n):
        opt.step()
        s.step()
        seq.append(list(s.get_last_lr()))
        assert [g["lr"] for g in opt.param_groups] == seq[-1]
        moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return seq, moms, s, opt


@pytest.mark.parametrize("name,kw,opt_name", SCHEDS, ids=[s[0] + str(i) for i, s in
                                                         enumerate(SCHEDS)])
def test_sequence_matches_torch(name, kw, opt_name):
    pytest.importorskip("torch")
    ours = _sequence("ours", name, kw, opt_name)
    ref = _sequence("torch", name, kw, opt_name)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-13, atol=1e-15)
    assert str(ours[1]) == str(ref[1]) or np.allclose(
        np.array(ours[1], dtype=object).astype(str) == np.array(ref[1], dtype=object).astype(str),
        True)
    # initial_lr / base_lrs as torch
    assert ours[2].base_lrs == pytest.approx(ref[2].base_lrs)
    go = [{k: v for k, v in g.items() if k != "params"} for g in ours[3].param_groups]
    gt = [{k: v for k, v in g.items() if k != "params"} for g in ref[3].param_groups]
    assert set(go[0]) == set(gt[0])
    for a, b in zip(go, gt):
        for k in a:
            assert np.allclose(a[k], b[k], rtol=1e-13) if isinstance(a[k], (float, tuple)) \
                else a[k] == b[k], k


def test_cosine_recursive_close_to_closed_form():
    opt = _opt("ours")
    s = ls.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for t in range(1, 25):
        opt.step()
        s.step()
        closed = [0.001 + (b - 0.001) * (1 + math.cos(math.pi * t / 10)) / 2
                  for b in (0.1, 0.5)]
        np.testing.assert_allclose(s.get_last_lr(), closed, rtol=1e-9, atol=1e-12)


def test_closed_forms():
    opt = _opt("ours")
    s = ls.StepLR(opt, step_size=3, gamma=0.5)
    for t in range(1, 12):
        s.step()
        assert s.get_last_lr() == pytest.approx([0.1 * 0.5 ** (t // 3), 0.5 * 0.5 ** (t // 3)])
    opt = _opt("ours")
    s = ls.LambdaLR(opt, lambda t: 1 / math.sqrt(t + 1))
    for t in range(1, 12):
        s.step()
        assert s.get_last_lr() == pytest.approx([0.1 / math.sqrt(t + 1), 0.5 / math.sqrt(t + 1)])
    opt = _opt("ours")
    s = ls.ExponentialLR(opt, gamma=0.9)
    with pytest.warns(UserWarning):
        s.step(5)                                 # deprecated epoch argument -> closed form
    assert s.get_last_lr() == pytest.approx([0.1 * 0.9 ** 5, 0.5 * 0.9 ** 5])


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_reduce_on_plateau_matches_torch(lib):
    if lib == "torch":
        pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    results = {}
    for lib_ in ("ours", "torch") if lib == "torch" else ("ours",):
        out = []
        for kw in [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2),
                   dict(patience=0, threshold=0.1, threshold_mode="abs", min_lr=[0.05, 0.2]),
                   dict(patience=1, factor=0.5, min_lr=0.09, eps=1e-3)]:
            opt = _opt(lib_)
            s = _sched_mod(lib_).ReduceLROnPlateau(opt, **kw)
            for m in metrics:
                s.step(m)
                out.append(list(s.get_last_lr()) + [s.num_bad_epochs, s.cooldown_counter,
                                                     s.best])
        results[lib_] = out
    if lib == "torch":
        np.testing.assert_allclose(np.array(results["ours"]), np.array(results["torch"]),
                                   rtol=1e-13)
    else:
        # hand check of the first config: patience 2 -> reduce after 3 bad epochs
        lrs = [r[0] for r in results["ours"][:15]]
        assert lrs[:4] == [0.1] * 4 and lrs[4] == pytest.approx(0.01)


def test_sequential_and_chained_match_torch():
    pytest.importorskip("torch")
    out = {}
    for lib in ("ours", "torch"):
        m = _sched_mod(lib)
        opt = _opt(lib)
        s = m.SequentialLR(opt, [m.LinearLR(opt, start_factor=0.1, total_iters=3),
                                 m.CosineAnnealingLR(opt, T_max=6),
                                 m.ExponentialLR(opt, gamma=0.8)], milestones=[3, 8])
        seq = [s.get_last_lr()]
        for _ in range(15):
            opt.step()
            s.step()
            seq.append(s.get_last_lr())
        opt2 = _opt(lib)
        c = m.ChainedScheduler([m.ExponentialLR(opt2, gamma=0.9),
                                m.StepLR(opt2, step_size=2, gamma=0.5)])
        for _ in range(8):
            opt2.step()
            c.step()
            seq.append(c.get_last_lr())
        out[lib] = seq
    np.testing.assert_allclose(out["ours"], out["torch"], rtol=1e-13)


@pytest.mark.parametrize("name,kw,opt_name", [SCHEDS[i] for i in (0, 1, 5, 7, 12, 14)])
def test_state_dict_resume(name, kw, opt_name):
    """Stop after k steps, rebuild optimizer + scheduler, load both state dicts: the lr sequence
    continues as in an uninterrupted run."""
    full, _, _, _ = _sequence("ours", name, kw, opt_name, n=20)
    opt = _opt("ours", opt_name)
    s = getattr(ls, name)(opt, **kw)
    for _ in range(7):
        opt.step()
        s.step()
    osd, ssd = opt.state_dict(), s.state_dict()
    assert "optimizer" not in ssd
    opt2 = _opt("ours", opt_name)
    s2 = getattr(ls, name)(opt2, **kw)
    s2.load_state_dict(ssd)
    opt2.load_state_dict(osd)
    seq = [s2.get_last_lr()]
    for _ in range(13):
        opt2.step()
        s2.step()
        seq.append(s2.get_last_lr())
    np.testing.assert_allclose(seq, full[7:], rtol=1e-15)


def test_lambda_state_dict_skips_functions():
    opt = _opt("ours")
    s = ls.LambdaLR(opt, lambda t: 0.5 ** t)
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [None, None] and "optimizer" not in sd
    assert sd["last_epoch"] == 0 and sd["base_lrs"] == [0.1, 0.5]
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_resume_requires_initial_lr():
    opt = _opt("ours")
    with pytest.raises(KeyError):
        ls.StepLR(opt, step_size=2, last_epoch=3)
