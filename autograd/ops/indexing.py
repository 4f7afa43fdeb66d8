"""Indexing primitives: x[key] (basic and advanced; repeated indices accumulate in backward),
x[key] = v, gather / scatter / scatter_add, and what is composed from them."""
from __future__ import annotations

import numpy as np

from ..function import Function, named
from ..tensor import Tensor
from . import _util as U


class _Prim(Function):
    _raw = True


def _normalize_key(key, shape):
    """Tensor/list indices -> arrays; reports out-of-range integer indices clearly (numpy would
    raise IndexError with less context)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    advanced = False
    for k in key:
        if isinstance(k, Tensor):
            k = k._data
            if k.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 f"tensors (got {k.dtype})")
            if k.dtype.kind == "b" or k.ndim > 0:
                advanced = True
            else:
                k = int(k)
        elif isinstance(k, (list, np.ndarray)):
            k = np.asarray(k)
            if k.dtype.kind == "f":
                raise IndexError("index arrays must be integer or bool")
            if k.dtype == object:
                raise IndexError("index: nested lists of mixed types are not supported")
            advanced = True
        elif isinstance(k, (bool, np.bool_)):
            advanced = True
            k = np.asarray(k)
        elif isinstance(k, np.integer):
            k = int(k)
        out.append(k)
    return tuple(out), advanced


class GetItem(_Prim):
    _view = True

    @staticmethod
    def forward(ctx, x, key, advanced):
        ctx.meta = (x.shape, key, advanced)
        r = x[key]
        if not isinstance(r, np.ndarray):
            # numpy gives a scalar copy for a full integer index; PyTorch a 0-d view
            r = x[key + (Ellipsis,)] if not advanced else np.asarray(r)
        return r

    @staticmethod
    def backward(ctx, g):
        shape, key, advanced = ctx.meta
        if isinstance(g, Tensor):
            return IndexAddZeros.apply(g, shape, key, advanced), None, None
        return _index_add_zeros(g, shape, key, advanced), None, None


def _index_add_zeros(g, shape, key, advanced):
    z = np.zeros(shape, g.dtype)
    if advanced:
        np.add.at(z, key, g)
    else:
        z[key] = g
    return z


class IndexAddZeros(_Prim):
    """zeros(shape)[key] += g: GetItem's backward, as a primitive so it is differentiable."""

    @staticmethod
    def forward(ctx, g, shape, key, advanced):
        ctx.meta = (key, advanced)
        return _index_add_zeros(g, shape, key, advanced)

    @staticmethod
    def backward(ctx, gg):
        key, advanced = ctx.meta
        return GetItem.apply(gg, key, advanced), None, None, None


class IndexPut(_Prim):
    """out = x.copy(); out[key] = v (v already broadcast to x[key]'s shape)."""

    @staticmethod
    def forward(ctx, x, v, key):
        ctx.key = key
        out = np.array(x, copy=True)
        out[key] = v
        return out

    @staticmethod
    def backward(ctx, g):
        key = ctx.key
        gx = gv = None
        if ctx.needs_input_grad[0]:
            if isinstance(g, Tensor):
                gx = IndexPut.apply(g, Tensor._make(np.zeros((), g._data.dtype)), key)
            else:
                gx = np.array(g, copy=True)
                gx[key] = 0
        if ctx.needs_input_grad[1]:
            gv = g[key] if not isinstance(g, Tensor) else getitem(g, key)
        return gx, gv, None


def _getitem_name(single, key, advanced, shape):
    """torch's grad_fn name for x[key]: the last view op its indexing applies (keys are
    applied left to right: int -> select, slice -> slice, None -> unsqueeze), index for
    advanced keys, alias when nothing applies (x[...], x[:, :]). A lone slice always slices;
    in a tuple, a full slice (0 or None : >= size or None : 1 or None) is skipped."""
    if advanced:
        return "IndexBackward0"
    name = "AliasBackward0"
    nd = len(shape)
    consumed = 0
    for k in key:
        if k is not None and k is not Ellipsis:
            consumed += 1
    d = 0
    for k in key:
        if k is None:
            name = "UnsqueezeBackward0"
        elif k is Ellipsis:
            d += nd - consumed
        elif isinstance(k, slice):
            if single or not (k.start in (None, 0) and k.step in (None, 1)
                              and (k.stop is None or k.stop >= shape[d])):
                name = "SliceBackward0"
            d += 1
        else:
            name = "SelectBackward0"
            d += 1
    return name


