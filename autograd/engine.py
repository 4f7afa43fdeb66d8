"""The backward engine: iterative topological order, gradient accumulation, graph release.

Nodes are Function instances; a leaf tensor is its own node ("accumulate into .grad").
Order: Kahn's algorithm over dependency counts, so a node runs only after every consumer of
its outputs has contributed (no recursion: a chain of 100,000 ops is fine).
"""
from __future__ import annotations

import weakref

import numpy as np

from . import grad_mode
from . import function as _function
from .tensor import Tensor


def _as_grad(g, create_graph):
    if create_graph:
        return g if isinstance(g, Tensor) else Tensor._make(g)
    return g._data if isinstance(g, Tensor) else g


def _check_grad(node, i, g, meta):
    shape, dtype = meta
    if isinstance(g, np.generic):            # ufuncs on 0-d arrays give numpy scalars
        g = np.asarray(g)
    elif not isinstance(g, (np.ndarray, Tensor)):
        raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
    gs = tuple(g.shape)
    if gs != shape:
        # torch: a gradient the input's shape broadcasts to is summed back to that shape
        lead = len(gs) - len(shape)
        if lead < 0 or any(s != 1 and s != t for s, t in zip(shape, gs[lead:])):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                               f"{i} - got {list(gs)} but expected shape compatible with "
                               f"{list(shape)}")
        from .ops._util import sum_to
        g = sum_to(g, shape)
    gd = g._data.dtype if isinstance(g, Tensor) else g.dtype
    if gd != dtype:
        g = g.to(dtype) if isinstance(g, Tensor) else g.astype(dtype)
    return g


def run_backward(roots, grads, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True):
    """Backpropagate ``grads`` (one per root tensor). With ``inputs``, returns their gradients
    (``autograd.grad``); with ``accumulate``, leaves' ``.grad`` receive theirs."""
    # 1. Dependency counts over the nodes reachable from the roots.
    root_nodes = []
    buffers = {}
    for t, g in zip(roots, grads):
        node, idx = (t.grad_fn, t._out_idx) if t.grad_fn is not None else (t, 0)
        root_nodes.append(node)
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * _n_outputs(node)
        buf[idx] = g if buf[idx] is None else buf[idx] + g
    deps = {}
    seen = set(root_nodes)
    stack = list(seen)
    get_dep = deps.get
    while stack:
        node = stack.pop()
        if isinstance(node, Tensor):
            continue
        for e in node._next:
            if e is None:
                continue
            child = e[0]
            d = get_dep(child)
            if d is not None:                   # seen already (a later consumer)
                deps[child] = d + 1
                continue
            deps[child] = 1
            if child not in seen:
                seen.add(child)
                stack.append(child)

    captured = None
    if inputs is not None:
        captured = {}
        for i, t in enumerate(inputs):
            key = (t.grad_fn, t._out_idx) if t.grad_fn is not None else (t, 0)
            captured.setdefault(key, []).append(i)
        results = [None] * len(inputs)

    owned = {id(g) for g in grads}   # arrays a leaf must copy before keeping as .grad
    ready = [n for n in dict.fromkeys(root_nodes) if deps.get(n, 0) == 0]
    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    ndarray = np.ndarray
    pop_buffer = buffers.pop
    get_buffer = buffers.get
    try:
        while ready:
            node = ready.pop()
            buf = pop_buffer(node, None)
            if isinstance(node, Tensor):
                g = buf[0] if buf is not None else None
                if g is None:
                    continue
                g = _run_tensor_hooks(node._hooks, g, create_graph)
                if captured is not None and (node, 0) in captured:
                    for i in captured[(node, 0)]:
                        results[i] = g
                if accumulate:
                    _accumulate_leaf(node, g, create_graph, owned)
                continue

            if buf is None:
                buf = [None] * len(node._out_meta)
            # Tensor hooks, retain_grad and captured inputs see the total grad of an output.
            if node._hooks:
                for i, hooks in node._hooks.items():
                    if buf[i] is not None:
                        buf[i] = _run_tensor_hooks(hooks, buf[i], create_graph)
            if node._retain:
                for i, ref in node._retain.items():
                    t = ref()
                    if t is not None and buf[i] is not None:
                        gi = buf[i]
                        if t._grad is not None:             # accumulates, like a leaf's
                            t._grad = t._grad + (gi if create_graph else _as_grad(gi, False))
                        else:
                            t._grad = (gi if isinstance(gi, Tensor) and create_graph
                                      else Tensor._make(np.array(_as_grad(gi, False))))
            if captured is not None:
                for i in range(len(buf)):
                    if (node, i) in captured:
                        for j in captured[(node, i)]:
                            results[j] = buf[i]

            in_grads = None
            nxt = node._next
            if (len(buf) == 1 and not create_graph and type(buf[0]) is ndarray
                    and node._raw and not node._create_graph and not node._post_hooks
                    and _function.observer is None):
                # the common case: plain backprop through a built-in primitive with one
                # output and a plain array gradient: call its backward directly
                in_grads = node.backward(node, buf[0])
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
                if len(in_grads) != len(nxt):
                    in_grads = _fix_count(node, in_grads, len(nxt))
            elif (len(buf) == 1 and type(buf[0]) is ndarray and not create_graph) or \
                    _prepare_buffer(node, buf, create_graph):
                obs = _function.observer
                if (not create_graph and obs is None and node._raw and not node._create_graph
                        and not node._post_hooks):
                    in_grads = node.backward(node, *buf)
                    if type(in_grads) is not tuple:
                        in_grads = (in_grads,)
                    if len(in_grads) != len(nxt):
                        in_grads = _fix_count(node, in_grads, len(nxt))
                else:
                    if obs is not None and hasattr(obs, "backward"):
                        in_grads = obs.backward(node,
                                                lambda: node._call_backward(buf, create_graph))
                    else:
                        in_grads = node._call_backward(buf, create_graph)
                    post = node._post_hooks
                    if post:
                        for h in post:
                            r = h(in_grads, tuple(buf))
                            if r is not None:
                                in_grads = tuple(r)
            if not retain_graph and node._saved is not None:
                node._saved = None
                node._released = True
            if in_grads is None:
                for e in nxt:
                    if e is not None:
                        child = e[0]
                        d = deps[child] - 1
                        deps[child] = d
                        if d == 0:
                            ready.append(child)
                continue

            i = -1
            for e in nxt:
                i += 1
                if e is None:
                    continue
                child = e[0]
                g = in_grads[i]
                if g is not None:
                    # check against the metadata of the tensor the edge leads to
                    if isinstance(child, Tensor):
                        cd = child._data
                        shape = cd.shape
                        dtype = cd.dtype
                        meta = None
                    else:
                        meta = child._out_meta
                        shape, dtype = meta[e[1]]
                    if type(g) is not ndarray or g.shape != shape or g.dtype is not dtype:
                        if not create_graph and isinstance(g, Tensor):
                            g = g._data
                        g = _check_grad(node, i, g, (shape, dtype))
                    cbuf = get_buffer(child)
                    if cbuf is None:
                        if meta is None or len(meta) == 1:
                            buffers[child] = [g]
                        else:
                            cbuf = buffers[child] = [None] * len(meta)
                            cbuf[e[1]] = g
                    else:
                        idx = e[1]
                        cbuf[idx] = g if cbuf[idx] is None else cbuf[idx] + g
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)
    finally:
        grad_mode.enabled = prev_mode

    if inputs is not None:
        out = []
        for r in results:
            if r is None:
                out.append(None)
            elif create_graph:
                out.append(r if isinstance(r, Tensor) else Tensor._make(r))
            else:
                arr = r._data if isinstance(r, Tensor) else r
                out.append(Tensor._make(np.array(arr)))
        return out
    return None


