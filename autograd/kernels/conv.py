"""Convolution kernels: one small family for 1-d/2-d/3-d, all run as a stride-1 "flat" sweep.

Layout (prepared by ``autograd/ops/conv.py``; every index is checked there, Numba checks none):
the batch is folded into the swept vector. Each input channel is ONE flat row holding all
images' zero-padded planes back to back (channel-major), so a sweep runs over N*S elements
instead of one small plane -- short sweeps (LeNet: 136 outputs) were dominated by per-sweep
overhead. Strided convolutions are stride-phase decomposed by the caller (the input is
split into s^d phase planes, each tap reads one phase at a unit-stride offset), so they are
flat stride-1 sweeps as well, with no wasted multiply-adds.

* ``x``: (C, L) channel-major flat input, L >= M + max(toff) + tile_width(dtype) (zero slack
  at the end: the forward's last tile reads, but never stores, past M).
* ``w``: (K, Cg, T) weights, taps flattened; Cg = C / groups.
* ``toff``: (T,) int64 offset of each tap in a flat input row.
* ``out`` / ``g``: (K, M) channel-major flat output; junk positions (between rows / images)
  are cropped by the caller (forward) or are zeros (``g`` of the weight gradient).

    out[k, q] = sum_{c, t} w[k, c, t] * x[grp*Cg + c, q + toff[t]],   grp = k // (K / groups)

Register blocking: the forward is a GEMM-style microkernel written in LLVM IR through a Numba
intrinsic (``_tile``): a tile of TILE_K output channels x TILE_V vectors of consecutive outputs
stays in registers for the whole (channel, tap) reduction, each step loading TILE_V input vectors
and broadcasting TILE_K weights. (Numba's own vectoriser cannot keep accumulators in registers
across an outer reduction loop; the best plain-Python loop reached ~60 % of this speed.) The
weight gradient keeps 16 accumulators (4 channels x 4 taps). Work is cut into cache-sized chunks
of the flat axis. Each ``prange`` iteration owns the outputs it writes and sums in a fixed order,
so results do not depend on the number of threads (the weight gradient's partial sums per fixed
chunk are combined by the caller).

The input gradient and the transposed convolution are this same forward kernel on the
(padded, phase-decomposed) output gradient with flipped, transposed weights (ops/conv.py).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["conv_forward", "conv_backward_weight", "transpose2d", "tile_width"]

# reassoc lets LLVM vectorise the dot-product reductions of the weight gradient; the order is
# still fixed per compiled kernel, so results stay bitwise reproducible across thread counts.
_FM = {"reassoc", "contract", "nsz"}


def _vector_bytes() -> int:
    """Register width the forward microkernel is built for (its tile must fit the register
    file: 32 registers with AVX-512, 16 with AVX2). A user-chosen NUMBA_CPU_NAME (portable
    caches) may target an older CPU than this one: then assume 128-bit vectors."""
    import numba
    if numba.config.CPU_NAME or numba.config.CPU_FEATURES:
        return 16
    try:
        import llvmlite.binding as ll
        feats = ll.get_host_cpu_features()
    except Exception:           # no feature query on this platform: plain 128-bit vectors
        return 16
    if feats.get("avx512f", False):
        return 64
    return 32 if feats.get("avx2", False) and feats.get("fma", False) else 16


# Forward tile: TILE_K output channels x TILE_V vectors of consecutive outputs, all held in
# registers for the whole reduction (AVX-512: 8 x 3 zmm = 24 accumulators + 3 input vectors +
# 1 broadcast weight, of 32 registers; per reduction step 3 vector loads + 8 broadcasts feed
# 24 FMAs). Outputs per tile: TILE_V * lanes, lanes = vector bytes / itemsize.
_VBYTES = _vector_bytes()
TILE_K, TILE_V = (8, 3) if _VBYTES == 64 else (6, 2)


def tile_width(dtype) -> int:
    """Outputs along the swept axis per forward tile: an input buffer needs this many
    elements of slack past its last output's taps (the last tile reads, but never stores,
    past the end of a row)."""
    return TILE_V * _VBYTES // np.dtype(dtype).itemsize


@intrinsic
def _tile(typingctx, xf, wt, so, o, b, kc, row0, nrows, p, nvalid):
    """One register-blocked tile, written in LLVM IR (Numba's vectoriser keeps accumulators in
    memory, not registers, across an outer reduction loop):

        o[row0 + i, p + q] = sum_j wt[j, kc + i] * xf[b + so[j] + q]
        for i < min(TILE_K, nrows), q < min(TILE_V * lanes, nvalid)

    One FMA chain per output in j order from 0, so results do not depend on tiling or threads.
    Loads are unmasked (the caller guarantees slack), stores are masked to the valid outputs."""
    sig = types.void(xf, wt, so, o, b, kc, row0, nrows, p, nvalid)

    def codegen(context, builder, signature, args):
        xa, wa, sa, oa, b, kc, row0, nrows, p, nvalid = args
        ety = context.get_data_type(signature.args[0].dtype)
        lanes = _VBYTES // (4 if signature.args[0].dtype == types.float32 else 8)
        vt = ir.VectorType(ety, lanes)
        i64, i32, i1 = ir.IntType(64), ir.IntType(32), ir.IntType(1)
        c = lambda v: ir.Constant(i64, v)  # noqa: E731
        X, W, S, O = (context.make_array(t)(context, builder, a)
                      for t, a in zip(signature.args[:4], (xa, wa, sa, oa)))
        ldw = cgutils.unpack_tuple(builder, W.shape, 2)[1]
        ldo = cgutils.unpack_tuple(builder, O.shape, 2)[1]
        n = cgutils.unpack_tuple(builder, W.shape, 2)[0]
        fma = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vt, [vt, vt, vt]),
            f"llvm.fma.v{lanes}{'f32' if ety == ir.FloatType() else 'f64'}")
        zero = ir.Constant(vt, None)
        undef = ir.Constant(vt, ir.Undefined)
        splat0 = ir.Constant(ir.VectorType(i32, lanes), [0] * lanes)
        pre = builder.basic_block
        loop = builder.append_basic_block("tile.loop")
        done = builder.append_basic_block("tile.done")
        builder.cbranch(builder.icmp_signed(">", n, c(0)), loop, done)
        builder.position_at_end(loop)
        j = builder.phi(i64)
        acc = [[builder.phi(vt) for _ in range(TILE_V)] for _ in range(TILE_K)]
        a = builder.add(b, builder.load(builder.gep(S.data, [j], inbounds=True)))
        xv = [builder.load(builder.bitcast(builder.gep(X.data, [builder.add(a, c(v * lanes))],
                                                       inbounds=True), vt.as_pointer()), align=1)
              for v in range(TILE_V)]
        wrow = builder.add(builder.mul(j, ldw), kc)
        new = []
        for i in range(TILE_K):
            w = builder.load(builder.gep(W.data, [builder.add(wrow, c(i))], inbounds=True))
            ws = builder.shuffle_vector(builder.insert_element(undef, w, ir.Constant(i32, 0)),
                                        undef, splat0)
            new.append([builder.call(fma, [ws, xv[v], acc[i][v]]) for v in range(TILE_V)])
        j1 = builder.add(j, c(1))
        latch = builder.basic_block
        builder.cbranch(builder.icmp_signed("<", j1, n), loop, done)
        j.add_incoming(c(0), pre)
        j.add_incoming(j1, latch)
        for i in range(TILE_K):
            for v in range(TILE_V):
                acc[i][v].add_incoming(zero, pre)
                acc[i][v].add_incoming(new[i][v], latch)
        builder.position_at_end(done)
        res = []
        for i in range(TILE_K):
            res.append([])
            for v in range(TILE_V):
                r = builder.phi(vt)
                r.add_incoming(zero, pre)
                r.add_incoming(new[i][v], latch)
                res[i].append(r)
        # store mask: lane q of vector v is valid when v * lanes + q < nvalid
        lane = ir.Constant(ir.VectorType(i64, lanes), list(range(lanes)))
        nv = builder.shuffle_vector(
            builder.insert_element(ir.Constant(ir.VectorType(i64, lanes), ir.Undefined), nvalid,
                                   ir.Constant(i32, 0)),
            ir.Constant(ir.VectorType(i64, lanes), ir.Undefined), splat0)
        masks = [builder.icmp_signed("<", builder.add(lane, ir.Constant(
            ir.VectorType(i64, lanes), [v * lanes] * lanes)), nv) for v in range(TILE_V)]
        mstore = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [vt, vt.as_pointer(), i32,
                                                             ir.VectorType(i1, lanes)]),
            f"llvm.masked.store.v{lanes}{'f32' if ety == ir.FloatType() else 'f64'}.p0")
        for i in range(TILE_K):
            with builder.if_then(builder.icmp_signed("<", c(i), nrows)):
                rowp = builder.add(builder.mul(builder.add(row0, c(i)), ldo), p)
                for v in range(TILE_V):
                    ptr = builder.bitcast(builder.gep(O.data, [builder.add(rowp, c(v * lanes))],
                                                      inbounds=True), vt.as_pointer())
                    builder.call(mstore, [res[i][v], ptr, ir.Constant(i32, 1), masks[v]])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def conv_forward(x, w, toff, row_off, out, chunk):
    """out[k, r, q] = sum_{c,t} w[k, c, t] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    (overwritten). x: (C, L), w: (K, Cg, T), toff: (T,) int64, row_off: (R,) int64,
    out: (K, R, Q); L >= max(row_off) + max(toff) + Q rounded up to tile_width(dtype).
    One parallel unit = (group, row, chunk of the row: ``chunk`` outputs, a multiple of the
    tile width); it sweeps its tiles for every output-channel block of the group."""
    C = x.shape[0]
    L = x.shape[1]
    K = w.shape[0]
    Cg = w.shape[1]
    T = w.shape[2]
    R = out.shape[1]
    Q = out.shape[2]
    G = C // Cg
    Kg = K // G
    TW = TILE_V * (_VBYTES // x.itemsize)
    Qp = (Q + TW - 1) // TW * TW
    if R > 0 and T > 0 and row_off.max() + toff.max() + Qp > L:
        raise ValueError("conv_forward(): input rows too short for the tiles (no slack)")
    # weights as (group, reduction j = (c, t), output channel padded to TILE_K): a tile
    # broadcasts TILE_K consecutive weights per reduction step
    Kp = (Kg + TILE_K - 1) // TILE_K * TILE_K
    wt = np.zeros((G, Cg * T, Kp), x.dtype)
    for gi in range(G):
        for kk in range(Kg):
            for ci in range(Cg):
                for t in range(T):
                    wt[gi, ci * T + t, kk] = w[gi * Kg + kk, ci, t]
    so = np.empty(Cg * T, np.uint64)          # flat offset of reduction index j = (c, t)
    for ci in range(Cg):
        for t in range(T):
            so[ci * T + t] = ci * L + toff[t]
    o2 = out.reshape(K, R * Q)
    xf = x.reshape(C * L)
    nq = (Q + chunk - 1) // chunk
    for u in prange(G * R * nq):
        grp = u // (R * nq)
        rem = u - grp * (R * nq)
        r = rem // nq
        a = (rem - r * nq) * chunk
        e = min(Q, a + chunk)
        wg = wt[grp]
        base = grp * Cg * L + row_off[r]
        for kb in range(0, Kg, TILE_K):
            for q in range(a, e, TW):
                _tile(xf, wg, so, o2, np.uint64(base + q), kb, grp * Kg + kb, Kg - kb,
                      r * Q + q, e - q)


# The weight-gradient helpers are inlined into their caller at Numba IR level and compiled
# without the (unused) Python/C wrappers: every separately compiled helper is an extra LLVM
# module that each caller re-optimises and re-emits, ~0.4 s of cold compile per dtype; the
# generated loops are the same (measured equal or faster).
@njit(cache=True, fastmath=_FM, inline="always")
def _dw_k4t4(ga, gb, gc, gd, xa, xb, xc, xd, z):
    s00 = s01 = s02 = s03 = z
    s10 = s11 = s12 = s13 = z
    s20 = s21 = s22 = s23 = z
    s30 = s31 = s32 = s33 = z
    for q in range(ga.shape[0]):
        g0 = ga[q]
        g1 = gb[q]
        g2 = gc[q]
        g3 = gd[q]
        va = xa[q]
        vb = xb[q]
        vc = xc[q]
        vd = xd[q]
        s00 += g0 * va
        s01 += g0 * vb
        s02 += g0 * vc
        s03 += g0 * vd
        s10 += g1 * va
        s11 += g1 * vb
        s12 += g1 * vc
        s13 += g1 * vd
        s20 += g2 * va
        s21 += g2 * vb
        s22 += g2 * vc
        s23 += g2 * vd
        s30 += g3 * va
        s31 += g3 * vb
        s32 += g3 * vc
        s33 += g3 * vd
    return (s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23,
            s30, s31, s32, s33)


@njit(cache=True, fastmath=_FM, inline="always")
def _dw_k4t1(ga, gb, gc, gd, xa, z):
    s0 = s1 = s2 = s3 = z
    for q in range(ga.shape[0]):
        va = xa[q]
        s0 += ga[q] * va
        s1 += gb[q] * va
        s2 += gc[q] * va
        s3 += gd[q] * va
    return s0, s1, s2, s3


@njit(cache=True, fastmath=_FM, no_cpython_wrapper=True, no_cfunc_wrapper=True)
def _dw_unit(x, g, Q, toff, row_off, part, ch, c0, k0, k1, p0, p1, chunk):
    """part[ch, k0:k1] = sum over pieces p0..p1 (piece = chunk of a row; fixed order:
    pieces, channels, taps)."""
    Cg = part.shape[2]
    T = part.shape[3]
    nq = (Q + chunk - 1) // chunk
    part[ch, k0:k1] = 0
    z = np.zeros(1, part.dtype)[0]      # a zero of the data's dtype: float32 stays float32
    acc = np.zeros((4, 4), part.dtype)
    for pc in range(p0, p1):
        r = pc // nq
        a = (pc - r * nq) * chunk
        b = min(Q, a + chunk)
        n = b - a
        s0 = row_off[r] + a
        e0 = r * Q + a
        for ci in range(Cg):
            xc = x[c0 + ci]
            for kb in range(k0, k1, 4):
                nk = min(4, k1 - kb)
                ga = g[kb, e0:e0 + n]
                gb = g[kb + (1 if nk > 1 else 0), e0:e0 + n]
                gc = g[kb + (2 if nk > 2 else 0), e0:e0 + n]
                gd = g[kb + (3 if nk > 3 else 0), e0:e0 + n]
                t = 0
                while t < T:
                    nt = min(4, T - t)
                    if nt == 4:
                        ba = s0 + toff[t]
                        bb = s0 + toff[t + 1]
                        bc = s0 + toff[t + 2]
                        bd = s0 + toff[t + 3]
                        r = _dw_k4t4(ga, gb, gc, gd, xc[ba:ba + n], xc[bb:bb + n],
                                     xc[bc:bc + n], xc[bd:bd + n], z)
                        acc[0, 0], acc[0, 1], acc[0, 2], acc[0, 3] = r[0], r[1], r[2], r[3]
                        acc[1, 0], acc[1, 1], acc[1, 2], acc[1, 3] = r[4], r[5], r[6], r[7]
                        acc[2, 0], acc[2, 1], acc[2, 2], acc[2, 3] = r[8], r[9], r[10], r[11]
                        acc[3, 0], acc[3, 1], acc[3, 2], acc[3, 3] = (r[12], r[13], r[14],
                                                                      r[15])
                    else:
                        nt = 1
                        ba = s0 + toff[t]
                        r4 = _dw_k4t1(ga, gb, gc, gd, xc[ba:ba + n], z)
                        acc[0, 0], acc[1, 0], acc[2, 0], acc[3, 0] = r4[0], r4[1], r4[2], r4[3]
                    for i in range(nk):
                        for j in range(nt):
                            part[ch, kb + i, ci, t + j] += acc[i, j]
                    t += nt


@njit(cache=True, parallel=True, fastmath=_FM, no_cfunc_wrapper=True)
def conv_backward_weight(x, g, toff, row_off, part, chunk):
    """Weight gradient, partial sums over fixed ranges of pieces (the caller sums axis 0).

    x: (C, L), g: (K, R, Q) (zeros in junk positions), part: (nch, K, Cg, T) overwritten:
    part[ch, k, c, t] = sum_{(r, q) in range ch} g[k, r, q] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    where the pieces (row, chunk of the row) are split into nch equal ranges.
    One parallel unit = (range, group, block of <= 16 output channels)."""
    C = x.shape[0]
    K = g.shape[0]
    Q = g.shape[2]
    M = g.shape[1] * ((Q + chunk - 1) // chunk)     # number of pieces
    g2 = g.reshape(K, g.shape[1] * Q)
    nch = part.shape[0]
    Cg = part.shape[2]
    G = C // Cg
    Kg = K // G
    nkg = (Kg + 15) // 16
    per = (M + nch - 1) // nch
    for u in prange(nch * G * nkg):
        ch = u // (G * nkg)
        rem = u - ch * (G * nkg)
        grp = rem // nkg
        kgi = rem - grp * nkg
        k0 = grp * Kg + kgi * 16
        k1 = min(grp * Kg + Kg, k0 + 16)
        q0 = min(M, ch * per)
        q1 = min(M, q0 + per)
        _dw_unit(x, g2, Q, toff, row_off, part, ch, grp * Cg, k0, k1, q0, q1, chunk)


@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def transpose2d(src, dst):
    """dst[j, i] = src[i, j] in 32x32 tiles (layout changes of the batch-inner convs)."""
    R = src.shape[0]
    Cc = src.shape[1]
    for b in prange((R + 31) // 32):
        r0 = b * 32
        r1 = min(R, r0 + 32)
        for c0 in range(0, Cc, 32):
            for c in range(c0, min(Cc, c0 + 32)):
                for r in range(r0, r1):
                    dst[c, r] = src[r, c]