def getitem(input, key):
    x = input
    single = not isinstance(key, tuple)
    key, advanced = _normalize_key(key, x._data.shape)
    try:
        out = GetItem.apply(x, key, advanced)
    except IndexError as e:
        raise IndexError(f"index {_key_str(key)} is invalid for tensor of shape "
                         f"{U.shape_str(x.shape)}: {e}") from None
    meta = out.__dict__.get("_vmeta")
    if meta is not None and meta[3] and out.grad_fn is None:   # name the view for its errors
        out._vmeta = meta[:2] + (_getitem_name(single, key, advanced, x._data.shape), True)
    return named(out, _getitem_name, single, key, advanced, x._data.shape)


def _key_str(key):
    return "[" + ", ".join(f"<array {a.shape}>" if isinstance(a, np.ndarray) else repr(a)
                           for a in key) + "]"


def setitem(x, key, value):
    """x[key] = value, in place (PyTorch's index_put_ / copy_ into a view)."""
    nkey, _ = _normalize_key(key, x._data.shape)
    recording = (x._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    from .. import grad_mode
    if isinstance(value, Tensor) and value.ndim:
        # torch drops leading size-1 dims of the value beyond the indexed shape's rank
        target_nd = np.empty(x._data.shape, np.bool_)[nkey].ndim
        if value.ndim > target_nd and all(n == 1 for n in value.shape[:value.ndim - target_nd]):
            value = value.reshape(tuple(value.shape[value.ndim - target_nd:]))
    if not (grad_mode.enabled and recording):
        if "_vmeta" in x.__dict__:              # a no_grad or multi-output view (torch's check)
            x._check_view_inplace(False, _setitem_view_op(key))
        v = value._data if isinstance(value, Tensor) else value
        try:
            x._data[nkey] = v
        except ValueError as e:
            raise RuntimeError(f"setitem: cannot assign value of shape {np.shape(v)} to index "
                               f"{_key_str(nkey)} of tensor {U.shape_str(x.shape)}: {e}") from None
        x._vc[0] += 1
        return

    def fn(a, v):
        target = np.empty(a.shape, np.bool_)[nkey].shape
        v = U.cast(v, a._data.dtype) if isinstance(v, Tensor) else \
            Tensor._make(np.asarray(v, a._data.dtype))
        if v.shape != target:
            from .movement import expand
            v = expand(v, target)
        return IndexPut.apply(a, v, nkey)
    x._inplace(fn, value if isinstance(value, Tensor) else Tensor._make(np.asarray(value)),
               op="setitem", view_op=_setitem_view_op(key))


def _setitem_view_op(key):
    """The view torch writes x[key] = v through, as its view errors name it: x[i] and x[i,]
    a Select, x[a:b] a Slice, x[None] an Unsqueeze; other keys write into x itself."""
    if isinstance(key, tuple) and len(key) == 1:
        key = key[0]
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return "Select"
    if isinstance(key, slice) and key != slice(None):
        return "Slice"
    if key is None:
        return "Unsqueeze"
    return None


def masked_fill(input, mask, value):
    from .elementwise import where
    m = U.raw(mask)
    if np.asarray(m).dtype != np.bool_:
        raise RuntimeError(f"masked_fill(): expected mask of dtype bool, got {np.asarray(m).dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    x = U.as_tensor_arg(input)
    U.broadcast_shape("masked_fill", x.shape, np.shape(m))   # out of place: both broadcast
    if not isinstance(value, Tensor):
        name = "MaskedFillBackward0"
        value = np.asarray(value, x._data.dtype)
    else:
        name = "MaskedFillBackward1"
        value = value.to(x.dtype)
    return named(where(Tensor._make(np.asarray(m)), value, x), name)


def _check_index(op, x, dim, index):
    idx = U.raw(index)
    if not isinstance(idx, np.ndarray) or idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index (got "
                           f"{getattr(idx, 'dtype', type(idx).__name__)})")
    d = U.wrap_dim(dim, x.ndim, op)
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index {U.shape_str(idx.shape)}, input "
                           f"{U.shape_str(x.shape)})")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise RuntimeError(f"{op}(): index {int(idx.max() if idx.max() >= size else idx.min())} "
                           f"is out of bounds for dimension {d} with size {size}")
    return d, idx.astype(np.int64, copy=False) % max(size, 1)


def _full_index(idx, dim):
    """Index arrays addressing every element of idx's shape, with idx on `dim`."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


class Gather(_Prim):
    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.meta = (x.shape, dim, idx)
        return x[_full_index(idx, dim)]

    @staticmethod
    def backward(ctx, g):
        shape, dim, idx = ctx.meta
        if isinstance(g, Tensor):
            zeros = Tensor._make(np.zeros(shape, g._data.dtype))
            return ScatterAdd.apply(zeros, dim, idx, g), None, None
        z = np.zeros(shape, g.dtype)
        np.add.at(z, _full_index(idx, dim), g)
        return z, None, None


class ScatterAdd(_Prim):
    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.meta = (dim, idx, src.shape)
        out = np.array(x, copy=True)
        np.add.at(out, _full_index(idx, dim), src[tuple(slice(0, s) for s in idx.shape)])
        return out

    @staticmethod
    def backward(ctx, g):
        dim, idx, src_shape = ctx.meta
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _pad_to(Gather.apply(g, dim, idx) if isinstance(g, Tensor)
                           else g[_full_index(idx, dim)], src_shape)
        return g, None, None, gsrc


class Scatter(_Prim):
    @staticmethod
    def forward(ctx, x, dim, idx, src):
        ctx.meta = (dim, idx, np.shape(src))
        out = np.array(x, copy=True)
        if np.ndim(src) == 0:
            out[_full_index(idx, dim)] = src
        else:
            out[_full_index(idx, dim)] = src[tuple(slice(0, s) for s in idx.shape)]
        return out

    @staticmethod
    def backward(ctx, g):
        dim, idx, src_shape = ctx.meta
        n = ctx.needs_input_grad
        gx = gsrc = None
        if n[0]:
            zero = np.zeros((), U.raw(g).dtype)
            gx = Scatter.apply(g, dim, idx, Tensor._make(zero)) if isinstance(g, Tensor) else \
                Scatter.forward(ctx.__class__.__new__(ctx.__class__), g, dim, idx, zero)
        if n[3]:
            gsrc = _pad_to(Gather.apply(g, dim, idx) if isinstance(g, Tensor)
                           else g[_full_index(idx, dim)], src_shape)
        return gx, None, None, gsrc


def _pad_to(g, shape):
    """Zero-pad g (an index-shaped gradient) up to `shape` (src may be larger than index)."""
    if tuple(g.shape) == tuple(shape):
        return g
    if isinstance(g, Tensor):
        z = Tensor._make(np.zeros(shape, g._data.dtype))
        return IndexPut.apply(z, g, tuple(slice(0, s) for s in g.shape))
    z = np.zeros(shape, g.dtype)
    z[tuple(slice(0, s) for s in g.shape)] = g
    return z


def gather(input, dim, index, *, sparse_grad=False):
    x = U.as_tensor_arg(input)
    d, idx = _check_index("gather", x, dim, index)
    if x.ndim == 0:                     # torch: a 0-d input (and a 0-d or 1-element index)
        return Gather.apply(x.reshape(1), 0, idx.reshape(-1)).reshape(idx.shape)
    for i in range(x.ndim):
        if i != d and idx.shape[i] > x.shape[i]:
            raise RuntimeError(f"gather(): Size does not match at dimension {i} expected index "
                               f"{U.shape_str(idx.shape)} to be smaller than self "
                               f"{U.shape_str(x.shape)} apart from dimension {d}")
    return Gather.apply(x, d, idx)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        from .movement import reshape
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    # torch broadcasts input and indices against each other in every dim but ``dim``
    x, idx = U.as_tensor_arg(input), U.as_tensor_arg(indices)
    if x.ndim == idx.ndim and x.ndim > 0:
        d = U.wrap_dim(dim, x.ndim, "take_along_dim")
        try:
            b = list(np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                         idx.shape[:d] + (1,) + idx.shape[d + 1:]))
        except ValueError:
            raise RuntimeError(f"take_along_dim(): input {U.shape_str(x.shape)} and indices "
                               f"{U.shape_str(idx.shape)} do not broadcast apart from dim "
                               f"{d}") from None
        xs, js = list(b), list(b)
        xs[d], js[d] = x.shape[d], idx.shape[d]
        if tuple(xs) != tuple(x.shape):
            x = x.expand(*xs)
        if tuple(js) != tuple(idx.shape):
            idx = idx.expand(*js)
        return gather(x, d, idx)
    return gather(input, dim, indices)


def _scatter_check(op, x, d, idx, src):
    for i in range(x.ndim):
        if i != d and idx.shape[i] > x.shape[i]:
            raise RuntimeError(f"{op}(): Expected index {U.shape_str(idx.shape)} to be smaller "
                               f"than self {U.shape_str(x.shape)} apart from dimension {d}")
        if src is not None and idx.shape[i] > src.shape[i]:
            raise RuntimeError(f"{op}(): Expected index {U.shape_str(idx.shape)} to be smaller "
                               f"than src {U.shape_str(src.shape)}")


def scatter_add(input, dim, index, src):
    x = U.as_tensor_arg(input)
    d, idx = _check_index("scatter_add", x, dim, index)
    src = U.cast(U.as_tensor_arg(src), x._data.dtype)
    if x.ndim == 0:
        return scatter_add(x.reshape(1), 0, Tensor._make(idx.reshape(-1)), src.reshape(-1)[:idx.size]
                           ).reshape(())
    _scatter_check("scatter_add", x, d, idx, src)
    return ScatterAdd.apply(x, d, idx, src)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    x = U.as_tensor_arg(input)
    if src is None:
        src = value
    d, idx = _check_index("scatter", x, dim, index)
    if x.ndim == 0:
        if isinstance(src, Tensor):
            src = src.reshape(-1)[:idx.size]
        return scatter(x.reshape(1), 0, Tensor._make(idx.reshape(-1)), src,
                       reduce=reduce).reshape(())
    if reduce == "add":
        return scatter_add(x, d, index, src if isinstance(src, Tensor)
                           else Tensor._make(np.full(idx.shape, src, x._data.dtype)))
    if isinstance(src, Tensor):
        src = U.cast(src, x._data.dtype)
        _scatter_check("scatter", x, d, idx, src)
        return Scatter.apply(x, d, idx, src)
    _scatter_check("scatter", x, d, idx, None)
    return Scatter.apply(x, d, idx, np.asarray(src, x._data.dtype))


def index_select(input, dim, index):
    x = U.as_tensor_arg(input)
    idx = np.asarray(U.raw(index))
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{U.shape_str(idx.shape)}")
    if idx.dtype.kind not in "iu":
        raise IndexError(f"index_select(): Expected dtype int32/int64 for index, got {idx.dtype}")
    d = U.wrap_dim(dim, x.ndim, "index_select")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError(f"index_select(): index out of range in self: index "
                         f"{int(idx.max())} for dimension {d} of size {size}")
    return named(getitem(x, (slice(None),) * d + (idx.reshape(-1),)), "IndexSelectBackward0")


def masked_select(input, mask):
    from .movement import expand
    x = U.as_tensor_arg(input)
    m = np.asarray(U.raw(mask))
    shape = U.broadcast_shape("masked_select", x.shape, m.shape)
    if x.shape != shape:
        x = expand(x, shape)
    return getitem(x, np.broadcast_to(m, shape))


def nonzero(input, *, as_tuple=False):
    r = np.asarray(U.raw(input))
    nz = np.nonzero(r)
    if as_tuple:
        return tuple(Tensor._make(np.asarray(a, np.int64)) for a in nz)
    return Tensor._make(np.stack(nz, axis=1).astype(np.int64) if nz else
                        np.zeros((0, 0), np.int64))


def index_add(input, dim, index, source, *, alpha=1):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "index_add")
    idx = np.asarray(U.raw(index)).astype(np.int64)
    src = U.as_tensor_arg(source)
    shape = [1] * x.ndim
    shape[d] = idx.shape[0]
    full = np.broadcast_to(idx.reshape(shape), src.shape)
    if alpha != 1:
        src = src * alpha
    return scatter_add(x, d, Tensor._make(np.ascontiguousarray(full)), src)


def take(input, index):
    from .movement import reshape
    x = U.as_tensor_arg(input)
    idx = np.asarray(U.raw(index)).astype(np.int64)
    n = x.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"take(): out of range: tried to access index "
                         f"{int(idx.max() if idx.max() >= n else idx.min())} on a tensor of "
                         f"{n} elements.")
    return getitem(reshape(x, (-1,)), Tensor._make(idx % builtins_max(n, 1)))


builtins_max = max


def argwhere(input):
    return nonzero(input)


def _index_mask(x, d, idx):
    """Boolean mask over x, True in the slices dim d == idx."""
    shape = [1] * x.ndim
    shape[d] = x.shape[d]
    m = np.zeros(x.shape[d], bool)
    m[idx] = True
    return np.broadcast_to(m.reshape(shape), x.shape)


def index_fill(input, dim, index, value):
    from .elementwise import where
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "index_fill")
    idx = np.asarray(U.raw(index)).astype(np.int64).reshape(-1)
    v = value if U.is_t(value) else np.asarray(value, x._data.dtype)
    if U.is_t(v) and v._data.dtype != x._data.dtype:
        v = v.to(x.dtype)
    return where(Tensor._make(np.ascontiguousarray(_index_mask(x, d, idx))), v, x)


def index_copy(input, dim, index, source):
    """x with the slices at index along dim replaced by source's (later duplicates win)."""
    from .elementwise import where
    x, src = U.as_tensor_arg(input), U.as_tensor_arg(source)
    d = U.wrap_dim(dim, x.ndim, "index_copy")
    idx = np.asarray(U.raw(index)).astype(np.int64).reshape(-1)
    # for each position of dim, which row of source lands there (the last one written)
    pick = np.zeros(x.shape[d], np.int64)
    pick[idx] = np.arange(idx.size)
    spread = index_select(src, d, pick) if idx.size else x
    return where(Tensor._make(np.ascontiguousarray(_index_mask(x, d, idx))), spread, x)


def masked_scatter(input, mask, source):
    """Positions where mask is True take source's elements in row-major order."""
    from .elementwise import where
    from .movement import expand, reshape
    x, src = U.as_tensor_arg(input), U.as_tensor_arg(source)
    m = np.broadcast_to(np.asarray(U.raw(mask), bool), x.shape)
    k = int(m.sum())
    if k > src.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many elements "
                           "as ones in mask")
    pos = np.zeros(x.shape, np.int64)
    pos[m] = np.arange(k)
    flat = reshape(src, (-1,))
    spread = reshape(getitem(flat, Tensor._make(pos.reshape(-1))), x.shape) if src.numel() \
        else x
    return where(Tensor._make(np.ascontiguousarray(m)), spread, x)


