"""A profiler for the ops of this library (modelled on torch.profiler / torch.autograd.profiler).

    from autograd.profiler import profile, record_function
    with profile(record_shapes=True) as prof:
        with record_function("train_step"):
            loss = crit(model(x), y)
            loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")     # open in https://ui.perfetto.dev or chrome://tracing

Each row is one op, keyed by its primitive's class: its forward calls and self time, and the
self time of its backward node (a ``MatMul`` node, whose ``grad_fn.name()`` is torch's
``MmBackward0`` / ``UnsafeViewBackward0``, counts under ``MatMul``; the Chrome trace labels
its backward ``MatMulBackward0``). Self time excludes nested ops and Numba JIT
work. Numba compilation (and cache loads) of the kernels an op calls is timed apart, per
kernel, by wrapping ``numba``'s dispatcher ``compile`` while profiling (``prof.jit_table()``).
"""
from __future__ import annotations

import json
import os
import threading
import time

__all__ = ["profile", "record_function", "EventList", "FunctionEventAvg"]

_active = []          # running profilers (innermost last)
_clock = time.perf_counter


class _Frame:
    __slots__ = ("name", "kind", "start", "child", "jit", "shapes")

    def __init__(self, name, kind, start, shapes=None):
        self.name, self.kind, self.start = name, kind, start
        self.child = 0.0
        self.jit = 0.0
        self.shapes = shapes


class FunctionEventAvg:
    """Aggregated statistics of one key (times in microseconds, as torch)."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0                  # forward calls (or range entries)
        self.bwd_count = 0
        self.fwd_self_us = 0.0
        self.bwd_self_us = 0.0
        self.cpu_time_total = 0.0       # inclusive (children and JIT included)
        self.jit_us = 0.0
        self.kind = "op"

    @property
    def self_cpu_time_total(self) -> float:
        return self.fwd_self_us + self.bwd_self_us

    @property
    def cpu_time(self) -> float:
        n = self.count + self.bwd_count
        return self.cpu_time_total / n if n else 0.0

    @property
    def self_cpu_time(self) -> float:
        n = self.count + self.bwd_count
        return self.self_cpu_time_total / n if n else 0.0

    @property
    def calls(self) -> int:
        return self.count + self.bwd_count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} count={self.count} bwd={self.bwd_count} "
                f"self={self.self_cpu_time_total:.1f}us>")


_SORT = {"self_cpu_time_total": lambda e: e.self_cpu_time_total,
         "self_cpu_time": lambda e: e.self_cpu_time,
         "cpu_time_total": lambda e: e.cpu_time_total,
         "cpu_time": lambda e: e.cpu_time,
         "count": lambda e: e.calls, "calls": lambda e: e.calls,
         "fwd": lambda e: e.fwd_self_us, "bwd": lambda e: e.bwd_self_us,
         "jit": lambda e: e.jit_us, "name": None}


def _fmt_us(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of :class:`FunctionEventAvg` with ``table()`` (as torch's EventList)."""

    def __init__(self, items=(), wall_us=0.0, jit_us=0.0):
        super().__init__(items)
        self.wall_us = wall_us
        self.jit_us = jit_us

    def table(self, sort_by: str | None = "self_cpu_time_total", row_limit: int = 100,
              header: str | None = None, max_name_column_width: int = 40) -> str:
        """Fixed-width table. ``sort_by``: self_cpu_time_total (default), cpu_time_total,
        self_cpu_time, cpu_time, count, fwd, bwd, jit or name."""
        rows = list(self)
        if sort_by is not None:
            if sort_by not in _SORT:
                raise ValueError(f"table(): sort_by must be one of {sorted(_SORT)}, got "
                                 f"{sort_by!r}")
            key = _SORT[sort_by]
            rows.sort(key=(lambda e: e.key) if key is None else (lambda e: -key(e)))
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        self_total = sum(e.self_cpu_time_total for e in self)
        with_shapes = any(e.input_shapes for e in rows)
        head = ["Name", "Calls", "Fwd self", "Bwd calls", "Bwd self", "Self total", "Self %",
                "Total (incl.)", "JIT compile"] + (["Input shapes"] if with_shapes else [])
        body = []
        for e in rows:
            name = e.key if len(e.key) <= max_name_column_width else \
                e.key[:max_name_column_width - 3] + "..."
            pct = 100.0 * e.self_cpu_time_total / self_total if self_total else 0.0
            r = [name, str(e.count), _fmt_us(e.fwd_self_us), str(e.bwd_count),
                 _fmt_us(e.bwd_self_us), _fmt_us(e.self_cpu_time_total), f"{pct:.2f}%",
                 _fmt_us(e.cpu_time_total), _fmt_us(e.jit_us) if e.jit_us else "-"]
            if with_shapes:
                r.append(str(e.input_shapes or ""))
            body.append(r)
        widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
        sep = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [header] if header else []
        out += [sep, "  ".join(h.ljust(w) for h, w in zip(head, widths)), sep]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
        out.append(sep)
        out.append(f"Self time total: {_fmt_us(self_total)} | wall time: {_fmt_us(self.wall_us)}"
                   f" | Numba JIT compile/cache-load: {_fmt_us(self.jit_us)} (not in self times)")
        return "\n".join(out)

    def __str__(self):
        return self.table()


