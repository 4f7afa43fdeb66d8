"""Movement primitives: reshape/view, permute/transpose, expand (the only op that knows about
broadcasting: its backward is a sum), repeat, cat, flip; and what is composed from them."""
from __future__ import annotations

import itertools

import numpy as np

from .. import grad_mode
from ..function import Function, named
from ..tensor import Tensor
from . import _util as U


class _Prim(Function):
    _raw = True


class _View(_Prim):
    _view = True


class Reshape(_View):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Permute(_View):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return U.permute(g, tuple(np.argsort(ctx.dims))), None


class Expand(_View):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return U.sum_to(g, ctx.in_shape), None


class Repeat(_Prim):
    @staticmethod
    def forward(ctx, x, reps):
        ctx.meta = (x.shape, reps)
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        shape, reps = ctx.meta
        shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        g = g.reshape(tuple(split))
        g = g.sum(tuple(range(0, len(split), 2)))
        return g.reshape(ctx.meta[0]), None


class Cat(_Prim):
    @staticmethod
    def forward(ctx, *args):
        *xs, dim = args
        ctx.meta = (dim, [x.shape[dim] for x in xs])
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        dim, sizes = ctx.meta
        out, start = [], 0
        idx = [slice(None)] * g.ndim
        for i, s in enumerate(sizes):
            if ctx.needs_input_grad[i]:
                idx[dim] = slice(start, start + s)
                out.append(g[tuple(idx)])
            else:
                out.append(None)
            start += s
        return tuple(out) + (None,)


class Flip(_Prim):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):
            return flip(g, ctx.dims), None
        return np.flip(g, ctx.dims), None


# ---- public functions --------------------------------------------------------------------

def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel, op, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred (shape {tuple(shape)})")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}(): invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size "
                               f"{numel} (input shape {U.shape_str(in_shape)})")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{op}(): shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {U.shape_str(in_shape)})")
    return tuple(shape)


def _reshape_name(x, out):
    # torch: a reshape that can be a view is one; otherwise it is _unsafe_view of a copy
    b = out._data.base
    return "ViewBackward0" if b is not None and (b is x._data or b is x._data.base) \
        else "UnsafeViewBackward0"


def reshape(input, *shape):
    x = U.as_tensor_arg(input)
    shape = _infer_shape(_shape_arg(shape), x._data.size, "reshape", x.shape)
    out = Reshape.apply(x, shape)
    return named(out, _reshape_name, x, out)


def view(input, *shape):
    x = input
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
        from .elementwise import to_dtype    # view(dtype): reinterpretation is not supported
        raise RuntimeError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape(_shape_arg(shape), x._data.size, "view", x.shape)
    try:
        np.reshape(x._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view(): view size is not compatible with input tensor's size and "
                           f"stride (input {U.shape_str(x.shape)}, requested "
                           f"{U.shape_str(shape)}); at least one dimension spans across two "
                           "contiguous subspaces. Use .reshape(...) instead.") from None
    return named(Reshape.apply(x, shape), "ViewBackward0")


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def permute(input, *dims):
    x = U.as_tensor_arg(input)
    dims = _shape_arg(dims)
    nd = x.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(): number of dims don't match in permute: input has {nd} "
                           f"dims (shape {U.shape_str(x.shape)}) but dims={dims}")
    dims = tuple(U.wrap_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute(): repeated dim in dims={dims}")
    return Permute.apply(x, dims)


def transpose(input, dim0, dim1):
    x = U.as_tensor_arg(input)
    nd = x.ndim
    if nd == 0:
        return x
    d0, d1 = U.wrap_dim(dim0, nd, "transpose"), U.wrap_dim(dim1, nd, "transpose")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return named(Permute.apply(x, tuple(dims)), "TransposeBackward0")


swapaxes = swapdims = transpose


def t(input):
    x = U.as_tensor_arg(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return named(Permute.apply(x, (1, 0)), "TBackward0") if x.ndim == 2 else x


def movedim(input, source, destination):
    x = U.as_tensor_arg(input)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    nd = x.ndim
    src = [U.wrap_dim(s, nd, "movedim") for s in src]
    dst = [U.wrap_dim(d, nd, "movedim") for d in dst]
    if nd == 0:                         # torch: dim 0 / -1 of a 0-d tensor is itself
        return permute(x, ())
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, tuple(order))


moveaxis = movedim


def expand(input, *sizes):
    x = U.as_tensor_arg(input)
    sizes = _shape_arg(sizes)
    nd = x.ndim
    if len(sizes) < nd:
        raise RuntimeError(f"expand(): the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor ({nd})")
    lead = len(sizes) - nd
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand(): the expanded size -1 is not allowed in a leading, "
                                   f"non-existing dimension {i}")
            shape.append(s)
            continue
        cur = x._data.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"expand(): the expanded size of the tensor ({s}) must match the "
                               f"existing size ({cur}) at non-singleton dimension {i}.  Target "
                               f"sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == x._data.shape:
        return x
    return Expand.apply(x, shape)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    shape = U.broadcast_shape("broadcast_tensors", *[t.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    from ..tensor import Size
    return Size(U.broadcast_shape("broadcast_shapes", *shapes))


def squeeze(input, dim=None):
    x = U.as_tensor_arg(input)
    shape = x.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        name = "SqueezeBackward0"
    else:
        dims = U.wrap_dims(dim, x.ndim, "squeeze") if x.ndim else ()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
        name = "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1"
    return named(Reshape.apply(x, new), name)


def unsqueeze(input, dim):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim + 1, "unsqueeze")
    shape = list(x.shape)
    shape.insert(d, 1)
    return named(Reshape.apply(x, tuple(shape)), "UnsqueezeBackward0")


def flatten(input, start_dim=0, end_dim=-1):
    x = U.as_tensor_arg(input)
    if x.ndim == 0:
        return reshape(x, (1,))
    s = U.wrap_dim(start_dim, x.ndim, "flatten")
    e = U.wrap_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(x, tuple(shape[:s]) + (n,) + tuple(shape[e + 1:]))


def unflatten(input, dim, sizes):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "unflatten")
    sizes = _infer_shape(tuple(sizes), x.shape[d], "unflatten", x.shape)
    return reshape(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:]))