def _fix_count(node, res, n):
    """A backward returned the wrong number of gradients: pad (primitives) or trim Nones."""
    if type(node)._raw and len(res) < n:
        return res + (None,) * (n - len(res))
    if all(r is None for r in res[n:]):
        return res[:n]
    raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                       f"gradients (expected {n}, got {len(res)})")


def _prepare_buffer(node, buf, create_graph) -> bool:
    """Make every output gradient an array (a Tensor with create_graph); zeros stand in for
    outputs that got none. False when no output got a gradient (skip the node)."""
    missing = False
    for i, g in enumerate(buf):
        if g is None:
            missing = True
        elif create_graph or type(g) is not np.ndarray:
            buf[i] = _as_grad(g, create_graph)
    if not missing:
        return True
    if all(g is None for g in buf):
        return False
    if not node._materialize:                   # ctx.set_materialize_grads(False): keep None
        return True
    for i, g in enumerate(buf):
        # (user Functions get zeros for non-differentiable outputs too, as in torch)
        if g is None and (i not in node._non_diff or not node._raw) \
                and node._out_meta[i] is not None:
            shape, dtype = node._out_meta[i]
            z = np.zeros(shape, dtype)
            buf[i] = Tensor._make(z) if create_graph else z
    return True


def _n_outputs(node):
    return 1 if isinstance(node, Tensor) else len(node._out_meta)


def _run_tensor_hooks(hooks, g, create_graph):
    if not hooks:
        return g
    gt = g if isinstance(g, Tensor) else Tensor._make(g)
    for h in hooks:
        r = h(gt)
        if r is not None:
            # torch: a hook may replace the gradient, not change its kind, shape or dtype
            name = getattr(h, "__name__", type(h).__name__)
            if not isinstance(r, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
            if tuple(r.shape) != tuple(gt.shape):
                raise RuntimeError(f"hook '{name}' has changed the size of value (from "
                                   f"{tuple(gt.shape)} to {tuple(r.shape)})")
            if r._data.dtype != gt._data.dtype:
                raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                                   f"{gt.dtype} got {r.dtype})")
            gt = r
    return gt if create_graph else gt._data


