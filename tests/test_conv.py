"""Convolutions, transposed convolutions, F.pad, unfold/fold: forward against a direct-sum numpy
reference (hypothesis-drawn geometry), gradcheck/gradgradcheck, dtypes, thread determinism,
error messages, modules, and PyTorch where importable."""
from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from autograd.kernels import conv as K

RNG = np.random.default_rng(1234)


def T(a, grad=False):
    return autograd.tensor(np.asarray(a), requires_grad=grad)


# ---- reference (direct sum over taps, numpy) -------------------------------------------------

def ref_conv(x, w, b, stride, pad, dil, groups):
    nd = x.ndim - 2
    N, C = x.shape[:2]
    Kc, Cg = w.shape[:2]
    ks = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    osp = tuple((xp.shape[2 + i] - dil[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    out = np.zeros((N, Kc) + osp, np.float64)
    Kg = Kc // groups
    for g in range(groups):
        for tap in itertools.product(*[range(k) for k in ks]):
            sl = tuple(slice(tap[i] * dil[i], tap[i] * dil[i] + stride[i] * (osp[i] - 1) + 1,
                             stride[i]) for i in range(nd))
            xs = xp[(slice(None), slice(g * Cg, (g + 1) * Cg)) + sl].astype(np.float64)
            ws = w[(slice(g * Kg, (g + 1) * Kg), slice(None)) + tap].astype(np.float64)
            out[:, g * Kg:(g + 1) * Kg] += np.einsum("nc...,kc->nk...", xs, ws)
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


def ref_conv_t(x, w, b, stride, pad, opad, dil, groups):
    """Transposed conv by its scatter definition."""
    nd = x.ndim - 2
    N, Cin = x.shape[:2]
    Cog = w.shape[1]
    ks = w.shape[2:]
    Cig = Cin // groups
    full = tuple((x.shape[2 + i] - 1) * stride[i] + dil[i] * (ks[i] - 1) + 1 + opad[i]
                 for i in range(nd))
    out = np.zeros((N, Cog * groups) + full, np.float64)
    for g in range(groups):
        for tap in itertools.product(*[range(k) for k in ks]):
            sl = tuple(slice(tap[i] * dil[i], tap[i] * dil[i] + stride[i] * (x.shape[2 + i] - 1)
                             + 1, stride[i]) for i in range(nd))
            xs = x[:, g * Cig:(g + 1) * Cig].astype(np.float64)
            ws = w[(slice(g * Cig, (g + 1) * Cig), slice(None)) + tap].astype(np.float64)
            out[(slice(None), slice(g * Cog, (g + 1) * Cog)) + sl] += np.einsum(
                "nc...,ck->nk...", xs, ws)
    crop = tuple(slice(pad[i], full[i] - pad[i]) for i in range(nd))
    out = out[(slice(None), slice(None)) + crop]
    if b is not None:
        out += b.reshape((1, -1) + (1,) * nd)
    return out


@st.composite
def conv_cases(draw, transposed=False):
    nd = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    depthwise = draw(st.booleans()) and groups > 1
    cg = 1 if depthwise else draw(st.integers(1, 2))
    kg = 1 if depthwise else draw(st.integers(1, 5))
    N = draw(st.integers(1, 2))
    ks = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    maxs = 7 if nd < 3 else 5
    if transposed:
        sp = tuple(draw(st.integers(1, 4)) for _ in range(nd))
        opad = tuple(draw(st.integers(0, max(stride[i], dil[i]) - 1)) for i in range(nd))
        # torch needs a positive output size
        for i in range(nd):
            if (sp[i] - 1) * stride[i] - 2 * pad[i] + dil[i] * (ks[i] - 1) + 1 + opad[i] <= 0:
                pad = pad[:i] + (0,) + pad[i + 1:]
        return nd, N, cg, kg, groups, ks, stride, dil, pad, sp, opad
    sp = tuple(draw(st.integers(max(1, dil[i] * (ks[i] - 1) + 1 - 2 * pad[i]), maxs))
               for i in range(nd))
    return nd, N, cg, kg, groups, ks, stride, dil, pad, sp, None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(conv_cases(), st.sampled_from([np.float32, np.float64]), st.booleans())
def test_conv_forward_matches_reference(case, dt, bias):
    nd, N, cg, kg, groups, ks, stride, dil, pad, sp, _ = case
    x = RNG.standard_normal((N, cg * groups) + sp).astype(dt)
    w = RNG.standard_normal((kg * groups, cg) + ks).astype(dt)
    b = RNG.standard_normal(kg * groups).astype(dt) if bias else None
    fn = getattr(F, f"conv{nd}d")
    y = fn(T(x), T(w), None if b is None else T(b), stride, pad, dil, groups)
    ref = ref_conv(x, w, b, stride, pad, dil, groups)
    assert y.dtype == dt
    assert y.shape == ref.shape
    tol = 1e-4 if dt == np.float32 else 1e-11
    np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(conv_cases(transposed=True), st.sampled_from([np.float32, np.float64]), st.booleans())
def test_conv_transpose_forward_matches_reference(case, dt, bias):
    nd, N, cig, cog, groups, ks, stride, dil, pad, sp, opad = case
    x = RNG.standard_normal((N, cig * groups) + sp).astype(dt)
    w = RNG.standard_normal((cig * groups, cog) + ks).astype(dt)
    b = RNG.standard_normal(cog * groups).astype(dt) if bias else None
    fn = getattr(F, f"conv_transpose{nd}d")
    y = fn(T(x), T(w), None if b is None else T(b), stride, pad, opad, groups, dil)
    ref = ref_conv_t(x, w, b, stride, pad, opad, dil, groups)
    assert y.dtype == dt and y.shape == ref.shape
    tol = 1e-4 if dt == np.float32 else 1e-11
    np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_conv_transpose_stride1_output_padding_reads_no_neighbour(nd, dt):
    """Stride 1, padding and an output_padding (< dilation): the positions only the output
    padding adds must read zeros, not the next image's or row's values (the stride-1 path
    shares zero padding between rows, and its tail must grow by output_padding)."""
    rng = np.random.default_rng(nd)
    sp = (5, 4, 3)[:nd]
    x = rng.standard_normal((3, 2) + sp).astype(dt)
    w = rng.standard_normal((2, 3) + (2,) * nd).astype(dt)
    for pad, opad, dil in [(1, 1, 2), (2, 2, 3), (1, 1, 3)]:
        y = getattr(F, f"conv_transpose{nd}d")(T(x), T(w), None, 1, pad, opad, 1, dil)
        ref = ref_conv_t(x, w, None, (1,) * nd, (pad,) * nd, (opad,) * nd, (dil,) * nd, 1)
        tol = 1e-4 if dt == np.float32 else 1e-11
        np.testing.assert_allclose(y.numpy(), ref, rtol=tol, atol=tol)


GRAD_CASES = [
    # nd, N, C, K, sp, k, stride, pad, dil, groups
    (1, 2, 2, 3, (6,), (3,), 1, 1, 1, 1),
    (1, 1, 4, 4, (7,), (2,), 2, 0, 2, 2),
    (2, 2, 2, 3, (5, 4), (3, 2), 1, 1, 1, 1),
    (2, 1, 2, 2, (5, 5), (2, 2), 2, 1, 1, 2),     # depthwise, strided
    (2, 1, 3, 2, (6, 5), (2, 2), (1, 2), (0, 1), (2, 1), 1),
    (3, 1, 2, 2, (3, 4, 3), (2, 2, 1), 1, (1, 0, 0), 1, 1),
    (3, 1, 2, 2, (4, 3, 4), (2, 1, 2), 2, 0, 1, 2),
]


@pytest.mark.parametrize("case", GRAD_CASES)
def test_conv_gradcheck_and_gradgradcheck(case):
    nd, N, C, Kc, sp, k, s, p, d, g = case
    x = T(RNG.standard_normal((N, C) + sp), True)
    w = T(RNG.standard_normal((Kc, C // g) + k), True)
    b = T(RNG.standard_normal(Kc), True)
    fn = getattr(F, f"conv{nd}d")
    f = lambda x, w, b: fn(x, w, b, s, p, d, g)  # noqa: E731
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("nd,s,p,op,d,g", [(1, 2, 1, 1, 1, 1), (2, 2, 0, 1, 1, 2),
                                           (2, 1, 1, 0, 2, 1), (3, 2, 0, (1, 0, 1), 1, 1),
                                           # output_padding >= stride (allowed as dilation >
                                           # stride) and padding > dilation * (kernel - 1)
                                           (1, 1, 2, 1, 2, 1), (2, (2, 1), (0, 2), 1, (1, 2), 1),
                                           (3, (2, 1, 1), (1, 0, 2), (0, 1, 1), 2, 2)])
def test_conv_transpose_gradcheck_and_gradgradcheck(nd, s, p, op, d, g):
    sp = (3, 4, 3)[:nd]
    x = T(RNG.standard_normal((1, 2) + sp), True)
    w = T(RNG.standard_normal((2, 2 // g) + (2,) * nd), True)
    b = T(RNG.standard_normal(2 // g * g), True)
    fn = getattr(F, f"conv_transpose{nd}d")
    f = lambda x, w, b: fn(x, w, b, s, p, op, g, d)  # noqa: E731
    assert autograd.gradcheck(f, (x, w, b))
    assert autograd.gradgradcheck(f, (x, w, b))


def test_float32_stays_float32_and_unbatched():
    x = T(RNG.standard_normal((3, 8, 8)).astype(np.float32), True)
    w = T(RNG.standard_normal((4, 3, 3, 3)).astype(np.float32), True)
    b = T(np.zeros(4, np.float32), True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (4, 8, 8) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert b.grad.dtype == np.float32
    yt = F.conv_transpose2d(x, w.detach().permute(1, 0, 2, 3).contiguous(), stride=2)
    assert yt.dtype == np.float32 and yt.shape == (4, 17, 17)


def test_kernels_bitwise_identical_for_1_and_2_threads():
    import numba
    from autograd.ops import conv as C
    x = RNG.standard_normal((5, 6, 13, 11)).astype(np.float32)
    lenet = RNG.standard_normal((16, 6, 14, 14)).astype(np.float32)   # batch-inner, one run
    for x, geo, wshape in [(x, ((1, 1), (1, 1), (1, 1), (1, 1), 2), (10, 3, 3, 3)),
                           (x, ((2, 1), (1, 0), (1, 0), (1, 2), 1), (10, 6, 3, 3)),
                           (lenet, ((1, 1), (0, 0), (0, 0), (1, 1), 1), (16, 6, 5, 5))]:
        w_ = RNG.standard_normal(wshape).astype(np.float32)
        outs = []
        old = numba.get_num_threads()
        for n in (1, 2 if numba.config.NUMBA_NUM_THREADS >= 2 else 1):
            numba.set_num_threads(n)
            try:
                y = C._conv_fwd(x, w_, geo)
                g = np.ascontiguousarray(np.cos(y))
                outs.append((y, C._conv_dx(g, w_, x.shape[2:], geo),
                             C._conv_dw(x, g, w_.shape, geo)))
            finally:
                numba.set_num_threads(old)
        for a, b in zip(*outs):
            assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,plane,extra,at", [((2, 3, 1, 4, 5), (1, 6, 7), 5, 0),
                                                  ((3, 2, 2, 3, 3), (3, 3, 4), 0, 3),
                                                  ((1, 32, 1, 5, 16), (1, 5, 16), 3, 0),
                                                  ((2, 41, 2, 3, 37), (3, 4, 40), 2, 5),
                                                  ((1, 20, 1, 2, 70), (1, 3, 141), 1, 1)])
def test_transpose_planes_against_numpy(shape, plane, extra, at, dt):
    """Position-major copies into larger planes (zeros in the padding), several column chunks
    per line, dst at any alignment (``at``), both dtypes; nothing outside dst is written."""
    g = RNG.standard_normal(shape).astype(dt)
    N, Kc, D, H, W = shape
    S = int(np.prod(plane))
    buf = np.full((N * S + extra) * Kc + at + 7, np.nan, dt)
    gt = buf[at:at + (N * S + extra) * Kc].reshape(N * S + extra, Kc)
    K.transpose_planes(g, gt, np.array(plane, np.int64))
    want = np.zeros((N,) + plane + (Kc,), dt)
    want[:, :D, :H, :W] = g.transpose(0, 2, 3, 4, 1)
    np.testing.assert_array_equal(gt[:N * S], want.reshape(N * S, Kc))
    assert not gt[N * S:].any()
    assert np.isnan(buf[:at]).all() and np.isnan(buf[at + gt.size:]).all()
    with pytest.raises(ValueError, match="bad plane or buffer geometry"):
        K.transpose_planes(g, gt[:N * S - 1], np.array(plane, np.int64))


def test_kernel_callable_alone():
    # 1-d conv as a flat sweep on channel-major rows: x (C, L), w (K, Cg, T), out (K, R, Q)
    x = RNG.standard_normal((2, 9)).astype(np.float64)
    w = RNG.standard_normal((3, 2, 3)).astype(np.float64)
    out = np.empty((3, 1, 7))
    r0 = np.zeros(1, np.int64)
    xs = np.zeros((2, 9 + K.tile_width(x.dtype)))       # slack: the last tile reads past Q
    xs[:, :9] = x
    b = RNG.standard_normal(3)
    K.conv_forward(xs, K.tile_weights(w, 1), b, np.arange(3, dtype=np.int64), r0, 7,
                   out.reshape(-1), r0, 7, 7, 7,
                   K.tile_width(x.dtype), 0, 0)
    np.testing.assert_allclose(out[:, 0], ref_conv(x[None], w, b, (1,), (0,), (1,), 1)[0])
    part = np.empty((2, 3, 2, 3))
    g = RNG.standard_normal((3, 1, 7))
    K.conv_backward_weight(x, g, np.arange(3, dtype=np.int64), r0, part, 2)
    ref = np.stack([np.einsum("kq,cq->kc", g[:, 0], x[:, t:t + 7]) for t in range(3)], -1)
    np.testing.assert_allclose(part.sum(0), ref)


@settings(max_examples=40, deadline=None)
@given(G=st.integers(1, 3), Kg=st.integers(1, 19), Cg=st.integers(1, 4), T=st.integers(1, 7),
       R=st.integers(1, 3), Q=st.integers(1, 130), chunk=st.integers(1, 200), nch=st.integers(1, 5),
       dt=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2 ** 16))
def test_tile_kernels_against_direct_sums(G, Kg, Cg, T, R, Q, chunk, nch, dt, seed):
    """The register-blocked tiles: any channel count (partial channel blocks), any row length
    (masked last tile), several rows, groups, both dtypes, against direct sums; the forward
    tile's prefetching loop gives the plain loop's bits."""
    rng = np.random.default_rng(seed)
    toff = rng.integers(0, 9, T).astype(np.int64)
    row_off = (np.arange(R) * (Q + 3)).astype(np.int64)
    L = int(row_off.max() + toff.max() + Q) + K.tile_width(dt)
    x = rng.standard_normal((G * Cg, L)).astype(dt)
    w = rng.standard_normal((G * Kg, Cg, T)).astype(dt)
    b = rng.standard_normal(G * Kg).astype(dt)
    out = np.full((G * Kg, R, Q), np.nan, dt)
    orow = np.arange(R, dtype=np.int64) * Q
    wt = K.tile_weights(w, G)
    K.conv_forward(x, wt, b, toff, row_off, Q, out.reshape(-1), orow, R * Q, Q, Q, chunk, 0, 0)
    out_pf = np.full_like(out, np.nan)
    K.conv_forward(x, wt, b, toff, row_off, Q, out_pf.reshape(-1), orow, R * Q, Q, Q, chunk, 1, 0)
    assert out_pf.tobytes() == out.tobytes()
    out_kf = np.full_like(out, np.nan)            # channel blocks as units of their own
    K.conv_forward(x, wt, b, toff, row_off, Q, out_kf.reshape(-1), orow, R * Q, Q, Q, chunk, 0, 1)
    assert out_kf.tobytes() == out.tobytes()
    # cropped stores: rows swept at a padded width pw, stored at width wo into (R, K, rows, wo)
    lanes = K.vector_lanes(dt)
    pw = max(lanes, Q // 3 + 1) if Q > lanes else Q
    wo = max(1, pw - int(rng.integers(0, 4)))
    nl = -(-Q // pw)
    crop = np.full((R, G * Kg, nl, wo), np.nan, dt)
    K.conv_forward(x, wt, b, toff, row_off, Q, crop.reshape(-1),
                   np.arange(R, dtype=np.int64) * (G * Kg * nl * wo), nl * wo, pw, wo, chunk, 0,
                   int(seed % 2))
    full = np.full((G * Kg, R, nl * pw), np.nan, dt)
    full[:, :, :Q] = out
    want = full.reshape(G * Kg, R, nl, pw)[..., :wo].transpose(1, 0, 2, 3)
    assert np.array_equal(crop, want, equal_nan=True)
    ref = np.zeros(out.shape) + b[:, None, None]
    gi = np.arange(G * Kg) // Kg
    for k in range(G * Kg):
        for c in range(Cg):
            for t in range(T):
                for r in range(R):
                    s0 = row_off[r] + toff[t]
                    ref[k, r] += w[k, c, t] * x[gi[k] * Cg + c, s0:s0 + Q].astype(np.float64)
    tol = 1e-4 if dt == np.float32 else 1e-12
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * np.abs(ref).max())
    g = rng.standard_normal(out.shape).astype(dt)
    part = np.full((nch, G * Kg, Cg, T), np.nan, dt)
    K.conv_backward_weight(x[:, :L - K.tile_width(dt)].copy(), g, toff, row_off, part, chunk)
    dref = np.zeros((G * Kg, Cg, T))
    for k in range(G * Kg):
        for c in range(Cg):
            for t in range(T):
                for r in range(R):
                    s0 = row_off[r] + toff[t]
                    dref[k, c, t] += g[k, r].astype(np.float64) @ x[gi[k] * Cg + c, s0:s0 + Q]
    np.testing.assert_allclose(part.sum(0), dref, rtol=tol, atol=tol * np.abs(dref).max())


@pytest.mark.parametrize("shape,s,nb", [((6, 4, 30, 30), 2, 2), ((7, 3, 25, 25), 1, 3),
                                        ((3, 2, 16, 24, 30), 1, 1)])
def test_forward_in_image_groups_is_taken(shape, s, nb):
    from autograd.ops import conv as C
    x = RNG.standard_normal(shape).astype(np.float32)
    w = RNG.standard_normal((5, shape[1]) + (3,) * (len(shape) - 2)).astype(np.float32)
    nd = x.ndim - 2
    geo = ((s,) * nd, (1,) * nd, (1,) * nd, (1,) * nd, 1)
    lay = C._fwd_plan(C._as5(x).shape, (1,) * (3 - nd) + (3,) * nd, geo)[0]
    keep = C._GROUP_BYTES
    C._GROUP_BYTES = nb * shape[1] * s ** nd * C._prod(lay.plane) * 4
    try:
        y = C._conv_fwd_grouped(C._as5(x), C._as5(w).reshape(5, shape[1], -1), (1,) * (3 - nd)
                                + (3,) * nd, geo, None, lay, (1,) * (3 - nd) + (s,) * nd)
    finally:
        C._GROUP_BYTES = keep
    assert y is not None
    whole = C._conv_fwd(x, w, geo, packed=[])
    assert y.reshape(whole.shape).tobytes() == whole.tobytes()


@settings(max_examples=40, deadline=None)
@given(nd=st.integers(1, 3), N=st.integers(2, 9), Cg=st.integers(1, 3), Kg=st.integers(1, 10),
       groups=st.integers(1, 2), k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2), nb=st.integers(1, 4), dt=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2 ** 16))
def test_forward_in_image_groups_gives_the_whole_batch_bits(nd, N, Cg, Kg, groups, k, s, p, d,
                                                             nb, dt, seed):
    """A forward without a kept packed input (inference) packs and sweeps big batches in
    groups of images (a last smaller group too): the same bits as the whole-batch sweep, and
    the direct sum's values."""
    from autograd.ops import conv as C
    rng = np.random.default_rng(seed)
    sp = tuple(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), (60, 20, 8)[nd - 1], endpoint=True)
               for _ in range(nd))
    x = rng.standard_normal((N, groups * Cg) + sp).astype(dt)
    w = rng.standard_normal((groups * Kg, Cg) + (k,) * nd).astype(dt)
    b = rng.standard_normal(groups * Kg).astype(dt)
    geo = ((s,) * nd, (p,) * nd, (p,) * nd, (d,) * nd, groups)
    whole = C._conv_fwd(x, w, geo, b, packed=[])
    lay = C._fwd_plan(C._as5(x).shape, (1,) * (3 - nd) + (k,) * nd, geo)[0]
    keep = C._GROUP_BYTES
    C._GROUP_BYTES = nb * groups * Cg * s ** nd * C._prod(lay.plane) * x.itemsize
    try:
        grouped = (C._conv_fwd_grouped(C._as5(x), C._as5(w).reshape(len(w), Cg, -1),
                                       (1,) * (3 - nd) + (k,) * nd, geo, b, lay,
                                       (1,) * (3 - nd) + (s,) * nd)
                   if lay.direct(x.dtype) else None)
        if grouped is None:         # only where some group's layout cannot store into y
            assert not lay.direct(x.dtype) or N < 2 * nb or not all(
                C._fwd_plan((n,) + C._as5(x).shape[1:], (1,) * (3 - nd) + (k,) * nd,
                            geo)[0].direct(x.dtype) for n in (nb, N % nb or nb))
            return
    finally:
        C._GROUP_BYTES = keep
    grouped = grouped.reshape(whole.shape)
    assert grouped.tobytes() == whole.tobytes()
    want = ref_conv(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), (s,) * nd,
                    (p,) * nd, (d,) * nd, groups)
    tol = 1e-4 if dt == np.float32 else 1e-12
    np.testing.assert_allclose(grouped, want, rtol=tol, atol=tol * np.abs(want).max())


@settings(max_examples=30, deadline=None)
@given(G=st.integers(1, 2), Kg=st.integers(1, 19), Cg=st.integers(1, 3), T=st.integers(1, 5),
       R=st.integers(2, 5), m=st.integers(1, 9), gap=st.integers(0, 40), ck=st.integers(1, 12),
       pf=st.integers(0, 1), dt=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2 ** 16))
def test_forward_sweep_runs_on_across_rows(G, Kg, Cg, T, R, m, gap, ck, pf, dt, seed):
    """Rows of whole vectors stored back to back (batch-inner layouts) are swept as one run:
    tiles continue from one input row into the next (``gap`` elements apart) and stop at the
    sweep's end. Same bits as the per-row sweep."""
    rng = np.random.default_rng(seed)
    lanes = K.vector_lanes(dt)
    Q = lanes * m
    toff = rng.integers(0, 9, T).astype(np.int64)
    row_off = (np.arange(R) * (Q + gap)).astype(np.int64)
    L = int(row_off.max() + toff.max() + Q) + K.tile_width(dt)
    x = rng.standard_normal((G * Cg, L)).astype(dt)
    w = rng.standard_normal((G * Kg, Cg, T)).astype(dt)
    b = rng.standard_normal(G * Kg).astype(dt)
    orow = np.arange(R, dtype=np.int64) * Q
    outs = []
    for kfirst in (0, 1):
        out = np.full((G * Kg, R, Q), np.nan, dt)
        K.conv_forward(x, K.tile_weights(w, G), b, toff, row_off, Q, out.reshape(-1), orow,
                       R * Q, Q, Q, ck * lanes,
                       pf, kfirst)
        outs.append(out)
    assert not np.isnan(outs[1]).any() and outs[0].tobytes() == outs[1].tobytes()
    gi = np.arange(G * Kg) // Kg
    ref = np.stack([b[k] + sum(w[k, c, t] * x[gi[k] * Cg + c, row_off[:, None] + toff[t]
                                               + np.arange(Q)] for c in range(Cg)
                               for t in range(T)) for k in range(G * Kg)])
    tol = 1e-4 if dt == np.float32 else 1e-12
    np.testing.assert_allclose(outs[1], ref, rtol=tol, atol=tol * np.abs(ref).max())


def test_tile_kernels_refuse_rows_without_slack():
    x = np.zeros((1, 10), np.float32)
    out = np.empty((1, 1, 10), np.float32)
    w1 = K.tile_weights(np.ones((1, 1, 1), np.float32), 1)
    with pytest.raises(ValueError, match="too short"):
        K.conv_forward(x, w1, np.zeros(1, np.float32),
                       np.zeros(1, np.int64), np.zeros(1, np.int64), 10, out.reshape(-1),
                       np.zeros(1, np.int64), 10, 10, 10, 16, 0, 0)
    z = np.zeros(1, np.int64)
    args = (np.zeros((1, 64), np.float32), w1, np.zeros(1, np.float32), z, z, 10)
    with pytest.raises(ValueError, match="weights not tiled"):    # (K, Cg, T) as they come
        K.conv_forward(args[0], np.ones((1, 1, 1), np.float32), *args[2:],
                       np.empty(64, np.float32), z, 10, 10, 10, 16, 0, 0)
    with pytest.raises(ValueError, match="weights not tiled"):    # tiled for 2 channels
        K.conv_forward(args[0], K.tile_weights(np.ones((1, 2, 1), np.float32), 1), *args[2:],
                       np.empty(64, np.float32), z, 10, 10, 10, 16, 0, 0)
    with pytest.raises(ValueError, match="output buffer too small"):
        K.conv_forward(*args, np.empty(9, np.float32), z, 10, 10, 10, 16, 0, 0)
    with pytest.raises(ValueError, match="bad output geometry"):       # pw < lanes, Q > pw
        K.conv_forward(*args, np.empty(64, np.float32), z, 10, 5, 5, 16, 0, 0)


# ---- errors ----------------------------------------------------------------------------------

def _err(fn, match, exc=(RuntimeError, ValueError)):
    with pytest.raises(exc, match=match):
        fn()


def test_error_messages():
    x = T(np.zeros((8, 4, 28, 28), np.float32))
    w = T(np.zeros((16, 3, 3, 3), np.float32))
    with pytest.raises(RuntimeError) as e:
        F.conv2d(x, w)
    assert str(e.value) == ("conv2d(): weight expects 3 input channels but input has 4 "
                            "(input (8, 4, 28, 28), weight (16, 3, 3, 3))")
    w4 = T(np.zeros((16, 4, 3, 3), np.float32))
    _err(lambda: F.conv2d(T(np.zeros((1, 4, 2, 2), np.float32)), w4), r"larger than the padded")
    _err(lambda: F.conv2d(x, w4, stride=0), r"conv2d\(\): stride must be positive")
    _err(lambda: F.conv2d(x, w4, dilation=(1, -1)), r"dilation must be positive")
    _err(lambda: F.conv2d(x, w4, padding=-1), r"padding must be non-negative")
    _err(lambda: F.conv2d(T(np.zeros((4, 28), np.float32)), w4), r"expected input to be 3-D")
    _err(lambda: F.conv1d(x, w4), r"conv1d\(\): expected input to be 2-D")
    _err(lambda: F.conv2d(x, T(np.zeros((16, 4, 3), np.float32))), r"expected weight to be 4-D")
    _err(lambda: F.conv2d(x, T(np.zeros((15, 2, 3, 3), np.float32)), groups=2),
         r"groups=2 must divide the out_channels")
    _err(lambda: F.conv2d(x, T(np.zeros((15, 1, 3, 3), np.float32)), groups=3),
         r"weight expects 3 input channels \(weight.shape\[1\]=1 x groups=3\) but input has 4")
    _err(lambda: F.conv2d(x, w4, groups=0), r"groups must be a positive")
    _err(lambda: F.conv2d(x, w4, stride=2, padding="same"), r"'same' is not supported")
    _err(lambda: F.conv2d(x, w4, padding="full"), r"invalid padding string")
    _err(lambda: F.conv2d(x, w4, T(np.zeros(3, np.float32))), r"bias must have shape \(16,\)")
    _err(lambda: F.conv2d(x, T(np.zeros((16, 4, 3, 3)))), r"same dtype")
    _err(lambda: F.conv2d(x, w4, stride=(1, 2, 3)), r"stride must be an int or a tuple of 2")
    wt = T(np.zeros((4, 2, 3, 3), np.float32))
    _err(lambda: F.conv_transpose2d(x, wt, stride=2, output_padding=2),
         r"output_padding must be non-negative and smaller than either stride or dilation")
    _err(lambda: F.conv_transpose2d(x, T(np.zeros((3, 2, 3, 3), np.float32))),
         r"conv_transpose2d\(\): weight expects 3 input channels but input has 4")
    _err(lambda: F.pad(x, (1, 2, 3)), r"padding length must be even")
    _err(lambda: F.pad(x, (28, 0), mode="reflect"), r"less than the corresponding input")
    _err(lambda: F.pad(x, (1, 1), mode="wrap"), r"unknown padding mode", NotImplementedError)
    _err(lambda: nn.Conv2d(4, 6, 3, padding_mode="foo"), r"padding_mode must be one of")
    _err(lambda: nn.Conv2d(4, 6, 3, groups=4), r"out_channels \(6\) must be divisible")
    _err(lambda: F.fold(T(np.zeros((1, 9, 5))), (4, 4), 3), r"sliding blocks")


# ---- padding, unfold/fold --------------------------------------------------------------------

@pytest.mark.parametrize("mode,npmode", [("constant", "constant"), ("reflect", "reflect"),
                                         ("replicate", "edge"), ("circular", "wrap")])
def test_pad_modes_forward_and_grad(mode, npmode):
    a = RNG.standard_normal((2, 3, 5, 4))
    pads = (1, 2, 3, 0)
    y = F.pad(T(a), pads, mode=mode)
    ref = np.pad(a, [(0, 0), (0, 0), (3, 0), (1, 2)], mode=npmode)
    np.testing.assert_array_equal(y.numpy(), ref)
    x = T(RNG.standard_normal((1, 2, 4, 3)), True)
    f = lambda x: F.pad(x, (2, 1, 1, 2), mode=mode)  # noqa: E731
    assert autograd.gradcheck(f, (x,))
    assert autograd.gradgradcheck(f, (x,))


def test_pad_constant_value_and_negative():
    a = RNG.standard_normal((3, 5))
    y = F.pad(T(a), (1, -2), value=7.0)
    np.testing.assert_array_equal(y.numpy(), np.pad(a[:, :3], [(0, 0), (1, 0)],
                                                    constant_values=7.0))
    assert F.pad(T(a.astype(np.float32)), (1, 1)).dtype == np.float32


def test_circular_pad_of_empty_dims():
    # as torch: an empty unpadded dim (or an empty padded one with zero pads) gives an empty
    # result; a non-zero pad of an empty dim wraps around more than once
    for shape, pad, want in [((2, 0, 3), (3, 2), (2, 0, 8)), ((0, 4, 5), (0, 3, 3, 3), (0, 10, 8)),
                             ((1, 0), (0, 0), (1, 0)), ((2, 0, 3), (-1, 2), (2, 0, 4)),
                             ((1, 2, 0, 3), (1, 1, 0, 0), (1, 2, 0, 5))]:
        y = F.pad(T(np.zeros(shape), True), pad, mode="circular")
        assert y.shape == want
        y.sum().backward()
    with pytest.raises(RuntimeError, match="wraps around more than once"):
        F.pad(T(np.zeros((1, 2, 0, 3))), (1, 1, 1, 1), mode="circular")


def test_unfold_fold_gradcheck():
    x = T(RNG.standard_normal((1, 2, 5, 4)), True)
    f = lambda x: F.unfold(x, (2, 3), dilation=(1, 1), padding=1, stride=(2, 1))  # noqa: E731
    assert autograd.gradcheck(f, (x,))
    assert autograd.gradgradcheck(f, (x,))
    cols = T(RNG.standard_normal((1, 2 * 6, f(x).shape[2])), True)
    g = lambda c: F.fold(c, (5, 4), (2, 3), padding=1, stride=(2, 1))  # noqa: E731
    assert autograd.gradcheck(g, (cols,))


# ---- modules ---------------------------------------------------------------------------------

def test_modules_shapes_init_repr():
    autograd.manual_seed(0)
    m = nn.Conv2d(3, 8, 5, stride=2, padding=1, bias=False)
    assert m.weight.shape == (8, 3, 5, 5) and m.bias is None and m.kernel_size == (5, 5)
    bound = 1 / np.sqrt(3 * 25)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and m.weight.dtype == np.float32
    assert "Conv2d(3, 8, kernel_size=(5, 5), stride=(2, 2), padding=(1, 1), bias=False)" in repr(m)
    m = nn.Conv1d(4, 4, 3, padding="same", groups=2, padding_mode="circular")
    assert m(T(np.zeros((2, 4, 9), np.float32))).shape == (2, 4, 9)
    assert "padding=same, groups=2, padding_mode=circular" in repr(m)
    m = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert m.weight.shape == (4, 3, 3, 3)
    y = m(T(np.zeros((1, 4, 5, 5), np.float32)))
    assert y.shape == (1, 6, 10, 10)
    assert m(T(np.zeros((1, 4, 5, 5), np.float32)), output_size=(9, 9)).shape == (1, 6, 9, 9)
    assert "output_padding=(1, 1), groups=2" in repr(m)
    m3 = nn.Conv3d(2, 3, (1, 2, 3))
    y = m3(T(np.zeros((2, 3, 4, 5), np.float32)))
    assert y.shape == (3, 3, 3, 3)
    assert len(list(m3.parameters())) == 2


# ---- against torch -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_modules_against_torch(mode, nd):
    torch = pytest.importorskip("torch")
    cls = getattr(nn, f"Conv{nd}d")
    tcls = getattr(torch.nn, f"Conv{nd}d")
    kw = dict(stride=1 if nd == 3 else 2, padding=1, dilation=1 + (nd == 1), groups=2,
              padding_mode=mode)
    m = cls(4, 6, 3, **kw)
    tm = tcls(4, 6, 3, **kw).double()
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(m.weight.detach().numpy().astype(np.float64)))
        tm.bias.copy_(torch.from_numpy(m.bias.detach().numpy().astype(np.float64)))
    m.double() if hasattr(m, "double") else None
    x = RNG.standard_normal((2, 4) + (7, 6, 5)[:nd])
    xa, xt = T(x, True), torch.tensor(x, requires_grad=True)
    w = T(m.weight.detach().numpy().astype(np.float64), True)
    b = T(m.bias.detach().numpy().astype(np.float64), True)
    fa = getattr(F, f"conv{nd}d")
    xin = xa if mode == "zeros" else F.pad(xa, m._reversed_padding_repeated_twice, mode=mode)
    ya = fa(xin, w, b, m.stride, m.padding if mode == "zeros" else 0, m.dilation, m.groups)
    yt = tm(xt)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    go = RNG.standard_normal(yt.shape)
    (ya * T(go)).sum().backward()
    (yt * torch.tensor(go)).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-10, atol=1e-10)
    # float32 module forward against torch float32
    y32 = m.float()(T(x.astype(np.float32))) if hasattr(m, "float") else None
    if y32 is not None:
        tm32 = tcls(4, 6, 3, **kw)
        with torch.no_grad():
            tm32.weight.copy_(torch.from_numpy(m.weight.detach().numpy().astype(np.float32)))
            tm32.bias.copy_(torch.from_numpy(m.bias.detach().numpy().astype(np.float32)))
        assert y32.dtype == np.float32
        np.testing.assert_allclose(y32.detach().numpy(), tm32(torch.from_numpy(x.astype(np.float32)))
                                   .detach().numpy(), rtol=1e-4, atol=1e-4)


def test_transpose_and_unfold_against_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 4, 5, 6))
    w = RNG.standard_normal((4, 3, 3, 2))
    b = RNG.standard_normal(6)
    y = F.conv_transpose2d(T(x), T(w), T(b), stride=(2, 3), padding=(1, 0),
                           output_padding=(1, 2), groups=2, dilation=(1, 2))
    yt = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                              stride=(2, 3), padding=(1, 0),
                                              output_padding=(1, 2), groups=2, dilation=(1, 2))
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-10, atol=1e-10)
    u = F.unfold(T(x), (2, 3), dilation=(2, 1), padding=(1, 2), stride=(1, 2))
    ut = torch.nn.functional.unfold(torch.tensor(x), (2, 3), dilation=(2, 1), padding=(1, 2),
                                    stride=(1, 2))
    np.testing.assert_array_equal(u.numpy(), ut.numpy())
    f = F.fold(u, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 2), stride=(1, 2))
    ft = torch.nn.functional.fold(ut, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 2),
                                  stride=(1, 2))
    np.testing.assert_allclose(f.numpy(), ft.numpy(), rtol=1e-12, atol=1e-12)


