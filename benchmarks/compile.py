"""JIT compile time of the whole kernel family, cold (empty Numba cache) and warm (cache load).

Each measurement is a fresh Python process with ``NUMBA_CACHE_DIR`` pointing at a temporary
directory: the first run compiles every kernel the script touches, the second run loads them
from that cache. Per family and dtype, the script times the first forward + backward of:

* conv: conv2d padded + strided (forward, input and weight gradients, the wide-layer weight
  gradient), conv_transpose2d, conv1d
* pool: max / avg 2x2 (the LeNet fast path) and 3x3/s2/p1 (the general kernels), adaptive avg
* local: nn.LocallyConnected2d, and the GELU erf kernel
* norm: batch norm forward + backward (the fused per-channel kernels)
* optim: an SGD (momentum, then Nesterov) and an Adam step (the fused update kernels)
* random: rand / randn (both Box-Muller paths) / uniform_ with bounds / randperm / dropout /
  exponential_ (torch's sampling arithmetic, autograd/kernels/random.py); timed first, since
  every other family draws its inputs with randn

float32 runs every parallel kernel; float64 (the gradient-check dtype) runs their serial twins.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks.harness import print_table

_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
import autograd, nn
import nn.functional as F
from autograd.ops import conv as C
res = {"import": time.perf_counter() - t0}

def conv(dt):
    x = autograd.randn(2, 3, 9, 9, dtype=dt, requires_grad=True)
    w = autograd.randn(4, 3, 3, 3, dtype=dt, requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    C._WIDE_DW_ALWAYS = True                    # the wide-layer weight gradient (float32) at a small size
    xw = autograd.randn(2, 3, 40, 40, dtype=dt)
    ww = autograd.randn(16, 3, 3, 3, dtype=dt, requires_grad=True)
    F.conv2d(xw, ww, padding=1).sum().backward()
    F.conv2d(x, w, stride=2).sum().backward()
    F.conv_transpose2d(x, w.transpose(0, 1), stride=2).sum().backward()
    F.conv1d(x[:, :, 0], w[:, :, 0], padding=1).sum().backward()

def pool(dt):
    x = autograd.randn(2, 3, 8, 8, dtype=dt, requires_grad=True)
    for f in (lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 2),
              lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 3, 2, 1),
              lambda a: F.adaptive_avg_pool2d(a, 3)):
        f(x).sum().backward()

def local(dt):
    m = nn.LocallyConnected2d(3, 4, (8, 8), 3).to(dt)
    x = autograd.randn(2, 3, 8, 8, dtype=dt, requires_grad=True)
    m(x).sum().backward()
    F.gelu(x).sum().backward()

def norm(dt):
    x = autograd.randn(4, 3, 5, 5, dtype=dt, requires_grad=True)
    m = nn.BatchNorm2d(3).to(dt)
    m(x).sum().backward()

def optim_(dt):
    import optim
    p = autograd.randn(10, dtype=dt, requires_grad=True)
    for o in (optim.SGD([p], lr=0.1, momentum=0.9), optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
              optim.Adam([p])):
        for _ in range(2):
            p.grad = autograd.ones(10, dtype=dt)
            o.step()
optim_.__name__ = "optim"

def random_(dt):
    autograd.rand(5, dtype=dt)
    autograd.randn(5, dtype=dt)
    x = autograd.randn(40, dtype=dt)
    x.uniform_(-0.5, 0.5)
    x.exponential_()
    F.dropout(x, 0.5)
    autograd.randperm(10)
random_.__name__ = "random"

for dt in ("float32", "float64"):
    for fam in (random_, conv, pool, local, norm, optim_):
        t = time.perf_counter()
        fam(getattr(autograd, dt))
        res[f"{fam.__name__} {dt}"] = time.perf_counter() - t
res["total"] = time.perf_counter() - t0
print(json.dumps(res))
"""


def _run(cache_dir: str) -> dict:
    import json
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=root, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="autograd-numba-cache-") as d:
        cold = _run(d)
        warm = _run(d)
    # the conv/pool family (issue target: < 20 s cold) apart from the other kernel families
    fam = ["import"] + [f"{f} {dt}" for f in ("conv", "pool", "local")
                        for dt in ("float32", "float64")]
    for res in (cold, warm):
        res["subtotal conv+pool+local+import"] = sum(res[k] for k in fam if k in res)
        res["total"] = res.pop("total")
    rows = [[k, f"{cold[k]:.2f}", f"{warm[k]:.2f}"] for k in cold]
    print_table("JIT compile: fresh process, empty Numba cache (cold) then the same cache (warm); "
                "seconds", ["what", "cold s", "warm s"], rows)
    return [{"what": k, "cold_s": cold[k], "warm_s": warm[k]} for k in cold]


if __name__ == "__main__":
    run()
