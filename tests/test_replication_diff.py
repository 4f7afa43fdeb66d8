"""Replication-style checks against torch: a published recipe ported by changing only its imports
must run unchanged (the device / reproducibility preamble included) and, from the same initial
weights and batches, follow torch's training trajectory."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import optim

torch = pytest.importorskip("torch")
cpu_only_torch = pytest.mark.skipif(torch.cuda.is_available(),
                                    reason="compares with a CPU-only torch build")


def _preamble(lib, seed=0):
    """The lines a replication script typically starts with, written against ``lib``."""
    lib.manual_seed(seed)
    lib.cuda.manual_seed(seed)
    lib.cuda.manual_seed_all(seed)
    lib.backends.cudnn.deterministic = True
    lib.backends.cudnn.benchmark = False
    device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
    use_accel = lib.accelerator.is_available()
    device2 = lib.accelerator.current_accelerator() if use_accel else lib.device("cpu")
    mps = lib.backends.mps.is_available()
    return str(device), str(device2), mps


@cpu_only_torch
def test_device_preamble_ports_unchanged():
    cudnns = (torch.backends.cudnn, autograd.backends.cudnn)
    old = [(c.deterministic, c.benchmark) for c in cudnns]
    try:
        device = _preamble(autograd)
        assert device == _preamble(torch) == ("cpu", "cpu", False)
        assert autograd.backends.cudnn.deterministic is True
    finally:
        for c, (d, b) in zip(cudnns, old):
            c.deterministic, c.benchmark = d, b
    x = autograd.ones(2, 3).to(autograd.device(device[0]), non_blocking=True)
    m = nn.Linear(3, 1).to(device[0])
    assert m(x).shape == (2, 1)


@cpu_only_torch
def test_cuda_and_accelerator_queries_match_cpu_only_torch():
    for name in ("is_available", "device_count", "is_initialized"):
        assert getattr(autograd.cuda, name)() == getattr(torch.cuda, name)(), name
    for name in ("is_available", "device_count", "current_accelerator"):
        assert getattr(autograd.accelerator, name)() == getattr(torch.accelerator, name)(), name
    assert autograd.backends.cudnn.is_available() == torch.backends.cudnn.is_available()
    assert autograd.backends.mps.is_built() == torch.backends.mps.is_built()
    for flag in ("enabled", "benchmark", "deterministic"):
        assert getattr(autograd.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
    for name in ("synchronize", "current_device", "get_device_name"):   # need a device
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            getattr(torch.cuda, name)()
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            getattr(autograd.cuda, name)()
    autograd.cuda.empty_cache()


def test_set_num_threads_drives_the_kernels():
    old = autograd.get_num_threads()
    x = autograd.randn(4, 3, 12, 12)
    w = autograd.randn(5, 3, 3, 3)
    try:
        autograd.set_num_threads(1)
        assert autograd.get_num_threads() == 1
        one = F.conv2d(x, w, padding=1).numpy()
        autograd.set_num_threads(10_000)                # capped at the pool size, as a request
        assert autograd.get_num_threads() >= 1
        np.testing.assert_array_equal(F.conv2d(x, w, padding=1).numpy(), one)
        for bad in (0, -1):
            with pytest.raises(RuntimeError, match="positive integer"):
                torch.set_num_threads(bad)
            with pytest.raises(RuntimeError, match="positive integer"):
                autograd.set_num_threads(bad)
    finally:
        autograd.set_num_threads(old)


def test_determinism_and_matmul_precision_flags_as_torch():
    t_old = (torch.are_deterministic_algorithms_enabled(),
             torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.get_float32_matmul_precision())
    try:
        for lib in (torch, autograd):
            assert lib.are_deterministic_algorithms_enabled() is False
            lib.use_deterministic_algorithms(True, warn_only=True)
            assert lib.are_deterministic_algorithms_enabled() is True
            assert lib.is_deterministic_algorithms_warn_only_enabled() is True
            lib.use_deterministic_algorithms(False)
            assert lib.is_deterministic_algorithms_warn_only_enabled() is False
            assert lib.get_float32_matmul_precision() == "highest"
            lib.set_float32_matmul_precision("high")
            assert lib.get_float32_matmul_precision() == "high"
            with pytest.warns(UserWarning, match="is not one of"):
                lib.set_float32_matmul_precision("fastest")
            assert lib.get_float32_matmul_precision() == "high"
            lib.set_float32_matmul_precision("highest")
    finally:
        torch.use_deterministic_algorithms(t_old[0], warn_only=t_old[1])
        torch.set_float32_matmul_precision(t_old[2])
        autograd.use_deterministic_algorithms(False)
        autograd.set_float32_matmul_precision("highest")


# ---- a recipe's trajectory from the same weights and batches --------------------------------

def _bn_cnn(lib_nn):
    """The replication CNN, shrunk: conv-BN-ReLU-pool twice, dropout (off here), two fc. The
    convs have no bias: a bias before BatchNorm has a zero gradient up to rounding noise, which
    Adam scales up to full-size steps of random sign (in torch too), so it could not be
    compared."""
    return lib_nn.Sequential(
        lib_nn.Conv2d(1, 8, 3, padding=1, bias=False), lib_nn.BatchNorm2d(8), lib_nn.ReLU(),
        lib_nn.MaxPool2d(2),
        lib_nn.Conv2d(8, 16, 3, padding=1, bias=False), lib_nn.BatchNorm2d(16), lib_nn.ReLU(),
        lib_nn.MaxPool2d(2), lib_nn.Dropout(0.0), lib_nn.Flatten(),
        lib_nn.Linear(16 * 3 * 3, 32), lib_nn.ReLU(), lib_nn.Linear(32, 10))


def _recipe(libs, kind, model):
    _, L_nn, L_optim = libs
    if kind == "adamw_step":
        opt = L_optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
        return (opt, L_optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), None,
                L_nn.CrossEntropyLoss(), None)
    opt = L_optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True,
                      weight_decay=5e-4)
    return (opt, None, L_optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=6),
            L_nn.CrossEntropyLoss(label_smoothing=0.1), 1.0)


def _train(libs, kind, init, batches):
    L, L_nn, _ = libs
    model = _bn_cnn(L_nn)
    if init is not None:
        model.load_state_dict({k: L.from_numpy(v.copy()) for k, v in init.items()})
    start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    opt, epoch_sched, batch_sched, loss_fn, clip = _recipe(libs, kind, model)
    log = []
    for i, (xb, yb) in enumerate(batches):
        x, y = L.from_numpy(xb), L.from_numpy(yb)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        norm = float(L_nn.utils.clip_grad_norm_(model.parameters(), clip)) if clip else 0.0
        opt.step()
        if batch_sched is not None:
            batch_sched.step()
        if epoch_sched is not None and i % 2 == 1:
            epoch_sched.step()
        log.append((loss.item(), norm, opt.param_groups[0]["lr"]))
    model.eval()
    with L.no_grad():
        out = model(L.from_numpy(batches[0][0])).numpy()
    return start, log, {k: v.detach().numpy() for k, v in model.state_dict().items()}, out


@pytest.mark.parametrize("kind", ["adamw_step", "sgd_nesterov_onecycle_ls_clip"])
def test_recipe_trajectory_matches_torch(kind):
    """Same initial weights and batches (dropout off): the losses, clip norms and lrs of six
    steps, the trained state (BatchNorm running stats included) and the eval-mode outputs
    agree with torch to float32 accuracy."""
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((16, 1, 12, 12)).astype(np.float32),
                rng.integers(0, 10, 16).astype(np.int64)) for _ in range(6)]
    torch.manual_seed(0)
    init, log_t, sd_t, out_t = _train((torch, torch.nn, torch.optim), kind, None, batches)
    _, log_a, sd_a, out_a = _train((autograd, nn, optim), kind, init, batches)
    np.testing.assert_allclose(np.array(log_a), np.array(log_t), rtol=1e-4, atol=1e-6)
    assert list(sd_a) == list(sd_t)
    for k in sd_t:
        np.testing.assert_allclose(sd_a[k], sd_t[k], rtol=1e-3, atol=1e-4, err_msg=k)
    np.testing.assert_allclose(out_a, out_t, rtol=1e-3, atol=1e-3)


def test_no_warnings_from_the_ported_preamble():
    c = autograd.backends.cudnn
    old = c.deterministic, c.benchmark
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _preamble(autograd)
    finally:
        c.deterministic, c.benchmark = old


# ---- eval-mode BatchNorm (evaluation of every BN recipe) ------------------------------------

@pytest.mark.parametrize("shape", [(8, 3), (8, 3, 7), (8, 3, 5, 5), (2, 3, 2, 3, 4), (0, 3, 4, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_eval_batch_norm_matches_torch(shape, affine):
    """Running-stat normalisation as torch (x * alpha + beta per channel): values, gradients
    for x / weight / bias with grad enabled, and the graph-free path under no_grad gives the
    same numbers."""
    rng = np.random.default_rng(len(shape))
    kind = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}[len(shape)]
    ours, ref = getattr(nn, kind)(3, affine=affine), getattr(torch.nn, kind)(3, affine=affine)
    sd = {"running_mean": rng.standard_normal(3), "running_var": rng.uniform(0.5, 2.0, 3),
          "num_batches_tracked": np.array(5)}
    if affine:
        sd.update(weight=rng.standard_normal(3), bias=rng.standard_normal(3))
    sd = {k: v.astype(np.float32) if v.dtype == np.float64 else v for k, v in sd.items()}
    ref.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in sd.items()})
    ours.load_state_dict({k: autograd.from_numpy(v.copy()) for k, v in sd.items()})
    ours.eval(), ref.eval()
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    xa, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), ref(xt)
    ya.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=2e-6)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    if affine:
        for p, q in ((ours.weight, ref.weight), (ours.bias, ref.bias)):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5)
    with autograd.no_grad():
        np.testing.assert_array_equal(ours(autograd.tensor(x)).numpy(), ya.detach().numpy())
    assert np.array_equal(ours.running_mean.numpy(), sd["running_mean"])    # eval: untouched


def test_eval_batch_norm_double_backward():
    rm, rv = autograd.randn(3, dtype=autograd.float64), autograd.rand(3, dtype=autograd.float64)
    x, w, b = (autograd.randn(*s, dtype=autograd.float64, requires_grad=True)
               for s in ((4, 3, 5), (3,), (3,)))

    def f(x, w, b):
        return F.batch_norm(x, rm, rv + 0.5, w, b, training=False)

    assert autograd.gradcheck(f, (x, w, b)) and autograd.gradgradcheck(f, (x, w, b))