def put(input, index, source, accumulate=False):
    from .movement import reshape
    x, src = U.as_tensor_arg(input), U.as_tensor_arg(source)
    idx = np.asarray(U.raw(index)).astype(np.int64).reshape(-1) % builtins_max(x.numel(), 1)
    flat = reshape(x, (-1,))
    if accumulate:
        out = index_add(flat, 0, idx, reshape(src, (-1,)))
    else:
        out = index_copy(flat, 0, idx, reshape(src, (-1,)))
    return reshape(out, x.shape)


# ---- scatter_reduce ------------------------------------------------------------------------
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _others_product(vals, shape, members):
    """For each member value, the product of the other members of its group (zeros counted
    apart so that a single zero still gets the product of the rest)."""
    nz = np.zeros(shape, np.int64)
    pnz = np.ones(shape, vals[0].dtype)
    for v, key in zip(vals, members):
        np.add.at(nz, key, v == 0)
        np.multiply.at(pnz, key, np.where(v == 0, 1, v))
    out = []
    for v, key in zip(vals, members):
        z, p = nz[key], pnz[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(v == 0, np.where(z == 1, p, 0), np.where(z == 0, p / v, 0)))
    return out


def _identity(reduce, npd):
    """The start value of a reduction that leaves the old value out (include_self=False)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if npd.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(npd)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(_Prim):
    """out = x with src reduced into it at index (torch.scatter_reduce). First-order gradient
    only; ties of amax/amin share the gradient evenly, as in torch."""

    @staticmethod
    def forward(ctx, x, dim, idx, src, reduce, include_self):
        full = _full_index(idx, dim)
        s = src[tuple(slice(0, k) for k in idx.shape)]
        hit = np.zeros(x.shape, bool)
        hit[full] = True
        out = np.array(x, copy=True)
        if not include_self:
            out[full] = _identity(reduce, x.dtype)
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        ufunc.at(out, full, s)
        cnt = None
        if reduce == "mean":
            cnt = np.where(hit & (not include_self), 0, 1).astype(np.int64)
            np.add.at(cnt, full, 1)
            cnt = np.maximum(cnt, 1)
            out = out / cnt if x.dtype.kind == "f" else (out // cnt).astype(x.dtype)
        ctx.meta = (full, hit, s, x, out, cnt, reduce, include_self, np.shape(src))
        return out

    @staticmethod
    def backward(ctx, g):
        full, hit, s, x, out, cnt, reduce, include_self, src_shape = ctx.meta
        g = U.raw(g)                                # first order: numpy throughout
        self_in = ~hit | include_self
        if reduce == "sum":
            gx, gs = g * self_in, g[full]
        elif reduce == "mean":
            gm = g / cnt
            gx, gs = gm * self_in, gm[full]
        elif reduce == "prod":
            if include_self:
                ox, os_ = _others_product([x, s], x.shape, [tuple(np.indices(x.shape)), full])
            else:                                   # untouched positions pass g through
                os_, = _others_product([s], x.shape, [full])
                ox = np.where(hit, 0, 1)
            gx, gs = g * ox * self_in, g[full] * os_
        else:                                       # amax / amin: share among the ties
            # torch counts an equal old value among the ties even when it was left out
            mx = x == out
            ms = s == out[full]
            count = mx.astype(np.int64)
            np.add.at(count, full, ms)
            gc = g / np.maximum(count, 1)
            gx, gs = gc * (mx & self_in), gc[full] * ms
        gsrc = np.zeros(src_shape, g.dtype)
        gsrc[tuple(slice(0, k) for k in s.shape)] = gs
        return gx.astype(g.dtype), None, None, gsrc, None, None


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    x = U.as_tensor_arg(input)
    d, idx = _check_index("scatter_reduce", x, dim, index)
    src = U.cast(U.as_tensor_arg(src), x._data.dtype)
    _scatter_check("scatter_reduce", x, d, idx, src)
    return ScatterReduce.apply(x, d, idx, src, reduce, include_self)


# ---- index_put -------------------------------------------------------------------------
def index_put(input, indices, values, accumulate=False):
    """out = input.clone(); out[indices] = values (or += with accumulate, repeats adding up).
    A None in indices selects the whole dimension."""
    x = U.as_tensor_arg(input)
    key = tuple(slice(None) if i is None else i for i in indices)
    v = U.cast(U.as_tensor_arg(values), x._data.dtype)
    if not accumulate:
        out = x.clone()
        setitem(out, key, v)
        return out
    nkey, advanced = _normalize_key(key, x._data.shape)
    target = np.empty(x.shape, np.bool_)[nkey].shape
    if v.shape != target:
        v = v.expand(target)
    return x + IndexAddZeros.apply(v, x._data.shape, nkey, True)
