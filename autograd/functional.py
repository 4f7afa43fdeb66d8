"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, built on ``grad``.

Reverse mode only: a Jacobian takes one backward per output element; jvp uses the
double-vjp trick (the vjp is linear in its cotangent, so differentiating it again w.r.t. that
cotangent gives J v). Same argument names, defaults and result structure as PyTorch."""
from __future__ import annotations

from .engine import grad as _grad
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(x, arg, fn_name):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn_name}(): expected {arg} to be a Tensor or a tuple of Tensors, "
                            f"but element {i} is {type(t).__name__}")
    return is_tuple, xs


def _prepare_inputs(inputs, create_graph):
    # fresh leaves that require grad, so grads w.r.t. them exist whatever the caller passed
    return tuple(t.detach().requires_grad_(t.dtype.is_floating_point) if not create_graph
                 else (t if t.requires_grad else t.detach().requires_grad_()) for t in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, fn_name):
    """grad() that returns zeros (or raises when strict) for inputs the outputs don't use."""
    needed = [o for o in outputs if o.requires_grad]
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not needed:
        res = (None,) * len(inputs)
    else:
        res = _grad(needed, inputs, gos, retain_graph=True, create_graph=create_graph,
                    allow_unused=True)
    out = []
    for i, (g, x) in enumerate(zip(res, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn_name}(): the output of the user-provided function is "
                                   f"independent of input {i}; this is not allowed in strict "
                                   "mode.")
            from .factories import zeros_like
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def _detach_all(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def _vectors(v, ref, fn_name, what):
    """The v argument as a tuple matching ref; None is allowed only for one 1-element tensor."""
    if v is None:
        if any(r.numel() != 1 for r in ref):
            raise RuntimeError(f"{fn_name}(): the vector v can only be None if {what} is a "
                               "single Tensor with a single element.")
        from .factories import ones_like
        return tuple(ones_like(r) for r in ref)
    _, vs = _as_tuple(v, "v", fn_name)
    rname = "inputs" if "input" in what else "outputs of the user-provided function"
    _check_same_shapes(vs, ref, "v", rname, fn_name)
    return vs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): a vector-Jacobian product."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "vjp")
        vs = _vectors(v, outs, "vjp", "the output of the user-provided function")
        g = _grads(outs, xs, vs, create_graph, strict, "vjp")
    outs = _detach_all(outs, create_graph)
    return (outs if out_tuple else outs[0]), (g if in_tuple else g[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): a Jacobian-vector product (double-vjp trick)."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    vs = _vectors(v, xs, "jvp", "the input to the user-provided function")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jvp")
        from .factories import zeros_like
        us = tuple(zeros_like(o).requires_grad_() for o in outs)     # dummy cotangents
        g = _grads(outs, xs, us, True, strict, "jvp")
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        if live:
            jv = _grad([gi for gi, _ in live], us, [vi for _, vi in live], retain_graph=True,
                       create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
        jv = tuple(zeros_like(o) if j is None else j for j, o in zip(jv, outs))
    outs = _detach_all(outs, create_graph)
    jv = _detach_all(jv, create_graph)
    return (outs if out_tuple else outs[0]), (jv if out_tuple else jv[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs: for one input and one output a tensor of shape
    output.shape + input.shape; tuples give nested tuples [output][input] as PyTorch."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('jacobian(): expected strategy to be either "forward-mode" or '
                         f'"reverse-mode", got {strategy!r}')
    from .ops import stack
    from .factories import zeros
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jacobian")
        rows = []                                   # rows[i][j]: d outs[i] / d xs[j]
        for o in outs:
            flat = o.reshape(-1)
            per_in = [[] for _ in xs]
            for k in range(flat.numel()):
                gs = _grads([flat[k]], xs, (None,), create_graph, strict, "jacobian")
                for j, g in enumerate(gs):
                    per_in[j].append(g)
            row = []
            for j, x in enumerate(xs):
                if per_in[j]:
                    J = stack(per_in[j]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    J = zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
                row.append(J if create_graph else J.detach())
            rows.append(tuple(row))
    if out_tuple and in_tuple:
        return tuple(rows)
    if out_tuple:
        return tuple(r[0] for r in rows)
    if in_tuple:
        return rows[0]
    return rows[0][0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: shape input.shape + input.shape for one
    input, nested tuples [i][j] for several."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def grad_fn(*a):
        out = func(*a)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("hessian(): the function given to hessian should return a single "
                               "Tensor with a single element.")
        g = _grads(outs, a, (None,), True, strict, "hessian")
        return g
    H = jacobian(grad_fn, xs, create_graph=create_graph, strict=strict)
    if in_tuple:
        return H
    return H[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); H is symmetric for twice-differentiable functions, so = v^T H."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    in_tuple, xs = _as_tuple(inputs, "inputs", name)
    vs = _vectors(v, xs, name, "the input to the user-provided function")
    with enable_grad():
        xs = _prepare_inputs(xs, True)
        out = func(*xs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", name)
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"{name}(): the function given to {name} should return a single "
                               "Tensor with a single element.")
        g = _grads(outs, xs, (None,), True, strict, name)
        live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        if live:
            hv = _grads([gi for gi, _ in live], xs, [vi for _, vi in live], create_graph,
                        strict, name)
        else:
            from .factories import zeros_like
            hv = tuple(zeros_like(x) for x in xs)
    o = outs[0] if create_graph else outs[0].detach()
    hv = _detach_all(hv, create_graph)
    return o, (hv if in_tuple else hv[0])


def _check_same_shapes(vs, ref, vname, rname, fn_name):
    if len(vs) != len(ref):
        raise RuntimeError(f"{fn_name}(): {vname} has {len(vs)} tensors but {rname} has "
                           f"{len(ref)}")
    for i, (a, b) in enumerate(zip(vs, ref)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{fn_name}(): mismatch in shape: {vname}[{i}] has shape "
                               f"{tuple(a.shape)} but {rname}[{i}] has shape {tuple(b.shape)}")
