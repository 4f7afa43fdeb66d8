"""matmul (1-d to n-d, batched, broadcast), mm, bmm and small composites (dot, outer, mv)."""
from __future__ import annotations

import numpy as np

from ..function import Function
from . import _util as U
from .movement import expand, unsqueeze, squeeze


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
    if a._data.dtype != b._data.dtype:         # promote dtypes only: shapes are matmul's own
        d = U.result_dtype(a, b)
        a, b = U.cast(a, d), U.cast(b, d)
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
    if a.ndim > 2 or b.ndim > 2:
        batch = U.broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
        if tuple(a.shape[:-2]) != batch:
            a = expand(a, batch + tuple(a.shape[-2:]))
        if tuple(b.shape[:-2]) != batch:
            b = expand(b, batch + tuple(b.shape[-2:]))
    out = MatMul.apply(a, b)
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
    return matmul(input, mat2)


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


def einsum(equation, *operands):
    """einsum via numpy for the value; the gradient of each operand is another einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(equation, *[U.as_tensor_arg(o) for o in operands])


class Einsum(Function):
    _raw = True

    @staticmethod
    def forward(ctx, eq, *xs):
        eq = eq.replace(" ", "")
        if "->" not in eq:
            ins = eq.split(",")
            letters = sorted(set(c for c in "".join(ins) if c.isalpha())
                             - {c for c in "".join(ins) if "".join(ins).count(c) > 1})
            eq = eq + "->" + "".join(letters)
        if "." in eq:
            raise NotImplementedError("einsum(): ellipsis is not supported")
        ctx.eq = eq
        ctx.save_for_backward(*xs)
        return np.asarray(np.einsum(eq, *xs, optimize=True))

    @staticmethod
    def backward(ctx, g):
        xs = ctx.saved_tensors
        lhs, out = ctx.eq.split("->")
        ins = lhs.split(",")
        grads = [None]
        for i, x in enumerate(xs):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ins) if j != i]
            target = ins[i]
            # letters of x that appear nowhere else are summed in forward: broadcast back
            eq = ",".join([out] + others) + "->" + "".join(c for c in dict.fromkeys(target)
                                                          if c in out or any(c in s for s in others))
            ops = [g] + [xs[j] for j in range(len(xs)) if j != i]
            if isinstance(g, np.ndarray):
                r = np.einsum(eq, *ops, optimize=True)
            else:
                r = einsum(eq, *ops)
            kept = eq.split("->")[1]
            if kept != target:
                if len(set(target)) != len(target):
                    raise NotImplementedError("einsum(): repeated indices in one operand are "
                                              "not differentiable here")
                shape = [x.shape[target.index(c)] if c in kept else 1 for c in target]
                perm_src = [c for c in target if c in kept]
                order = [kept.index(c) for c in perm_src]
                r = U.permute(r, tuple(order)) if order != list(range(len(order))) else r
                r = U.expand(r.reshape(tuple(x.shape[target.index(c)] if c in kept else 1
                                             for c in target)), x.shape)
                del shape
            grads.append(r)
        return tuple(grads)
