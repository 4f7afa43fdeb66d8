"""matmul (1-d to n-d, batched, broadcast), mm, bmm and small composites (dot, outer, mv)."""
from __future__ import annotations

import numpy as np

from ..function import Function, named
from . import _util as U
from .movement import expand, unsqueeze, squeeze
from .sorting import tril


class MatMul(Function):
    """a @ b for a (..., n, k), b (..., k, m) with equal batch dims (matmul() expands them)."""
    _raw = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        return (U.matmul(g, U.swap_last(b)) if n[0] else None,
                U.matmul(U.swap_last(a), g) if n[1] else None)


def _mm_error(op, a, b, detail):
    return RuntimeError(f"{op}(): input {U.shape_str(a.shape)} and other {U.shape_str(b.shape)} "
                        f"cannot be multiplied: {detail}")


def matmul(input, other):
    a, b = U.as_tensor_arg(input), U.as_tensor_arg(other)
    if a._data.dtype != b._data.dtype:          # torch does not promote (no silent float64)
        c = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
             "bool": "bool", "float16": "c10::Half", "int16": "short int", "int8": "signed char",
             "uint8": "unsigned char"}
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{c.get(a._data.dtype.name, a._data.dtype.name)} != "
                           f"{c.get(b._data.dtype.name, b._data.dtype.name)}")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul(): both arguments need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        k_b = b.shape[-2 if b.ndim > 1 else 0]
        raise _mm_error("matmul", a, b, f"size of the last dimension of input ({a.shape[-1]}) "
                        f"must match {'dimension -2' if b.ndim > 1 else 'the size'} of other "
                        f"({k_b})")
    if a.ndim == 1 and b.ndim == 1:
        from .reduce import sum as tsum
        return tsum(a * b) if a._requires_grad or b._requires_grad else \
            type(a)._make(np.asarray(np.dot(a._data, b._data)))
    sq_a = a.ndim == 1
    sq_b = b.ndim == 1
    if sq_a:
        a = unsqueeze(a, 0)
    if sq_b:
        b = unsqueeze(b, -1)
    name = None
    if a.ndim > 2 or b.ndim > 2:
        batch = U.broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
        # torch ends a batched matmul in _unsafe_view of an mm / bmm, except where a needs a
        # gradient and is a matrix (2-D, or 3-D with one batch against b's several) against a
        # batched b: that ends in a transposed copy (CloneBackward0), named after neither here
        if not (sq_a or sq_b) and not (a._requires_grad and b.ndim > 2 and (
                a.ndim == 2 or (a.ndim == 3 == b.ndim and a.shape[0] == 1 != b.shape[0]))):
            name = "UnsafeViewBackward0"
        if tuple(a.shape[:-2]) != batch:
            a = expand(a, batch + tuple(a.shape[-2:]))
        if tuple(b.shape[:-2]) != batch:
            b = expand(b, batch + tuple(b.shape[-2:]))
    elif not (sq_a or sq_b):
        name = "MmBackward0"
    out = MatMul.apply(a, b)
    if name is not None:
        named(out, name)
    if sq_a:
        out = squeeze(out, -2)
    if sq_b:
        out = squeeze(out, -1)
    return out


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm(): expected 2-D tensors, got input {U.shape_str(input.shape)} "
                           f"and mat2 {U.shape_str(mat2.shape)}")
    if input.shape[1] != mat2.shape[0]:
        raise _mm_error("mm", input, mat2, f"input is {input.shape[0]}x{input.shape[1]} and mat2 "
                        f"is {mat2.shape[0]}x{mat2.shape[1]}; input's columns ({input.shape[1]}) "
                        f"must equal mat2's rows ({mat2.shape[0]})")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm(): expected 3-D tensors, got input {U.shape_str(input.shape)} "
                           f"and mat2 {U.shape_str(mat2.shape)}")
    if input.shape[0] != mat2.shape[0]:
        raise _mm_error("bmm", input, mat2, f"batch sizes differ ({input.shape[0]} vs "
                        f"{mat2.shape[0]})")
    if input.shape[2] != mat2.shape[1]:
        raise _mm_error("bmm", input, mat2, f"input's last dimension ({input.shape[2]}) must "
                        f"equal mat2's dimension 1 ({mat2.shape[1]})")
    return named(matmul(input, mat2), "BmmBackward0")


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv(): expected a matrix and a vector, got {U.shape_str(input.shape)} "
                           f"and {U.shape_str(vec.shape)}")
    return matmul(input, vec)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot(): 1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot(): inconsistent tensor size, expected tensor [{input.shape[0]}] "
                           f"and src [{other.shape[0]}] to have the same number of elements")
    return matmul(input, other)