class profile:
    """Context manager recording every op's forward and backward (self and inclusive time),
    user ranges (:class:`record_function`) and Numba JIT compilation.

    ``record_shapes=True`` keeps the input shapes (``key_averages(group_by_input_shape=True)``).
    Arguments of torch's profiler that do not apply (activities, profile_memory, with_stack,
    use_cuda...) are accepted and ignored."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False, **_ignored):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.events = []          # (name, kind, start_s, dur_s, self_s, jit_s, shapes, tid)
        self.jit_events = []      # (kernel, start_s, dur_s, how)
        self._stacks = {}
        self.t0 = self.t1 = None

    # ---- lifecycle ----
    def __enter__(self):
        if not self.enabled:
            return self
        from .graph import add_observer
        self.t0 = _clock()
        _active.append(self)
        add_observer(self)
        _numba_patch(True)
        return self

    def __exit__(self, *exc):
        if not self.enabled:
            return False
        from .graph import remove_observer
        self.t1 = _clock()
        remove_observer(self)
        if self in _active:
            _active.remove(self)
        _numba_patch(bool(_active))
        return False

    def _stack(self):
        tid = threading.get_ident()
        st = self._stacks.get(tid)
        if st is None:
            st = self._stacks[tid] = []
        return st

    def _push(self, name, kind, shapes=None):
        st = self._stack()
        f = _Frame(name, kind, _clock(), shapes)
        st.append(f)
        return f

    def _pop(self, f):
        end = _clock()
        st = self._stack()
        if st and st[-1] is f:
            st.pop()
        dur = end - f.start
        self_t = max(0.0, dur - f.child - f.jit)
        if st:
            st[-1].child += dur
        self.events.append((f.name, f.kind, f.start, dur, self_t, f.jit, f.shapes,
                            threading.get_ident()))

    def _jit(self, kernel, start, dur, how):
        self.jit_events.append((kernel, start, dur, how))
        st = self._stack()
        if st:
            st[-1].jit += dur

    # ---- observer protocol ----
    def forward(self, cls, args, fn):
        shapes = None
        if self.record_shapes:
            shapes = [list(a.shape) if hasattr(a, "shape") and hasattr(a, "_data") else None
                      for a in args]
        f = self._push(cls.__name__, "fwd", shapes)
        try:
            return fn(*args)
        finally:
            self._pop(f)

    def backward(self, node, fn):
        f = self._push(type(node).__name__, "bwd")
        try:
            return fn()
        finally:
            self._pop(f)

    # ---- results ----
    @property
    def wall_time(self) -> float:
        """Seconds between enter and exit (or now, while running)."""
        return ((self.t1 or _clock()) - self.t0) if self.t0 is not None else 0.0

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        agg = {}
        for name, kind, _s, dur, self_t, jit, shapes, _tid in self.events:
            key = (name, str(shapes) if group_by_input_shape and kind == "fwd" else None)
            e = agg.get(key)
            if e is None:
                e = agg[key] = FunctionEventAvg(name, key[1])
                e.kind = "user" if kind == "user" else "op"
            if kind == "bwd":
                e.bwd_count += 1
                e.bwd_self_us += self_t * 1e6
            else:
                e.count += 1
                e.fwd_self_us += self_t * 1e6
            e.cpu_time_total += dur * 1e6
            e.jit_us += jit * 1e6
        return EventList(agg.values(), self.wall_time * 1e6,
                         sum(j[2] for j in self.jit_events) * 1e6)

    def table(self, sort_by="self_cpu_time_total", row_limit=100) -> str:
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit)

    def jit_table(self) -> str:
        """Numba compile / cache-load time per kernel."""
        per = {}
        for k, _s, d, how in self.jit_events:
            c = per.setdefault(k, {"compile": [0, 0.0], "cache load": [0, 0.0]})
            c[how][0] += 1
            c[how][1] += d
        w = max([len(k) for k in per] + [6])
        lines = [f"{'Kernel':{w}s}  {'compiles':>8s}  {'compile time':>12s}  {'cache loads':>11s}"
                 f"  {'load time':>10s}"]
        for k, c in sorted(per.items(), key=lambda kv: -(kv[1]["compile"][1] +
                                                         kv[1]["cache load"][1])):
            lines.append(f"{k:{w}s}  {c['compile'][0]:8d}  {_fmt_us(c['compile'][1] * 1e6):>12s}"
                         f"  {c['cache load'][0]:11d}  {_fmt_us(c['cache load'][1] * 1e6):>10s}")
        if not per:
            lines.append("(no Numba compilation or cache load while profiling)")
        return "\n".join(lines)

    @property
    def jit_time(self) -> float:
        """Seconds spent compiling / loading Numba kernels while profiling."""
        return sum(j[2] for j in self.jit_events)

    def export_chrome_trace(self, path: str) -> str:
        """Write Chrome trace-event JSON (opens in Perfetto or chrome://tracing)."""
        pid = os.getpid()
        t0 = self.t0 or 0.0
        ev = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
               "args": {"name": "autograd"}}]
        tids = {}
        for name, kind, s, dur, self_t, jit, shapes, tid in self.events:
            t = tids.setdefault(tid, len(tids) + 1)
            label = name + ("Backward0" if kind == "bwd" else "")
            args = {"self_us": round(self_t * 1e6, 3)}
            if shapes:
                args["input_shapes"] = shapes
            if jit:
                args["jit_us"] = round(jit * 1e6, 3)
            ev.append({"name": label, "cat": {"fwd": "forward", "bwd": "backward",
                                              "user": "user_annotation"}[kind],
                       "ph": "X", "ts": round((s - t0) * 1e6, 3), "dur": round(dur * 1e6, 3),
                       "pid": pid, "tid": t, "args": args})
        for k, s, d, how in self.jit_events:
            ev.append({"name": f"numba {how}: {k}", "cat": "jit", "ph": "X",
                       "ts": round((s - t0) * 1e6, 3), "dur": round(d * 1e6, 3), "pid": pid,
                       "tid": 1, "args": {"kernel": k}})
        with open(path, "w") as f:
            json.dump({"traceEvents": ev, "displayTimeUnit": "ms"}, f)
        return path


