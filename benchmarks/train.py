"""Whole training steps: LeNet-5 (fwd + cross-entropy + bwd + SGD momentum 0.9) at batch 64 and
256, inference forward, a full Fashion-MNIST epoch (when the data is installed), side by side with
torch (when importable) in one run; optimizer steps over an MLP's parameters; plus memory (RSS)
over thousands of steps.

    .venv/bin/python -m benchmarks.train                 # tables
    .venv/bin/python -m benchmarks.train --profile       # + cProfile of our b64 step
    BENCH_QUICK=1 ...                                    # skip the full epoch and shorten RSS run
"""
from __future__ import annotations

import gc
import os
import sys
import time

# Our best configuration on the 2-vCPU VMs: OpenBLAS single-threaded (its threads cost ~8x on
# LeNet's tiny matmuls) and serial Numba kernels (BENCH_OUR_THREADS, default 1; two actively
# spinning OpenMP pools in one process fight over 2 cores). OMP_WAIT_POLICY is left alone: torch's
# bundled libgomp reads it too, and torch keeps its default 2 threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

try:
    from benchmarks.harness import bench, print_table, env_info, try_torch, fmt_ms
except ImportError:                      # run as a script from benchmarks/
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.harness import bench, print_table, env_info, try_torch, fmt_ms

import autograd  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402

MEAN, STD = 0.2860, 0.3530


def lenet_ours():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def lenet_torch(torch):
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))


def bn_cnn(nn_):
    """A common course CNN beyond LeNet: two conv-BatchNorm-ReLU-pool blocks, dropout, Adam."""
    return nn_.Sequential(
        nn_.Conv2d(1, 32, 3, padding=1), nn_.BatchNorm2d(32), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Conv2d(32, 64, 3, padding=1), nn_.BatchNorm2d(64), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Flatten(), nn_.Linear(64 * 7 * 7, 128), nn_.ReLU(), nn_.Dropout(0.5),
        nn_.Linear(128, 10))