def repeat(input, *sizes):
    x = U.as_tensor_arg(input)
    reps = _shape_arg(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat(): number of dimensions of repeat dims ({len(reps)}) can not "
                           f"be smaller than number of dimensions of tensor ({x.ndim})")
    return Repeat.apply(x, reps)


def tile(input, dims):
    x = U.as_tensor_arg(input)
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return Repeat.apply(x, dims)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    # legacy: 1-d empty tensors are skipped, as PyTorch
    tensors = [U.as_tensor_arg(t) for t in tensors]
    if all(t.ndim == 1 for t in tensors):
        kept = tensors
    else:
        kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = kept[0]
    d = U.wrap_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(kept):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got "
                               f"{ref.ndim} and {t.ndim} (tensor 0 {U.shape_str(ref.shape)}, "
                               f"tensor {i} {U.shape_str(t.shape)})")
        for j in range(ref.ndim):
            if j != d and t.shape[j] != ref.shape[j]:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[j]} but got size {t.shape[j]} for "
                                   f"tensor number {i} in the list (shapes "
                                   f"{U.shape_str(ref.shape)} and {U.shape_str(t.shape)})")
    dtype = U.result_dtype(*kept) if len({t._data.dtype for t in kept}) > 1 else None
    if dtype is not None:
        kept = [U.cast(t, dtype) for t in kept]
    return Cat.apply(*kept, d)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = [U.as_tensor_arg(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack(): expects a non-empty TensorList")
    s0 = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != s0:
            raise RuntimeError(f"stack(): expects each tensor to be equal size, but got "
                               f"{U.shape_str(s0)} at entry 0 and {U.shape_str(t.shape)} at "
                               f"entry {i}")
    d = U.wrap_dim(dim, len(s0) + 1, "stack")
    return named(cat([unsqueeze(t, d) for t in tensors], d), "StackBackward0")


def hstack(tensors):
    tensors = [atleast_1d(U.as_tensor_arg(t)) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


def narrow(input, dim, start, length):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "narrow")
    size = x.shape[d]
    if start < 0:
        start += size
    if not (0 <= start and start + length <= size and length >= 0):
        raise IndexError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}) of input {U.shape_str(x.shape)}")
    key = (slice(None),) * d + (slice(start, start + length),)
    from .indexing import getitem
    return named(getitem(x, key), "SliceBackward0")


def select(input, dim, index):
    """torch.select: input[..., index, ...] at dim (that dim removed); a view."""
    x = U.as_tensor_arg(input)
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = U.wrap_dim(dim, x.ndim, "select")
    size = x.shape[d]
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"select(): argument 'index' must be int, not {type(index).__name__}")
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{U.shape_str(x.shape)} at dimension {dim}")
    from .indexing import getitem
    return getitem(x, (slice(None),) * d + (int(index),))


