"""Convolution primitives (N-d as 3-d), padding, unfold/fold.

Three Functions close the convolution family under differentiation, so any order of
derivative works (gradgradcheck):

* ``ConvNd(x, w, b)``            out = conv(x, w) + b
* ``ConvTransposeNd(y, w, b)``   out = conv_transpose(y, w) + b   (= conv's input gradient)
* ``ConvWeightGrad(x, g)``       dW  = correlation of x and g      (= conv's weight gradient)

conv's backward: dx = ConvTransposeNd(g, w), dw = ConvWeightGrad(x, g); the other two are
bilinear as well and their backwards are again made of these three. With arrays (plain
backprop) the numpy helpers below run the Numba kernels directly.

All arguments are validated in ``check_conv`` before any kernel runs (Numba checks no bounds).
"""
from __future__ import annotations

import functools
import math
import itertools

import numpy as np

from .. import grad_mode
from ..function import Function, named
from ..tensor import Tensor
from ..kernels import conv as _K
from . import _util as U

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "pad", "unfold", "fold"]



# ---- geometry + numpy/Numba helpers (arrays only) -------------------------------------------
#
# Every convolution runs as the stride-1 kernel of kernels/conv.py on a channel-major buffer
# (C, L). A stride s splits padded index r into phase r % s and phase-plane index r // s, so
# tap e (dilation folded in) reads phase e % s at a unit-stride offset e // s; phases are the
# outermost blocks of a row. Two layouts of a phase block, picked per call by geometry:
# * batch-outer (N, D, H, W): one flat sweep over all images at the padded width; the junk
#   positions between rows/images are computed and cropped (cheap for large planes);
# * batch-inner (D, H, W, N): one sweep per output row over Wo*N contiguous elements, no junk
#   (small planes such as LeNet's, where junk would double the work).

def _to3(t, fill):
    return (fill,) * (3 - len(t)) + tuple(int(v) for v in t)


def _as5(a):
    """(N, C, *sp) with 1..3 spatial dims -> (N, C, D, H, W) view."""
    return a.reshape(a.shape[:2] + (1,) * (5 - a.ndim) + a.shape[2:])