def _step_fn(lib, model, opt, loss_fn, x, y):
    def step():
        out = model(x)
        loss = loss_fn(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _infer_fn(lib, model, x):
    def fwd():
        with lib.no_grad():
            model(x)
    return fwd


def _batch(batch, seed=0):
    rng = np.random.default_rng(seed)
    x = ((rng.random((batch, 1, 28, 28), dtype=np.float32) - MEAN) / STD).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    return x, y


def ours_step(batch):
    autograd.manual_seed(0)
    m = lenet_ours()
    opt = optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    x, y = _batch(batch)
    return m, _step_fn(autograd, m, opt, nn.CrossEntropyLoss(), autograd.from_numpy(x),
                       autograd.from_numpy(y))


def torch_step(torch, batch):
    torch.manual_seed(0)
    m = lenet_torch(torch)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    x, y = _batch(batch)
    return m, _step_fn(torch, m, opt, torch.nn.CrossEntropyLoss(), torch.from_numpy(x),
                       torch.from_numpy(y))


def numba_threads() -> int:
    try:
        import numba
        return numba.get_num_threads()
    except ImportError:
        return 1


def isolated_ours_step(batch, model="lenet5"):
    """Factory run inside a worker process by bench_isolated()."""
    if model == "lenet5":
        return ours_step(batch)[1]
    autograd.manual_seed(0)
    m = bn_cnn(nn)
    opt = optim.Adam(m.parameters(), lr=1e-3)
    x, y = _batch(batch)
    return _step_fn(autograd, m, opt, nn.CrossEntropyLoss(), autograd.from_numpy(x),
                    autograd.from_numpy(y))


def isolated_torch_step(batch, model="lenet5"):
    torch = try_torch()
    if model == "lenet5":
        return torch_step(torch, batch)[1]
    torch.manual_seed(0)
    m = bn_cnn(torch.nn)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    x, y = _batch(batch)
    return _step_fn(torch, m, opt, torch.nn.CrossEntropyLoss(), torch.from_numpy(x),
                    torch.from_numpy(y))


def bench_steps_isolated(torch, rounds=11):
    """The train step with each library alone in its own process (its own thread pools), blocks
    interleaved round by round: what a user of either library gets. Same models and data."""
    from benchmarks.harness import bench_isolated
    rows, out = [], []
    for model, label, batch in (("lenet5", "LeNet-5 (SGD)", 64), ("lenet5", "LeNet-5 (SGD)", 256),
                                ("bn_cnn", "CNN + BatchNorm + Dropout (Adam)", 64)):
        specs = {"ours": ("benchmarks.train:isolated_ours_step", (batch, model))}
        if torch is not None:
            specs["torch"] = ("benchmarks.train:isolated_torch_step", (batch, model))
        r = bench_isolated(specs, rounds=rounds)
        tt, oo = r.get("torch"), r["ours"]
        if oo is None:
            continue
        ratio = f"{tt / oo:.2f}x" if tt else "-"
        rows.append([f"{label} train step", batch, fmt_ms(oo), f"{batch / oo:,.0f}", fmt_ms(tt),
                     f"{batch / tt:,.0f}" if tt else "-", ratio])
        out.append({"bench": f"{model}_train_step_isolated", "batch": batch,
                    "ours_ms": oo * 1e3, "torch_ms": tt * 1e3 if tt else None,
                    "speed_vs_torch": tt / oo if tt else None})
    print_table("Train step, each library in its own process (median ms; speed = torch time / "
                "our time)", ["what", "batch", "ours ms", "ours img/s", "torch ms",
                              "torch img/s", "speed"], rows)
    return out


def bench_steps(torch, rounds=11):
    rows, out = [], []
    for batch in (64, 256):
        m, ours = ours_step(batch)
        x, _ = _batch(batch)
        cands = {"ours": ours}
        icands = {"ours": _infer_fn(autograd, m.eval(), autograd.from_numpy(x))}
        if torch is not None:
            tm, tstep = torch_step(torch, batch)
            cands["torch"] = tstep
            icands["torch"] = _infer_fn(torch, tm.eval(), torch.from_numpy(x))
        m.train()
        t0 = time.perf_counter()
        ours()                                           # first call: kernel compile / cache
        first = time.perf_counter() - t0
        res = bench(cands, rounds=rounds)
        ires = bench(icands, rounds=rounds)
        for kind, r in (("train step", res), ("inference fwd", ires)):
            tt = r.get("torch")
            ratio = f"{tt / r['ours']:.2f}x" if tt else "-"
            rows.append([f"LeNet-5 {kind}", batch, fmt_ms(r["ours"]), f"{batch / r['ours']:,.0f}",
                         fmt_ms(tt), f"{batch / tt:,.0f}" if tt else "-", ratio])
            out.append({"bench": f"lenet5_{kind.replace(' ', '_')}", "batch": batch,
                        "ours_ms": r["ours"] * 1e3, "torch_ms": tt * 1e3 if tt else None,
                        "speed_vs_torch": tt / r["ours"] if tt else None,
                        "ours_img_s": batch / r["ours"], "first_call_s": first})
    print_table("LeNet-5 step, both libraries in THIS process (two OpenMP pools compete; ours on "
                f"{numba_threads()} thread(s)); median ms, speed = torch time / our time",
                ["what", "batch", "ours ms", "ours img/s", "torch ms", "torch img/s", "speed"],
                rows)
    return out


def _cpu_ms(fn, n):
    fn()
    t0 = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - t0) / n * 1e3


def _one_thread(torch):
    """Pin our kernels and torch to one thread; returns the function that restores both."""
    try:
        import numba
        nthr = numba.get_num_threads()
        numba.set_num_threads(1)
    except ImportError:
        numba = None
    tthr = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)

    def restore():
        if numba is not None:
            numba.set_num_threads(nthr)
        if torch is not None:
            torch.set_num_threads(tthr)
    return restore


