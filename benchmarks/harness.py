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


def _isolated_worker(conn, target: str, args: tuple, warmup: int) -> None:
    import importlib
    try:
        mod, fn_name = target.split(":")
        fn = getattr(importlib.import_module(mod), fn_name)(*args)
        for _ in range(warmup):
            fn()
        conn.send(("ready", None))
    except Exception as e:                      # report instead of hanging the parent
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    while True:
        cmd, arg = conn.recv()
        if cmd == "stop":
            return
        if cmd == "calibrate":
            conn.send(_calls_per_block(fn, arg))
        else:
            t0 = time.perf_counter()
            for _ in range(arg):
                fn()
            conn.send(time.perf_counter() - t0)


def bench_isolated(specs: dict, rounds: int = 11, warmup: int = 3,
                   block_s: float = 0.05) -> dict:
    """Like bench(), but each candidate lives in its own worker process, so two libraries'
    OpenMP pools (torch's bundled libgomp, Numba's) never spin against each other in one
    process. ``specs``: name -> ("module:factory", args); factory(*args) returns the zero-arg
    callable to time. Blocks are still interleaved round by round from this process; a
    candidate whose worker fails is reported as None."""
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    workers = {}
    for name, (target, args) in specs.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_isolated_worker, args=(child, target, tuple(args), warmup),
                           daemon=True)
        proc.start()
        workers[name] = (proc, parent)
    live = {}
    for name, (proc, conn) in workers.items():
        status, err = conn.recv()
        if status == "ready":
            live[name] = conn
        else:
            print(f"bench_isolated: {name} failed: {err}", flush=True)
    per_block = {}
    for name, conn in live.items():
        conn.send(("calibrate", block_s))
        per_block[name] = conn.recv()
    names = list(live)
    samples = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)] if names else []
        for n in order:
            live[n].send(("run", per_block[n]))
            samples[n].append(live[n].recv() / per_block[n])
    for name, (proc, conn) in workers.items():
        try:
            conn.send(("stop", None))
        except (BrokenPipeError, OSError):
            pass
        proc.join(timeout=10)
    return {n: (statistics.median(samples[n]) if n in samples else None) for n in specs}