inner = dot


def outer(input, vec2):
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    return prod + (input * beta if beta != 1 else input)


def _expand_ellipsis(eq, shapes):
    """Spell '...' out with free letters (numpy's right-aligned broadcasting) and return the
    explicit equation plus, per operand, the ellipsis dims of size 1 that broadcast against a
    larger size (they are squeezed out, so the primitive never broadcasts a labelled dim)."""
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(shapes) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    ell_n = max([len(sh) - (len(t) - 3) for t, sh in zip(ins, shapes) if "..." in t] or [0])
    ell = "".join(free[:ell_n])
    sizes = {}
    for t, sh in zip(ins, shapes):
        if "..." in t:
            k = len(sh) - (len(t) - 3)
            for c, n in zip(ell[ell_n - k:], sh[t.index("..."):t.index("...") + k]):
                sizes[c] = max(sizes.get(c, 1), n)
    new_ins, squeeze_dims = [], []
    for t, sh in zip(ins, shapes):
        sq = []
        if "..." in t:
            p = t.index("...")
            k = len(sh) - (len(t) - 3)
            letters = ell[ell_n - k:]
            keep = ""
            for j, c in enumerate(letters):
                if sh[p + j] == 1 and sizes[c] > 1:
                    sq.append(p + j)
                else:
                    keep += c
            t = t[:p] + keep + t[p + 3:]
        new_ins.append(t)
        squeeze_dims.append(sq)
    if arrow:
        out = out.replace("...", ell)
    else:                                       # implicit: ellipsis dims, then single letters
        joined = "".join(ins).replace("...", "")
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return ",".join(new_ins) + "->" + out, squeeze_dims


