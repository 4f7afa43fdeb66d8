"""autograd.profiler: counts match the ops run, self times add up, trace JSON, JIT timed apart."""
import json
import time

import numpy as np

import autograd
from autograd.profiler import profile, record_function


def _step(x, w):
    y = (x @ w).relu().sum()
    y.backward()


def test_counts_and_times_add_up(tmp_path):
    x = autograd.randn(32, 16, requires_grad=True)
    w = autograd.randn(16, 8, requires_grad=True)
    t0 = time.perf_counter()
    with profile(record_shapes=True) as prof:
        with record_function("step"):
            for _ in range(4):
                _step(x, w)
    wall = time.perf_counter() - t0
    ev = {e.key: e for e in prof.key_averages()}
    assert ev["MatMul"].count == 4 and ev["MatMul"].bwd_count == 4
    assert ev["Relu"].count == 4 and ev["Sum"].count == 4
    assert ev["step"].count == 1
    self_total = sum(e.self_cpu_time_total for e in prof.key_averages())
    assert self_total <= prof.wall_time * 1e6 + 1 and prof.wall_time <= wall
    # the user range includes its ops: inclusive >= sum of the ops' self times
    ops_self = sum(e.self_cpu_time_total for k, e in ev.items() if k != "step")
    assert ev["step"].cpu_time_total >= ops_self
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=3)
    body = [l for l in table.splitlines() if l and not l.startswith("-")]
    assert body[0].startswith("Name") and len(body) == 1 + 3 + 1      # header, 3 rows, footer
    assert "Self %" in table and "JIT" in table
    by_count = prof.key_averages().table(sort_by="count")
    assert "Fwd self" in by_count
    shapes = prof.key_averages(group_by_input_shape=True)
    assert any(e.input_shapes == str([[32, 16], [16, 8]]) for e in shapes)
    p = prof.export_chrome_trace(str(tmp_path / "t.json"))
    tr = json.load(open(p))["traceEvents"]
    xs = [e for e in tr if e["ph"] == "X"]
    assert sum(1 for e in xs if e["name"] == "MatMul") == 4
    assert sum(1 for e in xs if e["name"] == "MatMulBackward0") == 4
    assert all(e["dur"] >= 0 and "ts" in e and "pid" in e and "tid" in e for e in xs)


def test_observer_removed_and_nested_profilers():
    from autograd import function
    x = autograd.randn(4, requires_grad=True)
    with profile() as outer:
        with profile() as inner:
            (x * 2).sum()
        (x + 1).sum()
    assert function.observer is None
    ko = {e.key: e.count for e in outer.key_averages()}
    ki = {e.key: e.count for e in inner.key_averages()}
    assert ki == {"Mul": 1, "Sum": 1}
    assert ko["Sum"] == 2 and ko["Add"] == 1


def test_numba_compile_time_reported_apart():
    from numba import njit

    @njit(cache=False)
    def kernel(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i] * 2.0
        return s

    class K(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return autograd.tensor(kernel(t.detach().numpy().astype(np.float64)))

        @staticmethod
        def backward(ctx, g):
            return g

    x = autograd.randn(5, requires_grad=True)
    with profile() as prof:
        K.apply(x)
        K.apply(x)                                     # second call: no compile
    assert prof.jit_time > 0
    assert "kernel" in prof.jit_table() and "compile" in prof.jit_table()
    ev = {e.key: e for e in prof.key_averages()}
    assert ev["K"].jit_us > 0
    assert ev["K"].self_cpu_time_total < ev["K"].cpu_time_total      # JIT is not self time
    assert len(prof.jit_events) == 1
