"""nn.utils.summary: a per-layer table of a model (like torchinfo.summary), counted from the
primitives that actually run.

    from nn.utils import summary
    s = summary(model, input_size=(1, 1, 32, 32))      # prints the table, returns ModelSummary
    s.total_macs, s.fwd_flops, s.bwd_flops              # exact integers

How it counts. One forward pass runs with forward hooks on every module (a module-scope stack)
and an observer on every primitive op (``autograd.graph``'s FLOP rules). Each op is charged
to the innermost module running it, so a bare ``x @ w`` or a functional call in ``forward``
counts, and parent modules are never counted twice: a row for a module with listed children
shows only what the module does itself (its own parameters and ops); a row at the ``depth``
limit shows its whole subtree. The rows therefore add up to the totals.

Conventions (the same as PyTorch's FlopCounterMode / torchinfo where they overlap):

* MACs: multiply-accumulates of conv / matmul / linear (torchinfo's "Mult-Adds").
  conv: N * K * prod(out spatial) * (C_in / groups) * prod(kernel); linear: N * in * out.
* FLOPs = 2 * MACs for conv/matmul ("conv/mm FLOPs", exactly FlopCounterMode's number);
  the "FLOPs" columns also add the other ops: bias adds, activations, pooling, reductions
  (one per element; softmax-like 5), so they are >= the conv/mm FLOPs.
* Backward: a conv/matmul costs one forward per input that needs a gradient: 2x forward for a
  layer whose input and weight both need gradients (dX and dW), 1x for the first layer
  (its input needs no gradient: dW only), as FlopCounterMode counts a real backward. Bias
  gradients (a sum) and elementwise backward add numel per input needing a gradient.
* Params: trainable (requires_grad) and frozen, counted once per module (a module reused in
  forward shows its parameters on its first call only).
* Activation memory: bytes of the arrays the layer's ops save for backward (each array once),
  i.e. what training holds between forward and backward; "Output" bytes separately in totals.
"""
from __future__ import annotations

import numpy as np

import autograd
from autograd import graph as _graph
from autograd.tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerInfo"]


class LayerInfo:
    """One call of one module (rows of the table)."""

    def __init__(self, idx, name, module, depth, parent):
        self.idx, self.name, self.module, self.depth, self.parent = idx, name, module, depth, \
            parent
        self.type = type(module).__name__
        self.children = []
        self.input_shapes = []
        self.output_shapes = []
        self.params = 0
        self.trainable = 0
        self.cost = _graph.OpCost()
        self.saved_bytes = 0
        self.output_bytes = 0
        self.unknown_ops = set()
        self.n_ops = 0

    # subtree totals
    def total(self, attr):
        v = getattr(self, attr)
        for c in self.children:
            v = v + c.total(attr)
        return v

    def total_cost(self):
        c = _graph.OpCost()
        c += self.cost
        for ch in self.children:
            c += ch.total_cost()
        return c

    def __repr__(self):
        return (f"LayerInfo({self.name!r}, {self.type}, out={self.output_shapes}, "
                f"params={self.params}, macs={self.cost.macs})")