def bench_cpu_single_thread(torch, steps=100):
    """Process CPU time per step with ONE thread in both libraries: unlike wall time it is not
    distorted by other processes on a shared machine (spinning thread pools excluded)."""
    restore = _one_thread(torch)
    rows, out = [], []
    try:
        for batch in (64, 256):
            n = steps if batch == 64 else max(10, steps // 4)
            _, ours = ours_step(batch)
            o = _cpu_ms(ours, n)
            t = _cpu_ms(torch_step(torch, batch)[1], n) if torch is not None else None
            rows.append([f"LeNet-5 train step, 1 thread", batch, f"{o:.2f}",
                         f"{t:.2f}" if t else "-", f"{t / o:.2f}x" if t else "-"])
            out.append({"bench": "lenet5_train_step_cpu_1thread", "batch": batch,
                        "ours_cpu_ms": o, "torch_cpu_ms": t,
                        "speed_vs_torch": t / o if t else None})
    finally:
        restore()
    print_table("LeNet-5 train step, process CPU ms per step, 1 thread each (load-independent)",
                ["what", "batch", "ours CPU ms", "torch CPU ms", "speed"], rows)
    return out


def bench_optimizers(torch, rounds=11):
    """One optimizer step (+ clip_grad_norm_) over an MLP's parameters (784-256-128-10, 235k
    float32) with fixed gradients, ours vs torch in this process, 1 thread each (the fused
    update kernels are serial; torch's CPU optimizers run single-tensor loops)."""
    def mlp(lib):
        L = lib.nn.Linear if lib is torch else nn.Linear
        R = lib.nn.ReLU if lib is torch else nn.ReLU
        S = lib.nn.Sequential if lib is torch else nn.Sequential
        return S(L(784, 256), R(), L(256, 128), R(), L(128, 10))

    def setup(lib, make):
        m = mlp(lib)
        ps = list(m.parameters())
        rng = np.random.default_rng(0)
        for p in ps:
            g = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p.grad = torch.from_numpy(g) if lib is torch else autograd.tensor(g)
        return make(lib, ps)

    cases = {
        "SGD momentum 0.9": lambda lib, ps: lib.optim.SGD(ps, 0.01, momentum=0.9).step,
        "SGD nesterov + weight decay": lambda lib, ps: lib.optim.SGD(
            ps, 0.01, momentum=0.9, nesterov=True, weight_decay=1e-4).step,
        "Adam": lambda lib, ps: lib.optim.Adam(ps, 1e-3).step,
        "AdamW amsgrad": lambda lib, ps: lib.optim.AdamW(ps, 1e-3, amsgrad=True).step,
        "RMSprop centered": lambda lib, ps: lib.optim.RMSprop(ps, 1e-3, centered=True).step,
        "clip_grad_norm_": lambda lib, ps: (
            lambda: (lib.nn.utils if lib is torch else nn.utils).clip_grad_norm_(ps, 1e9)),
    }

    class _Ours:                                    # the torch-shaped namespace for ours
        optim = optim
        nn = nn
    restore = _one_thread(torch)
    rows, out = [], []
    try:
        for name, make in cases.items():
            cands = {"ours": setup(_Ours, make)}
            if torch is not None:
                cands["torch"] = setup(torch, make)
            t = bench(cands, rounds=rounds)
            o, tt = t["ours"], t.get("torch")
            rows.append([name, fmt_ms(o), fmt_ms(tt), f"{tt / o:.2f}x" if tt else "-"])
            out.append({"bench": "optimizer_step", "what": name, "ours_ms": o * 1e3,
                        "torch_ms": tt * 1e3 if tt else None,
                        "speed_vs_torch": tt / o if tt else None})
    finally:
        restore()
    print_table("Optimizer step over an MLP's 235k float32 parameters, 1 thread each (ms; "
                "speed = torch time / our time)", ["what", "ours ms", "torch ms", "speed"], rows)
    return out


def _fashion(train=True):
    from autograd.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    return datasets.FashionMNIST(None, train=train, transform=tf)


def _torch_fashion(torch):
    ds = _fashion()
    xs = (ds._images.astype(np.float32) / 255.0 - np.float32(MEAN)) / np.float32(STD)
    return torch.utils.data.TensorDataset(torch.from_numpy(xs[:, None].copy()),
                                          torch.from_numpy(ds._labels))


def isolated_ours_epoch():
    """Factory (worker process): one Fashion-MNIST epoch per call, our DataLoader + step."""
    from autograd.utils.data import DataLoader
    autograd.manual_seed(0)
    m = lenet_ours()
    opt = optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(_fashion(), batch_size=64, shuffle=True)
    x0, y0 = next(iter(loader))
    _step_fn(autograd, m, opt, loss_fn, x0, y0)()          # warm (compile/cache load)

    def epoch():
        for x, y in loader:
            _step_fn(autograd, m, opt, loss_fn, x, y)()
    return epoch


def isolated_torch_epoch(pipeline):
    """Factory (worker process): one epoch per call; pipeline "sliced" (randperm + fancy
    index: torch's fastest input path) or "dataloader" (torch.utils.data.DataLoader)."""
    torch = try_torch()
    tds = _torch_fashion(torch)
    tx, ty = tds.tensors
    torch.manual_seed(0)
    tm = lenet_torch(torch)
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    tloss = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(tds, batch_size=64, shuffle=True, generator=g)

    def batches():
        if pipeline == "dataloader":
            yield from loader
            return
        perm = torch.randperm(len(ty))
        for i in range(0, len(ty), 64):
            idx = perm[i:i + 64]
            yield tx[idx], ty[idx]

    def epoch():
        for x, y in batches():
            _step_fn(torch, tm, topt, tloss, x, y)()
    return epoch


def bench_epoch(torch, rounds=3):
    """Full Fashion-MNIST epochs (938 steps of 64, incl. batching), each library in its own
    process with its default threads, epochs interleaved round by round; median per epoch."""
    from benchmarks.harness import bench_isolated
    try:
        ds = _fashion()
    except RuntimeError as e:
        print(f"\n(full epoch skipped: {str(e)[:120]}...)")
        return []
    specs = {"ours": ("benchmarks.train:isolated_ours_epoch", ())}
    if torch is not None:
        specs["torch"] = ("benchmarks.train:isolated_torch_epoch", ("sliced",))
        specs["torch_dataloader"] = ("benchmarks.train:isolated_torch_epoch", ("dataloader",))
    r = bench_isolated(specs, rounds=rounds, warmup=0, block_s=0.0)
    ours, tt, td = r["ours"], r.get("torch"), r.get("torch_dataloader")
    if ours is None:
        return []
    n = len(ds)
    row = {"bench": "fashion_mnist_epoch", "batch": 64, "ours_s": ours, "torch_s": tt,
           "torch_dataloader_s": td, "speed_vs_torch": tt / ours if tt else None}
    print_table(f"Full Fashion-MNIST epoch, each library in its own process (median of {rounds} "
                "interleaved epochs, s; incl. data loading; speed = torch time / our time)",
                ["what", "ours s", "ours img/s", "torch s (sliced)", "torch img/s", "speed",
                 "torch s (its DataLoader)"],
                [["epoch (60k, b64)", f"{ours:.2f}", f"{n / ours:,.0f}",
                  f"{tt:.2f}" if tt else "-", f"{n / tt:,.0f}" if tt else "-",
                  f"{tt / ours:.2f}x" if tt else "-", f"{td:.2f}" if td else "-"]])
    return [row]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def rss_over_steps(steps=3000, model="mlp", batch=32):
    """RSS after warm-up vs after ``steps`` training steps: flat when each step's graph is
    released. Returns (rss_warm_mb, rss_end_mb, samples)."""
    autograd.manual_seed(0)
    if model == "mlp":
        m = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        x = autograd.randn(batch, 64)
    else:
        m = lenet_ours()
        x = autograd.randn(batch, 1, 28, 28)
    y = autograd.randint(0, 10, (batch,))
    opt = optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    step = _step_fn(autograd, m, opt, nn.CrossEntropyLoss(), x, y)
    warm = max(50, steps // 10)
    for _ in range(warm):
        step()
    gc.collect()
    start = rss_mb()
    samples = []
    for i in range(steps):
        step()
        if (i + 1) % max(1, steps // 5) == 0:
            samples.append(round(rss_mb(), 1))
    gc.collect()
    return start, rss_mb(), samples


def bench_rss(quick=False):
    out, rows = [], []
    for model, steps in (("mlp", 2000 if quick else 10000), ("lenet5", 300 if quick else 2000)):
        t0 = time.perf_counter()
        a, b, s = rss_over_steps(steps, model)
        rows.append([model, steps, f"{a:.1f}", f"{b:.1f}", f"{b - a:+.1f}", " ".join(map(str, s)),
                     f"{time.perf_counter() - t0:.1f}"])
        out.append({"bench": f"rss_{model}", "steps": steps, "rss_start_mb": a, "rss_end_mb": b,
                    "growth_mb": b - a})
    print_table("RSS over training steps (MB; flat = graph released every step)",
                ["model", "steps", "after warm-up", "end", "growth", "samples", "s"], rows)
    return out


def profile_step(batch=64, steps=300, top=25):
    """cProfile of our train step. Timer = process CPU time, so the profile is not distorted by
    other processes on a shared machine (run with NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    for a per-function cost; with more threads CPU time sums over threads)."""
    import cProfile
    import pstats
    _, step = ours_step(batch)
    for _ in range(5):
        step()
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    for _ in range(steps):
        step()
    pr.disable()
    st = pstats.Stats(pr)
    print(f"\n## cProfile: {steps} LeNet-5 train steps at batch {batch} (CPU time; tottime order)")
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)


def run() -> list[dict]:
    quick = bool(os.environ.get("BENCH_QUICK"))
    torch = try_torch()
    try:
        import numba
        prev_threads = numba.get_num_threads()
        numba.set_num_threads(min(int(os.environ.get("BENCH_OUR_THREADS", "1")),
                                  numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        numba = None
    print("env:", env_info(), {k: os.environ.get(k) for k in
                                ("OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY", "BENCH_OUR_THREADS")})
    try:
        results = bench_steps_isolated(torch, rounds=7 if quick else 11)
        results += bench_steps(torch, rounds=7 if quick else 11)
        results += bench_cpu_single_thread(torch, 50 if quick else 200)
        results += bench_optimizers(torch, rounds=5 if quick else 11)
        if not quick:
            results += bench_epoch(torch)
        results += bench_rss(quick)
    finally:
        if numba is not None:
            numba.set_num_threads(prev_threads)
    return results


if __name__ == "__main__":
    run()
    if "--profile" in sys.argv:
        profile_step()