def _accumulate_leaf(leaf, g, create_graph, owned):
    if isinstance(g, Tensor) and not create_graph:
        g = g._data
    cur = leaf._grad
    if cur is None:
        if create_graph:
            leaf._grad = g if isinstance(g, Tensor) else Tensor._make(g)
        else:
            # Keep an array of our own: the same array may be another leaf's grad, a view,
            # or the caller's `gradient=`; later in-place updates of .grad must not leak.
            if g.base is not None or id(g) in owned or not g.flags.writeable:
                g = np.array(g)
            owned.add(id(g))
            leaf._grad = Tensor._make(g)
    elif create_graph or (isinstance(g, Tensor) and g.requires_grad) or cur._requires_grad:
        leaf._grad = cur + g
    else:
        np.add(cur._data, g, out=cur._data, casting="unsafe")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward."""
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    else:
        tensors = tuple(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    grad_tensors = _check_grad_count(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    roots, grads = [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        grads.append(_make_root_grad(t, g, create_graph, i))
        roots.append(t)
    if inputs is not None:
        res = run_backward(roots, grads, retain_graph, create_graph, inputs=inputs,
                           accumulate=False)
        for t, g in zip(inputs, res):
            if g is not None:
                _accumulate_leaf(t, g._data if not create_graph else g, create_graph, set())
        return
    run_backward(roots, grads, retain_graph, create_graph)


def _check_grad_count(outputs, grads):
    grads = tuple(grads)
    if len(grads) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return grads[:len(outputs)]                 # extra gradients are ignored, as in torch


def _make_root_grad(t, g, create_graph, i):
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs (got "
                               f"output of shape {tuple(t.shape)})")
        arr = np.ones(t._data.shape, t._data.dtype)
        return Tensor._make(arr) if create_graph else arr
    if not isinstance(g, Tensor):
        raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if g.shape != t.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape!r} "
                           f"and output[{i}] has a shape of {t.shape!r}.")
    if g._data.dtype != t._data.dtype:
        g = g.to(t.dtype)
    return g if create_graph else g._data


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: gradients of ``outputs`` w.r.t. ``inputs``, without touching .grad."""
    single_out = isinstance(outputs, Tensor)
    outputs = (outputs,) if single_out else tuple(outputs)
    single_in = isinstance(inputs, Tensor)
    inputs = (inputs,) if single_in else tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grad_outputs = _check_grad_count(outputs, grad_outputs)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads="
                         "True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    grads = [_make_root_grad(t, g, create_graph, i)
             for i, (t, g) in enumerate(zip(outputs, grad_outputs))]
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       accumulate=False)
    for i, r in enumerate(res):
        if r is None:
            if materialize_grads:                 # create_graph: differentiable zeros (torch)
                res[i] = Tensor._make(np.zeros_like(inputs[i]._data), bool(create_graph))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
    return tuple(res)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """is_grads_batched=True: the first dim of each grad_output indexes independent backward
    passes (torch vmaps over it); here one pass per batch entry, results stacked."""
    from .ops import stack
    n = None
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None or g.dim() == 0 or tuple(g.shape[1:]) != tuple(t.shape):
            gs = None if g is None else g.shape
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output "
                "as the batch dimension. The sizes of the remaining dimensions are expected to "
                f"match the shape of corresponding output, but a mismatch was detected: "
                f"grad_output[{i}] has a shape of {gs!r} and output[{i}] has a shape of "
                f"{t.shape!r}. If you only want some tensors in `grad_output` to be considered "
                "batched, consider using vmap.")
        n = g.shape[0]
    per = [grad(outputs, inputs, [g[b] for g in grad_outputs], retain_graph=True,
                create_graph=create_graph, allow_unused=True) for b in range(n)]
    res = []
    for i, x in enumerate(inputs):
        col = [p[i] for p in per]
        if all(c is None for c in col):
            if materialize_grads:
                from .factories import zeros
                res.append(zeros((n,) + tuple(x.shape), dtype=x.dtype))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            res.append(None)
        else:
            res.append(stack(col))
    if not retain_graph:
        for t in outputs:
            if t.grad_fn is not None:
                _release_graph(t.grad_fn)
    return tuple(res)


def _release_graph(root):
    seen, stack_ = {id(root)}, [root]
    while stack_:
        node = stack_.pop()
        node._release()
        for e in node._next:
            if e is not None and not isinstance(e[0], Tensor) and id(e[0]) not in seen:
                seen.add(id(e[0]))
                stack_.append(e[0])