class ModelSummary:
    """Result of :func:`summary`; ``str()`` is the table. Totals are exact integers:
    ``total_params, trainable_params, total_macs, fwd_flops, bwd_flops, fwd_mm_flops,
    bwd_mm_flops`` (mm = conv/matmul only, FlopCounterMode's count), ``saved_bytes``."""

    def __init__(self, model, layers, depth, input_bytes, unknown):
        self.model = model
        self.layers = layers
        self.depth = depth
        roots = [L for L in layers if L.parent is None]
        params = {}
        for p in model.parameters():
            params[id(p)] = p
        self.total_params = int(sum(p.numel() for p in params.values()))
        self.trainable_params = int(sum(p.numel() for p in params.values()
                                        if p.requires_grad))
        self.param_bytes = int(sum(p._data.nbytes for p in params.values()))
        c = _graph.OpCost()
        for r in roots:
            c += r.total_cost()
        self.total_macs = c.macs
        self.fwd_flops = c.flops
        self.bwd_flops = c.bwd_flops
        self.fwd_mm_flops = c.mm_flops
        self.bwd_mm_flops = c.bwd_mm_flops
        self.saved_bytes = sum(r.total("saved_bytes") for r in roots)
        self.output_bytes = sum(r.total("output_bytes") for r in roots)
        self.input_bytes = input_bytes
        self.unknown_ops = sorted(unknown)

    @property
    def total_flops(self) -> int:
        """Forward + backward conv/matmul FLOPs: what FlopCounterMode reports for one training
        step (forward and loss.backward())."""
        return self.fwd_mm_flops + self.bwd_mm_flops

    def layer(self, name):
        """The first call of the module with this dotted name."""
        for L in self.layers:
            if L.name == name:
                return L
        raise KeyError(name)

    def _rows(self):
        rows = []
        for L in self.layers:
            if L.depth > self.depth:
                continue
            expanded = L.depth < self.depth and L.children
            if expanded:
                cost, saved = L.cost, L.saved_bytes        # only what it does itself
            else:
                cost, saved = L.total_cost(), L.total("saved_bytes")
            params, trainable = (L.params, L.trainable) if expanded else \
                (L.total("params"), L.total("trainable"))
            rows.append((L, cost, saved, params, trainable, expanded))
        return rows

    def __str__(self):
        head = ["Layer (type:depth-idx)", "Output Shape", "Param #", "MACs", "FLOPs fwd",
                "FLOPs bwd", "Saved act."]
        body = []
        for L, cost, saved, params, trainable, expanded in self._rows():
            label = "  " * L.depth + ("" if L.depth == 0 else "└─") + \
                f"{L.type}: {L.depth}-{L.idx}"
            shp = ", ".join(str(list(s)) for s in L.output_shapes[:2]) + \
                (" ..." if len(L.output_shapes) > 2 else "")
            dash = expanded

            def num(v, _d=dash):
                return "--" if (_d and not v) else f"{v:,}"
            p = num(params)
            if params and trainable != params:
                p += f" ({params - trainable:,} frozen)"
            body.append([label, shp, p, num(cost.macs), num(cost.flops), num(cost.bwd_flops),
                         "--" if dash and not saved else _graph._fmt_bytes(saved)])
        widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
        line = "=" * (sum(widths) + 2 * (len(widths) - 1))
        fmt = lambda r: "  ".join(c.ljust(w) if i < 2 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(r, widths)))
        out = [line, fmt(head), line] + [fmt(r) for r in body] + [line]
        P = self.total_params
        M = 1e6
        out += [
            f"Total params: {P:,}  (trainable: {self.trainable_params:,}, non-trainable: "
            f"{P - self.trainable_params:,})",
            f"MACs (conv/linear multiply-accumulates, forward): {self.total_macs:,} = "
            f"{self.total_macs / M:.3f} M",
            f"FLOPs forward : {self.fwd_flops:,} = {self.fwd_flops / M:.3f} MFLOPs  "
            f"(conv/matmul: {self.fwd_mm_flops:,} = 2 x MACs)",
            f"FLOPs backward: {self.bwd_flops:,} = {self.bwd_flops / M:.3f} MFLOPs  "
            f"(conv/matmul: {self.bwd_mm_flops:,})",
            f"FLOPs train step, conv/matmul only (torch FlopCounterMode convention): "
            f"{self.total_flops:,} = {self.total_flops / M:.3f} MFLOPs",
        ]
        if self.unknown_ops:
            out.append("Ops without a FLOP rule (counted 0): " + ", ".join(self.unknown_ops))
        MB = 1024 * 1024
        out += [line,
                f"Input size (MB): {self.input_bytes / MB:.2f}",
                f"Activations saved for backward (MB): {self.saved_bytes / MB:.2f}",
                f"Layer outputs (MB): {self.output_bytes / MB:.2f}",
                f"Params size (MB): {self.param_bytes / MB:.2f}",
                f"Estimated total size for training (MB): "
                f"{(self.input_bytes + self.saved_bytes + 2 * self.param_bytes) / MB:.2f}"
                "  (input + saved activations + params + grads)",
                line]
        return "\n".join(out)

    __repr__ = __str__


def _shapes(obj):
    if isinstance(obj, Tensor):
        return [tuple(obj.shape)]
    if isinstance(obj, (list, tuple)):
        return [s for o in obj for s in _shapes(o)]
    if isinstance(obj, dict):
        return [s for o in obj.values() for s in _shapes(o)]
    return []


def _nbytes(obj):
    if isinstance(obj, Tensor):
        return int(obj._data.nbytes)
    if isinstance(obj, (list, tuple)):
        return sum(_nbytes(o) for o in obj)
    if isinstance(obj, dict):
        return sum(_nbytes(o) for o in obj.values())
    return 0


class _Counter:
    """Observer: charges each primitive op to the innermost running module call."""

    def __init__(self, root_call):
        self.stack = [root_call]
        self.seen = set()
        self.unknown = set()
        self.keep = []       # saved arrays stay alive while counting (ids stay unique)
        self._in_bwd = 0

    def forward(self, cls, args, fn):
        out = fn(*args)
        if not cls._raw or self._in_bwd:
            return out
        outs = _graph._out_tensors(out)
        node = _graph._new_node(cls, outs)
        needs = node.needs_input_grad if node is not None else ()
        c = _graph.op_cost(cls, _graph._shapes_of(args), [tuple(o.shape) for o in outs],
                           needs, node)
        rec = self.stack[-1]
        rec.cost += c
        rec.n_ops += 1
        if not c.known:
            rec.unknown_ops.add(cls.__name__)
            self.unknown.add(cls.__name__)
        if node is not None and node._saved:
            for kind, o, _vr, _v in node._saved:
                arr = o._data if kind == 0 else (o[1] if kind == 1 else o)
                if not isinstance(arr, np.ndarray):
                    continue
                base = arr if arr.base is None else arr.base
                if id(base) not in self.seen:
                    self.seen.add(id(base))
                    self.keep.append(base)
                    rec.saved_bytes += int(arr.nbytes)
        return out

    def backward(self, node, fn):
        self._in_bwd += 1
        try:
            return fn()
        finally:
            self._in_bwd -= 1