# ---- layout kernels and scratch buffers ------------------------------------------------------

def _ref_pack(a, s, lo, plane, L):
    """Reference for pack_phases: explicit loops over (c, phase, n, u, v, w)."""
    N, C, D, H, W = a.shape
    P = s[0] * s[1] * s[2]
    S = plane[0] * plane[1] * plane[2]
    buf = np.zeros((C, L), a.dtype)
    for c, pd, ph, pw, n, u, v, w in itertools.product(
            range(C), range(s[0]), range(s[1]), range(s[2]), range(N),
            range(plane[0]), range(plane[1]), range(plane[2])):
        i, j, k = u * s[0] + pd - lo[0], v * s[1] + ph - lo[1], w * s[2] + pw - lo[2]
        if 0 <= i < D and 0 <= j < H and 0 <= k < W:
            p = (pd * s[1] + ph) * s[2] + pw
            buf[c, (p * N + n) * S + (u * plane[1] + v) * plane[2] + w] = a[n, c, i, j, k]
    return buf


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 3), C=st.integers(1, 3), sp=st.tuples(*[st.integers(1, 6)] * 3),
       s=st.tuples(*[st.integers(1, 3)] * 3), lo=st.tuples(*[st.integers(-2, 3)] * 3),
       extra=st.tuples(*[st.integers(-2, 3)] * 3), slack=st.integers(0, 5),
       dt=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2 ** 16))