class record_function:
    """Label a region: ``with record_function("data"): ...`` (or as a decorator). It shows as
    its own row (inclusive time; self time is the part not spent in ops) and in the trace."""

    def __init__(self, name: str, args=None):
        self.name = name
        self._frames = None

    def __enter__(self):
        self._frames = [(p, p._push(self.name, "user")) for p in _active]
        return self

    def __exit__(self, *exc):
        for p, f in reversed(self._frames or ()):
            p._pop(f)
        self._frames = None
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*a, **k):
            with record_function(self.name):
                return func(*a, **k)
        return wrapper


# ---- Numba: time dispatcher.compile (covers compilation and on-disk cache loads) ----------
_orig_compile = None
_jit_depth = [0]


def _numba_patch(on: bool):
    global _orig_compile
    try:
        from numba.core import dispatcher
    except ImportError:
        return
    if on and _orig_compile is None:
        _orig_compile = dispatcher.Dispatcher.compile

        def compile(self, sig, _orig=_orig_compile):
            if _jit_depth[0]:                 # nested compile of a callee: counted by the caller
                return _orig(self, sig)
            hits = getattr(self, "_cache_hits", None)
            before = sum(hits.values()) if hits is not None else 0
            n_sigs = len(self.overloads)
            _jit_depth[0] += 1
            s = _clock()
            try:
                return _orig(self, sig)
            finally:
                d = _clock() - s
                _jit_depth[0] -= 1
                if len(self.overloads) != n_sigs:     # new signature: not a no-op lookup
                    after = sum(hits.values()) if hits is not None else 0
                    how = "cache load" if after > before else "compile"
                    name = getattr(self, "py_func", None)
                    name = getattr(name, "__qualname__", str(name))
                    mod = getattr(getattr(self, "py_func", None), "__module__", "")
                    for p in _active:
                        p._jit(f"{mod}.{name}" if mod else name, s, d, how)
        dispatcher.Dispatcher.compile = compile
    elif not on and _orig_compile is not None:
        dispatcher.Dispatcher.compile = _orig_compile
        _orig_compile = None
