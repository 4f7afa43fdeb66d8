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
        k(x, KC.tile_weights(w, 2), np.ones(10, np.float32), toff, rows, 37, out.reshape(-1),
          np.arange(2, dtype=np.int64) * 37, 74, 37, 37, KC.tile_width(np.float32), 1, 1)
        outs.append(out)
    assert not np.isnan(outs[0]).any()
    assert outs[0].tobytes() == outs[1].tobytes()


def test_batch_norm_kernels_against_numpy_and_threads():
    """The fused batch-norm kernels: statistics per channel over (N, *spatial), affine per
    channel; against the numpy formulas, bitwise identical on 1 and 2 threads."""
    import numba
    from autograd.kernels import norm as KN
    x = RNG.standard_normal((5, 3, 7)).astype(np.float32) * 3 + 1
    w = RNG.standard_normal(3).astype(np.float32)
    b = RNG.standard_normal(3).astype(np.float32)
    g = RNG.standard_normal(x.shape).astype(np.float32)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(0, 2))
    var = x64.var(axis=(0, 2))
    inv = 1 / np.sqrt(var + 1e-5)
    xhat = (x64 - mean[:, None]) * inv[:, None]
    ref = xhat * w[:, None] + b[:, None]
    gxhat = g * w[:, None]
    ref_gx = (gxhat - gxhat.mean(axis=(0, 2))[:, None]
              - xhat * (gxhat * xhat).mean(axis=(0, 2))[:, None]) * inv[:, None]
    results = []
    old = numba.get_num_threads()
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            out = np.empty_like(x)
            m, v, s = np.empty(3), np.empty(3), np.empty(3)
            KN.norm_forward(x, w, b, 1e-5, out, m, v, s)
            gx, gw, gb = np.empty_like(x), np.empty(3, np.float32), np.empty(3, np.float32)
            KN.norm_backward(x, g, w, m, s, gx, gw, gb)
            results.append([out, m, v, gx, gw, gb])
    finally:
        numba.set_num_threads(old)
    out, m, v, gx, gw, gb = results[0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m, mean, rtol=1e-12)
    np.testing.assert_allclose(v, var, rtol=1e-12)
    np.testing.assert_allclose(gx, ref_gx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gw, (g * xhat).sum(axis=(0, 2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2)), rtol=1e-5, atol=1e-5)
    for a, c in zip(*results):
        assert a.tobytes() == c.tobytes()