def _pieces(x, d, sections):
    out, start = [], 0
    for s in sections:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    x = U.as_tensor_arg(tensor)
    d = U.wrap_dim(dim, x.ndim, "split")
    size = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        name = "SplitBackward0"
        s = int(split_size_or_sections)
        if s <= 0 and size > 0:
            raise RuntimeError(f"split(): split_size must be positive, got {s}")
        # torch: an empty dim gives one empty piece
        sections = ([s] * (size // s) + ([size % s] if size % s else [])) if s and size else [0]
    else:
        name = "SplitWithSizesBackward0"
        sections = [int(v) for v in split_size_or_sections]
        if builtin_sum(sections) != size:
            raise RuntimeError(f"split_with_sizes(): expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sections}")
    # torch: one split node with an output per piece; here a slice node per piece, each
    # given the split's name
    return _multi_output(x, tuple(named(p, name) for p in _pieces(x, d, sections)),
                         name[:-len("Backward0")])


builtin_sum = sum


def tensor_split(input, indices_or_sections, dim=0):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "tensor_split")
    size = x.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        sections = [q + 1] * r + [q] * (n - r)
        return _pieces(x, d, sections)         # torch: slices, not a split
    bounds = [0] + list(indices_or_sections) + [size]
    return tuple(narrow(x, d, min(a, size), max(min(b, size) - min(a, size), 0))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):
    x = U.as_tensor_arg(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be greater than 0, got {chunks}")
    d = U.wrap_dim(dim, x.ndim, "chunk")
    size = x.shape[d]
    if size == 0:                       # torch: ``chunks`` empty pieces
        return tuple(narrow(x, d, 0, 0) for _ in range(chunks))
    return split(x, -(-size // chunks), d)


def unbind(input, dim=0):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "unbind")
    from .indexing import getitem
    return _multi_output(x, tuple(named(getitem(x, (slice(None),) * d + (i,)), "UnbindBackward0")
                                  for i in range(x.shape[d])), "Unbind")


def _multi_output(x, pieces, op):
    """Mark the outputs of a multi-output view op as torch does: no in-place op on them under
    autograd (made in no_grad mode, they count as no_grad views)."""
    if grad_mode.enabled:
        for i, p in enumerate(pieces):
            if p._vc is x._vc:                  # a view of x, not a copy
                p._vmeta = ("multi", i, op, False)
    return pieces


def flip(input, dims):
    x = U.as_tensor_arg(input)
    if isinstance(dims, int):
        dims = (dims,)
    dims = tuple(U.wrap_dim(d, x.ndim, "flip") for d in dims)
    return Flip.apply(x, dims if x.ndim else ())


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    x = U.as_tensor_arg(input)
    if dims is None:
        return reshape(roll(flatten(x), shifts, 0), x.shape)
    if isinstance(shifts, int):
        shifts, dims = (shifts,), (dims,) if isinstance(dims, int) else tuple(dims)
    for s, d in zip(shifts, dims):
        d = U.wrap_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            x = cat([narrow(x, d, n - s, s), narrow(x, d, 0, n - s)], d)
    return x


def diagonal(input, offset=0, dim1=0, dim2=1):
    from .indexing import getitem
    x = U.as_tensor_arg(input)
    n = min(x.shape[dim1], x.shape[dim2] - offset) if offset >= 0 else \
        min(x.shape[dim1] + offset, x.shape[dim2])
    n = max(n, 0)
    i = np.arange(n) + (0 if offset >= 0 else -offset)
    j = np.arange(n) + (offset if offset >= 0 else 0)
    xm = movedim(x, (dim1, dim2), (-2, -1))
    return getitem(xm, (Ellipsis, Tensor._make(i), Tensor._make(j)))


# ---- more shape helpers, built on the primitives above ---------------------------------------

def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated; the gradient sums over the copies (an index_select)."""
    from .indexing import index_select
    if repeats is None:                         # repeat_interleave(counts): 0 0 1 2 2 ...
        r = np.asarray(U.raw(input)).astype(np.int64)
        return Tensor._make(np.repeat(np.arange(r.size, dtype=np.int64), r.reshape(-1)))
    x = U.as_tensor_arg(input)
    if dim is None:
        x, d = flatten(x), 0
    else:
        d = U.wrap_dim(dim, x.ndim, "repeat_interleave")
    if x.ndim == 0:
        x = reshape(x, (1,))
    rep = np.asarray(U.raw(repeats)).astype(np.int64).reshape(-1)
    n = x.shape[d]
    if rep.size not in (1, n):
        raise RuntimeError("repeat_interleave: repeats must have the same size as input along "
                           "dim")
    if (rep < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return index_select(x, d, np.repeat(np.arange(n), rep if rep.size == n else rep[0]))


def rot90(input, k=1, dims=(0, 1)):
    x = U.as_tensor_arg(input)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (U.wrap_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return flip(transpose(x, d0, d1), (d1,))
    return x.clone()


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    from .elementwise import where
    from .indexing import getitem
    x = U.as_tensor_arg(input)
    n = x.shape[-1]
    m = n + abs(offset)
    i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    on = (j - i) == offset
    src = np.clip(i if offset >= 0 else j, 0, max(n - 1, 0))   # x element of each cell
    vals = getitem(x, (Ellipsis, src)) if n else reshape(x, x.shape[:-1] + (m, m))
    out = where(Tensor._make(on), vals, False if x._data.dtype == np.bool_ else 0)
    nd = x.ndim + 1
    d1, d2 = U.wrap_dim(dim1, nd, "diag_embed"), U.wrap_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical")
    return movedim(out, (nd - 2, nd - 1), (d1, d2))


def atleast_1d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_1d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_1d(t) for t in tensors)
    t = U.as_tensor_arg(tensors[0])
    return reshape(t, (1,)) if t.ndim == 0 else t


def atleast_2d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_2d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_2d(t) for t in tensors)
    t = U.as_tensor_arg(tensors[0])
    return reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t


def atleast_3d(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = U.as_tensor_arg(tensors[0])
    if t.ndim == 0:
        return reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return reshape(t, (1, t.shape[0], 1))   # numpy/torch: (1, N, 1)
    return unsqueeze(t, -1) if t.ndim == 2 else t


def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    return hstack([reshape(t, (-1, 1)) if U.as_tensor_arg(t).ndim < 2 else t for t in tensors])


row_stack = vstack


def _split_dim(name, d, min_nd):
    def f(input, indices_or_sections):
        x = U.as_tensor_arg(input)
        if x.ndim < min_nd:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_nd} "
                               f"dimension, but got a tensor with {x.ndim} dimensions!")
        dd = 0 if name == "hsplit" and x.ndim == 1 else d
        if isinstance(indices_or_sections, int) and x.shape[dd] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dd}, but "
                               f"the size of the dimension {x.shape[dd]} is not divisible by "
                               f"the split_size {indices_or_sections}!")
        return tensor_split(x, indices_or_sections, dd)
    f.__name__ = name
    return f


hsplit = _split_dim("hsplit", 1, 1)
vsplit = _split_dim("vsplit", 0, 2)
dsplit = _split_dim("dsplit", 2, 3)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = [reshape(U.as_tensor_arg(t), (-1,)) for t in tensors]
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:                                    # xy: the first two inputs' dims are swapped
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    outs = []
    for i, t in enumerate(ts):
        view_shape = [1] * len(ts)
        view_shape[i] = shape[i]
        outs.append(expand(reshape(t, tuple(view_shape)), shape))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def cartesian_prod(*tensors):
    if len(tensors) == 1:
        return U.as_tensor_arg(tensors[0])
    return stack([reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], 1)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        x = cat([U.as_tensor_arg(p) for p in parts], d)
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        x = (a ^ b) if x._data.dtype == np.bool_ else a - b   # bool diff is xor, as torch
    return x


def block_diag(*tensors):
    from .elementwise import to_dtype
    from .. import dtypes as _dt
    ts = [U.as_tensor_arg(t) for t in tensors]
    ts = [reshape(t, (1, -1)) if t.ndim < 2 else t for t in ts]    # 0-d, 1-d: one row
    d = U.result_dtype(*ts) if ts else _dt.default_np()
    cols = sum(t.shape[1] for t in ts)
    rows, c = [], 0
    for t in ts:                                # each block padded with zeros left and right
        r = t.shape[0]
        rows.append(cat([Tensor._make(np.zeros((r, c), d)), to_dtype(t, d),
                         Tensor._make(np.zeros((r, cols - c - t.shape[1]), d))], 1))
        c += t.shape[1]
    return cat(rows, 0) if rows else Tensor._make(np.zeros((0, 0), d))


def combinations(input, r=2, with_replacement=False):
    from .indexing import getitem         # indexing builds on this module
    x = U.as_tensor_arg(input)
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r == 0:
        return Tensor._make(np.empty(0, x._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), np.int64).reshape(-1, r)
    return getitem(x, idx)