def test_pack_and_unpack_phases_against_loops(N, C, sp, s, lo, extra, slack, dt, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((N, C) + sp).astype(dt)
    plane = tuple(max(1, -(-(L + max(l, 0)) // st_) + e) for L, l, st_, e in zip(sp, lo, s, extra))
    P, S = s[0] * s[1] * s[2], plane[0] * plane[1] * plane[2]
    L = P * N * S + slack
    buf = np.full((C, L), np.nan, dt)
    i64 = lambda t: np.array(t, np.int64)  # noqa: E731
    K.pack_phases(a, buf, i64(s), i64(lo), i64(plane), False)
    np.testing.assert_array_equal(buf, _ref_pack(a, s, lo, plane, L))
    inner = np.full((C, L), np.nan, dt)
    if s[2] > 2:                             # batch-inner: column strides 1 and 2 only
        with pytest.raises(ValueError, match="column strides 1 and 2"):
            K.pack_phases(a, inner, i64(s), i64(lo), i64(plane), True)
    else:
        K.pack_phases(a, inner, i64(s), i64(lo), i64(plane), True)
        ref = _ref_pack(a, s, lo, plane, L)  # batch-inner: (phase, position, image) order
        body = ref[:, :P * N * S].reshape(C, P, N, S).transpose(0, 1, 3, 2).reshape(C, -1)
        np.testing.assert_array_equal(inner, np.concatenate([body, ref[:, P * N * S:]], 1))
    # unpack: phase p of channel c is row p*C + c; reading back what was packed with lo >= 0
    # (padding) and a plane covering the input gives the input back
    lo_p = tuple(max(l, 0) for l in lo)
    plane = tuple(-(-(L_ + l) // st_) for L_, l, st_ in zip(sp, lo_p, s))
    S = plane[0] * plane[1] * plane[2]
    buf = np.zeros((C, P * N * S), dt)
    K.pack_phases(a, buf, i64(s), i64(lo_p), i64(plane), False)
    out = np.ascontiguousarray(buf.reshape(C, P, N * S).transpose(1, 0, 2)).reshape(P * C, N * S)
    back = np.full(a.shape, np.nan, dt)
    K.unpack_phases(out, back, i64(s), i64(lo_p), i64(plane))
    np.testing.assert_array_equal(back, a)
    with pytest.raises(ValueError, match="too small"):
        K.unpack_phases(np.ascontiguousarray(out[:, :-1]), back, i64(s), i64(lo_p), i64(plane))


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 2), C=st.integers(1, 2), H=st.integers(1, 3), W=st.integers(1, 80),
       sh=st.integers(1, 2), sw=st.integers(1, 2), lo=st.integers(-2, 3), low=st.integers(-2, 3),
       extra=st.integers(-2, 3), dt=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2 ** 16))
def test_pack_phases_long_rows(N, C, H, W, sh, sw, lo, low, extra, dt, seed):
    """Rows longer than a vector: the vectorised row copies (stride 2 packs both column phases
    of a row at once, masked tails), against the loop reference."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((N, C, 1, H, W)).astype(dt)
    s, lo3 = (1, sh, sw), (0, lo, low)
    plane = (1, max(1, -(-(H + max(lo, 0)) // sh)), max(1, -(-(W + max(low, 0)) // sw) + extra))
    L = sh * sw * N * plane[1] * plane[2] + 3
    buf = np.full((C, L), np.nan, dt)
    i64 = lambda t: np.array(t, np.int64)  # noqa: E731
    K.pack_phases(a, buf, i64(s), i64(lo3), i64(plane), False)
    np.testing.assert_array_equal(buf, _ref_pack(a, s, lo3, plane, L))


@settings(max_examples=40, deadline=None)
@given(R=st.integers(1, 70), Cc=st.integers(1, 70), dt=st.sampled_from([np.float32, np.float64]),
       at=st.integers(0, 17), seed=st.integers(0, 2 ** 16))
def test_transpose2d_any_shape(R, Cc, dt, at, seed):
    """Register-transposed blocks: full and partial (masked) ones at every edge, dst at any
    alignment, both dtypes; nothing outside dst is written (guards before and after it)."""
    src = np.random.default_rng(seed).standard_normal((R, Cc)).astype(dt)
    buf = np.full(R * Cc + 40, np.nan, dt)
    dst = buf[at:at + R * Cc].reshape(Cc, R)
    K.transpose2d(src, dst)
    assert np.array_equal(dst, src.T)
    assert np.isnan(buf[:at]).all() and np.isnan(buf[at + R * Cc:]).all()


@settings(max_examples=30, deadline=None)
@given(N=st.integers(1, 40), C=st.integers(1, 2), H=st.integers(1, 3), W=st.integers(1, 40),
       sw=st.integers(1, 2), low=st.integers(-2, 3), extra=st.integers(-2, 3),
       dt=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2 ** 16))
def test_pack_phases_batch_inner_many_images(N, C, H, W, sw, low, extra, dt, seed):
    """Batch-inner packs of more images than a vector has lanes (the (image, column) blocks
    transposed in registers, partial at both edges; column strides 1 and 2)."""
    a = np.random.default_rng(seed).standard_normal((N, C, 1, H, W)).astype(dt)
    s, lo = (1, 1, sw), (0, 1, low)
    plane = (1, H + 2, max(1, -(-(W + max(low, 0)) // sw) + extra))
    P, S = sw, plane[1] * plane[2]
    L = P * N * S + 5
    buf = np.full((C, L), np.nan, dt)
    i64 = lambda t: np.array(t, np.int64)  # noqa: E731
    K.pack_phases(a, buf, i64(s), i64(lo), i64(plane), True)
    ref = _ref_pack(a, s, lo, plane, L)
    body = ref[:, :P * N * S].reshape(C, P, N, S).transpose(0, 1, 3, 2).reshape(C, -1)
    np.testing.assert_array_equal(buf, np.concatenate([body, ref[:, P * N * S:]], 1))


def test_scratch_buffers_start_on_cache_lines():
    """The kernels' temporaries are 64-byte aligned (vector loads off a line touch two), fresh
    or re-used, and a re-used one is only ever handed out at its own size."""
    from autograd.ops.conv import _Scratch
    pool = _Scratch(small=1 << 10)
    for shape, dt in [((3, 1001), np.float32), ((7, 333), np.float64), ((5000,), np.float32)]:
        a = pool.take(shape, dt)
        assert a.shape == shape and a.dtype == dt and a.ctypes.data % 64 == 0
        a.reshape(-1)[:] = 1
        pool.give(a.reshape(-1))
        assert pool.nbytes == a.nbytes
        b = pool.take((a.nbytes // 2,), np.float16)            # same bytes, another view
        assert b.ctypes.data == a.ctypes.data and pool.nbytes == 0
        c = pool.take(shape, dt)                               # pool empty: a fresh buffer
        assert c.ctypes.data % 64 == 0 and not np.may_share_memory(b, c)
    pool.give(np.empty(4096, np.float32))                      # not from take(): not kept
    assert pool.nbytes == 0


def test_scratch_buffers_never_alias_results():
    from autograd.ops.conv import _scratch
    rng = np.random.default_rng(0)
    w = autograd.tensor(rng.standard_normal((8, 16, 3, 3)).astype(np.float32), requires_grad=True)
    xs = [autograd.tensor(rng.standard_normal((16, 16, 40, 40)).astype(np.float32),
                          requires_grad=True) for _ in range(3)]
    ys, saved = [], []
    for x in xs:                     # same shapes: each call re-uses the previous temporaries
        y = F.conv2d(x, w, padding=1, stride=(1, 2))
        y.backward(autograd.ones_like(y))
        ys.append(y)
        saved.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    assert _scratch.nbytes > 0       # the pool is in use for these sizes
    for (y0, g0), y, x in zip(saved, ys, xs):
        np.testing.assert_array_equal(y.detach().numpy(), y0)
        np.testing.assert_array_equal(x.grad.numpy(), g0)
        ref = ref_conv(x.detach().numpy().astype(np.float64), w.detach().numpy(), None,
                       (1, 2), (1, 1), (1, 1), 1)
        np.testing.assert_allclose(y0, ref, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("xs,ws,stride,pad,dil,groups", [
    ((3, 5, 40, 41), (16, 5, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((2, 6, 38, 47), (32, 3, 3, 2), (2, 1), (1, 0), (1, 2), 2),
    ((2, 6, 36, 36), (64, 3, 3, 3), (2, 2), (1, 1), (1, 1), 2),
    ((2, 4, 30), (32, 4, 5), (3,), (2,), (1,), 1),
    ((2, 3, 9, 20, 60), (32, 3, 1, 3, 2), (1, 2, 1), (1, 1, 0), (1, 1, 1), 1),
    # more vectors of channels than the narrow tile takes: the wide tile, a partial last pass
    ((2, 3, 12, 13), (80, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((2, 4, 10, 11), (96, 2, 3, 3), (1, 1), (1, 1), (1, 1), 2),
])
def test_channel_vectorised_weight_gradient(xs, ws, stride, pad, dil, groups, monkeypatch):
    """Wide float32 layers (output channels per group a multiple of the vector width,
    batch-outer layout) take the channel-vectorised weight-gradient kernel: against the
    direct sum."""
    from autograd.ops import conv as C
    monkeypatch.setattr(C, "_WIDE_DW_ALWAYS", True)          # small shapes take the path too
    rng = np.random.default_rng(5)
    dt = np.float32
    x = rng.standard_normal(xs).astype(dt)
    w = rng.standard_normal(ws).astype(dt)
    geo = (stride, pad, pad, dil, groups)
    lay = C._fwd_geom(C._as5(x), C._to3(ws[2:], 1), geo)[0]
    assert not lay.inner and ws[0] // groups % K.vector_lanes(dt) == 0     # the path under test
    g = rng.standard_normal(C._conv_fwd(x, w, geo).shape).astype(dt)
    dw = C._conv_dw(x, g, ws, geo)
    assert dw.dtype == dt and dw.shape == ws
    # reference: dW[k, c, tap] = sum_{n, o} g[n, k, o] * x_padded[n, c, o*s + tap*d]
    nd = x.ndim - 2
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 0)] + [(p, p) for p in pad])
    Kg, Cg = ws[0] // groups, ws[1]
    ref = np.zeros(ws)
    axes = [0] + list(range(2, 2 + nd))
    for tap in itertools.product(*[range(k) for k in ws[2:]]):
        sl = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                   for t, d, o, s in zip(tap, dil, g.shape[2:], stride))
        xt = xp[(slice(None), slice(None)) + sl]
        for gi in range(groups):
            ref[(slice(gi * Kg, (gi + 1) * Kg), slice(None)) + tap] = np.tensordot(
                g[:, gi * Kg:(gi + 1) * Kg], xt[:, gi * Cg:(gi + 1) * Cg], axes=(axes, axes))
    np.testing.assert_allclose(dw, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_wide_weight_gradient_bitwise_identical_for_1_and_2_threads(monkeypatch):
    import numba
    from autograd.ops import conv as C
    monkeypatch.setattr(C, "_WIDE_DW_ALWAYS", True)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4, 30, 34)).astype(np.float32)
    w = rng.standard_normal((32, 4, 3, 3)).astype(np.float32)
    geo = ((1, 1), (1, 1), (1, 1), (1, 1), 1)
    g = np.ascontiguousarray(np.cos(C._conv_fwd(x, w, geo)))
    outs = []
    old = numba.get_num_threads()
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            outs.append(C._conv_dw(x, g, w.shape, geo))
    finally:
        numba.set_num_threads(old)
    assert outs[0].tobytes() == outs[1].tobytes()


_DISABLE_JIT_SCRIPT = r"""
import sys, numpy as np
from autograd.ops import conv as C
C._WIDE_DW_ALWAYS = True
rng = np.random.default_rng(0)
out = []
for dt, xs, ws, geo in [
        (np.float64, (2, 3, 6, 7), (4, 3, 3, 3), ((1, 1), (1, 1), (1, 1), (1, 1), 1)),
        (np.float64, (2, 4, 9, 9), (6, 2, 3, 2), ((2, 1), (1, 0), (1, 0), (1, 2), 2)),
        (np.float32, (1, 2, 12, 13), (16, 2, 3, 3), ((1, 1), (1, 1), (1, 1), (1, 1), 1))]:
    x = rng.standard_normal(xs).astype(dt)
    w = rng.standard_normal(ws).astype(dt)
    y = C._conv_fwd(x, w, geo)
    g = rng.standard_normal(y.shape).astype(dt)
    out += [y, C._conv_dx(g, w, xs[2:], geo), C._conv_dw(x, g, ws, geo)]
np.savez(sys.argv[1], *out)
"""


def test_kernels_run_under_numba_disable_jit(tmp_path):
    """NUMBA_DISABLE_JIT=1 (debugging) runs the kernels as Python, the LLVM-IR tiles through
    their pure-Python twins: same results as the compiled kernels."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=root)
    script = tmp_path / "run.py"
    script.write_text(_DISABLE_JIT_SCRIPT)
    for f, extra in ((tmp_path / "nojit.npz", env), (tmp_path / "jit.npz", None)):
        subprocess.run([sys.executable, str(script), str(f)], cwd=root, env=extra, check=True,
                       timeout=300)
    a, b = np.load(tmp_path / "nojit.npz"), np.load(tmp_path / "jit.npz")
    assert len(a.files) == 9
    for k in a.files:
        tol = 1e-12 if a[k].dtype == np.float64 else 1e-4
        np.testing.assert_allclose(a[k], b[k], rtol=tol, atol=tol * np.abs(b[k]).max())


@pytest.mark.parametrize("xs,ws,pad,dil", [
    ((2, 3, 7, 9), (4, 3, 3, 3), (3, 4), (1, 1)),      # padding wider than the kernel
    ((2, 3, 8, 8), (4, 3, 2, 4), (0, 3), (2, 1)),      # one side only, dilation
    ((3, 2, 30), (5, 2, 4), (5,), (3,)),               # 1-d, pad > extent
    ((1, 2, 4, 5, 6), (3, 2, 2, 3, 2), (2, 0, 1), (1, 2, 3)),
])
def test_shared_row_padding_layout(xs, ws, pad, dil):
    """Stride-1 rows share their zero padding (rows L + gap apart): forward, input and weight
    gradients against the direct sums, including pads wider than the kernel's extent."""
    from autograd.ops import conv as C
    rng = np.random.default_rng(11)
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    nd = len(xs) - 2
    geo = ((1,) * nd, pad, pad, dil, 1)
    y = C._conv_fwd(x, w, geo)
    np.testing.assert_allclose(y, ref_conv(x, w, None, (1,) * nd, pad, dil, 1), rtol=1e-10,
                               atol=1e-10)
    xt = autograd.tensor(x, requires_grad=True)
    wt = autograd.tensor(w, requires_grad=True)
    assert autograd.gradcheck(lambda a, b: getattr(F, f"conv{nd}d")(a, b, padding=pad,
                                                                    dilation=dil), (xt, wt))


@pytest.mark.parametrize("xs,ws,stride,pad,dil", [
    ((2, 4, 5, 6), (4, 3, 2, 2), (3, 3), (0, 1), (1, 1)),   # phases with no tap at all
    ((1, 2, 4, 4), (2, 2, 3, 1), (2, 3), (1, 0), (2, 1)),   # dilation = stride: one phase only
    ((2, 3, 7), (3, 2, 5), (2,), (2,), (1,)),
])
def test_strided_input_gradient_per_phase_taps(xs, ws, stride, pad, dil):
    """The strided input gradient (= transposed conv) runs each phase with its own taps; phases
    that no tap reaches get the bias only. Against the scatter definition."""
    rng = np.random.default_rng(4)
    y = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    b = rng.standard_normal(ws[1])
    nd = len(xs) - 2
    f = getattr(F, f"conv_transpose{nd}d")
    out = f(autograd.tensor(y), autograd.tensor(w), autograd.tensor(b), stride=stride,
            padding=pad, dilation=dil)
    ref = ref_conv_t(y, w, b, stride, pad, (0,) * nd, dil, 1)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)
    yt = autograd.tensor(y, requires_grad=True)
    wt = autograd.tensor(w, requires_grad=True)
    assert autograd.gradcheck(lambda a, c: f(a, c, stride=stride, padding=pad, dilation=dil),
                              (yt, wt))