def _make_inputs(input_size, dtypes):
    if input_size is None:
        raise ValueError("summary(): give input_size (e.g. (1, 3, 32, 32), batch dim included) "
                         "or example_input (a tensor or tuple of tensors)")
    sizes = [input_size] if all(isinstance(d, int) for d in input_size) else list(input_size)
    if dtypes is None:
        dtypes = [autograd.float32] * len(sizes)
    elif not isinstance(dtypes, (list, tuple)):
        dtypes = [dtypes] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary(): {len(sizes)} input sizes but {len(dtypes)} dtypes")
    out = []
    for s, dt in zip(sizes, dtypes):
        probe = autograd.zeros(1, dtype=dt)
        out.append(autograd.randn(*s, dtype=dt) if probe._data.dtype.kind == "f"
                   else autograd.zeros(*s, dtype=dt))
    return out


def summary(model, input_size=None, example_input=None, dtypes=None, depth: int = 3,
            verbose: int = 1, input_data=None, **kwargs) -> ModelSummary:
    """Per-layer table of ``model`` for one forward pass (torchinfo.summary's shape).

    input_size: shape with the batch dim, e.g. ``(1, 1, 32, 32)``, or a list of shapes for
    several inputs (random float inputs; zeros for integer ``dtypes``). example_input (or
    torchinfo's name ``input_data``): a tensor, a tuple/list of tensors (positional inputs) or
    a dict (keyword inputs). ``kwargs`` are passed to ``model.forward``. depth: rows below it
    are folded into their ancestor. verbose=0: do not print. Returns a :class:`ModelSummary`.
    See the module docstring for the counting conventions."""
    if example_input is None:
        example_input = input_data
    if example_input is None:
        args = _make_inputs(input_size, dtypes)
        kw = {}
    elif isinstance(example_input, dict):
        args, kw = [], dict(example_input)
    elif isinstance(example_input, (list, tuple)):
        args, kw = list(example_input), {}
    else:
        args, kw = [example_input], {}
    kw.update(kwargs)

    names = {}
    for name, m in model.named_modules():
        names.setdefault(id(m), name)
    layers = []
    open_calls = []
    counter = None
    handles = []
    seen_params = set()

    def pre(mod, inp):
        parent = open_calls[-1] if open_calls else None
        depth_ = parent.depth + 1 if parent else 0
        L = LayerInfo(len(layers), names.get(id(mod), type(mod).__name__), mod, depth_,
                      parent)
        L.idx = sum(1 for x in layers if x.depth == depth_) + 1 if depth_ else 0
        L.input_shapes = _shapes(inp)
        if id(mod) not in seen_params:
            seen_params.add(id(mod))
            for p in mod.parameters(recurse=False):
                L.params += int(p.numel())
                if p.requires_grad:
                    L.trainable += int(p.numel())
        if parent:
            parent.children.append(L)
        layers.append(L)
        open_calls.append(L)
        counter.stack.append(L)

    def post(mod, inp, out):
        if open_calls and open_calls[-1].module is mod:
            L = open_calls.pop()
            counter.stack.pop()
            L.output_shapes = _shapes(out)
            L.output_bytes = _nbytes(out) if not L.children else 0

    class _Outside:          # ops before the root module's forward (rare): a pseudo call
        pass
    outside = LayerInfo(-1, "(outside)", _Outside(), 0, None)
    counter = _Counter(outside)
    for p in model.parameters():         # weights saved for backward are not activations
        base = p._data if p._data.base is None else p._data.base
        counter.seen.add(id(base))
        counter.keep.append(base)
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    input_bytes = sum(_nbytes(a) for a in args) + _nbytes(kw)
    _graph.add_observer(counter)
    out = None
    try:
        out = model(*args, **kw)
    except Exception as e:
        failing = open_calls[-1] if open_calls else None
        if failing is None:
            raise
        chain = " > ".join(f"{c.name or c.type} ({c.type})" for c in open_calls)
        shapes = ", ".join(str(list(s)) for s in failing.input_shapes) or "(no tensors)"
        raise RuntimeError(
            f"summary(): the forward pass failed in layer '{failing.name or '(root)'}' "
            f"({failing.type}) "
            f"with input shape(s) {shapes}: {type(e).__name__}: {e}\n  module path: {chain}"
        ) from e
    finally:
        _graph.remove_observer(counter)
        for h in handles:
            h.remove()
    del out
    if outside.n_ops:
        layers.insert(0, outside)
    res = ModelSummary(model, layers, depth, input_bytes, counter.unknown)
    if verbose:
        print(res)
    return res