def _cdiv(p, q):
    return -((-p) // q)


def _prod(t):
    return t[0] * t[1] * t[2]


@functools.lru_cache(maxsize=1024)
def _i64_cached(t):
    return np.array(t, np.int64)


@functools.lru_cache(maxsize=64)
def _zeros(n, dtype):
    """Shared zeros (the no-bias bias of the kernels; never written)."""
    return np.zeros(n, dtype)


def _i64(t):
    """A small int tuple as a shared int64 array for the kernels' arguments (never written;
    not flagged read-only, which Numba would compile as another signature)."""
    return _i64_cached(tuple(t))


_CHUNK = 1024          # elements of a row per work unit / cache block (weight gradient)
_GROUP_BYTES = 1 << 21  # forward without a kept packed input: images packed per group
_FWD_CHUNK = 288       # forward: row elements per work unit (measured best: 192-768)
_KEEP_PACKED = 1 << 26  # conv inputs up to this many bytes keep their packed copy for dW
# channel-vectorised dW for >= 2 vectors of output channels per group and >= 32 (channel, tap)
# streams, at any size (measured: 16-channel groups and 27-stream RGB layers lose with it)
_WIDE_DW_MIN_STREAMS = 32
_WIDE_DW_ALWAYS = False    # tests and the compile benchmark: the path at any shape


_ALIGN = 64


def _aligned_empty(shape, dtype):
    """np.empty starting on a cache line: a view into _ALIGN more bytes. numpy's allocator
    only promises 16 bytes, and a 64-byte vector load or store across a line boundary costs
    two: LeNet conv2's batch-inner sweep (every offset a multiple of 16 floats) ran 121 -> 110
    us aligned, and the transpose after it 22 -> 20 us."""
    dtype = np.dtype(dtype)
    n = math.prod(shape) * dtype.itemsize
    raw = np.empty(n + _ALIGN, np.uint8)
    o = -raw.ctypes.data % _ALIGN
    return raw[o:o + n].view(dtype).reshape(shape)


class _Scratch:
    """Reusable, cache-line aligned temporaries (packed inputs, kernel outputs) of big layers.
    A fresh multi-MB buffer is page-faulted in on first touch, ~3-12 GB/s in these VMs against
    ~30 GB/s into a re-used one (PERF_NOTES §0); fresh LeNet-size (0.4 MB) ones measured +13
    us on a 0.16 ms forward against pooled ones. These buffers live for one call only. Keeps
    at most one free buffer per size, only buffers >= 64 KiB, at most 256 MiB in all."""

    def __init__(self, cap=1 << 28, small=1 << 16):
        self.free, self.cap, self.small, self.nbytes = {}, cap, small, 0

    def take(self, shape, dtype):
        dtype = np.dtype(dtype)
        reg = self.free.pop(math.prod(shape) * dtype.itemsize, None)
        if reg is None:
            return _aligned_empty(shape, dtype)
        self.nbytes -= reg.nbytes
        return reg.view(dtype).reshape(shape)

    def give(self, buf, *results):
        """Return a buffer take() made (any view of all of it) for re-use, unless a result
        still views it."""
        raw = buf.base                    # numpy collapses view chains to the owner
        n = buf.nbytes
        if (n < self.small or n in self.free or not isinstance(raw, np.ndarray)
                or raw.nbytes != n + _ALIGN or raw.dtype != np.uint8
                or not buf.flags.c_contiguous or self.nbytes + raw.nbytes > self.cap):
            return
        for r in results:           # an array owning its memory cannot share raw's
            if r is raw or (r.base is not None and np.may_share_memory(raw, r)):
                return
        self.free[n] = buf.reshape(-1).view(np.uint8)      # the aligned region itself
        self.nbytes += n


_scratch = _Scratch()


class _Lay:
    """Geometry of a packed buffer: N images, phase planes ``plane``, outputs ``osp``.

    The forward sweeps R rows of Q outputs (``row_off``: each row's start in a phase block).
    Batch-inner: one row per output (do, ho), Q = Wo*N, no junk. Batch-outer: one row per
    (image, do) of Ho lines at the plane's padded width PW, Q = Ho*PW; the PW - Wo junk
    columns of each line are computed and cropped by the kernel's stores. Gradients of the
    output (``gpack``, the weight gradient) use one row of N whole planes (g_row_off, gQ)."""

    def __init__(self, N, plane, osp, inner):
        self.N, self.plane, self.osp, self.inner = N, plane, osp, inner
        self.plane_a = _i64(plane)
        self._taps, self._sweep_memo = {}, {}
        S = _prod(plane)
        D, H, W = plane
        self.block = N * S                                  # elements per phase
        self.st = (H * W * N, W * N, N) if inner else (H * W, W, 1)
        Do, Ho, Wo = osp
        if inner:
            self.row_off = ((np.arange(Do) * self.st[0])[:, None]
                            + (np.arange(Ho) * self.st[1])[None, :]).reshape(-1).astype(np.int64)
            self.Q = self.pw = self.wo = Wo * N
            self.g_row_off, self.gQ = self.row_off, self.Q
        else:
            self.row_off = ((np.arange(N) * S)[:, None]
                            + (np.arange(Do) * H * W)[None, :]).reshape(-1).astype(np.int64)
            self.Q, self.pw, self.wo = Ho * W, W, Wo
            self.oplane = (Do, Ho, W)           # the plane of the (K, R, Q) kernel output
            self.g_row_off, self.gQ = np.zeros(1, np.int64), N * S
        R = len(self.row_off)
        self.plain_orow = np.arange(R, dtype=np.int64) * self.Q
        So = _prod(osp)
        self.final_orow = ((np.arange(N) * So)[:, None]                 # times K: see forward
                           + (np.arange(Do) * Ho * Wo)[None, :]).reshape(-1).astype(np.int64)

    def taps(self, ksz, s3, d3):
        """(toff, slack) for a kernel ksz with stride s3, dilation d3: the tap offsets, and how
        many elements a packed buffer needs past its P*block (plus one tile width, added by
        pack()). Memoised per layout (a training loop asks for the same few geometries every
        step)."""
        key = (tuple(ksz), tuple(s3), tuple(d3))
        hit = self._taps.get(key)
        if hit is None:
            hit = self._taps[key] = self._compute_taps(ksz, s3, d3)
        return hit

    def _compute_taps(self, ksz, s3, d3):
        toff, slack = [], 0
        for tap in itertools.product(*(range(k) for k in ksz)):
            e = [t * d for t, d in zip(tap, d3)]
            ph = ((e[0] % s3[0]) * s3[1] + e[1] % s3[1]) * s3[2] + e[2] % s3[2]
            po = sum((v // s) * st for v, s, st in zip(e, s3, self.st))
            slack = max(slack, po)     # batch-outer: the weight gradient's sweep of N planes
            toff.append(ph * self.block + po)
        if self.inner:
            # every sweep (forward rows, the weight gradient's same rows) ends inside the
            # last block: only what the last row's taps reach past it (LeNet conv2: 0 where
            # the batch-outer bound, the largest in-plane tap, is 3840 elements per channel
            # that the pack would zero)
            slack = max(0, int(self.row_off[-1]) + max(toff) + self.Q - _prod(s3) * self.block)
        return np.asarray(toff, np.int64), slack

    def pack(self, a5, lo, s3, slack):
        """a5 (N, C, D, H, W) -> zero-padded channel-major (C, P*N*S + slack); padded index
        r = u*s + phase (u indexes the phase plane) holds a5 index r - lo."""
        C = a5.shape[1]
        P = _prod(s3)
        # + one tile width: the forward kernel's last tile reads (never stores) past the row
        buf = _scratch.take((C, P * self.block + slack + _K.tile_width(a5.dtype)), a5.dtype)
        _K.pack_phases(np.ascontiguousarray(a5), buf, _i64(s3), _i64(lo), self.plane_a,
                       self.inner)
        return buf

    def gpack(self, g5):
        """Output-shaped g5 (N, K, *osp) -> (K, R, Q) in the gradient layout (zeros in junk)."""
        if self.inner:
            N, K = g5.shape[:2]
            dst = _scratch.take((K * _prod(self.osp), N), g5.dtype)
            _K.transpose2d(np.ascontiguousarray(g5).reshape(N, -1), dst)
            return dst.reshape(K, -1, self.Q)
        K = g5.shape[1]
        gb = _scratch.take((K, self.gQ), g5.dtype)
        _K.pack_phases(np.ascontiguousarray(g5), gb, _i64((1, 1, 1)), _i64((0, 0, 0)),
                       self.plane_a, False)
        return gb.reshape(K, 1, self.gQ)

    def _sweep_args(self, toff, groups, dtype):
        """(chunk, pf) of a sweep. Memoised for the tap tables taps() made (alive as long as
        this layout, so their ids are theirs): ~2 us of a 0.17 ms LeNet conv2 forward."""
        key = (id(toff), groups, dtype)
        hit = self._sweep_memo.get(key)
        if hit is not None:
            return hit
        R = len(self.row_off)
        tw = _K.tile_width(dtype)
        nq = max(_cdiv(self.Q, _FWD_CHUNK), _cdiv(16, groups * R))   # >= 16 units if possible
        # The tile prefetches its input streams when consecutive streams rarely share cache
        # lines: taps in several phase planes (far apart), or few taps per channel (1x1, the
        # strided input gradient's phases: a new channel every 1-4 streams). 1 thread: strided
        # dX 57.6 -> 41.2 ms, 1x1 fwd/dX -10 %; 3x3 stride 1 and 5x5: no gain, so no prefetch
        pf = int(toff.size > 0 and (toff.size <= 4 or toff.max() >= self.block))
        hit = (_cdiv(_cdiv(self.Q, nq), tw) * tw, pf)
        if any(toff is t for t, _ in self._taps.values()):
            self._sweep_memo[key] = hit
        return hit

    def _sweep(self, xb, wf, toff, groups, b, out, orow, ldk, pw, wo, wt=None):
        """conv_forward of weights wf (K, Cg, T); ``wt``: their tile_weights, if made."""
        K = wf.shape[0]
        b = _zeros(K, xb.dtype) if b is None else np.ascontiguousarray(b, xb.dtype)
        chunk, pf = self._sweep_args(toff, groups, xb.dtype)
        wt = _K.tile_weights(wf, groups) if wt is None else wt
        _K.conv_forward(xb, wt, b, toff, self.row_off, self.Q, out, orow, ldk, pw, wo, chunk,
                        pf, int(self.inner))

    def fwd(self, xb, wf, toff, groups, b=None, out=None):
        """Kernel output (K, R, Q) = b + conv, junk columns included; b (K,) or None; written
        into ``out`` if given."""
        K = wf.shape[0]
        R = len(self.row_off)
        if out is None:
            out = _scratch.take((K, R, self.Q), xb.dtype)
        self._sweep(xb, wf, toff, groups, b, out.reshape(-1), self.plain_orow, R * self.Q,
                    self.Q, self.Q)
        return out

    def direct(self, dtype):
        """Whether the sweep stores its lines cropped straight into an (N, K, *osp) result."""
        return not self.inner and not (self.pw < _K.vector_lanes(dtype) and self.Q > self.pw)

    def forward(self, xb, wf, toff, groups, b=None, y=None, n0=0, wt=None):
        """b + conv as a contiguous (N, K, *osp) array. Batch-outer: the kernel stores each
        output line cropped, straight into the result (no second pass over the output); there
        ``y`` may be a bigger batch's result whose images n0, n0 + 1, ... these are, and ``wt``
        wf's tile_weights."""
        K = wf.shape[0]
        if not self.direct(xb.dtype):
            out = self.fwd(xb, wf, toff, groups, b)
            y = self.unflat(out)
            _scratch.give(out, y)
            return y
        if y is None:
            y = np.empty((self.N, K) + tuple(self.osp), xb.dtype)
        So = _prod(self.osp)
        orow = self.final_orow + (self.final_orow // So) * ((K - 1) * So)    # image n: n*K*So
        self._sweep(xb, wf, toff, groups, b, y.reshape(-1)[n0 * K * So:], orow, So, self.pw,
                    self.wo, wt)
        return y

    def unflat(self, out):
        """(K, R, Q) kernel output -> contiguous (N, K, *osp) (crops junk positions)."""
        K = out.shape[0]
        N, osp = self.N, tuple(self.osp)
        if self.inner:                  # rows hold exactly (do, ho, wo, n): a 2-d transpose
            dst = np.empty((N, K * _prod(osp)), out.dtype)
            _K.transpose2d(out.reshape(-1, N), dst)
            return dst.reshape((N, K) + osp)
        y = np.empty((N, K) + osp, out.dtype)
        _K.unpack_phases(out.reshape(K, -1), y, _i64((1, 1, 1)), _i64((0, 0, 0)),
                         _i64(self.oplane))
        return y


@functools.lru_cache(maxsize=256)
def _layout(N, plane, osp, C, crop=False, inner_ok=True):
    """batch-inner when the flat sweep would waste > 20 % on junk or its rows are shorter than
    one tile, and the input is small (the transposing copies of batch-inner cost more than
    the junk on large layers).
    ``crop`` (the sweep's output goes through ``forward``): batch-outer rows narrower than a
    vector are widened to one, so the kernel stores them cropped straight into the result
    instead of a second pass over the output (64x32x14^2 64@3x3: -0.45 ms of 2.4).
    Cached: layouts (and their tap tables) are immutable and reused every training step."""
    junk = _prod(plane) / max(1, _prod(osp))
    # a batch-outer row (image, depth) shorter than one tile is one partial tile per image:
    # 1-d layers of length 20-40 ran 1.1-2.3x faster batch-inner (at 72-120: no clear gain)
    short = osp[1] * plane[2] < _K.tile_width(np.float32)
    inner = (inner_ok and (junk > 1.2 or short) and N > 1
             and N * C * _prod(plane) <= (1 << 21))
    wide = _K.vector_lanes(np.float32)          # the most lanes of any dtype
    if crop and not inner and plane[2] < wide and osp[1] > 1:
        plane = plane[:2] + (wide,)
    return _Lay(N, plane, osp, inner)


@functools.lru_cache(maxsize=256)
def _fwd_plan(xshape, ksz, geo):
    """(layout, taps, slack, padding lo, strides) of a forward conv of an (N, C, D, H, W) input
    with kernel ksz. Cached: a training loop asks for the same few geometries every step and
    this Python arithmetic was ~10 % of LeNet conv2's forward."""
    stride, lo, hi, dil, groups = geo
    s3, d3, l3, h3 = _to3(stride, 1), _to3(dil, 1), _to3(lo, 0), _to3(hi, 0)
    Lp = tuple(L + a + b for L, a, b in zip(xshape[2:], l3, h3))
    osp = tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(Lp, ksz, s3, d3))
    # stride 1: consecutive rows (planes) share their zero padding -- a row's right pad is
    # the next row's left pad, so rows are L + gap apart instead of L + lo + hi, with the gap
    # wide enough for both pads and for the row's outputs (fewer junk positions to compute)
    plane = tuple(_cdiv(p, s) if s > 1 else L + max(a, b, o - L)
                  for p, s, L, a, b, o in zip(Lp, s3, xshape[2:], l3, h3, osp))
    lay = _layout(xshape[0], plane, osp, xshape[1], True, s3[2] <= 2)   # see pack_phases
    toff, slack = lay.taps(ksz, s3, d3)
    return lay, toff, slack, l3, s3


def _fwd_geom(x5, ksz, geo):
    """(layout, packed x5, taps) of a forward conv."""
    lay, toff, slack, l3, s3 = _fwd_plan(x5.shape, tuple(ksz), geo)
    return lay, lay.pack(x5, l3, s3, slack), toff


def _conv_fwd(x, w, geo, b=None, packed=None):
    """conv(x, w) + b: x (N, C, *sp), w (K, Cg, *k), b (K,) or None -> (N, K, *osp), arrays.
    ``packed``: a list that receives (layout, packed x, taps) for the weight gradient."""
    nd = x.ndim - 2
    N, K = x.shape[0], w.shape[0]
    if N == 0:                      # an empty batch (the layouts assume N >= 1)
        return np.zeros((0, K) + _conv_out_sp(x.shape[2:], w.shape[2:], geo), x.dtype)
    x5, w5 = _as5(x), _as5(w)
    wf = np.ascontiguousarray(w5).reshape(K, w5.shape[1], -1)
    ksz = w5.shape[2:]
    lay, toff, slack, l3, s3 = _fwd_plan(x5.shape, ksz, geo)
    if packed is None and lay.direct(x.dtype):
        y = _conv_fwd_grouped(x5, wf, ksz, geo, b, lay, s3)
        if y is not None:
            return y.reshape((N, K) + y.shape[5 - nd:])
    xb = lay.pack(x5, l3, s3, slack)
    y = lay.forward(xb, wf, toff, geo[4], b)
    if packed is not None:
        packed.append((lay, xb, toff))
    else:
        _scratch.give(xb)
    return y.reshape((N, K) + lay.osp[3 - nd:])


def _conv_fwd_grouped(x5, wf, ksz, geo, b, lay, s3):
    """Forward of a big batch-outer layer (whole-batch layout ``lay``, strides s3) in groups of
    images, each packed into one re-used buffer of ~_GROUP_BYTES and swept straight into the
    (N, K, ...) result, or None where the whole-batch path is the one to take. The packed copy
    of a whole big batch goes out to memory and comes back for the sweep; a group's copy stays
    in cache. Speed vs torch, 2 threads, in one process: strided 32x64x56^2 128@3x3/s2
    0.80-0.81 -> 0.85-0.86 (4 MiB groups the same, 8 MiB no gain, 1 MiB 0.73-0.75), CIFAR
    64x64x32^2 64@3x3 0.91-0.92 -> 0.94-0.95; 1 thread CIFAR 34.4 -> 30.0 ms. Only when the
    weight gradient needs no packed input (inference, frozen weights): it re-uses the forward's."""
    N = x5.shape[0]
    nb = max(1, _GROUP_BYTES // (x5.shape[1] * _prod(s3) * _prod(lay.plane) * x5.itemsize))
    if N < 2 * nb:
        return None
    plans = {n: _fwd_plan((n,) + x5.shape[1:], ksz, geo) for n in (nb, N % nb or nb)}
    if not all(p[0].direct(x5.dtype) for p in plans.values()):   # fewer images: batch-inner?
        return None
    y = np.empty((N, wf.shape[0]) + tuple(lay.osp), x5.dtype)
    wt = _K.tile_weights(wf, geo[4])
    for n0 in range(0, N, nb):
        g, toff, slack, l3, s3 = plans[min(nb, N - n0)]
        xb = g.pack(x5[n0:n0 + g.N], l3, s3, slack)
        g.forward(xb, wf, toff, geo[4], b, y, n0, wt)
        _scratch.give(xb)
    return y


def _conv_dw(x, g, wshape, geo, packed=None):
    """Weight gradient of conv: x (N, C, *sp), g (N, K, *osp) -> (K, Cg, *k), arrays.
    ``packed``: the forward's (layout, packed x, taps), to skip packing x again."""
    groups = geo[4]
    if x.shape[0] == 0:
        return np.zeros(wshape, x.dtype)
    x5, g5 = _as5(x), _as5(g)
    K = g.shape[1]
    lay, xb, toff = packed or _fwd_geom(x5, _to3(wshape[2:], 1), geo)
    own = not packed                          # xb is ours to recycle
    Cg = wshape[1]
    Kg = K // groups
    # float32 only (float64 is the gradient-check dtype: one kernel less to compile)
    lanes = _K.vector_lanes(x.dtype)
    if x.dtype == np.float32 and not lay.inner and Kg % lanes == 0 and (_WIDE_DW_ALWAYS or (
            Kg >= 2 * lanes and Cg * len(toff) >= _WIDE_DW_MIN_STREAMS)):
        dw = _conv_dw_wide(xb, g5, toff, lay, groups, Cg)
        if own:
            _scratch.give(xb)
        return dw.reshape(wshape)
    gb = lay.gpack(g5)
    pieces = gb.shape[1] * _cdiv(gb.shape[2], _CHUNK)
    nch = max(1, min(pieces, _cdiv(16, groups)))  # >= 16 units; shapes only, not threads
    part = np.empty((nch, K, Cg, len(toff)), x.dtype)
    _K.conv_backward_weight(xb, gb, toff, lay.g_row_off, part, _CHUNK)
    _scratch.give(gb)
    if own:
        _scratch.give(xb)
    dw = part[0] if nch == 1 else part.sum(axis=0)
    return dw.reshape(wshape)


def _conv_dw_wide(xb, g5, toff, lay, G, Cg):
    """Weight gradient vectorised over output channels (a multiple of the vector width per
    group): the gradient is packed position-major once (``transpose_planes``), then each tile keeps
    (channels x streams) sums in registers over a cache-sized block of positions.
    -> (K, Cg, T)."""
    K = g5.shape[1]
    M = lay.gQ
    gt = _scratch.take((M, K), g5.dtype)              # position-major, zeros in junk rows
    _K.transpose_planes(np.ascontiguousarray(g5), gt, lay.plane_a)
    Kg = K // G
    chunk = max(16, (32 << 10) // (Kg * g5.itemsize))   # a block of gradient rows fits L1
    nch = max(1, min(_cdiv(M, chunk), _cdiv(16, G)))   # >= 16 units; shapes only
    T = len(toff)
    part = np.empty((nch, G, Cg * T, Kg), g5.dtype)
    _K.conv_backward_weight_t(xb, gt, toff, part, chunk)
    _scratch.give(gt)
    dwt = part[0] if nch == 1 else part.sum(axis=0)             # (G, Cg*T, Kg)
    return dwt.reshape(G, Cg, T, Kg).transpose(0, 3, 1, 2).reshape(K, Cg, T)


def _conv_dx(g, w, xsp, geo, b=None):
    """Input gradient of conv (= transposed conv of g) + b: g (N, K, *osp), w (K, Cg, *k),
    b (Cg*groups,) or None -> (N, Cg*groups, *xsp), arrays. Runs the forward kernel on g
    padded, with flipped, transposed weights; strided: per input phase, with the taps of that
    phase (stride-phase decomposition, so no multiply-adds on inserted zeros)."""
    stride, lo, hi, dil, groups = geo
    if g.shape[0] == 0:
        return np.zeros((0, w.shape[1] * groups) + tuple(xsp), g.dtype)
    g5, w5 = _as5(g), _as5(w)
    N, K = g.shape[0], w.shape[0]
    Cg = w.shape[1]
    ksz = w5.shape[2:]
    s3, d3, l3, x3 = _to3(stride, 1), _to3(dil, 1), _to3(lo, 0), _to3(xsp, 1)
    osp = g5.shape[2:]
    G = groups
    Kg = K // G
    C = G * Cg
    w6 = w5.reshape((G, Kg, Cg) + tuple(ksz))
    one = (1, 1, 1)
    if s3 == one:
        # g at buffer index (k-1)*d - p + o; correlate with the flipped kernel. Rows share
        # their zero padding as in the forward when neither side crops g. q = the high padding
        # of a conv from L to o positions: hi less a transposed conv's output_padding (whose
        # extra positions read zeros, so a row's zero tail must be output_padding longer)
        e3 = tuple((k - 1) * d for k, d in zip(ksz, d3))
        plane = tuple(o + max(e - p, e - q, L - o) if e >= max(p, q) else L + e
                      for L, o, e, p, q in zip(x3, osp, e3, l3,
                                               (o + e - p - L for L, o, e, p in
                                                zip(x3, osp, e3, l3))))
        lay = _layout(N, plane, x3, K, True)
        toff, slack = lay.taps(ksz, one, d3)
        gb = lay.pack(g5, tuple((k - 1) * d - p for k, d, p in zip(ksz, d3, l3)), one, slack)
        T = _prod(ksz)
        wt = np.ascontiguousarray(w6.reshape(G, Kg, Cg, T)[..., ::-1].transpose(0, 2, 1, 3))
        dx = lay.forward(gb, wt.reshape(C, Kg, T), toff, G, b)
        _scratch.give(gb)
        return dx.reshape((N, C) + tuple(xsp))
    pm = tuple(((k - 1) * d) // s for k, d, s in zip(ksz, d3, s3))
    hp = tuple(_cdiv(p + L, s) for p, L, s in zip(l3, x3, s3))     # phase-plane extent
    plane = tuple(max(h, o) + m for h, o, m in zip(hp, osp, pm))
    lay = _layout(N, plane, hp, K)
    sub = tuple(m + 1 for m in pm)
    toff, slack = lay.taps(sub, one, one)
    gb = lay.pack(g5, pm, one, slack)
    # Each input phase a is the forward kernel over g with only the taps e = t*d that have
    # e % s == a (at sub-grid position pm - e // s): no multiply-adds on the other phases' taps
    # (one shared tap grid would be 16 taps per phase for a 3x3 stride-2 kernel, 9 of them real).
    P = _prod(s3)
    R, Q = len(lay.row_off), lay.Q
    out = _scratch.take((P * C, R, Q), g.dtype)                # phase-major rows p*C + c
    wtap = w6.reshape((G, Kg, Cg, -1)).transpose(0, 2, 1, 3)    # (G, Cg, Kg, taps)
    phase_taps = {}
    for ti, tap in enumerate(itertools.product(*(range(k) for k in ksz))):
        e = [t * d for t, d in zip(tap, d3)]
        a = tuple(v_ % s for v_, s in zip(e, s3))
        m = tuple(p - v_ // s for p, v_, s in zip(pm, e, s3))
        phase_taps.setdefault(a, []).append((ti, np.ravel_multi_index(m, sub)))
    for pi, a in enumerate(itertools.product(*(range(s) for s in s3))):
        rows = out[pi * C:(pi + 1) * C]
        taps = phase_taps.get(a)
        if not taps:                           # no tap lands on this phase: bias only
            rows[...] = 0 if b is None else np.asarray(b, g.dtype).reshape(C, 1, 1)
            continue
        ti, si = (np.array(v, np.int64) for v in zip(*taps))
        wa = np.ascontiguousarray(wtap[..., ti]).reshape(C, Kg, len(ti))
        lay.fwd(gb, wa, np.ascontiguousarray(toff[si]), G, b, out=rows)
    _scratch.give(gb)
    if not lay.inner:           # interleave the phases and crop the padding in one pass
        dx = np.empty((N, C) + x3, out.dtype)
        _K.unpack_phases(out.reshape(P * C, -1), dx, _i64(s3), _i64(l3), _i64(lay.oplane))
        _scratch.give(out)
        return dx.reshape((N, C) + tuple(xsp))
    o = lay.unflat(out)                                                  # (N, P*C, *hp)
    _scratch.give(out, o)
    o = o.reshape((N,) + s3 + (C,) + hp).transpose(0, 4, 5, 1, 6, 2, 7, 3).reshape(
        (N, C, hp[0] * s3[0], hp[1] * s3[1], hp[2] * s3[2]))
    dx = np.ascontiguousarray(o[(slice(None), slice(None)) + tuple(
        slice(p, p + L) for p, L in zip(l3, x3))])
    return dx.reshape((N, C) + tuple(xsp))


def _sum_bias(g):
    """The bias gradient: g summed over every dim but the channels. Arrays through einsum:
    numpy's sum over axes (0, 2, ...) walks the strided layout (90 vs 20 us on a (128, 32,
    40) gradient, 0.89 vs 0.58 ms on CIFAR's), at the same accuracy (2-5e-7 relative, as
    torch's sum)."""
    if isinstance(g, Tensor):
        return g.sum((0,) + tuple(range(2, g.ndim)))
    return np.einsum("nkl->k", g.reshape(g.shape[0], g.shape[1], math.prod(g.shape[2:])))


class ConvNd(Function):
    """out = conv(x, w) + b; x (N, C, *sp), w (K, C/groups, *k), b (K,) or None."""
    _raw = True
    _tname = "ConvolutionBackward0"         # torch's grad_fn name (conv1d/2d/3d)

    @staticmethod
    def forward(ctx, x, w, b, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, w)
        # the packed input is kept for the weight gradient when a graph is being recorded and
        # x is not huge (it is a second, padded copy of x; re-packing cost ~5 % of a LeNet step)
        ctx.packed = [] if grad_mode.enabled and x.nbytes <= _KEEP_PACKED else None
        return _conv_fwd(x, w, geo, b, ctx.packed)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        n = ctx.needs_input_grad
        geo = ctx.geo
        dx = dw = db = None
        if isinstance(g, Tensor):
            if n[0]:
                dx = ConvTransposeNd.apply(g, w, None, geo, tuple(x.shape[2:]))
            if n[1]:
                dw = ConvWeightGrad.apply(x, g, tuple(w.shape), geo)
        else:
            if n[0]:
                dx = _conv_dx(g, w, x.shape[2:], geo)
            if n[1]:
                dw = _conv_dw(x, g, w.shape, geo, ctx.packed and ctx.packed[0])
        ctx.packed = None
        if len(n) > 2 and n[2]:
            db = _sum_bias(g)
        return dx, dw, db, None


class ConvTransposeNd(Function):
    """out = conv_transpose(y, w) + b, i.e. conv's input gradient: y (N, K, *osp),
    w (K, Cout/groups, *k) -> (N, Cout, *xsp); geo describes the matching forward conv."""
    _raw = True
    _tname = "ConvolutionBackward0"         # torch: conv_transpose is a convolution too

    @staticmethod
    def forward(ctx, y, w, b, geo, xsp):
        ctx.geo = geo
        ctx.save_for_backward(y, w)
        return _conv_dx(y, w, xsp, geo, b)

    @staticmethod
    def backward(ctx, gg):
        y, w = ctx.saved_tensors
        n = ctx.needs_input_grad
        geo = ctx.geo
        dy = dw = db = None
        # conv(gg) has ysp + output_padding // stride positions per dim (an output_padding
        # >= stride is allowed when dilation > stride): the extra ones belong to no input.
        ysp = tuple(y.shape[2:])
        osp = _conv_out_sp(tuple(gg.shape[2:]), tuple(w.shape[2:]), geo)
        if isinstance(gg, Tensor):
            if n[0]:
                dy = _fit(ConvNd.apply(gg, w, None, geo), ysp)
            if n[1]:
                dw = ConvWeightGrad.apply(gg, _fit(y, osp), tuple(w.shape), geo)
        else:
            if n[0]:
                dy = _fit(_conv_fwd(gg, w, geo), ysp)
            if n[1]:
                dw = _conv_dw(gg, _fit(y, osp), w.shape, geo)
        if len(n) > 2 and n[2]:
            db = _sum_bias(gg)
        return dy, dw, db, None, None


def _conv_out_sp(xsp, ksz, geo):
    stride, lo, hi, dil, _ = geo
    nd = len(xsp)
    s3, l3, h3, d3 = (_to3(v, f)[3 - nd:] for v, f in ((stride, 1), (lo, 0), (hi, 0), (dil, 1)))
    return tuple((L + a + b - d * (k - 1) - 1) // s + 1
                 for L, k, s, a, b, d in zip(xsp, ksz, s3, l3, h3, d3))


def _fit(a, sp):
    """Crop or zero-pad the trailing (spatial) dims of a (N, C, *sp') array/Tensor to sp."""
    cur = tuple(a.shape[2:])
    if cur == sp:
        return a
    if any(c > t for c, t in zip(cur, sp)):
        a = a[(slice(None), slice(None)) + tuple(slice(0, t) for t in sp)]
    if any(c < t for c, t in zip(cur, sp)):
        if isinstance(a, Tensor):
            widths = []
            for c, t in reversed(list(zip(a.shape[2:], sp))):
                widths += [0, t - c]
            return pad(a, tuple(widths))
        z = np.zeros(tuple(a.shape[:2]) + tuple(sp), a.dtype)
        z[tuple(slice(0, c) for c in a.shape)] = a
        return z
    return a if isinstance(a, Tensor) else np.ascontiguousarray(a)


class ConvWeightGrad(Function):
    """dW = correlation of x (N, C, *sp) and g (N, K, *osp) -> (K, C/groups, *k)."""
    _raw = True

    @staticmethod
    def forward(ctx, x, g, wshape, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, g)
        return _conv_dw(x, g, wshape, geo)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        n = ctx.needs_input_grad
        geo = ctx.geo
        dx = dg = None
        if isinstance(gw, Tensor):
            if n[0]:
                dx = ConvTransposeNd.apply(g, gw, None, geo, tuple(x.shape[2:]))
            if n[1]:
                dg = ConvNd.apply(x, gw, None, geo)
        else:
            if n[0]:
                dx = _conv_dx(g, gw, x.shape[2:], geo)
            if n[1]:
                dg = _conv_fwd(x, gw, geo)
        return dx, dg, None, None


# ---- argument checking -----------------------------------------------------------------------

def _tup(v, nd, fn, arg):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * nd
    if isinstance(v, (tuple, list)) and all(isinstance(e, (int, np.integer))
                                            and not isinstance(e, bool) for e in v):
        if len(v) == 1:
            return (int(v[0]),) * nd
        if len(v) == nd:
            return tuple(int(e) for e in v)
        raise ValueError(f"{fn}(): {arg} must be an int or a tuple of {nd} ints, got {tuple(v)}")
    raise TypeError(f"{fn}(): {arg} must be an int or a tuple of {nd} ints, got {v!r}")


def _shape(t):
    return tuple(t.shape)


def check_conv(fn, nd, input, weight, bias, stride, padding, dilation, groups,
               transposed=False, output_padding=0):
    """Validate everything a kernel relies on; returns (geo, batched, xsp_out or None)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): input must be a Tensor, got {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{fn}(): weight must be a Tensor, got {type(weight).__name__}")
    xs, ws = _shape(input), _shape(weight)
    shapes = f"(input {xs}, weight {ws})"
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}(): expected input to be {nd + 1}-D (unbatched) or {nd + 2}-D "
                           f"(batched), but got input of shape {xs}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{fn}(): expected weight to be {nd + 2}-D "
                           f"({'in_channels, out_channels/groups' if transposed else 'out_channels, in_channels/groups'}"
                           f", *kernel_size), but got weight of shape {ws}")
    for name, t in (("input", input), ("weight", weight)):
        if t._data.dtype.kind != "f" or t._data.dtype.itemsize < 4:
            raise RuntimeError(f"{fn}(): {name} must be float32 or float64, got "
                               f"{t._data.dtype} {shapes}")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{fn}(): input and weight must have the same dtype, got "
                           f"{input._data.dtype} and {weight._data.dtype} {shapes}")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{fn}(): groups must be a positive int, got {groups!r}")
    groups = int(groups)
    batched = input.ndim == nd + 2
    C = xs[1] if batched else xs[0]
    sp = xs[-nd:]
    ksz = ws[2:]
    if any(v == 0 for v in ws):
        raise RuntimeError(f"{fn}(): weight must have no zero-size dim, got weight of shape {ws}")
    if any(v == 0 for v in xs[-nd - 1:]):
        raise RuntimeError(f"{fn}(): input must have non-zero channel and spatial sizes, got "
                           f"input of shape {xs}")
    stride = _tup(stride, nd, fn, "stride")
    dilation = _tup(dilation, nd, fn, "dilation")
    if any(s <= 0 for s in stride):
        raise ValueError(f"{fn}(): stride must be positive, got stride={stride} {shapes}")
    if any(d <= 0 for d in dilation):
        raise ValueError(f"{fn}(): dilation must be positive, got dilation={dilation} {shapes}")
    if transposed:
        if ws[0] != C:
            raise RuntimeError(f"{fn}(): weight expects {ws[0]} input channels but input has {C} "
                               f"{shapes}")
        if C % groups:
            raise RuntimeError(f"{fn}(): groups={groups} must divide the input channels {C} "
                               f"{shapes}")
        K_out = ws[1] * groups
    else:
        if ws[0] % groups:
            raise RuntimeError(f"{fn}(): groups={groups} must divide the out_channels "
                               f"(weight.shape[0] = {ws[0]}) {shapes}")
        if ws[1] * groups != C:
            extra = f" (weight.shape[1]={ws[1]} x groups={groups})" if groups > 1 else ""
            raise RuntimeError(f"{fn}(): weight expects {ws[1] * groups} input channels{extra} "
                               f"but input has {C} {shapes}")
        K_out = ws[0]
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"{fn}(): bias must be a Tensor or None, got {type(bias).__name__}")
        if _shape(bias) != (K_out,):
            raise RuntimeError(f"{fn}(): bias must have shape ({K_out},) (one per output "
                               f"channel), got {_shape(bias)} {shapes}")
        if bias._data.dtype != weight._data.dtype:
            raise RuntimeError(f"{fn}(): bias dtype {bias._data.dtype} does not match weight "
                               f"dtype {weight._data.dtype}")
    eff = tuple(d * (k - 1) + 1 for d, k in zip(dilation, ksz))
    if isinstance(padding, str):
        if transposed:
            raise ValueError(f"{fn}(): padding must be an int or a tuple, got {padding!r}")
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{fn}(): padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            lo = tuple((e - 1) // 2 for e in eff)
            hi = tuple(e - 1 - l for e, l in zip(eff, lo))
        else:
            raise ValueError(f"{fn}(): invalid padding string {padding!r}, should be one of "
                             "'valid' or 'same'")
    else:
        lo = hi = _tup(padding, nd, fn, "padding")
        if any(p < 0 for p in lo):
            raise ValueError(f"{fn}(): padding must be non-negative, got padding={lo} {shapes}")
    geo = (stride, lo, hi, dilation, groups)
    if not transposed:
        for i in range(nd):
            if sp[i] + lo[i] + hi[i] < eff[i]:
                raise RuntimeError(
                    f"{fn}(): kernel size {tuple(ksz)} (dilated {eff}) is larger than the padded "
                    f"input {tuple(s + l + h for s, l, h in zip(sp, lo, hi))} in spatial dim {i} "
                    f"{shapes}, padding={lo}, dilation={dilation}")
        return geo, batched, None
    op = _tup(output_padding, nd, fn, "output_padding")
    for i in range(nd):
        if op[i] < 0 or not (op[i] < stride[i] or op[i] < dilation[i]):
            raise ValueError(f"{fn}(): output_padding must be non-negative and smaller than "
                             f"either stride or dilation, got output_padding={op}, "
                             f"stride={stride}, dilation={dilation}")
    osp = tuple((s - 1) * st - 2 * p + e + o
                for s, st, p, e, o in zip(sp, stride, lo, eff, op))
    if any(o <= 0 for o in osp):
        raise RuntimeError(f"{fn}(): the output size {osp} is too small (input {xs}, weight "
                           f"{ws}, stride={stride}, padding={lo}, dilation={dilation}, "
                           f"output_padding={op})")
    return geo, batched, osp


def _conv(fn, nd, input, weight, bias, stride, padding, dilation, groups):
    geo, batched, _ = check_conv(fn, nd, input, weight, bias, stride, padding, dilation, groups)
    x = input if batched else input.unsqueeze(0)
    out = ConvNd.apply(x, weight, bias, geo)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """torch.nn.functional.conv1d: input (N, C, L) or (C, L), weight (K, C/groups, k)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """torch.nn.functional.conv2d: input (N, C, H, W) or (C, H, W), weight (K, C/groups, kh, kw)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """torch.nn.functional.conv3d: input (N, C, D, H, W) or (C, D, H, W)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_t(fn, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    geo, batched, osp = check_conv(fn, nd, input, weight, bias, stride, padding, dilation,
                                   groups, transposed=True, output_padding=output_padding)
    x = input if batched else input.unsqueeze(0)
    out = ConvTransposeNd.apply(x, weight, bias, geo, osp)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """torch.nn.functional.conv_transpose1d: weight (C_in, C_out/groups, k)."""
    return _conv_t("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """torch.nn.functional.conv_transpose2d: weight (C_in, C_out/groups, kh, kw)."""
    return _conv_t("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """torch.nn.functional.conv_transpose3d: weight (C_in, C_out/groups, kd, kh, kw)."""
    return _conv_t("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


# ---- padding ---------------------------------------------------------------------------------

class _Embed(Function):
    """out = full(out_shape, value); out[dst] = a[src]. Its adjoint is the same op reversed."""
    _raw = True
    _tname = "ConstantPadNdBackward0"       # constant padding (negative pads crop)

    @staticmethod
    def forward(ctx, a, src, dst, out_shape, value):
        ctx.meta = (src, dst, a.shape)
        out = np.full(out_shape, value, a.dtype)
        out[dst] = a[src]
        return out

    @staticmethod
    def backward(ctx, g):
        src, dst, shape = ctx.meta
        if isinstance(g, Tensor):
            return _Embed.apply(g, dst, src, shape, 0.0)
        out = np.zeros(shape, g.dtype)
        out[src] = g[dst]
        return out


def _gather(a, maps):
    for ax, idx in maps:
        a = np.take(a, idx, axis=ax)
    return a


def _scatter(g, maps, shape):
    sizes = list(g.shape)
    for ax, idx in reversed(maps):
        sizes[ax] = shape[ax]
        out = np.zeros(sizes, g.dtype)
        np.add.at(np.moveaxis(out, ax, 0), idx, np.moveaxis(g, ax, 0))
        g = out
    return g


class _GatherPad(Function):
    """Index-map padding (reflect/replicate/circular): out = a gathered along axes."""
    _raw = True

    @staticmethod
    def forward(ctx, a, maps):
        ctx.meta = (maps, a.shape)
        return _gather(a, maps)

    @staticmethod
    def backward(ctx, g):
        maps, shape = ctx.meta
        if isinstance(g, Tensor):
            return _ScatterPad.apply(g, maps, shape)
        return _scatter(g, maps, shape)


class _ScatterPad(Function):
    _raw = True

    @staticmethod
    def forward(ctx, g, maps, shape):
        ctx.meta = maps
        return _scatter(g, maps, shape)

    @staticmethod
    def backward(ctx, gg):
        maps = ctx.meta
        if isinstance(gg, Tensor):
            return _GatherPad.apply(gg, maps)
        return _gather(gg, maps)


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """torch.nn.functional.pad: ``pad`` = (left_last, right_last, left_2nd_last, ...).
    Modes 'constant' (negative pads crop), 'reflect', 'replicate', 'circular'."""
    fn = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): input must be a Tensor, got {type(input).__name__}")
    pad = tuple(pad)
    if len(pad) % 2 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"{fn}(): padding length must be even and made of ints, got {pad}")
    nd = input.ndim
    if len(pad) // 2 > nd:
        raise ValueError(f"{fn}(): padding length {len(pad)} is too large for a {nd}-D input "
                         f"(at most {2 * nd})")
    shape = tuple(input.shape)
    pads = {nd - 1 - i: (int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)}
    if mode == "constant":
        v = 0.0 if value is None else value
        out_shape, src, dst = [], [], []
        for ax in range(nd):
            lo, hi = pads.get(ax, (0, 0))
            n = shape[ax]
            m = n + lo + hi
            if m < 0:
                raise RuntimeError(f"{fn}(): the padded size of dim {ax} would be {m} < 0 "
                                   f"(input {shape}, pad {pad})")
            out_shape.append(m)
            s0, d0 = max(0, -lo), max(0, lo)
            length = max(0, min(n - s0, m - d0))
            src.append(slice(s0, s0 + length))
            dst.append(slice(d0, d0 + length))
        return _Embed.apply(input, tuple(src), tuple(dst), tuple(out_shape), v)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"{fn}(): unknown padding mode {mode!r}; expected 'constant', "
                                  "'reflect', 'replicate' or 'circular'")
    if value not in (None, 0, 0.0):
        raise ValueError(f"{fn}(): padding mode {mode!r} does not take a value")
    maps = []
    for ax in sorted(pads):
        lo, hi = pads[ax]
        n = shape[ax]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"{fn}(): padding size should be less than the corresponding input "
                             f"dimension for mode 'reflect', but got padding ({lo}, {hi}) at "
                             f"dimension {ax} of input {shape}")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(f"{fn}(): padding value causes wrapping around more than once for "
                             f"mode 'circular': padding ({lo}, {hi}) at dimension {ax} of input "
                             f"{shape}")
        if n == 0:
            raise ValueError(f"{fn}(): cannot pad an empty dimension {ax} in mode {mode!r}")
        if n + lo + hi < 0:
            raise RuntimeError(f"{fn}(): the padded size of dim {ax} would be negative")
        j = np.arange(-lo, n + hi)
        if mode == "reflect":
            if n == 1:
                idx = np.zeros_like(j)
            else:
                per = 2 * (n - 1)
                jm = np.mod(j, per)
                idx = np.where(jm < n, jm, per - jm)
        elif mode == "replicate":
            idx = np.clip(j, 0, n - 1)
        else:
            idx = np.mod(j, n)
        maps.append((ax, idx.astype(np.intp)))
    out = _GatherPad.apply(input, tuple(maps))
    k = len(pad) // 2
    if mode != "circular" and 1 <= k <= 3 and nd in (k + 1, k + 2):
        # torch's reflection_pad{k}d / replication_pad{k}d (circular is a copy into slices)
        named(out, f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{k}DBackward0")
    return out


# ---- unfold / fold ---------------------------------------------------------------------------

def _pair(v, fn, arg):
    t = _tup(v, 2, fn, arg)
    return t


def _fold_geom(fn, size, k, d, p, s):
    if any(v <= 0 for v in k) or any(v <= 0 for v in d) or any(v <= 0 for v in s) \
            or any(v < 0 for v in p):
        raise ValueError(f"{fn}(): kernel_size, dilation and stride must be positive and padding "
                         f"non-negative, got kernel_size={k}, dilation={d}, padding={p}, "
                         f"stride={s}")
    out = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                for n, kk, dd, pp, ss in zip(size, k, d, p, s))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{fn}(): the sliding blocks would have size {out}: kernel_size={k} "
                           f"(dilation={d}) does not fit the padded spatial size "
                           f"{tuple(n + 2 * pp for n, pp in zip(size, p))}")
    return out


def _unfold_arr(x, k, d, p, s, blocks):
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), x.dtype)
    xp[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
    Ho, Wo = blocks
    cols = np.empty((N, C, k[0], k[1], Ho, Wo), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            cols[:, :, i, j] = xp[:, :, i * d[0]:i * d[0] + s[0] * (Ho - 1) + 1:s[0],
                                  j * d[1]:j * d[1] + s[1] * (Wo - 1) + 1:s[1]]
    return cols.reshape(N, C * k[0] * k[1], Ho * Wo)


def _fold_arr(cols, size, k, d, p, s, blocks):
    N = cols.shape[0]
    C = cols.shape[1] // (k[0] * k[1])
    Ho, Wo = blocks
    c6 = cols.reshape(N, C, k[0], k[1], Ho, Wo)
    xp = np.zeros((N, C, size[0] + 2 * p[0], size[1] + 2 * p[1]), cols.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            xp[:, :, i * d[0]:i * d[0] + s[0] * (Ho - 1) + 1:s[0],
               j * d[1]:j * d[1] + s[1] * (Wo - 1) + 1:s[1]] += c6[:, :, i, j]
    return np.ascontiguousarray(xp[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]])


class _Unfold(Function):
    _raw = True
    _tname = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, prm):
        ctx.prm = prm
        ctx.size = x.shape[2:]
        return _unfold_arr(x, *prm)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return _Fold.apply(g, ctx.size, ctx.prm)
        return _fold_arr(g, ctx.size, *ctx.prm)


class _Fold(Function):
    _raw = True
    _tname = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, size, prm):
        ctx.prm = prm
        return _fold_arr(cols, size, *prm)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return _Unfold.apply(g, ctx.prm)
        return _unfold_arr(g, *ctx.prm)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """torch.nn.functional.unfold (im2col): (N, C, H, W) -> (N, C*kh*kw, L)."""
    fn = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        raise RuntimeError(f"{fn}(): expected a 3-D (unbatched) or 4-D (batched) input tensor, "
                           f"got {getattr(input, 'shape', type(input).__name__)}")
    k, d = _pair(kernel_size, fn, "kernel_size"), _pair(dilation, fn, "dilation")
    p, s = _pair(padding, fn, "padding"), _pair(stride, fn, "stride")
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    blocks = _fold_geom(fn, tuple(x.shape[2:]), k, d, p, s)
    out = _Unfold.apply(x, (k, d, p, s, blocks))
    return out if batched else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """torch.nn.functional.fold (col2im, summing overlaps): (N, C*kh*kw, L) -> (N, C, H, W)."""
    fn = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise RuntimeError(f"{fn}(): expected a 2-D (unbatched) or 3-D (batched) input tensor, "
                           f"got {getattr(input, 'shape', type(input).__name__)}")
    size = _pair(output_size, fn, "output_size")
    k, d = _pair(kernel_size, fn, "kernel_size"), _pair(dilation, fn, "dilation")
    p, s = _pair(padding, fn, "padding"), _pair(stride, fn, "stride")
    batched = input.ndim == 3
    x = input if batched else input.unsqueeze(0)
    blocks = _fold_geom(fn, size, k, d, p, s)
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"{fn}(): expected size of input's dimension 1 ({x.shape[1]}) to be "
                           f"divisible by the product of kernel_size ({kk})")
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"{fn}(): expected size of input's dimension 2 ({x.shape[2]}) to "
                           f"match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]} (output_size={size}, "
                           f"kernel_size={k}, dilation={d}, padding={p}, stride={s})")
    out = _Fold.apply(x, size, (k, d, p, s, blocks))
    return out if batched else out.squeeze(0)
