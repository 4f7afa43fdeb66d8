"""Movement primitives: reshape/view, permute/transpose, expand (the only op that knows about
broadcasting: its backward is a sum), repeat, cat, flip; and what is composed from them."""
from __future__ import annotations

import numpy as np

from ..function import Function
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


def reshape(input, *shape):
    x = U.as_tensor_arg(input)
    shape = _infer_shape(_shape_arg(shape), x._data.size, "reshape", x.shape)
    return Reshape.apply(x, shape)


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
    return Reshape.apply(x, shape)


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
    return Permute.apply(x, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    x = U.as_tensor_arg(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def movedim(input, source, destination):
    x = U.as_tensor_arg(input)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    nd = x.ndim
    src = [U.wrap_dim(s, nd, "movedim") for s in src]
    dst = [U.wrap_dim(d, nd, "movedim") for d in dst]
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
    else:
        dims = U.wrap_dims(dim, x.ndim, "squeeze") if x.ndim else ()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return Reshape.apply(x, new)


def unsqueeze(input, dim):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim + 1, "unsqueeze")
    shape = list(x.shape)
    shape.insert(d, 1)
    return Reshape.apply(x, tuple(shape))


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
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors):
    tensors = [U.as_tensor_arg(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


def atleast_2d(t):
    t = U.as_tensor_arg(t)
    return t if t.ndim >= 2 else reshape(t, (1, -1))


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
    return getitem(x, key)


def split(tensor, split_size_or_sections, dim=0):
    x = U.as_tensor_arg(tensor)
    d = U.wrap_dim(dim, x.ndim, "split")
    size = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s <= 0 and size > 0:
            raise RuntimeError(f"split(): split_size must be positive, got {s}")
        sections = [s] * (size // s) + ([size % s] if size % s else []) if s else [0]
    else:
        sections = [int(v) for v in split_size_or_sections]
        if builtin_sum(sections) != size:
            raise RuntimeError(f"split_with_sizes(): expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sections}")
    out, start = [], 0
    for s in sections:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


builtin_sum = sum


def tensor_split(input, indices_or_sections, dim=0):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "tensor_split")
    size = x.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        sections = [q + 1] * r + [q] * (n - r)
        return split(x, sections, d)
    bounds = [0] + list(indices_or_sections) + [size]
    return tuple(narrow(x, d, min(a, size), max(min(b, size) - min(a, size), 0))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):
    x = U.as_tensor_arg(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be greater than 0, got {chunks}")
    d = U.wrap_dim(dim, x.ndim, "chunk")
    size = x.shape[d]
    step = -(-size // chunks) if size else 1
    return split(x, step, d)


def unbind(input, dim=0):
    x = U.as_tensor_arg(input)
    d = U.wrap_dim(dim, x.ndim, "unbind")
    from .indexing import getitem
    return tuple(getitem(x, (slice(None),) * d + (i,)) for i in range(x.shape[d]))


def flip(input, dims):
    x = U.as_tensor_arg(input)
    if isinstance(dims, int):
        dims = (dims,)
    dims = tuple(U.wrap_dim(d, x.ndim, "flip") for d in dims)
    return Flip.apply(x, dims)


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
