"""Pooling benchmark: max/avg pool 2x2 stride 2, ours (kernels alone and through autograd) vs
torch NCHW, with JIT compile time (cold = compile or cache load in a fresh process) reported
apart. Run: .venv/bin/python -m benchmarks.pool"""
from __future__ import annotations

import subprocess
import sys

import numpy as np

from benchmarks.harness import bench, print_table, env_info, try_torch, timed_first_call, fmt_ms

SHAPES = [(64, 6, 28, 28), (64, 16, 10, 10), (32, 128, 56, 56)]

_FIRST_CALL = r"""
import time, numpy as np
t0 = time.perf_counter()
import autograd, nn.functional as F
t1 = time.perf_counter()
x = autograd.randn(2, 3, 8, 8, requires_grad=True)
for f in (lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 2),
          lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1)):
    f(x).sum().backward()
y = autograd.randn(2, 3, 8, 8, dtype=autograd.float64, requires_grad=True)
for f in (lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 2),
          lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1)):
    f(y).sum().backward()
print(f"{t1 - t0:.3f} {time.perf_counter() - t1:.3f}")
"""


def _first_call_times(cold: bool) -> tuple:
    """(import s, first pooling calls s) in a fresh process; cold clears the Numba cache."""
    import glob
    import os
    import shutil
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if cold:
        for d in glob.glob(os.path.join(root, "autograd", "kernels", "__pycache__")):
            for f in glob.glob(os.path.join(d, "pool.*.nb*")):
                os.remove(f)
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], cwd=root, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def run() -> list[dict]:
    import autograd
    import nn.functional as F
    from autograd.ops import pool as P
    torch = try_torch()
    print(env_info())
    rows, results = [], []
    cold = _first_call_times(True)
    warm = _first_call_times(False)
    print_table("JIT: first pooling calls in a fresh process (max/avg, 2x2 + general, fwd+bwd, "
                "f32+f64)", ["cache", "import s", "first calls s"],
                [["cold (compile)", f"{cold[0]:.2f}", f"{cold[1]:.2f}"],
                 ["warm (cache load)", f"{warm[0]:.2f}", f"{warm[1]:.2f}"]])
    for shape in SHAPES:
        N, C, H, W = shape
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        nbytes = x.nbytes * 1.25
        for kind in ("max", "avg"):
            fF = F.max_pool2d if kind == "max" else F.avg_pool2d
            xt = autograd.tensor(x)
            xg = autograd.tensor(x, requires_grad=True)
            plan = P.window_plan((H, W), (H // 2, W // 2), (2, 2), (2, 2), (0, 0), (1, 1))
            g = np.ones((N, C, H // 2, W // 2), np.float32)
            if kind == "max":
                _, idx = P._max_forward(x, plan)
                kf = lambda: P._max_forward(x, plan)  # noqa: E731
                kb = lambda: P._scatter(g, idx, x.shape, N * C)  # noqa: E731
            else:
                kf = lambda: P._avg_forward(x, plan)  # noqa: E731
                kb = lambda: P._avg_adjoint(g, plan, x.shape)  # noqa: E731
            gt = autograd.tensor(g)

            def fb():
                y = fF(xg, 2)
                y.backward(gt)
                xg.grad = None
            cands = {"fwd": kf, "bwd": kb, "fwd_autograd": lambda: fF(xt, 2), "fwd+bwd": fb}
            if torch is not None:
                tx = torch.tensor(x)
                txg = torch.tensor(x, requires_grad=True)
                tF = getattr(torch.nn.functional, f"{kind}_pool2d")
                tg = torch.tensor(g)
                ty = tF(txg, 2)

                def tfb():
                    y = tF(txg, 2)
                    y.backward(tg)
                    txg.grad = None
                cands["torch_fwd"] = lambda: tF(tx, 2)
                cands["torch_bwd"] = lambda: torch.autograd.grad(ty, txg, tg, retain_graph=True)
                cands["torch_fwd+bwd"] = tfb
            res = bench(cands, rounds=9)
            for part in ("fwd", "bwd", "fwd+bwd"):
                t = res[part]
                tt = res.get("torch_" + part)
                r = {"op": f"{kind}_pool2d 2x2", "shape": "x".join(map(str, shape)),
                     "part": part, "ms": t * 1e3, "GB/s": nbytes / t / 1e9,
                     "torch_ms": None if tt is None else tt * 1e3,
                     "speedup_vs_torch": None if tt is None else tt / t}
                results.append(r)
                rows.append([r["op"], r["shape"], part + (" (autograd)" if part == "fwd+bwd"
                                                          else " (kernel)"),
                             fmt_ms(t), f"{r['GB/s']:.1f}", fmt_ms(tt),
                             "-" if tt is None else f"{tt / t:.1f}x"])
            rows.append([f"{kind}_pool2d 2x2", "x".join(map(str, shape)), "fwd (autograd)",
                         fmt_ms(res["fwd_autograd"]), "", fmt_ms(res.get("torch_fwd")),
                         "-" if torch is None else
                         f"{res['torch_fwd'] / res['fwd_autograd']:.1f}x"])
    print_table("Pooling 2x2/s2 float32 NCHW (GB/s = in+out bytes / time)",
                ["op", "shape", "part", "ms", "GB/s", "torch ms", "speedup"], rows)
    results.append({"jit_cold_s": cold[1], "jit_warm_s": warm[1]})
    return results


if __name__ == "__main__":
    run()
