"""Kernels run their parallel build for float32 and a serial twin otherwise (compile time)."""
import numpy as np

import autograd
import nn.functional as F
from autograd.kernels import conv as KC
from autograd.kernels import pool as KP

RNG = np.random.default_rng(7)


def _dtypes(dispatcher):
    return {str(sig[0].dtype) for sig in dispatcher.signatures}


def test_float64_runs_the_serial_twin_and_float32_the_parallel_build():
    for dt in (np.float32, np.float64):
        x = autograd.tensor(RNG.standard_normal((2, 3, 8, 8)).astype(dt), requires_grad=True)
        F.max_pool2d(x, 3, 2, 1).sum().backward()
    assert "float64" not in _dtypes(KP.pool_fwd.parallel)
    assert "float64" in _dtypes(KP.pool_fwd.serial)
    assert "float32" in _dtypes(KP.pool_fwd.parallel)


def test_serial_twin_has_its_own_cache_entry():
    # Numba's cache files are named after the qualified name: a shared name would let one
    # build load the other's machine code
    for k in (KC.conv_forward, KC.conv_backward_weight, KP.pool_fwd, KP.pool_bwd):
        assert k.serial.py_func.__qualname__ != k.parallel.py_func.__qualname__
        assert k.serial.py_func.__code__ is k.parallel.py_func.__code__


def test_serial_twin_gives_the_parallel_builds_bits():
    x = RNG.standard_normal((6, 40 + KC.tile_width(np.float32) + 8)).astype(np.float32)
    w = RNG.standard_normal((10, 3, 4)).astype(np.float32)
    toff = np.array([0, 1, 5, 8], np.int64)
    rows = np.array([0, 3], np.int64)
    outs = []
    for k in (KC.conv_forward.parallel, KC.conv_forward.serial):
        out = np.full((10, 2, 37), np.nan, np.float32)
        k(x, w, np.ones(10, np.float32), toff, rows, out, KC.tile_width(np.float32))
        outs.append(out)
    assert not np.isnan(outs[0]).any()
    assert outs[0].tobytes() == outs[1].tobytes()
