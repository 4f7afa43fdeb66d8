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
* ``w``: (K, Cg, T) weights, taps flattened; Cg = C / groups (the forward takes them in
  channel blocks: ``tile_weights``).
* ``toff``: (T,) int64 offset of each tap in a flat input row.
* ``out`` / ``g``: (K, M) channel-major flat output; junk positions (between rows / images)
  are cropped (the forward stores each swept line cropped to the output width, straight into
  the (N, K, ...) result when the batch is outermost) or are zeros (``g`` of the weight
  gradient).

    out[k, q] = b[k] + sum_{c, t} w[k, c, t] * x[grp*Cg + c, q + toff[t]],   grp = k // (K / groups)

Register blocking: the forward is a GEMM-style microkernel written in LLVM IR through a Numba
intrinsic (``_tile``): a tile of TILE_K output channels x TILE_V vectors of consecutive outputs
stays in registers for the whole (channel, tap) reduction, each step loading TILE_V input vectors
and broadcasting TILE_K weights. (Numba's own vectoriser cannot keep accumulators in registers
across an outer reduction loop; the best plain-Python loop reached ~60 % of this speed.) The
weight gradient (``_dw_tile``) keeps DW_K channels x DW_J (channel, tap) streams of vector
partial sums over a chunk of the flat axis, then sums each by a fixed tree; for wide layers
(``conv_backward_weight_t``) a third tile (``_dwt_tile``) vectorises over output channels
instead, reading a position-major copy of the gradient, with no horizontal sums. Work is cut
into cache-sized chunks of the flat axis. Each ``prange`` iteration owns the outputs it writes
and sums in a fixed order, so results do not depend on the number of threads (the weight
gradients' partial sums per fixed chunk are combined by the caller). Under NUMBA_DISABLE_JIT
the tiles run as pure-Python twins (``_tile_py`` ...).

The input gradient and the transposed convolution are this same forward kernel on the
(padded, phase-decomposed) output gradient with flipped, transposed weights (ops/conv.py).
``pack_phases`` / ``unpack_phases`` move data between (N, C, D, H, W) arrays and these flat
layouts (padding, phase split, batch-inner order, crops); ``transpose_planes`` makes
position-major copies (the wide weight gradient's, and plain 2-d transposes: ``transpose2d``).
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types

from . import parallel_float32
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["conv_forward", "tile_weights", "conv_backward_weight", "conv_backward_weight_t",
           "transpose_planes", "transpose2d",
           "pack_phases", "unpack_phases", "tile_width", "vector_lanes"]


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
# Software prefetch of the input for the reduction stream _PF steps ahead (the tiles that ask
# for it): on a stride-phase-split input a channel's taps fall in up to 2x as many regions
# (phase planes lie far apart), the hardware prefetchers lose track, and the tile waited on
# L2 (strided 3x3 layer, 1 thread: 102-106 -> 144-149 GFLOP/s; stride 1: no gain, ~3 % loss).
# Distance: 24 steps ahead measured 2 % faster than 12 on the strided layer (6: 4 % slower).
_PF = 24


def tile_width(dtype) -> int:
    """Outputs along the swept axis per forward tile: an input buffer needs this many
    elements of slack past its last output's taps (the last tile reads, but never stores,
    past the end of a row)."""
    return TILE_V * _VBYTES // np.dtype(dtype).itemsize


def vector_lanes(dtype) -> int:
    """Elements of one vector register (the channel padding of conv_backward_weight_t)."""
    return _VBYTES // np.dtype(dtype).itemsize


def _vec(context, dtype):
    """(LLVM element type, lanes, vector type) of one register for a Numba float dtype."""
    ety = context.get_data_type(dtype)
    lanes = _VBYTES // (4 if dtype == types.float32 else 8)
    return ety, lanes, ir.VectorType(ety, lanes)


def _suffix(vt):
    return f"v{vt.count}{'f32' if vt.element == ir.FloatType() else 'f64'}"


def _fma_fn(builder, vt):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(vt, [vt, vt, vt]),
                                          f"llvm.fma.{_suffix(vt)}")


def _mload_fn(builder, vt):
    mt = ir.VectorType(ir.IntType(1), vt.count)
    return cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(vt, [vt.as_pointer(), ir.IntType(32), mt, vt]),
        f"llvm.masked.load.{_suffix(vt)}.p0")


def _mstore_fn(builder, vt):
    mt = ir.VectorType(ir.IntType(1), vt.count)
    return cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [vt, vt.as_pointer(), ir.IntType(32), mt]),
        f"llvm.masked.store.{_suffix(vt)}.p0")


def _splat(builder, value, lanes):
    """<lanes x T> with every lane = value."""
    und = ir.Constant(ir.VectorType(value.type, lanes), ir.Undefined)
    return builder.shuffle_vector(builder.insert_element(und, value, ir.Constant(ir.IntType(32), 0)),
                                  und, ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes))


def _lane_mask(builder, lanes, limit, first):
    """<lanes x i1>: lane q is on when first + q < limit (limit: an i64 value)."""
    return builder.icmp_signed("<", ir.Constant(ir.VectorType(ir.IntType(64), lanes),
                                                [first + q for q in range(lanes)]),
                               _splat(builder, limit, lanes))


def _vload(builder, base, idx, vt, mask=None):
    """Vector at base[idx] (element pointer + i64 index), unaligned; masked-off lanes are not
    read and give 0."""
    ptr = builder.bitcast(builder.gep(base, [idx], inbounds=True), vt.as_pointer())
    if mask is None:
        return builder.load(ptr, align=1)
    return builder.call(_mload_fn(builder, vt), [ptr, ir.Constant(ir.IntType(32), 1), mask,
                                                 ir.Constant(vt, None)])


def _acc_loop(builder, trip, nacc, vt, body, init=None):
    """Emit ``for it in range(trip): accs = body(it, accs)`` with nacc vector accumulators
    carried in registers (phi nodes), starting from ``init`` (default zeros); returns the final
    accumulators."""
    i64 = ir.IntType(64)
    init = init or [ir.Constant(vt, None)] * nacc
    pre = builder.basic_block
    loop = builder.append_basic_block("acc.loop")
    done = builder.append_basic_block("acc.done")
    builder.cbranch(builder.icmp_signed(">", trip, ir.Constant(i64, 0)), loop, done)
    builder.position_at_end(loop)
    it = builder.phi(i64)
    accs = [builder.phi(vt) for _ in range(nacc)]
    new = body(it, accs)
    it1 = builder.add(it, ir.Constant(i64, 1))
    latch = builder.basic_block
    builder.cbranch(builder.icmp_signed("<", it1, trip), loop, done)
    it.add_incoming(ir.Constant(i64, 0), pre)
    it.add_incoming(it1, latch)
    builder.position_at_end(done)
    out = []
    for phi, v, v0 in zip(accs, new, init):
        phi.add_incoming(v0, pre)
        phi.add_incoming(v, latch)
        r = builder.phi(vt)
        r.add_incoming(v0, pre)
        r.add_incoming(v, latch)
        out.append(r)
    return out