def einsum(equation, *operands):
    """einsum via numpy for the value; the gradient of each operand is another einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [U.as_tensor_arg(o) for o in operands]
    if len({x._data.dtype for x in xs}) > 1:    # torch promotes (int64 with float32: float32)
        dt = U.result_dtype(*xs)
        xs = [x if x._data.dtype == dt else x.to(dt) for x in xs]
    eq = equation.replace(" ", "")
    if "." in eq:
        eq, sq = _expand_ellipsis(eq, [x.shape for x in xs])
        xs = [x.reshape(tuple(n for j, n in enumerate(x.shape) if j not in dims)) if dims else x
              for x, dims in zip(xs, sq)]
    return Einsum.apply(eq, *xs)


class Einsum(Function):
    _raw = True

    @staticmethod
    def forward(ctx, eq, *xs):
        if "->" not in eq:
            ins = eq.split(",")
            joined = "".join(ins)
            eq = eq + "->" + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
        ctx.eq = eq
        ctx.save_for_backward(*xs)
        return np.asarray(np.einsum(eq, *xs, optimize=True))

    @staticmethod
    def backward(ctx, g):
        xs = ctx.saved_tensors
        lhs, out = ctx.eq.split("->")
        ins = lhs.split(",")
        grads = [None]
        is_arr = isinstance(g, np.ndarray)
        for i, x in enumerate(xs):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ins) if j != i]
            target = ins[i]
            uniq = "".join(dict.fromkeys(target))
            size = {c: x.shape[target.index(c)] for c in uniq}
            # letters of x that appear nowhere else are summed in forward: broadcast back
            kept = "".join(c for c in uniq if c in out or any(c in s for s in others))
            eq = ",".join([out] + others) + "->" + kept
            ops = [g] + [xs[j] for j in range(len(xs)) if j != i]
            r = np.einsum(eq, *ops, optimize=True) if is_arr else einsum(eq, *ops)
            if kept != uniq:
                r = U.expand(r.reshape(tuple(size[c] for c in kept) + (1,) * (len(uniq) -
                                                                          len(kept))),
                             tuple(size[c] for c in kept) + tuple(size[c] for c in uniq
                                                                  if c not in kept))
                src = kept + "".join(c for c in uniq if c not in kept)
                r = U.permute(r, tuple(src.index(c) for c in uniq))
            if uniq != target:
                # a letter repeated in x (a diagonal, 'ii'): the gradient sits on that
                # diagonal; later copies get fresh letters tied to the first by identities
                used = set(ctx.eq)
                fresh = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             if c not in used)
                seen, spelled, eyes, eye_terms = set(), "", [], []
                for c in target:
                    if c in seen:
                        f = next(fresh)
                        spelled += f
                        eyes.append(np.eye(size[c], dtype=x.dtype))
                        eye_terms.append(c + f)
                    else:
                        seen.add(c)
                        spelled += c
                eq2 = ",".join([uniq] + eye_terms) + "->" + spelled
                if is_arr:
                    r = np.einsum(eq2, r, *eyes)
                else:
                    r = einsum(eq2, r, *[type(r)._make(e) for e in eyes])
            grads.append(r)
        return tuple(grads)


# ---- composites: tensordot, the add*-products, kron, cross, cdist --------------------------

def vdot(input, other):
    return dot(input, other)                    # real tensors: no conjugation


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return _add_scaled(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    from .reduce import sum as tsum
    return _add_scaled(input, tsum(bmm(batch1, batch2), 0), beta, alpha)


def _add_scaled(input, prod, beta, alpha):
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:                               # torch: input is ignored (its NaNs too)
        return prod
    return prod + (input * beta if beta != 1 else input)


def chain_matmul(*matrices):
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out


def tensordot(a, b, dims=2):
    from .movement import permute, reshape
    a, b = U.as_tensor_arg(a), U.as_tensor_arg(b)
    if isinstance(dims, int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif U.is_t(dims):
        da, db = [list(map(int, r)) for r in dims.tolist()]
    else:
        da, db = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                  [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    am = reshape(permute(a, fa + da), (int(np.prod([a.shape[d] for d in fa])), k))
    bm = reshape(permute(b, db + fb), (k, int(np.prod([b.shape[d] for d in fb]))))
    return reshape(matmul(am, bm), tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))


def kron(input, other):
    from .movement import reshape
    a, b = U.as_tensor_arg(input), U.as_tensor_arg(other)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    # a[i, 1, j, 1] * b[1, k, 1, l] -> (i k, j l)
    a2 = reshape(a, tuple(x for s in sa for x in (s, 1)))
    b2 = reshape(b, tuple(x for s in sb for x in (1, s)))
    return reshape(a2 * b2, tuple(x * y for x, y in zip(sa, sb)))


def cross(input, other, dim=None):
    from .indexing import index_select
    a, b = U.as_tensor_arg(input), U.as_tensor_arg(other)
    shape = U.broadcast_shape("cross", a.shape, b.shape)
    if a.shape != shape:
        a = expand(a, shape)
    if b.shape != shape:
        b = expand(b, shape)
    if dim is None:                             # torch.cross: the first dim of size 3
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = U.wrap_dim(dim, len(shape), "cross")
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    i1, i2 = np.array([1, 2, 0]), np.array([2, 0, 1])
    return (index_select(a, d, i1) * index_select(b, d, i2)
            - index_select(a, d, i2) * index_select(b, d, i1))


def cdist(x1, x2, p=2.0, compute_mode=None):
    from .reduce import norm as tnorm
    a, b = U.as_tensor_arg(x1), U.as_tensor_arg(x2)
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{a.shape[-1]} X2: {b.shape[-1]}")
    diff = unsqueeze(a, -2) - unsqueeze(b, -3)
    return tnorm(diff, p, -1)


# ---- square-matrix algebra (torch.det / inverse and torch.linalg.*) -----------------------------

class Inv(Function):
    _raw = True

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.inv: The diagonal element 1 is zero, the inversion could "
                               "not be completed because the input matrix is singular.") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        inv_, = ctx.saved_tensors
        it = U.swap_last(inv_)
        return -U.matmul(U.matmul(it, g), it)


class Det(Function):
    _raw = True

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a)).astype(a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        # d det / dA = det * A^-T; for a singular A that is the cofactor matrix (by minors)
        if _singular(a):
            return _unsq2(g) * _cofactor(a)
        return _unsq2(g * out) * U.swap_last(_inv_any(a))


def _unsq2(x):
    return x.reshape(tuple(x.shape) + (1, 1))


def _singular(a):
    d = np.linalg.det(U.raw(a))
    return bool(np.any(d == 0) or not np.all(np.isfinite(d)))


def _inv_any(a):
    return inv(a) if U.is_t(a) else np.linalg.inv(a)


def _cofactor(a):
    ra = U.raw(a)
    n = ra.shape[-1]
    c = np.zeros_like(ra)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(ra, i, -2), j, -1)
            c[..., i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return U.const_like(c, a) if U.is_t(a) else c


def _square(a, op):
    a = U.as_tensor_arg(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2] if a.ndim > 1 else a.shape[-1]} by {a.shape[-1]} "
                           "matrices")
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got "
                           f"{a.dtype}")
    return a


def inv(A):
    return Inv.apply(_square(A, "linalg.inv"))


def det(A):
    return Det.apply(_square(A, "linalg.det"))


inverse = inv


def solve(A, B, *, left=True):
    a = _square(A, "linalg.solve")
    b = U.as_tensor_arg(B)
    if not left:                                # X A = B  <=>  A^T X^T = B^T
        return U.swap_last(solve(U.swap_last(a), U.swap_last(b)))
    return matmul(inv(a), b)


def slogdet(A):
    from collections import namedtuple
    from .elementwise import sign, log, abs as tabs
    d = det(A)
    return namedtuple("slogdet", ["sign", "logabsdet"])(sign(d).detach(), log(tabs(d)))


def logdet(A):
    from .elementwise import log
    return log(det(A))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    from .reduce import norm as tnorm, amax, amin, sum as tsum
    from .elementwise import abs as tabs, to_dtype
    x = U.as_tensor_arg(x)
    if dtype is not None:
        x = to_dtype(x, dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if ord == float("inf"):
        return amax(tabs(x), dim if dim is not None else (), keepdim)
    if ord == -float("inf"):
        return amin(tabs(x), dim if dim is not None else (), keepdim)
    if ord == 0:                        # a count: zero gradient, but it requires grad (torch)
        return tsum((x != 0).to(x.dtype) + x * 0, dim, keepdim)
    return tnorm(x, ord, dim, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    from .reduce import norm as tnorm, amax, amin, sum as tsum
    from .elementwise import abs as tabs
    a = U.as_tensor_arg(A)
    if ord == "fro":
        return tnorm(a, "fro", dim, keepdim)
    d0, d1 = (U.wrap_dim(d, a.ndim, "matrix_norm") for d in dim)
    if ord in (1, -1, float("inf"), -float("inf")):
        red, other = (d0, d1) if ord in (1, -1) else (d1, d0)    # 1: max column sum
        s = tsum(tabs(a), red, keepdim=True)
        f = amax if ord > 0 else amin
        out = f(s, other, keepdim=True)
        return out if keepdim else \
            out.reshape(tuple(n for i, n in enumerate(a.shape) if i not in (d0, d1)))
    raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} is not supported here")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm for an int dim, a 1-D input or (ord, dim both None) the
    flattened input; otherwise a matrix norm."""
    a = U.as_tensor_arg(A)
    if isinstance(dim, int) or (dim is not None and len(dim) == 1) or \
            (dim is None and (ord is None or a.ndim == 1)):
        return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return matrix_norm(a, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                       keepdim, dtype=dtype)


