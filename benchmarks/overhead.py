"""Per-op autograd overhead: a chain of 100 elementwise ops on a 10-element tensor, forward +
backward, in µs per op, side by side with torch (when importable) in one run.

    .venv/bin/python -m benchmarks.overhead
"""
from __future__ import annotations

import numpy as np

try:
    from benchmarks.harness import bench, print_table, env_info, try_torch
except ImportError:                      # run as a script from benchmarks/
    from harness import bench, print_table, env_info, try_torch

import autograd

N_OPS = 100
SIZE = 10


def _chain(x, c):
    """100 ops: 25 rounds of (mul, add, sub-scalar, tanh)."""
    y = x
    for _ in range(N_OPS // 4):
        y = y * c
        y = y + x
        y = y - 0.5
        y = y.tanh()
    return y


def _step_ours(x, c):
    def step():
        x.grad = None
        y = _chain(x, c)
        y.backward(g)
    g = autograd.ones(SIZE)
    return step


def _step_torch(torch, x, c):
    g = torch.ones(SIZE)

    def step():
        x.grad = None
        y = _chain(x, c)
        y.backward(g)
    return step


def _forward_only(x, c, ctx):
    def step():
        with ctx():
            _chain(x, c)
    return step


def run() -> list[dict]:
    """Print the table and return one row per (library, mode) with µs per op."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal(SIZE).astype(np.float32)
    x = autograd.tensor(data, requires_grad=True)
    c = autograd.tensor(rng.standard_normal(SIZE).astype(np.float32))
    cands = {"autograd fwd+bwd": _step_ours(x, c),
             "autograd fwd (no_grad)": _forward_only(x, c, autograd.no_grad)}
    torch = try_torch(threads=1)
    if torch is not None:
        tx = torch.tensor(data, requires_grad=True)
        tc = torch.tensor(c.numpy())
        cands["torch fwd+bwd"] = _step_torch(torch, tx, tc)
        cands["torch fwd (no_grad)"] = _forward_only(tx, tc, torch.no_grad)
    res = bench(cands, rounds=11)
    rows = []
    for name, sec in res.items():
        lib, mode = name.split(" ", 1)
        rows.append({"library": lib, "mode": mode, "us_per_op": sec / N_OPS * 1e6,
                     "ops": N_OPS, "numel": SIZE})
    ours = res["autograd fwd+bwd"]
    ref = res.get("torch fwd+bwd")
    table = [[r["library"], r["mode"], f"{r['us_per_op']:.2f}",
              (f"{res[r['library'] + ' ' + r['mode']] / res[('torch ' + r['mode'])]:.2f}x"
               if torch is not None else "-")] for r in rows]
    print_table(f"autograd overhead: {N_OPS}-op chain on a {SIZE}-element float32 tensor",
                ["library", "mode", "µs/op", "vs torch"], table)
    if ref is not None:
        print(f"ours {ours / N_OPS * 1e6:.2f} µs/op vs torch {ref / N_OPS * 1e6:.2f} µs/op "
              f"(forward + backward)")
    info = env_info()
    print("env:", {k: info[k] for k in ("python", "numpy", "cpus") if k in info},
          "torch:", info.get("torch", "not importable"))
    return rows


if __name__ == "__main__":
    run()