def _arrays(context, builder, signature, args, n):
    return [context.make_array(t)(context, builder, a)
            for t, a in zip(signature.args[:n], args[:n])]


@intrinsic
def _tile(typingctx, xf, wt, bt, so, o, b, vs, jump, vend, kc, nrows, ob, q0, nvalid, pf, ldk,
          pw, wo):
    """One register-blocked forward tile:

        acc[i, q] = bt[kc + i] + sum_j wt[j, kc + i] * xf[b + so[j] + off(q)]
        for i < min(TILE_K, nrows), q < min(TILE_V * lanes, nvalid), j < wt.shape[0]

    where off(q) = q, plus ``jump`` from vector ``vs`` on (the tile runs on into the next
    input row), and 0 (a re-read of vector 0, never stored) from vector ``vend`` on (past the
    end of the sweep); vs = vend = TILE_V: one plain run.

    stored at o[ob + i*ldk + pos(q0 + q)] where pos(p) = (p // pw)*wo + p % pw, only where
    p % pw < wo: the sweep runs at a padded row width pw and the stores crop each row to wo
    (pw >= lanes, or the tile inside one row: a vector then spans at most two rows, so each is
    at most two masked stores). One FMA chain per output in j order from the bias, so results
    do not depend on tiling or threads (the bias starts the chain: no second pass over the
    output to add it). Loads are unmasked (the caller guarantees slack). ``pf`` != 0 prefetches
    the lines stream j + _PF will read (a second copy of the loop)."""
    sig = types.void(xf, wt, bt, so, o, b, vs, jump, vend, kc, nrows, ob, q0, nvalid, pf, ldk,
                     pw, wo)

    def codegen(context, builder, signature, args):
        b, vs, jump, vend, kc, nrows, ob, q0, nvalid, pf, ldk, pw, wo = args[5:]
        _, lanes, vt = _vec(context, signature.args[0].dtype)
        i64 = ir.IntType(64)
        c = lambda v: ir.Constant(i64, v)  # noqa: E731
        X, W, B, S, O = _arrays(context, builder, signature, args, 5)
        nj, ldw = cgutils.unpack_tuple(builder, W.shape, 2)
        fma = _fma_fn(builder, vt)

        i8p = ir.IntType(8).as_pointer()
        i32 = lambda v: ir.Constant(ir.IntType(32), v)  # noqa: E731
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p] + [ir.IntType(32)] * 3),
            "llvm.prefetch.p0")
        last = builder.sub(nj, c(1))
        # every line touched: (vector, offset in it)
        span = [(v, 0) for v in range(TILE_V)] + [(TILE_V - 1, lanes - 1)]
        # each vector's own base pointer, set up once: the loop's loads then address
        # [base_v + so[j]] (offsets added inside the loop cost ~4 % on LeNet conv2)
        vbase = []
        for v in range(TILE_V):
            off = c(v * lanes)
            off = builder.select(builder.icmp_signed(">=", c(v), vs), builder.add(off, jump), off)
            off = builder.select(builder.icmp_signed(">=", c(v), vend), c(0), off)
            vbase.append(builder.gep(X.data, [builder.add(b, off)]))

        def body(j, acc, ahead=False):
            a = builder.load(builder.gep(S.data, [j], inbounds=True))
            if ahead:               # the lines of stream j + _PF (read, keep in L1)
                jn = builder.add(j, c(_PF))
                jn = builder.select(builder.icmp_signed("<", jn, nj), jn, last)
                an = builder.load(builder.gep(S.data, [jn], inbounds=True))
                for v, off in span:
                    ptr = builder.bitcast(builder.gep(vbase[v], [builder.add(an, c(off))]), i8p)
                    builder.call(prefetch, [ptr, i32(0), i32(3), i32(1)])
            xv = [_vload(builder, vbase[v], a, vt) for v in range(TILE_V)]
            wrow = builder.add(builder.mul(j, ldw), kc)
            new = []
            for i in range(TILE_K):
                w = builder.load(builder.gep(W.data, [builder.add(wrow, c(i))], inbounds=True))
                ws = _splat(builder, w, lanes)
                new += [builder.call(fma, [ws, xv[v], acc[i * TILE_V + v]])
                        for v in range(TILE_V)]
            return new

        init = [_splat(builder, builder.load(builder.gep(B.data, [builder.add(kc, c(i))],
                                                         inbounds=True)), lanes)
                for i in range(TILE_K) for _ in range(TILE_V)]
        with builder.if_else(builder.icmp_signed("!=", pf, c(0))) as (with_pf, plain):
            with with_pf:
                res_pf = _acc_loop(builder, nj, TILE_K * TILE_V, vt,
                                   lambda j, acc: body(j, acc, True), init)
                bb_pf = builder.basic_block
            with plain:
                res_plain = _acc_loop(builder, nj, TILE_K * TILE_V, vt, body, init)
                bb_plain = builder.basic_block
        res = []
        for r1, r2 in zip(res_pf, res_plain):
            r = builder.phi(vt)
            r.add_incoming(r1, bb_pf)
            r.add_incoming(r2, bb_plain)
            res.append(r)
        mstore = _mstore_fn(builder, vt)
        lane = ir.Constant(ir.VectorType(i64, lanes), list(range(lanes)))
        smin = lambda p_, q_: builder.select(builder.icmp_signed("<", p_, q_), p_, q_)  # noqa
        # rows i >= nrows (a partial channel block) store nothing: all-off masks, no branches
        # (a branch per row and vector tripled the kernel's compile time)
        on = [_splat(builder, builder.icmp_signed("<", c(i), nrows), lanes) for i in range(TILE_K)]

        def store(v, dest, mask):
            """Vector v of every channel row at o[ob + i*ldk + dest + lane], masked."""
            for i in range(TILE_K):
                at = builder.add(builder.add(ob, builder.mul(c(i), ldk)), dest)
                ptr = builder.bitcast(builder.gep(O.data, [at]), vt.as_pointer())
                builder.call(mstore, [res[i * TILE_V + v], ptr, i32(1), builder.and_(mask, on[i])])

        # (row, col) of each vector's lane 0: one division per tile, then steps of `lanes`
        # that wrap at most once (pw >= lanes; else only vector 0 has valid lanes). A division
        # per vector cost ~10 % on short-reduction tiles (the strided input gradient's phases)
        row = builder.udiv(q0, pw)
        col = builder.sub(q0, builder.mul(row, pw))
        for v in range(TILE_V):
            if v:
                col = builder.add(col, c(lanes))
                wrap = builder.icmp_signed(">=", col, pw)
                col = builder.select(wrap, builder.sub(col, pw), col)
                row = builder.select(wrap, builder.add(row, c(1)), row)
            nv = builder.sub(nvalid, c(v * lanes))           # valid lanes (may be <= 0)
            # lanes [0, hi1): the rest of row `row`; lanes [lo2, hi2): the start of row + 1
            hi1 = smin(nv, builder.sub(wo, col))
            store(v, builder.add(builder.mul(row, wo), col),
                  builder.icmp_signed("<", lane, _splat(builder, hi1, lanes)))
            lo2 = builder.sub(pw, col)
            hi2 = smin(nv, builder.add(lo2, wo))
            with builder.if_then(builder.icmp_signed("<", lo2, hi2), likely=False):
                m2 = builder.and_(builder.icmp_signed(">=", lane, _splat(builder, lo2, lanes)),
                                  builder.icmp_signed("<", lane, _splat(builder, hi2, lanes)))
                store(v, builder.sub(builder.mul(builder.add(row, c(1)), wo), lo2), m2)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, no_cfunc_wrapper=True)