# ---- cholesky / pinverse -----------------------------------------------------------------
def _tril_any(a):
    return tril(a) if U.is_t(a) else np.tril(a)


class Cholesky(Function):
    _raw = True

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("cholesky: The factorization could not be completed because the "
                               "input is not positive-definite.") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        # A = L L^T: gA = sym(L^-T Phi(L^T gL) L^-1), Phi = lower triangle with half diagonal
        L, = ctx.saved_tensors
        p = _tril_any(U.matmul(U.swap_last(L), g))
        p = p - p * np.eye(L.shape[-1], dtype=U.raw(L).dtype) / 2
        linv = _inv_any(L)
        s = U.matmul(U.matmul(U.swap_last(linv), p), linv)
        return (s + U.swap_last(s)) / 2


def cholesky(input, upper=False):
    L = Cholesky.apply(U.as_tensor_arg(input))
    return L.mT if upper else L


class Pinverse(Function):
    _raw = True

    @staticmethod
    def forward(ctx, a, rcond):
        out = np.linalg.pinv(a, rcond=rcond)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # differential of the pseudo-inverse (constant rank), transposed onto A
        a, p = ctx.saved_tensors
        mm, T = U.matmul, U.swap_last
        gt, pt = T(g), T(p)
        t1 = -mm(mm(pt, g), pt)
        x = mm(mm(gt, p), pt)
        t2 = x - mm(mm(a, p), x)
        y = mm(mm(pt, p), gt)
        t3 = y - mm(mm(y, p), a)
        return t1 + t2 + t3, None


def pinverse(input, rcond=1e-15):
    return Pinverse.apply(U.as_tensor_arg(input), rcond)
