"""Convolution benchmark: kernels alone and fwd+bwd through autograd, vs torch and a numpy
im2col+matmul reference, on LeNet conv1/conv2, a CIFAR-like 3x3 layer, a strided 3x3 layer and
a conv1d layer. JIT compile time (cold or cache load) is reported apart from the timings.

    .venv/bin/python -m benchmarks.conv          # BENCH_QUICK=1 for fewer rounds
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.harness import bench, env_info, fmt_ms, print_table, timed_first_call, try_torch

LAYERS = [
    # name, N, C, K, spatial, kernel, stride, padding
    ("lenet_conv1", 64, 1, 6, (28, 28), (5, 5), 1, 2),
    ("lenet_conv2", 64, 6, 16, (14, 14), (5, 5), 1, 0),
    ("lenet_conv1_b256", 256, 1, 6, (28, 28), (5, 5), 1, 2),
    ("lenet_conv2_b256", 256, 6, 16, (14, 14), (5, 5), 1, 0),
    ("cifar_3x3", 64, 64, 64, (32, 32), (3, 3), 1, 1),
    ("strided_3x3", 32, 64, 128, (56, 56), (3, 3), 2, 1),
    ("conv1d_k5", 128, 32, 32, (40,), (5,), 1, 2),
]


def _im2col_ref(x, w, stride, pad):
    """numpy im2col (sliding_window_view) + matmul, 2-d/1-d, forward only."""
    nd = x.ndim - 2
    padw = [(0, 0), (0, 0)] + [(pad, pad)] * nd
    xp = np.pad(x, padw)
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=tuple(range(2, 2 + nd)))
    win = win[(slice(None), slice(None)) + (slice(None, None, stride),) * nd]
    N, C = x.shape[:2]
    osp = win.shape[2:2 + nd]
    axes = (0,) + tuple(range(2, 2 + nd)) + (1,) + tuple(range(2 + nd, 2 + 2 * nd))
    cols = np.ascontiguousarray(win.transpose(axes)).reshape(N * int(np.prod(osp)), -1)
    out = cols @ w.reshape(w.shape[0], -1).T
    return out.reshape((N,) + osp + (w.shape[0],)).transpose((0, nd + 1) + tuple(range(1, nd + 1)))


def _flops(N, C, K, osp, k):
    return 2.0 * N * K * C * int(np.prod(osp)) * int(np.prod(k))


def run(rounds: int | None = None) -> list[dict]:
    rounds = rounds or (5 if os.environ.get("BENCH_QUICK") else 11)
    threads = int(os.environ.get("BENCH_THREADS", "2"))
    t_imp = time.perf_counter()
    import numba
    import autograd
    import nn.functional as F
    from autograd.ops import conv as C
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    t_imp = time.perf_counter() - t_imp
    torch = try_torch(threads)
    info = env_info()
    print("env:", ", ".join(f"{k}={v}" for k, v in info.items()))

    # JIT: first call of each kernel specialisation (float32) = compile, or cache load if warm.
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    t_first = timed_first_call(lambda: F.conv2d(x, w, padding=1).sum().backward())
    t_strided = timed_first_call(lambda: F.conv2d(x, w, stride=2).sum().backward())
    print_table("JIT (float32 conv family: fwd, dX, dW; flat + strided variants)",
                ["what", "seconds"],
                [["import numba+autograd", f"{t_imp:.2f}"],
                 ["first conv fwd+bwd (compile or cache load)", f"{t_first:.2f}"],
                 ["first strided conv fwd+bwd", f"{t_strided:.2f}"]])

    rows, results = [], []
    for name, N, Cin, K, sp, k, s, p in LAYERS:
        nd = len(sp)
        xn = rng.standard_normal((N, Cin) + sp).astype(np.float32)
        wn = (rng.standard_normal((K, Cin) + k) * 0.1).astype(np.float32)
        geo = ((s,) * nd, (p,) * nd, (p,) * nd, (1,) * nd, 1)
        yn = C._conv_fwd(xn, wn, geo)
        gn = rng.standard_normal(yn.shape).astype(np.float32)
        fl = _flops(N, Cin, K, yn.shape[2:], k)
        conv = getattr(F, f"conv{nd}d")
        xa = autograd.tensor(xn, requires_grad=True)
        wa = autograd.tensor(wn, requires_grad=True)
        ba = autograd.tensor(np.zeros(K, np.float32), requires_grad=True)
        ga = autograd.tensor(gn)

        def ag_step():
            xa.grad = wa.grad = ba.grad = None
            conv(xa, wa, ba, s, p).backward(ga)

        cands = {
            "fwd": lambda: C._conv_fwd(xn, wn, geo),
            "dX": lambda: C._conv_dx(gn, wn, xn.shape[2:], geo),
            "dW": lambda: C._conv_dw(xn, gn, wn.shape, geo),
            "autograd fwd+bwd": ag_step,
            "numpy im2col fwd": lambda: _im2col_ref(xn, wn, s, p),
        }
        tmap = {}
        if torch is not None:
            tf = getattr(torch.nn.functional, f"conv{nd}d")
            xt = torch.from_numpy(xn).requires_grad_(True)
            wt = torch.from_numpy(wn).requires_grad_(True)
            bt = torch.zeros(K, requires_grad=True)
            gt = torch.from_numpy(gn)
            xt0, wt0 = torch.from_numpy(xn), torch.from_numpy(wn)

            def t_step():
                xt.grad = wt.grad = bt.grad = None
                tf(xt, wt, bt, stride=s, padding=p).backward(gt)

            def t_dx():
                return torch.autograd.grad(tf(xt, wt, None, stride=s, padding=p), xt, gt)

            def t_dw():
                y = tf(xt0, wt, None, stride=s, padding=p)
                return torch.autograd.grad(y, wt, gt)

            with torch.no_grad():
                tf(xt0, wt0, None, stride=s, padding=p)
            cands.update({"torch fwd": lambda: tf(xt0, wt0, None, stride=s, padding=p),
                          "torch fwd+dX": t_dx, "torch fwd+dW": t_dw,
                          "torch fwd+bwd": t_step})
            tmap = {"fwd": "torch fwd", "autograd fwd+bwd": "torch fwd+bwd"}
        res = bench(cands, rounds=rounds, warmup=2, block_s=0.03)
        tf_ = res.get("torch fwd")
        # torch's dX / dW alone: (fwd + grad) - fwd
        if tf_ is not None:
            res["torch dX"] = max(res["torch fwd+dX"] - tf_, 1e-9)
            res["torch dW"] = max(res["torch fwd+dW"] - tf_, 1e-9)
            tmap.update({"dX": "torch dX", "dW": "torch dW"})
        for what in ("fwd", "dX", "dW", "autograd fwd+bwd", "numpy im2col fwd"):
            t = res[what]
            f = fl * (3 if what == "autograd fwd+bwd" else 1)
            ref = res.get(tmap.get(what, ""), None) if what != "numpy im2col fwd" else tf_
            ratio = f"{ref / t:.2f}x" if ref else "-"
            rows.append([name, what, fmt_ms(t), f"{f / t / 1e9:.1f}", fmt_ms(ref), ratio])
            results.append({"layer": name, "what": what, "ms": t * 1e3,
                            "gflops": f / t / 1e9, "torch_ms": None if ref is None else ref * 1e3,
                            "speed_vs_torch": None if not ref else ref / t})
    print_table(f"conv float32, {threads} threads (speed vs torch: >1 = faster than torch; "
                "torch dX/dW = torch fwd+grad minus fwd)",
                ["layer", "what", "ms", "GFLOP/s", "torch ms", "speed vs torch"], rows)
    return results


if __name__ == "__main__":
    run()