def _imax(a):
    """max of a non-empty int64 array, serially. In a parallel=True kernel ``a.max()`` (and
    np.zeros, slice fills: the kernels write plain loops) become parfors, each compiled as its
    own gufunc: ~0.5-1 s of cold compile apiece, for work that takes microseconds."""
    m = a[0]
    for i in range(1, a.shape[0]):
        m = max(m, a[i])
    return m


@njit(cache=True, no_cfunc_wrapper=True)
def _imin(a):
    """min of a non-empty int64 array, serially (see _imax)."""
    m = a[0]
    for i in range(1, a.shape[0]):
        m = min(m, a[i])
    return m


@njit(cache=True, inline="always")
def _stream_offsets(Cg, L, toff):
    """Flat offset of each reduction stream j = (channel c, tap t) in a (Cg, L) input block:
    c * L + toff[t], unsigned so the tiles' address arithmetic has no sign checks."""
    T = toff.shape[0]
    so = np.empty(Cg * T, np.uint64)
    for ci in range(Cg):
        for t in range(T):
            so[ci * T + t] = ci * L + toff[t]
    return so


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def conv_forward(x, wt, bias, toff, row_off, Q, out, orow, ldk, pw, wo, chunk, pf, kfirst):
    """Forward sweep of R = len(row_off) rows of Q outputs each:

        y[k, r, q] = bias[k] + sum_{c,t} w[k, c, t] * x[grp*Cg + c, row_off[r] + toff[t] + q]

    stored at out[orow[r] + k*ldk + (q // pw)*wo + q % pw] where q % pw < wo (the sweep's row
    width pw cropped to wo: positions past wo are computed, not stored). Plain (K, R, Q) output:
    orow = r*Q, ldk = R*Q, pw = wo = Q. x: (C, L), wt: tile_weights(w (K, Cg, T), groups),
    bias: (K,) (zeros for none),
    toff: (T,) int64, row_off / orow: (R,) int64, out: 1-d; pw >= vector lanes or Q <= pw;
    L >= max(row_off) + max(toff) + Q rounded up to tile_width(dtype).
    One parallel unit = (group, row, chunk of the row: ``chunk`` outputs, a multiple of the
    tile width); it sweeps its tiles for every output-channel block of the group. pf != 0:
    software-prefetch the input streams (for taps spread over several phase planes).
    kfirst != 0: each output-channel block of TILE_K is a unit of its own, blocks outermost,
    so a thread writes whole channel blocks: the rows a transpose of a (K, R*Q) output then
    reads on the same core (batch-inner layouts; LeNet conv2's output transpose 27 -> 22 us).
    Big layers keep every block of a unit together: they share its input chunk in cache."""
    C = x.shape[0]
    L = x.shape[1]
    K = bias.shape[0]
    T = toff.shape[0]
    R = row_off.shape[0]
    CT = wt.shape[1]
    if T == 0 or CT == 0 or CT % T != 0 or C % (CT // T) != 0 or wt.shape[2] != TILE_K:
        raise ValueError("conv_forward(): weights not tiled for this input (see tile_weights)")
    Cg = CT // T
    G = C // Cg
    Kg = K // G
    nkb = (Kg + TILE_K - 1) // TILE_K
    if K % G != 0 or wt.shape[0] != G * nkb:
        raise ValueError("conv_forward(): weights not tiled for this input (see tile_weights)")
    TW = TILE_V * (_VBYTES // x.itemsize)     # = tile_width(dtype) (not callable in Numba)
    Qp = (Q + TW - 1) // TW * TW
    if R > 0 and _imax(row_off) + _imax(toff) + Qp > L:
        raise ValueError("conv_forward(): input rows too short for the tiles (no slack)")
    if orow.shape[0] != R or wo < 1 or wo > pw or (pw < _VBYTES // x.itemsize and Q > pw) \
            or ldk < 0 or chunk < 1:
        raise ValueError("conv_forward(): bad output geometry")
    if R > 0 and Q > 0 and K > 0 and (_imin(orow) < 0 or _imax(orow) + (K - 1) * ldk
                                      + (Q + pw - 1) // pw * wo > out.shape[0]):
        raise ValueError("conv_forward(): output buffer too small")
    bt = np.empty((G * nkb, TILE_K), x.dtype)          # the bias in wt's channel blocks
    for gi in range(G):
        for kk in range(nkb * TILE_K):
            bt[gi * nkb + kk // TILE_K, kk % TILE_K] = bias[gi * Kg + kk] if kk < Kg else 0
    so = _stream_offsets(Cg, L, toff)
    xf = x.reshape(C * L)
    # One sweep of all R*Q outputs when they are stored back to back and each row holds whole
    # vectors: tiles then run on from one row into the next (a row of LeNet conv2's 64-image
    # batch is 13 1/3 tiles: per-row sweeps computed 14).
    lanes = _VBYTES // x.itemsize
    cat = (kfirst != 0 and R > 1 and Q % lanes == 0 and chunk % lanes == 0 and Q >= TW
           and pw == Q and wo == Q)
    for r in range(R):
        if orow[r] != orow[0] + r * Q:
            cat = False
    RR = 1 if cat else R
    QQ = R * Q if cat else Q
    nq = (QQ + chunk - 1) // chunk
    nku = nkb if kfirst else 1               # channel-block units per group
    for u in prange(G * nku * RR * nq):
        grp = u // (nku * RR * nq)
        rem = u - grp * (nku * RR * nq)
        ku = rem // (RR * nq)
        rem = rem - ku * (RR * nq)
        r = rem // nq
        a = (rem - r * nq) * chunk
        e = min(QQ, a + chunk)
        k0 = ku * TILE_K
        k1 = min(Kg, k0 + TILE_K) if kfirst else Kg
        for kb in range(k0, k1, TILE_K):
            wb = wt[grp * nkb + kb // TILE_K]
            bb = bt[grp * nkb + kb // TILE_K]
            ob = orow[r] + (grp * Kg + kb) * ldk
            for q in range(a, e, TW):
                rq, vs, jump, vend = r, TILE_V, 0, TILE_V
                if cat:                      # q: row rq, vectors from vs on in row rq + 1
                    rq = q // Q
                    vs = (Q - (q - rq * Q)) // lanes
                    if rq + 1 < R:
                        jump = row_off[rq + 1] - row_off[rq] - Q
                    vend = (R * Q - q + lanes - 1) // lanes
                b = grp * Cg * L + row_off[rq] + q - (rq - r) * Q
                _tile(xf, wb, bb, so, out, np.uint64(b), vs, jump, vend, 0, Kg - kb, ob, q,
                      e - q, pf, ldk, pw, wo)


# Weight-gradient tile: DW_K output channels x DW_J reduction streams, one vector accumulator
# each (AVX-512: 4 x 6 = 24 zmm; per step 4 gradient + 6 input vector loads feed 24 FMAs).
DW_K, DW_J = (4, 6) if _VBYTES == 64 else (4, 2)


@njit(cache=True, no_cfunc_wrapper=True)
def tile_weights(w, groups):
    """conv_forward's weight operand: (K, Cg, T) weights -> (groups * nkb, Cg*T, TILE_K), per
    group nkb = ceil(K / groups / TILE_K) blocks of TILE_K output channels (zeros past the
    group's last), reduction-major, so a tile reads its TILE_K weights of a reduction step from
    one contiguous run (a row of all output channels per step put each step on its own cache
    line: twice the L2 traffic on wide layers). Apart from the forward kernel so a caller
    sweeping several batches with the same weights tiles them once."""
    K, Cg, T = w.shape
    if groups < 1 or K % groups != 0:
        raise ValueError("tile_weights(): groups must divide the output channels")
    Kg = K // groups
    nkb = (Kg + TILE_K - 1) // TILE_K
    CT = Cg * T
    wf = w.reshape((K, CT))
    wt = np.empty((groups * nkb, CT, TILE_K), w.dtype)
    for blk in range(groups * nkb):
        k0 = (blk // nkb) * Kg + (blk % nkb) * TILE_K       # the block's first channel
        n = min(TILE_K, (blk // nkb + 1) * Kg - k0)
        for j in range(CT):
            for i in range(TILE_K):
                wt[blk, j, i] = wf[k0 + i, j] if i < n else 0
    return wt


@intrinsic
def _dw_tile(typingctx, xf, gf, so, acc, xb, gb, ldg, j0, nk, nj, n):
    """acc[i, s] = sum_{q < n} gf[gb + i*ldg + q] * xf[xb + so[j0 + s] + q] for i < DW_K,
    s < DW_J (rows i >= nk and streams s >= nj repeat row / stream 0: computed, ignored).
    Vector lanes accumulate q = lane (mod lanes); the last partial vector is loaded masked
    (nothing past n is read); each accumulator is then summed by a fixed pairwise tree."""
    sig = types.void(xf, gf, so, acc, xb, gb, ldg, j0, nk, nj, n)

    def codegen(context, builder, signature, args):
        xb, gb, ldg, j0, nk, nj, n = args[4:]
        _, lanes, vt = _vec(context, signature.args[0].dtype)
        c = lambda v: ir.Constant(ir.IntType(64), v)  # noqa: E731
        X, Gr, S, A = _arrays(context, builder, signature, args, 4)
        fma = _fma_fn(builder, vt)
        lt = lambda i, lim: builder.select(builder.icmp_signed("<", c(i), lim), c(i), c(0))  # noqa
        gofs = [builder.add(gb, builder.mul(lt(i, nk), ldg)) for i in range(DW_K)]
        xofs = [builder.add(xb, builder.load(builder.gep(S.data, [builder.add(j0, lt(s, nj))],
                                                         inbounds=True))) for s in range(DW_J)]

        def step(q, accs, mask=None):
            gv = [_vload(builder, Gr.data, builder.add(o, q), vt, mask) for o in gofs]
            new = list(accs)
            for s in range(DW_J):
                xv = _vload(builder, X.data, builder.add(xofs[s], q), vt, mask)
                for i in range(DW_K):
                    new[i * DW_J + s] = builder.call(fma, [gv[i], xv, accs[i * DW_J + s]])
            return new

        m = builder.udiv(n, c(lanes))
        res = _acc_loop(builder, m, DW_K * DW_J, vt,
                        lambda it, accs: step(builder.mul(it, c(lanes)), accs))
        q0 = builder.mul(m, c(lanes))     # the last partial vector (an all-off mask if none)
        res = step(q0, res, _lane_mask(builder, lanes, builder.sub(n, q0), 0))
        ldA = cgutils.unpack_tuple(builder, A.shape, 2)[1]
        i32v = lambda idx: ir.Constant(ir.VectorType(ir.IntType(32), len(idx)), idx)  # noqa
        for i in range(DW_K):
            for s in range(DW_J):
                v, w = res[i * DW_J + s], lanes
                while w > 1:                      # fixed pairwise tree: deterministic
                    w //= 2
                    v = builder.fadd(builder.shuffle_vector(v, v, i32v(list(range(w)))),
                                     builder.shuffle_vector(v, v, i32v(list(range(w, 2 * w)))))
                tot = builder.extract_element(v, ir.Constant(ir.IntType(32), 0))
                builder.store(tot, builder.gep(A.data, [builder.add(builder.mul(c(i), ldA), c(s))],
                                               inbounds=True))
        return context.get_dummy_value()

    return sig, codegen


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def conv_backward_weight(x, g, toff, row_off, part, chunk):
    """Weight gradient, partial sums over fixed ranges of pieces (the caller sums axis 0).

    x: (C, L), g: (K, R, Q) (zeros in junk positions), part: (nch, K, Cg, T) overwritten:
    part[ch, k, c, t] = sum_{(r, q) in range ch} g[k, r, q] * x[grp*Cg + c, row_off[r] + toff[t] + q]
    where the pieces (row, chunk of the row) are split into nch balanced ranges. One parallel
    unit = (range, group): its pieces' input stays in cache for all output channels."""
    C = x.shape[0]
    L = x.shape[1]
    K = g.shape[0]
    R = g.shape[1]
    Q = g.shape[2]
    nch = part.shape[0]
    Cg = part.shape[2]
    T = part.shape[3]
    G = C // Cg
    Kg = K // G
    JT = Cg * T
    if R > 0 and T > 0 and _imax(row_off) + _imax(toff) + Q > L:
        raise ValueError("conv_backward_weight(): input rows too short")
    so = _stream_offsets(Cg, L, toff)
    xf = x.reshape(C * L)
    gf = g.reshape(K * R * Q)
    nq = (Q + chunk - 1) // chunk
    M = R * nq
    for u in prange(nch * G):
        ch = u // G
        grp = u - ch * G
        pw = part[ch].reshape(K, JT)
        for kk in range(grp * Kg, grp * Kg + Kg):
            for jj in range(JT):
                pw[kk, jj] = 0
        acc = np.empty((DW_K, DW_J), x.dtype)
        for pc in range(ch * M // nch, (ch + 1) * M // nch):     # balanced ranges
            r = pc // nq
            a = (pc - r * nq) * chunk
            n = min(Q, a + chunk) - a
            xb = grp * Cg * L + row_off[r] + a
            for k0 in range(grp * Kg, grp * Kg + Kg, DW_K):
                nk = min(DW_K, grp * Kg + Kg - k0)
                for j0 in range(0, JT, DW_J):
                    nj = min(DW_J, JT - j0)
                    _dw_tile(xf, gf, so, acc, xb, (k0 * R + r) * Q + a, R * Q, j0, nk, nj, n)
                    for i in range(nk):
                        for s in range(nj):
                            pw[k0 + i, j0 + s] += acc[i, s]


# Channel-vectorised weight-gradient tile (wide layers): DWT_V vectors of output channels x
# DWT_J reduction streams (AVX-512: 4 x 6 = 24 zmm; per step 4 gradient vectors + 6 broadcast
# inputs feed 24 FMAs). The reduction over positions stays in registers with no horizontal
# sums, like the forward tile; the gradient is read position-major (a transposed copy).
# Layers with at most DWT_V2 vectors of channels per group take a DWT_V2 x DWT_J2 tile (AVX-512:
# 2 x 12): the 4 x 6 tile would compute its unused vectors (32 channels: half of its FMAs).
DWT_V, DWT_J = (4, 6) if _VBYTES == 64 else (2, 4)
DWT_V2, DWT_J2 = (2, 12) if _VBYTES == 64 else (1, 8)


def _make_dwt_tile(DWT_V, DWT_J):
    """The channel-vectorised tile for DWT_V vectors x DWT_J streams (an intrinsic)."""
    @intrinsic
    def _dwt_tile(typingctx, xf, gt, so, pt, xb, qb, j0, kg, kp, nv, nj, n):
        """pt[j0 + s, kp + v*lanes + l] += sum_{q < n} gt[qb + q, kg + v*lanes + l]
        * xf[xb + so[j0 + s] + q] for v < nv, s < nj (vectors v >= nv and streams s >= nj repeat
        vector / stream 0: computed, not stored). One FMA chain per weight in q order."""
        sig = types.void(xf, gt, so, pt, xb, qb, j0, kg, kp, nv, nj, n)

        def codegen(context, builder, signature, args):
            xb, qb, j0, kg, kp, nv, nj, n = args[4:]
            _, lanes, vt = _vec(context, signature.args[0].dtype)
            c = lambda v: ir.Constant(ir.IntType(64), v)  # noqa: E731
            X, GT, S, PT = _arrays(context, builder, signature, args, 4)
            ldg = cgutils.unpack_tuple(builder, GT.shape, 2)[1]
            ldp = cgutils.unpack_tuple(builder, PT.shape, 2)[1]
            fma = _fma_fn(builder, vt)
            lt = lambda i, lim: builder.select(builder.icmp_signed("<", c(i), lim), c(i), c(0))  # noqa
            kofs = [builder.add(kg, builder.mul(lt(v, nv), c(lanes))) for v in range(DWT_V)]
            xofs = [builder.add(xb, builder.load(builder.gep(S.data, [builder.add(j0, lt(s, nj))],
                                                             inbounds=True))) for s in range(DWT_J)]

            def body(q, accs):
                row = builder.mul(builder.add(qb, q), ldg)
                gv = [_vload(builder, GT.data, builder.add(row, o), vt) for o in kofs]
                new = list(accs)
                for s in range(DWT_J):
                    xv = builder.load(builder.gep(X.data, [builder.add(xofs[s], q)], inbounds=True))
                    xs = _splat(builder, xv, lanes)
                    for v in range(DWT_V):
                        new[v * DWT_J + s] = builder.call(fma, [gv[v], xs, accs[v * DWT_J + s]])
                return new

            res = _acc_loop(builder, n, DWT_V * DWT_J, vt, body)
            for s in range(DWT_J):
                with builder.if_then(builder.icmp_signed("<", c(s), nj)):
                    prow = builder.mul(builder.add(j0, c(s)), ldp)
                    for v in range(DWT_V):
                        with builder.if_then(builder.icmp_signed("<", c(v), nv)):
                            col = builder.add(prow, builder.add(kp, c(v * lanes)))
                            ptr = builder.bitcast(builder.gep(PT.data, [col], inbounds=True),
                                                  vt.as_pointer())
                            builder.store(builder.fadd(builder.load(ptr, align=1),
                                                       res[v * DWT_J + s]), ptr, align=1)
            return context.get_dummy_value()

        return sig, codegen

    return _dwt_tile


_dwt_tile = _make_dwt_tile(DWT_V, DWT_J)
_dwt_tile_n = _make_dwt_tile(DWT_V2, DWT_J2)


@intrinsic
def _rowcopy(typingctx, bf, o, af, src, n, step):
    """bf[o + w] = af[src + step*w] for w < n, step 1 or 2, one vector of outputs per step, the
    last one masked (nothing outside the row is read or written). LLVM's vectoriser left the
    stride-2 loop of the phase split scalar (strided 3x3 pack: 3.2 ms)."""
    sig = types.void(bf, o, af, src, n, step)

    def codegen(context, builder, signature, args):
        o, src, n, step = args[1], args[3], args[4], args[5]
        _, lanes, vt = _vec(context, signature.args[0].dtype)
        i64 = ir.IntType(64)
        c = lambda v: ir.Constant(i64, v)  # noqa: E731
        B = context.make_array(signature.args[0])(context, builder, args[0])
        A = context.make_array(signature.args[2])(context, builder, args[2])
        mstore = _mstore_fn(builder, vt)
        even = ir.Constant(ir.VectorType(ir.IntType(32), lanes), list(range(0, 2 * lanes, 2)))
        nread = builder.sub(builder.mul(n, step), builder.sub(step, c(1)))   # elements read
        with cgutils.for_range(builder, builder.udiv(builder.add(n, c(lanes - 1)), c(lanes))) as lp:
            w = builder.mul(lp.index, c(lanes))
            at = builder.add(src, builder.mul(w, step))
            left = builder.sub(nread, builder.mul(w, step))
            # step 2: the even lanes of two vectors (for step 1 the second load is wasted but
            # in the row: nothing past nread is read, whatever the step)
            lo = _vload(builder, A.data, at, vt, _lane_mask(builder, lanes, left, 0))
            hi = _vload(builder, A.data, builder.add(at, c(lanes)), vt,
                        _lane_mask(builder, lanes, left, lanes))
            v = builder.select(builder.icmp_signed("==", step, c(2)),
                               builder.shuffle_vector(lo, hi, even), lo)
            ptr = builder.bitcast(builder.gep(B.data, [builder.add(o, w)]), vt.as_pointer())
            builder.call(mstore, [v, ptr, ir.Constant(ir.IntType(32), 1),
                                  _lane_mask(builder, lanes, builder.sub(n, w), 0)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _tblock(typingctx, dst, d0, dld, src, s0, sld, nr, nc, step):
    """dst[d0 + j*dld + i] = src[s0 + i*sld + j*step] for i < nr, j < nc (nr, nc <= lanes,
    step 1 or 2): one block of a transpose in registers -- nr row loads (masked to the nc
    columns; step 2: the even lanes of two loads, as _rowcopy), log2(lanes) rounds of
    two-register shuffles that swap the off-diagonal sub-blocks, nc masked row stores.
    Nothing outside the block is read or written. The scalar 16x16 loop LLVM made of the
    same copy moved ~1 element per cycle."""
    sig = types.void(dst, d0, dld, src, s0, sld, nr, nc, step)

    def codegen(context, builder, signature, args):
        d0, dld, s0, sld, nr, nc, step = args[1], args[2], args[4], args[5], args[6], \
            args[7], args[8]
        _, n, vt = _vec(context, signature.args[0].dtype)
        i64 = ir.IntType(64)
        i32 = lambda v: ir.Constant(ir.IntType(32), v)  # noqa: E731
        c = lambda v: ir.Constant(i64, v)  # noqa: E731
        D = context.make_array(signature.args[0])(context, builder, args[0])
        S = context.make_array(signature.args[3])(context, builder, args[3])
        mload, mstore = _mload_fn(builder, vt), _mstore_fn(builder, vt)
        shuf = lambda a, b, m: builder.shuffle_vector(  # noqa: E731
            a, b, ir.Constant(ir.VectorType(ir.IntType(32), n), m))
        nread = builder.sub(builder.mul(nc, step), builder.sub(step, c(1)))
        m_lo, m_hi = _lane_mask(builder, n, nread, 0), _lane_mask(builder, n, nread, n)
        two = builder.icmp_signed("==", step, c(2))
        zero = ir.Constant(vt, None)

        def load(at, mask):     # plain gep: rows past nr may point outside the array (unread)
            ptr = builder.bitcast(builder.gep(S.data, [at]), vt.as_pointer())
            return builder.call(mload, [ptr, i32(1), mask, zero])

        rows = []
        for i in range(n):
            on = _splat(builder, builder.icmp_signed("<", c(i), nr), n)
            at = builder.add(s0, builder.mul(c(i), sld))
            lo = load(at, builder.and_(m_lo, on))
            hi = load(builder.add(at, c(n)), builder.and_(m_hi, on))
            rows.append(builder.select(two, shuf(lo, hi, list(range(0, 2 * n, 2))), lo))
        b = n // 2
        while b >= 1:           # swap the off-diagonal b x b blocks of every 2b x 2b block
            keep = [(q // b) % 2 == 0 for q in range(n)]
            m_first = [q if k else n + q - b for q, k in enumerate(keep)]
            m_second = [q + b if k else n + q for q, k in enumerate(keep)]
            for i in range(n):
                if (i // b) % 2 == 0:
                    r, t = rows[i], rows[i + b]
                    rows[i], rows[i + b] = shuf(r, t, m_first), shuf(r, t, m_second)
            b //= 2
        cols = _lane_mask(builder, n, nr, 0)
        for j in range(n):
            on = _splat(builder, builder.icmp_signed("<", c(j), nc), n)
            ptr = builder.bitcast(builder.gep(D.data, [builder.add(d0, builder.mul(c(j), dld))]),
                                  vt.as_pointer())
            builder.call(mstore, [rows[j], ptr, i32(1), builder.and_(cols, on)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _prefetch_span(typingctx, xf, start, n):
    """Prefetch (read, keep in L1) the cache lines of xf[start : start + n]."""
    sig = types.void(xf, start, n)

    def codegen(context, builder, signature, args):
        _, start, n = args
        X = context.make_array(signature.args[0])(context, builder, args[0])
        i8p = ir.IntType(8).as_pointer()
        i32 = lambda v: ir.Constant(ir.IntType(32), v)  # noqa: E731
        step = 64 // context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p] + [ir.IntType(32)] * 3),
            "llvm.prefetch.p0")
        with cgutils.for_range_slice(builder, ir.Constant(ir.IntType(64), 0), n,
                                     ir.Constant(ir.IntType(64), step)) as (off, _):
            ptr = builder.bitcast(builder.gep(X.data, [builder.add(start, off)]), i8p)
            builder.call(prefetch, [ptr, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def conv_backward_weight_t(x, gt, toff, part, chunk):
    """Weight gradient of a wide layer (many output channels per group), batch-outer layout,
    partial sums over fixed ranges of the flat axis (the caller sums axis 0):

        part[ch, grp, c*T + t, k] = sum_{q in range ch} gt[q, grp*Kp + k] * x[grp*Cg + c, q + toff[t]]

    x: (C, L); gt: (M, G*Kp) the position-major gradient (zeros in junk rows; Kp = output
    channels per group, a multiple of the vector width); part: (nch, G, Cg*T, Kp),
    overwritten. One parallel unit = (range, group); ranges are cut into ``chunk`` positions
    so a chunk's gradient rows stay in L1 across all reduction streams."""
    C = x.shape[0]
    L = x.shape[1]
    M = gt.shape[0]
    nch = part.shape[0]
    G = part.shape[1]
    JT = part.shape[2]
    Kp = part.shape[3]
    T = toff.shape[0]
    Cg = C // G
    lanes = _VBYTES // x.itemsize
    if JT != Cg * T or gt.shape[1] != G * Kp or Kp % lanes != 0:
        raise ValueError("conv_backward_weight_t(): inconsistent shapes")
    if T > 0 and M > 0 and _imax(toff) + M > L:
        raise ValueError("conv_backward_weight_t(): input rows too short")
    so = _stream_offsets(Cg, L, toff)
    xf = x.reshape(C * L)
    nv_all = Kp // lanes
    narrow = nv_all <= DWT_V2
    V = DWT_V2 if narrow else DWT_V
    J = DWT_J2 if narrow else DWT_J
    for u in prange(nch * G):
        ch = u // G
        grp = u - ch * G
        pg = part[ch, grp]
        for jj in range(JT):
            for kk in range(Kp):
                pg[jj, kk] = 0
        lo = ch * M // nch
        hi = (ch + 1) * M // nch
        for a in range(lo, hi, chunk):
            n = min(hi, a + chunk) - a
            xb = grp * Cg * L + a
            for j0 in range(0, JT, J):
                nj = min(J, JT - j0)
                # the next streams' input lines: consecutive streams lie far apart (other
                # taps, channels, phases) and the hardware prefetchers miss them
                for s in range(j0 + J, min(JT, j0 + 2 * J)):
                    _prefetch_span(xf, np.uint64(xb) + so[s], n + 1)
                for v0 in range(0, nv_all, V):
                    if narrow:
                        _dwt_tile_n(xf, gt, so, pg, xb, a, j0, grp * Kp + v0 * lanes,
                                    v0 * lanes, min(V, nv_all - v0), nj, n)
                    else:
                        _dwt_tile(xf, gt, so, pg, xb, a, j0, grp * Kp + v0 * lanes, v0 * lanes,
                                  min(V, nv_all - v0), nj, n)


# ---- pure-Python twins of the tiles: NUMBA_DISABLE_JIT (debugging) runs the kernels' loops in
# Python, where an LLVM-IR intrinsic cannot run. Same sums in the same order (separate multiply
# and add instead of FMA, so the last bit may differ); slow, for debugging only.

def _tile_py(xf, wt, bt, so, o, b, vs, jump, vend, kc, nrows, ob, q0, nvalid, pf, ldk, pw, wo):
    lanes = _VBYTES // xf.itemsize
    n = min(TILE_V * lanes, nvalid)
    for i in range(min(TILE_K, nrows)):
        for q in range(n):
            p = q0 + q
            if p % pw >= wo:
                continue
            off = q + (jump if q // lanes >= vs else 0)
            acc = bt[kc + i]
            for j in range(wt.shape[0]):
                acc += wt[j, kc + i] * xf[int(b) + int(so[j]) + off]
            o[ob + i * ldk + (p // pw) * wo + p % pw] = acc


def _dw_tile_py(xf, gf, so, acc, xb, gb, ldg, j0, nk, nj, n):
    for i in range(nk):
        for s in range(nj):
            t = 0.0
            for q in range(n):
                t += gf[gb + i * ldg + q] * xf[xb + int(so[j0 + s]) + q]
            acc[i, s] = t


def _dwt_tile_py(xf, gt, so, pt, xb, qb, j0, kg, kp, nv, nj, n):
    lanes = _VBYTES // xf.itemsize
    for s in range(nj):
        for k in range(nv * lanes):
            t = 0.0
            for q in range(n):
                t += gt[qb + q, kg + k] * xf[xb + int(so[j0 + s]) + q]
            pt[j0 + s, kp + k] += t


def _prefetch_span_py(xf, start, n):
    pass


def _rowcopy_py(bf, o, af, src, n, step):
    for w in range(n):
        bf[o + w] = af[src + step * w]


def _tblock_py(dst, d0, dld, src, s0, sld, nr, nc, step):
    for i in range(nr):
        for j in range(nc):
            dst[d0 + j * dld + i] = src[s0 + i * sld + j * step]


if numba.config.DISABLE_JIT:
    _tile, _dw_tile, _dwt_tile, _dwt_tile_n = _tile_py, _dw_tile_py, _dwt_tile_py, _dwt_tile_py
    _prefetch_span, _rowcopy, _tblock = _prefetch_span_py, _rowcopy_py, _tblock_py


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def transpose_planes(src, dst, plane):
    """Position-major copy of channel-major planes, zero-padded to a larger plane:

        dst[(b*PD + u)*PH*PW + v*PW + w, r] = src[b, r, u, v, w]   (0 where u, v, w lie past
                                                                     src's D, H, W)

    src: (B, R, D, H, W); dst: (M, R), M >= B*PD*PH*PW (rows past that zeroed); plane =
    (PD, PH, PW) >= (D, H, W) as int64. The wide weight gradient's position-major gradient,
    and (B = D = H = 1) a plain 2-d transpose: ``transpose2d``. Blocks of lanes x lanes are
    transposed in registers (_tblock). One unit = (line b, u, v; block of r; chunk of w), so
    a 2-d transpose splits over src rows: the rows a batch-inner forward wrote on the same
    core (conv_forward's kfirst). The r blocks' dst columns start on cache lines (the first
    block is narrower when dst does not: numpy's arrays start 16 bytes into one), so no
    vector store straddles two lines."""
    B, R, D, H, W = src.shape
    PD, PH, PW = plane[0], plane[1], plane[2]
    M = dst.shape[0]
    if dst.shape[1] != R or PD < D or PH < H or PW < W or M < B * PD * PH * PW:
        raise ValueError("transpose_planes(): bad plane or buffer geometry")
    V = _VBYTES // src.itemsize
    sf = src.reshape(B * R * D * H * W)
    df = dst.reshape(M * R)
    DHW = D * H * W
    sh = V - (dst.ctypes.data // src.itemsize) % V     # first r block: [0, sh), 1..V wide
    nrb = 1 + (max(0, R - sh) + V - 1) // V
    WC = 4 * V                                         # columns per unit
    nwc = (PW + WC - 1) // WC
    for unit in prange(B * PD * PH * nrb * nwc):
        line = unit // (nrb * nwc)
        rb = (unit // nwc) % nrb
        w_a = (unit % nwc) * WC
        w_b = min(PW, w_a + WC)
        r0 = max(0, (rb - 1) * V + sh)
        r1 = min(R, rb * V + sh)
        b = line // (PD * PH)
        u = (line // PH) % PD
        v = line % PH
        row = line * PW                                # dst row of (b, u, v, 0)
        w_z = w_a                                      # zeros from here to w_b
        if u < D and v < H:
            w_z = max(w_a, min(w_b, W))
            at = (b * R * D + u) * H * W + v * W
            for wb in range(w_a, w_z, V):
                _tblock(df, (row + wb) * R + r0, R, sf, at + r0 * DHW + wb, DHW, r1 - r0,
                        min(V, w_z - wb), 1)
        for w in range(w_z, w_b):
            for r in range(r0, r1):
                df[np.uint64((row + w) * R + r)] = 0
    for i in range(B * PD * PH * PW * R, M * R):
        df[np.uint64(i)] = 0


_PLANES_1D = {}


def transpose2d(src, dst):
    """dst[j, i] = src[i, j]: transpose_planes of one (R, S) plane (layout changes of the
    batch-inner convs). src, dst contiguous."""
    R, S = src.shape
    if dst.shape != (S, R):
        raise ValueError(f"transpose2d(): dst must have src's shape reversed, got src {src.shape}, "
                         f"dst {dst.shape}")
    plane = _PLANES_1D.get(S)
    if plane is None:
        plane = _PLANES_1D[S] = np.array([1, 1, S], np.int64)
    transpose_planes(src.reshape(1, R, 1, 1, S), dst, plane)


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def pack_phases(a, buf, s, lo, plane, inner):
    """Zero-padded, stride-phase-split, channel-major copy of a (N, C, D, H, W), the layouts
    the kernels sweep (numpy's strided copies ran at ~2 GB/s). Batch-outer (inner=False):

        buf[c, ((p*N + n)*PD + u)*PH*PW + v*PW + w] = a[n, c, u*sd + pd - lod, v*sh + ph - loh,
                                                        w*sw + pw - low]   (0 outside a)

    batch-inner (inner=True): buf[c, p*N*S + ((u*PH + v)*PW + w)*N + n] = the same value,
    for phase p = (pd*sh + ph)*sw + pw, S = PD*PH*PW (column stride sw 1 or 2; (image, column)
    blocks are transposed in registers); s, lo, plane = (sd, sh, sw),
    (lod, loh, low), (PD, PH, PW) as int64 arrays; lo may be negative (crop). buf: (C, L),
    L >= P*N*S; everything past that is zeroed too (the tiles' slack)."""
    N, C, D, H, W = a.shape
    sd, sh, sw = s[0], s[1], s[2]
    lod, loh, low = lo[0], lo[1], lo[2]
    PD, PH, PW = plane[0], plane[1], plane[2]
    P = sd * sh * sw
    S = PD * PH * PW
    L = buf.shape[1]
    if buf.shape[0] != C or L < P * N * S:
        raise ValueError("pack_phases(): buffer too small")
    if inner and sw > 2:
        raise ValueError("pack_phases(): batch-inner packs take column strides 1 and 2 only")
    af = a.reshape(N * C * D * H * W)       # flat indexing: no per-row view objects; unsigned
    bf = buf.reshape(C * L)                  # indices skip the wrap-around check (3x faster)
    CS = C * D * H * W
    # One row per (image, u, v) of PW columns (batch-outer) or per (u, v) of PW x N (column,
    # image) pairs (batch-inner); both layouts written front to back by one loop nest (two nests
    # doubled the compile time).
    RW = PW * N if inner else PW
    k = N if inner else 1                    # elements per column
    V = _VBYTES // a.itemsize                # vector lanes
    # One unit = (image, channel, phase) batch-outer, (channel, phase) batch-inner. The units
    # are split in equal contiguous runs over the threads, so batch-outer a thread packs the
    # images whose rows it sweeps next (LeNet conv1 fwd -16 %, strided dX -10 %)
    nu = C * P if inner else N * C * P
    for unit in prange(nu):
        n0 = 0 if inner else unit // (C * P)
        rem = unit - n0 * (C * P)
        c = rem // P
        p = rem % P
        pd = p // (sh * sw)
        ph = (p // sw) % sh
        pw = p % sw
        base = c * L + p * N * S
        # output columns w whose source w*sw + pw - low lies in [0, W)
        w0 = min(PW, max(0, -((pw - low) // sw)))
        w1 = max(w0, min(PW, (W - 1 - pw + low) // sw + 1))
        for n in range(n0, n0 + 1):
            for u in range(PD):
                i = u * sd + pd - lod
                for v in range(PH):
                    j = v * sh + ph - loh
                    o = base + ((n * PD + u) * PH + v) * RW
                    if i < 0 or i >= D or j < 0 or j >= H:
                        for q in range(RW):
                            bf[np.uint64(o + q)] = 0
                        continue
                    for q in range(w0 * k):
                        bf[np.uint64(o + q)] = 0
                    src = (((n * C + c) * D + i) * H + j) * W + pw - low
                    if inner:               # (image, column) blocks transposed in registers
                        for wb in range(w0, w1, V):
                            for mb in range(0, N, V):
                                _tblock(bf, o + wb * N + mb, N, af, src + mb * CS + wb * sw, CS,
                                        min(V, N - mb), min(V, w1 - wb), sw)
                    elif sw == 2:           # vectorised (LLVM left this loop scalar)
                        _rowcopy(bf, o + w0, af, src + 2 * w0, w1 - w0, 2)
                    else:
                        for w in range(w0, w1):
                            bf[np.uint64(o + w)] = af[np.uint64(src + w * sw)]
                    for q in range(w1 * k, RW):
                        bf[np.uint64(o + q)] = 0
        if p == P - 1 and (inner or n0 == N - 1):       # the slack past the last block
            for q in range(c * L + P * N * S, (c + 1) * L):
                bf[np.uint64(q)] = 0


@parallel_float32
@njit(cache=True, parallel=True, no_cfunc_wrapper=True)
def unpack_phases(out, dx, s, lo, plane):
    """Inverse of pack_phases for a phase-split kernel output (the strided input gradient):

        dx[n, c, i, j, k] = out[p*C + c, n*S + (u*PH + v)*PW + w]
        where (i + lod, j + loh, k + low) = (u*sd + pd, v*sh + ph, w*sw + pw),
        p = (pd*sh + ph)*sw + pw

    out: (P*C, >= N*S) phase-major, dx: (N, C, D, H, W) overwritten. One unit = one (n, c)
    plane."""
    N, C, D, H, W = dx.shape
    sd, sh, sw = s[0], s[1], s[2]
    lod, loh, low = lo[0], lo[1], lo[2]
    PD, PH, PW = plane[0], plane[1], plane[2]
    P = sd * sh * sw
    S = PD * PH * PW
    if out.shape[0] != C * P or out.shape[1] < N * S or min(lod, loh, low) < 0 \
            or (D + lod + sd - 1) // sd > PD or (H + loh + sh - 1) // sh > PH \
            or (W + low + sw - 1) // sw > PW:
        raise ValueError("unpack_phases(): output buffer too small")
    of = out.reshape(out.shape[0] * out.shape[1])
    ldo = out.shape[1]
    xf = dx.reshape(N * C * D * H * W)
    for unit in prange(N * C):
        n = unit // C
        c = unit % C
        for i in range(D):
            u = (i + lod) // sd
            pd = (i + lod) % sd
            for j in range(H):
                v = (j + loh) // sh
                ph = (j + loh) % sh
                dst = ((unit * D + i) * H + j) * W
                for pw in range(sw):           # columns k = w*sw + pw - low of this phase
                    k0 = max(0, -((pw - low) // sw))
                    k1 = (W - 1 - pw + low) // sw + 1
                    src = np.uint64((((pd * sh + ph) * sw + pw) * C + c) * ldo + n * S
                                    + (u * PH + v) * PW)
                    for w in range(k0, k1):
                        xf[np.uint64(dst + w * sw + pw - low)] = of[src + np.uint64(w)]
