"""Shared timing harness: candidates run interleaved (rotating order) in blocks, so the noise of
a shared machine hits all of them alike; reports the median time per call after warm-up.

    from benchmarks.harness import bench, print_table, env_info
    res = bench({"ours": f1, "torch": f2}, rounds=15)   # {name: seconds per call (median)}
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time


def env_info() -> dict:
    """What a reader needs to interpret the numbers: BLAS settings, threads, versions."""
    info = {k: os.environ.get(k, "(unset)") for k in
            ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_THREAD_TIMEOUT",
             "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    info["python"] = platform.python_version()
    info["cpus"] = os.cpu_count()
    try:
        import numpy
        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    try:
        import numba
        info["numba"] = numba.__version__
        info["numba_threads"] = numba.get_num_threads()
        info["numba_threading_layer"] = _threading_layer()
    except ImportError:
        pass
    torch = try_torch()
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def _threading_layer():
    import numba
    try:
        return numba.threading_layer()
    except ValueError:
        return "(not initialised yet)"


_TORCH = "unset"


def try_torch(threads: int | None = None):
    """torch if importable (never required), with its thread count matched to ours."""
    global _TORCH
    if _TORCH == "unset":
        try:
            import torch
            _TORCH = torch
        except ImportError:
            _TORCH = None
    if _TORCH is not None:
        n = threads or int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
        _TORCH.set_num_threads(n)
    return _TORCH


def _calls_per_block(fn, target_s: float) -> int:
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    return max(1, min(1000, int(target_s / max(dt, 1e-7))))


def bench(candidates: dict, rounds: int = 11, warmup: int = 2, block_s: float = 0.05) -> dict:
    """Median seconds per call of each candidate (a dict name -> zero-arg callable)."""
    names = list(candidates)
    for name in names:
        for _ in range(warmup):
            candidates[name]()
    per_block = {n: _calls_per_block(candidates[n], block_s) for n in names}
    samples = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            fn, k = candidates[n], per_block[n]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            samples[n].append((time.perf_counter() - t0) / k)
    return {n: statistics.median(s) for n, s in samples.items()}


def timed_first_call(fn) -> float:
    """Seconds of one call (e.g. the first call of a JIT kernel: compile or cache load)."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def fmt_ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1e3:.3f}"


def print_table(title: str, header: list, rows: list) -> str:
    """Print a fixed-width table; returns the text."""
    cols = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [f"\n## {title}", "  ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cols[1:]]
    text = "\n".join(out)
    print(text, flush=True)
    return text


def dump_json(path: str, payload: dict) -> None:
    with open(path, "w") as f:
        json.dump(payload, f, indent=2, default=str)
