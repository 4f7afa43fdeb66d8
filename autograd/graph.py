"""Inspect the graph behind a tensor: op names, shapes, saved tensors, FLOPs; text, DOT, HTML.

    import autograd
    from autograd import graph
    loss = ((w @ x).relu() - y).pow(2).mean()
    print(graph.tree(loss))            # text tree (micrograd-style values/grads on small graphs)
    dot = graph.to_dot(loss)           # Graphviz DOT text (no graphviz needed)
    graph.to_html(loss, "g.html")      # one self-contained file: pan, zoom, collapse by module
    graph.render(loss, "g.svg")        # via the Graphviz `dot` program when installed
    with graph.record(model):          # attribute nodes to nn modules (and keep values/grads)
        loss = crit(model(x), y)
    graph.live_stats()                 # nodes and bytes held alive by saved tensors

The observer hub: ``autograd.function.observer`` is one slot; the tools here (profiler, anomaly
mode, summary, FlopCounter, record) share it through :func:`add_observer`, so they can be
active together. Each client may define ``forward(cls, args, fn)`` (returns ``fn(*args)``),
``backward(node, fn)`` (returns ``fn()``) and ``on_node(node)``.

FLOP conventions (the rule table ``FLOP_RULES``, keyed by the Function class name):
matmul 2*m*n*k (MACs = m*n*k); conv 2*MACs with MACs = numel(out) * C_in/groups * prod(kernel);
elementwise ops numel(out); reductions numel(in) (softmax-like: 5 per element); data movement 0;
ops without a rule count 0 and are marked ``?``. Backward: a matmul/conv costs one forward per
input that needs a gradient (so 2x forward when both dX and dW are needed, as PyTorch's
FlopCounterMode counts); elementwise numel(out) per input needing a gradient.
"""
from __future__ import annotations

import html as _html
import json
import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import function as _function
from .function import Function
from .tensor import Tensor

__all__ = ["Graph", "NodeInfo", "OpCost", "tree", "to_dot", "to_html", "render", "record",
           "live_stats", "FlopCounter", "FLOP_RULES", "register_flop_rule", "op_cost",
           "add_observer", "remove_observer", "module_scope", "check_accumulation"]


# ================================================================ observer hub
class _Hub:
    """Fans ``function.observer`` calls out to every active client (nested, first = outermost)."""

    def __init__(self):
        self.clients = []
        self.foreign = None      # an observer someone else installed before us: kept innermost
        self.depth = 0           # nesting of Function.apply calls (>1: inside a Function)

    def __call__(self, cls, args, fn):
        chain = fn
        if self.foreign is not None:
            chain = _bind_fwd(self.foreign, cls, chain)
        for c in reversed(self.clients):
            f = getattr(c, "forward", None)
            if f is not None:
                chain = _bind_fwd(f, cls, chain)
        self.depth += 1
        try:
            return chain(*args)
        finally:
            self.depth -= 1

    def backward(self, node, fn):
        chain = fn
        if self.foreign is not None and hasattr(self.foreign, "backward"):
            chain = _bind_bwd(self.foreign.backward, node, chain)
        for c in reversed(self.clients):
            b = getattr(c, "backward", None)
            if b is not None:
                chain = _bind_bwd(b, node, chain)
        return chain()

    def on_node(self, node):
        if self.foreign is not None and hasattr(self.foreign, "on_node"):
            self.foreign.on_node(node)
        for c in self.clients:
            f = getattr(c, "on_node", None)
            if f is not None:
                f(node)


def _bind_fwd(f, cls, inner):
    return lambda *a: f(cls, a, inner)


def _bind_bwd(b, node, inner):
    return lambda: b(node, inner)


_hub = _Hub()


def add_observer(client) -> None:
    """Activate ``client`` (see module docstring) alongside the other observers."""
    cur = _function.observer
    if cur is not _hub:
        _hub.foreign = cur
        _function.observer = _hub
    if client not in _hub.clients:
        _hub.clients.append(client)


def remove_observer(client) -> None:
    if client in _hub.clients:
        _hub.clients.remove(client)
    if not _hub.clients and _function.observer is _hub:
        _function.observer = _hub.foreign       # zero overhead again when nobody listens
        _hub.foreign = None


# ================================================================ FLOP rules
@dataclass
class OpCost:
    """Cost of one op. ``macs``: multiply-accumulates of matmul/conv-like ops. ``flops``: all
    floating-point ops (2*macs + elementwise/reduction work). ``mm_flops``: only the
    matmul/conv part (PyTorch FlopCounterMode's convention). Backward likewise."""
    macs: int = 0
    flops: int = 0
    mm_flops: int = 0
    bwd_flops: int = 0
    bwd_mm_flops: int = 0
    known: bool = True

    def __iadd__(self, o):
        self.macs += o.macs
        self.flops += o.flops
        self.mm_flops += o.mm_flops
        self.bwd_flops += o.bwd_flops
        self.bwd_mm_flops += o.bwd_mm_flops
        self.known = self.known and o.known
        return self


def _numel(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _need(needs, i):
    return bool(needs) and i < len(needs) and bool(needs[i])


def _n_need(needs, positions):
    return sum(1 for i in positions if _need(needs, i))


def _mm_cost(macs, out_numel, needs, bias_pos=None):
    bwd_macs = macs * _n_need(needs, (0, 1))
    bias_bwd = out_numel if bias_pos is not None and _need(needs, bias_pos) else 0
    bias_fwd = out_numel if bias_pos is not None else 0
    return OpCost(macs, 2 * macs + bias_fwd, 2 * macs, 2 * bwd_macs + bias_bwd, 2 * bwd_macs)


def _rule_matmul(ins, outs, needs, node):
    a, b = ins[0], ins[1]
    k = a[-1] if a is not None else (b[-2] if b is not None and len(b) > 1 else None)
    if k is None:
        return None
    return _mm_cost(_numel(outs[0]) * int(k), _numel(outs[0]), needs)


def _rule_linear(ins, outs, needs, node):
    w = ins[1] if len(ins) > 1 else None
    x = ins[0]
    k = w[-1] if w is not None else (x[-1] if x is not None else None)
    if k is None:
        return None
    return _mm_cost(_numel(outs[0]) * int(k), _numel(outs[0]), needs,
                    bias_pos=2 if len(ins) > 2 and ins[2] is not None else None)


def _weight_of(ins, x_ndim):
    for s in ins[1:]:
        if s is not None and len(s) == x_ndim:
            return s
    return None


def _rule_conv(ins, outs, needs, node):
    # x itself is not needed (a first layer's input has no gradient, so a backward node
    # knows no shape for it): MACs = output elements x weight elements per output channel
    w = _weight_of(ins, len(outs[0]))
    if w is None:
        return None
    macs = _numel(outs[0]) * _numel(w[1:])
    bias = next((i for i in range(2, len(ins)) if ins[i] is not None and len(ins[i]) == 1), None)
    return _mm_cost(macs, _numel(outs[0]), needs, bias_pos=bias)


def _rule_conv_transpose(ins, outs, needs, node):
    x = ins[0]
    if x is None:
        return None
    w = _weight_of(ins, len(x))
    if w is None:
        return None
    macs = _numel(x) * _numel(w[1:])
    return _mm_cost(macs, _numel(outs[0]), needs)


def _rule_conv_weight_grad(ins, outs, needs, node):
    g = ins[1] if len(ins) > 1 else None          # (x, g, wshape, geo) -> dW
    if g is None:
        return None
    macs = _numel(g) * _numel(outs[0][1:])
    return _mm_cost(macs, _numel(outs[0]), needs)


def _rule_elementwise(ins, outs, needs, node):
    n = sum(_numel(o) for o in outs if o is not None)
    k = sum(1 for i in range(len(ins)) if _need(needs, i))
    return OpCost(0, n, 0, n * k, 0)


def _rule_reduce(ins, outs, needs, node, per=1):
    n = max([_numel(s) for s in ins if s is not None] + [_numel(outs[0])])
    return OpCost(0, per * n, 0, per * n if _need(needs, 0) else 0, 0)


def _rule_zero(ins, outs, needs, node):
    return OpCost()


def _rule_softmax(ins, outs, needs, node):
    return _rule_reduce(ins, outs, needs, node, per=5)


FLOP_RULES: dict = {"ConvNd": _rule_conv, "ConvTransposeNd": _rule_conv_transpose,
                    "ConvWeightGrad": _rule_conv_weight_grad, "MatMul": _rule_matmul,
                    "Mm": _rule_matmul, "Bmm": _rule_matmul,
                    "Linear": _rule_linear, "Addmm": _rule_linear}
for _n in ("Add Sub Mul Div Neg PowScalar Pow Exp Log Log2 Log10 Log1p Expm1 Sqrt Rsqrt "
           "Reciprocal Abs Sin Cos Tan Tanh Sinh Cosh Atan Asin Acos Sigmoid Relu Clamp Where "
           "Maximum Minimum LeakyRelu Elu Gelu Silu Softplus Hardtanh Dropout Threshold "
           "Addcmul Lerp").split():
    FLOP_RULES[_n] = _rule_elementwise
for _n in "Sum Mean Prod AMax AMin Norm2 Cumsum Var Std".split():
    FLOP_RULES[_n] = _rule_reduce
for _n in "Softmax LogSoftmax LogSumExp CrossEntropy NllLoss".split():
    FLOP_RULES[_n] = _rule_softmax
for _n in ("Reshape Permute Expand Repeat Cat Flip GetItem IndexAddZeros IndexPut Gather "
           "Scatter ScatterAdd ToDtype Clone ZeroGrad View Pad Stack Split Slice Narrow "
           "Embedding _Unfold _Fold _Embed _GatherPad _ScatterPad PlaneScatter PlaneGather "
           "Fold Unfold _BackwardHookFn").split():
    FLOP_RULES[_n] = _rule_zero
for _n in "_BCE _IndexLoss _SmoothL1".split():
    FLOP_RULES[_n] = _rule_softmax
FLOP_RULES["_MaskMul"] = _rule_elementwise


def register_flop_rule(name: str, rule=None):
    """``register_flop_rule("MyOp", fn)`` or as a decorator. ``fn(ins, outs, needs, node)``
    gets the input shapes (None for non-tensors), the output shapes, ``needs_input_grad`` and
    the node (or None) and returns an :class:`OpCost` (or None: unknown)."""
    if rule is None:
        return lambda f: register_flop_rule(name, f) or f
    FLOP_RULES[name] = rule
    return rule


def _find_rule(name, cls=None):
    r = FLOP_RULES.get(name)
    if r is not None:
        return r
    if cls is not None and any(b.__name__ == "_Elementwise" for b in cls.__mro__[1:]):
        return _rule_elementwise                 # nn.functional's unary activations
    low = name.lower()
    if "loss" in low:
        return _rule_softmax
    if "conv" in low:
        return _rule_conv_transpose if "transpose" in low else _rule_conv
    if "pool" in low:
        return _rule_reduce
    if "norm" in low:                      # batch/layer/group norm: a handful per element
        return lambda i, o, n, nd: _rule_reduce(i, o, n, nd, per=5)
    return None


def op_cost(cls_or_name, ins, outs, needs=(), node=None) -> OpCost:
    """The cost of one op from its class (or name) and shapes, per ``FLOP_RULES``."""
    name = cls_or_name if isinstance(cls_or_name, str) else cls_or_name.__name__
    rule = _find_rule(name, None if isinstance(cls_or_name, str) else cls_or_name)
    if rule is None:
        return OpCost(known=False)
    try:
        c = rule(list(ins), list(outs), needs, node)
    except Exception:                      # a rule must never break the user's program
        c = None
    return OpCost(known=False) if c is None else c


def _node_cost(node) -> OpCost:
    c = node.__dict__.get("_cost")
    if c is not None:
        return c
    ins = [m[0] if m is not None else None for m in getattr(node, "_in_meta", ())]
    outs = [m[0] for m in node._out_meta if m is not None]
    if not outs:
        return OpCost(known=False)
    return op_cost(type(node), ins, outs, node.needs_input_grad, node)


def _shapes_of(seq):
    return [tuple(a._data.shape) if isinstance(a, Tensor) else None for a in seq]


def _out_tensors(out):
    return [o for o in (out if isinstance(out, tuple) else (out,)) if isinstance(o, Tensor)]


def _new_node(cls, outs):
    for o in outs:
        n = o.grad_fn
        if n is not None and type(n) is cls:
            return n
    return None


# ================================================================ FlopCounter
class FlopCounter:
    """Count FLOPs of the ops run inside (like torch.utils.flop_counter.FlopCounterMode):
    forward ops as they run, backward ops as the engine runs them.

        with FlopCounter() as fc:
            model(x).sum().backward()
        fc.get_total_flops()          # conv/matmul only, 2 per MAC (FlopCounterMode's count)
        fc.total_flops_all            # + elementwise/reduction work
        fc.get_flop_counts()          # {"ConvNd": fwd, "ConvolutionBackward0": bwd, ...}

    Forward ops count under their Function class name, backward nodes under their grad_fn
    ``name()`` (torch's name where it has one: a 2-D ``MatMul`` node is ``MmBackward0``).
    """

    def __init__(self, display: bool = False):
        self.display = display
        self.fwd = OpCost()
        self.bwd_mm = 0
        self.bwd_all = 0
        self.by_op = {}
        self._in_bwd = 0

    def forward(self, cls, args, fn):
        out = fn(*args)
        # raw primitives only (a user Function's inner ops are counted instead), and not the
        # ops a create_graph backward runs (the backward rule already counts those)
        if cls._raw and not self._in_bwd:
            outs = _out_tensors(out)
            node = _new_node(cls, outs)
            c = op_cost(cls, _shapes_of(args), [tuple(o._data.shape) for o in outs],
                        node.needs_input_grad if node is not None else (), node)
            self.fwd += c
            if node is not None:        # backward counts from the forward's full shapes
                node._cost = c
            self.by_op[cls.__name__] = self.by_op.get(cls.__name__, 0) + c.mm_flops
        return out

    def backward(self, node, fn):
        self._in_bwd += 1
        try:
            res = fn()
        finally:
            self._in_bwd -= 1
        if type(node)._raw:
            c = _node_cost(node)
            self.bwd_mm += c.bwd_mm_flops
            self.bwd_all += c.bwd_flops
            k = node.name()
            self.by_op[k] = self.by_op.get(k, 0) + c.bwd_mm_flops
        return res

    def get_total_flops(self) -> int:
        return self.fwd.mm_flops + self.bwd_mm

    @property
    def total_flops_all(self) -> int:
        return self.fwd.flops + self.bwd_all

    def get_flop_counts(self) -> dict:
        return {k: v for k, v in self.by_op.items() if v}

    def __enter__(self):
        add_observer(self)
        return self

    def __exit__(self, *exc):
        remove_observer(self)
        if self.display:
            print(f"FLOPs (conv/matmul, fwd+bwd): {_fmt_num(self.get_total_flops())}")
        return False


# ================================================================ module scopes + record
_scope = []            # names of the nn modules whose forward is running (innermost last)


def module_scope():
    """The dotted path of the innermost module running now ('' outside any)."""
    return _scope[-1] if _scope else ""


def _hook_modules(model, prefix=""):
    """Forward pre/post hooks that maintain the module-scope stack; returns handles."""
    handles = []
    for name, m in model.named_modules():
        path = (prefix + "." + name if prefix and name else prefix or name) or \
            type(model).__name__

        def pre(mod, inp, _p=path):
            _scope.append(_p)

        def post(mod, inp, out, _p=path):
            if _scope and _scope[-1] == _p:
                _scope.pop()
        handles.append(m.register_forward_pre_hook(pre))
        handles.append(m.register_forward_hook(post))
    return handles


class record:
    """Context manager: nodes created inside are tagged with the nn module whose forward made
    them (``node._module``), their FLOPs from the actual arguments, and (``values=True``, for
    small graphs) summaries of their output values and of the gradients that flow through
    them in backward. Pass the model (or several) to attribute modules.

        with graph.record(model, values=True):
            loss = crit(model(x), y)
            loss.backward(retain_graph=True)
        graph.to_html(loss, "g.html")
    """

    def __init__(self, *models, values: bool = False, max_values: int = 2000):
        self.models = models
        self.values = values
        self.max_values = max_values
        self._n = 0
        self._handles = []

    def __enter__(self):
        import weakref
        for m in self.models:
            self._handles += _hook_modules(m)
            for name, p in m.named_parameters():
                _leaf_names[id(p)] = (weakref.ref(p), name.rsplit(".", 1)[0] if "." in name
                                      else "")
        add_observer(self)
        return self

    def __exit__(self, *exc):
        remove_observer(self)
        for h in self._handles:
            h.remove()
        self._handles = []
        return False

    def forward(self, cls, args, fn):
        out = fn(*args)
        outs = _out_tensors(out)
        node = _new_node(cls, outs)
        if node is not None:
            node._cost = op_cost(cls, _shapes_of(args), [tuple(o._data.shape) for o in outs],
                                 node.needs_input_grad, node)
            if self.values and self._n < self.max_values:
                self._n += 1
                node._value = _summ(outs[0]._data)
        return out

    def on_node(self, node):
        if _scope:
            node._module = _scope[-1]

    def backward(self, node, fn):
        res = fn()
        if self.values and "_value" in node.__dict__:
            for e, g in zip(node._next, res):
                if e is None or g is None:
                    continue
                child = e[0]
                if isinstance(child, Function) and "_value" in child.__dict__:
                    ga = g._data if isinstance(g, Tensor) else g
                    acc = child.__dict__.get("_gacc")
                    child._gacc = np.array(ga, dtype=np.float64) if acc is None else acc + ga
        return res


# ================================================================ snapshot of a graph
@dataclass
class NodeInfo:
    idx: int
    kind: str                  # "op", "leaf" (AccumulateGrad: requires grad), "output"
    name: str                  # MulBackward0 / AccumulateGrad / output
    op: str                    # forward op (Mul) / "leaf" / "output"
    shapes: list               # output shapes
    dtype: str
    saved: list = field(default_factory=list)   # (role, shape, dtype, nbytes)
    saved_bytes: int = 0
    freed: bool = False
    cost: OpCost = field(default_factory=OpCost)
    module: str = ""
    value: str = ""
    grad: str = ""
    created: str = ""          # file:line (anomaly mode)

    def label(self) -> str:
        shp = ", ".join(_shape_str(s) for s in self.shapes)
        return f"{self.name} {shp}"


def _shape_str(s):
    return "(" + ", ".join(str(int(d)) for d in s) + ("," if len(s) == 1 else "") + ")"


def _fmt_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n} B"


def _fmt_num(n):
    n = float(n)
    for unit, f in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= f:
            return f"{n / f:.2f}{unit}"
    return f"{n:.0f}"


def _summ(arr) -> str:
    a = np.asarray(arr)
    if a.size == 0:
        return "[]"
    if a.size == 1:
        return f"{float(a.reshape(-1)[0]):.4g}"
    if a.dtype.kind not in "fiub":
        return ""
    a = a.astype(np.float64, copy=False)
    return (f"mean {a.mean():.3g} std {a.std():.3g} "
            f"[{a.min():.3g}, {a.max():.3g}]")


_NO_GRAPH = ("{what}: this tensor has no autograd graph (requires_grad=False: created from "
             "data, under autograd.no_grad(), or detached), so there is nothing to show. Set "
             "requires_grad=True on the inputs/parameters before computing it.")


def _saved_info(node):
    saved = node._saved
    if saved is None:
        return [], 0, bool(node._released)
    out, total, seen = [], 0, set()
    for kind, obj, _vr, _v in saved:
        if kind == 0:
            arr, role = obj._data, "input"
        elif kind == 1:
            arr, role = obj[1], "output"
        else:
            arr, role = obj, "const"
        if not isinstance(arr, np.ndarray):
            continue
        out.append((role, tuple(arr.shape), str(arr.dtype), int(arr.nbytes)))
        base = arr if arr.base is None else arr.base
        if id(base) not in seen:
            seen.add(id(base))
            total += int(arr.nbytes)
    return out, total, False


def _trace_str(node):
    tr = node.__dict__.get("_trace")
    if not tr:
        return ""
    fr = tr[-1]
    return f"{os.path.basename(fr.filename)}:{fr.lineno}"


class Graph:
    """A snapshot of the graph behind one or more tensors: ``nodes`` (:class:`NodeInfo`) and
    ``edges`` (producer index, consumer index). Nodes are ordered consumers-first."""

    def __init__(self, roots, names=None, values: bool | None = None, max_value_nodes=60):
        roots = [roots] if isinstance(roots, Tensor) else list(roots)
        self.roots = roots
        self.nodes: list[NodeInfo] = []
        self.edges: list[tuple] = []
        self.objs = []
        self.empty = all(r.grad_fn is None and not r._requires_grad for r in roots)
        if self.empty:
            return
        index = {}
        stack = []

        def visit(obj):
            k = id(obj)
            if k not in index:
                index[k] = len(self.objs)
                self.objs.append(obj)
                stack.append(obj)
            return index[k]

        out_idx = []
        for i, r in enumerate(roots):
            out_idx.append(len(self.objs))
            self.objs.append(r)                  # the output tensor itself (a display node)
        for i, r in enumerate(roots):
            src = r.grad_fn if r.grad_fn is not None else (r if r._requires_grad else None)
            if src is not None and src is not r:
                self.edges.append((visit(src), out_idx[i], 0, r._out_idx))
        while stack:
            node = stack.pop()
            if isinstance(node, Tensor):
                continue
            me = index[id(node)]
            for pos, e in enumerate(node._next):
                if e is None:
                    continue
                self.edges.append((visit(e[0]), me, pos, e[1]))
        show_values = values if values is not None else len(self.objs) <= max_value_nodes
        for i, obj in enumerate(self.objs):
            if i < len(roots):
                nm = (names[i] if names else None) or ("output" if len(roots) == 1 else
                                                       f"output{i}")
                d = obj._data
                info = NodeInfo(i, "output", nm, "output", [tuple(d.shape)], str(d.dtype))
                if show_values:
                    info.value = _summ(d)
                    if obj._grad is not None:
                        info.grad = _summ(obj._grad._data)
            elif isinstance(obj, Tensor):
                d = obj._data
                nm = "AccumulateGrad"
                info = NodeInfo(i, "leaf", nm, "leaf", [tuple(d.shape)], str(d.dtype))
                ent = _leaf_names.get(id(obj))
                info.module = ent[1] if ent is not None and ent[0]() is obj else ""
                if show_values:
                    info.value = _summ(d)
                    if obj._grad is not None:
                        info.grad = _summ(obj._grad._data)
            else:
                metas = [m for m in obj._out_meta if m is not None]
                info = NodeInfo(i, "op", obj.name(), type(obj).__name__,
                                [tuple(m[0]) for m in metas],
                                str(np.dtype(metas[0][1])) if metas else "")
                info.saved, info.saved_bytes, info.freed = _saved_info(obj)
                info.cost = _node_cost(obj)
                info.module = obj.__dict__.get("_module", "")
                info.created = _trace_str(obj)
                if show_values or "_value" in obj.__dict__:
                    info.value = obj.__dict__.get("_value", "")
                    acc = obj.__dict__.get("_gacc")
                    if acc is not None:
                        info.grad = _summ(acc)
            self.nodes.append(info)

    # ---- summaries ----
    def total_cost(self) -> OpCost:
        t = OpCost()
        for n in self.nodes:
            if n.kind == "op":
                t += n.cost
        return t

    def saved_bytes(self) -> int:
        return sum(n.saved_bytes for n in self.nodes)

    def __len__(self):
        return len(self.nodes)

    def __str__(self):
        return self.text()

    # ---- text ----
    def text(self, max_nodes: int = 400) -> str:
        if self.empty:
            return _NO_GRAPH.format(what="graph")
        children = [[] for _ in self.nodes]      # consumer -> producers (walk towards leaves)
        for src, dst, pos, _ in sorted(self.edges, key=lambda e: (e[1], e[2])):
            children[dst].append(src)
        lines, shown = [], set()
        n_roots = len(self.roots)
        stack = [(r, "", True, True) for r in reversed(range(n_roots))]
        while stack:
            i, prefix, last, top = stack.pop()
            n = self.nodes[i]
            conn = "" if top else ("└─ " if last else "├─ ")
            if i in shown:
                lines.append(f"{prefix}{conn}{n.name} #{i} (shown above)")
                continue
            shown.add(i)
            if len(shown) > max_nodes:
                lines.append(f"{prefix}{conn}... ({len(self.nodes) - max_nodes} more nodes; "
                             "use to_html() for big graphs)")
                break
            lines.append(f"{prefix}{conn}{self._describe(n)}")
            kids = children[i]
            sub = prefix + ("" if top else ("   " if last else "│  "))
            for j, k in reversed(list(enumerate(kids))):
                stack.append((k, sub, j == len(kids) - 1, False))
        tot = self.total_cost()
        lines.append(f"-- {len(self.nodes)} nodes, saved tensors {_fmt_bytes(self.saved_bytes())}"
                     f", forward {_fmt_num(tot.flops)} FLOPs ({_fmt_num(tot.macs)} MACs), "
                     f"backward {_fmt_num(tot.bwd_flops)} FLOPs"
                     + ("" if tot.known else "; ? = op without a FLOP rule (counted 0)"))
        return "\n".join(lines)

    @staticmethod
    def _describe(n: NodeInfo) -> str:
        s = f"{n.name} #{n.idx} {' '.join(_shape_str(x) for x in n.shapes)} {n.dtype}"
        if n.kind == "op":
            c = n.cost
            s += f" | {'?' if not c.known else _fmt_num(c.flops)} FLOPs"
            if c.macs:
                s += f" ({_fmt_num(c.macs)} MACs)"
            if n.freed:
                s += " | saved: freed"
            elif n.saved:
                s += " | saved: " + ", ".join(f"{r} {_shape_str(sh)} {_fmt_bytes(b)}"
                                             for r, sh, _d, b in n.saved)
        if n.module:
            s += f" | in {n.module}"
        if n.created:
            s += f" | at {n.created}"
        if n.value:
            s += f" | data {n.value}"
        if n.grad:
            s += f" | grad {n.grad}"
        return s

    # ---- DOT ----
    def to_dot(self, rankdir: str = "TB") -> str:
        if self.empty:
            raise ValueError(_NO_GRAPH.format(what="to_dot()"))
        out = ["digraph autograd {", f"  rankdir={rankdir};",
               '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];']
        colors = {"op": "#e8eef7", "leaf": "#cfe8cf", "output": "#f7d9a8"}
        for n in self.nodes:
            lab = [n.name, " ".join(_shape_str(s) for s in n.shapes) + " " + n.dtype]
            if n.kind == "op":
                lab.append(f"{'?' if not n.cost.known else _fmt_num(n.cost.flops)} FLOPs")
                if n.saved_bytes:
                    lab.append(f"saved {_fmt_bytes(n.saved_bytes)}")
            if n.module:
                lab.append(n.module)
            if n.value:
                lab.append("data " + n.value)
            if n.grad:
                lab.append("grad " + n.grad)
            text = "\\n".join(_dot_escape(x) for x in lab)
            out.append(f'  n{n.idx} [label="{text}", fillcolor="{colors[n.kind]}"];')
        for src, dst, pos, oi in self.edges:
            out.append(f"  n{src} -> n{dst};")
        out.append("}")
        return "\n".join(out) + "\n"

    # ---- layout (shared by HTML and the built-in SVG) ----
    def layout(self):
        """Layers (longest path from the outputs, flipped so inputs are on top) and an order
        inside each layer (one barycenter pass). Returns (layer, order) lists."""
        n = len(self.nodes)
        cons = [[] for _ in range(n)]          # producer -> consumers
        prods = [[] for _ in range(n)]
        for s, d, _p, _o in self.edges:
            cons[s].append(d)
            prods[d].append(s)
        # Kahn from the outputs down to the leaves: depth = longest path from an output.
        indeg = [len(set(c)) for c in cons]
        cons_set = [set(c) for c in cons]
        depth = [0] * n
        ready = [i for i in range(n) if indeg[i] == 0]
        order = []
        while ready:
            i = ready.pop()
            order.append(i)
            for p in set(prods[i]):
                depth[p] = max(depth[p], depth[i] + 1)
                indeg[p] -= 1
                if indeg[p] == 0:
                    ready.append(p)
        del cons_set
        maxd = max(depth) if depth else 0
        layer = [maxd - d for d in depth]
        rows = {}
        for i in sorted(range(n), key=lambda i: (layer[i], self.nodes[i].module, i)):
            rows.setdefault(layer[i], []).append(i)
        pos = [0.0] * n
        for L in sorted(rows):
            row = rows[L]
            for k, i in enumerate(row):
                ps = prods[i]
                pos[i] = (sum(pos[p] for p in ps) / len(ps)) if ps and L > 0 else float(k)
            row.sort(key=lambda i: (pos[i], i))
            for k, i in enumerate(row):
                pos[i] = float(k)
        return layer, [int(p) for p in pos]

    # ---- HTML ----
    def to_html(self, path: str | None = None, title: str = "autograd graph",
                max_nodes: int = 4000, max_bytes: int = 8_000_000) -> str:
        """One self-contained HTML file (inline CSS/JS/SVG, no network): pan (drag), zoom
        (wheel), click a node for details, collapse/expand nn modules in the side panel (or
        double-click a node). Graphs over ``max_nodes`` start with modules collapsed, and nodes
        are merged in groups until the file stays under ``max_bytes``."""
        if self.empty:
            raise ValueError(_NO_GRAPH.format(what="to_html()"))
        text = _build_html(self, title, max_nodes)
        limit = max_nodes
        while len(text.encode()) > max_bytes and limit > 50:   # merge groups in the data itself
            limit //= 2
            text = _build_html(self, title, limit, merge=True)
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return text

    def to_svg(self) -> str:
        """A static SVG drawn with the built-in layout (no Graphviz)."""
        layer, order = self.layout()
        W, H, BW, BH = 190, 70, 170, 44
        width = (max(order) + 1) * W + 20 if order else 200
        height = (max(layer) + 1) * H + 20 if layer else 100
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'font-family="Helvetica" font-size="10">']
        for s, d, _p, _o in self.edges:
            x1, y1 = order[s] * W + 10 + BW / 2, layer[s] * H + 10 + BH
            x2, y2 = order[d] * W + 10 + BW / 2, layer[d] * H + 10
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#888"/>')
        fill = {"op": "#e8eef7", "leaf": "#cfe8cf", "output": "#f7d9a8"}
        for n in self.nodes:
            x, y = order[n.idx] * W + 10, layer[n.idx] * H + 10
            parts.append(f'<rect x="{x}" y="{y}" width="{BW}" height="{BH}" rx="6" '
                         f'fill="{fill[n.kind]}" stroke="#567"/>')
            parts.append(f'<text x="{x + 6}" y="{y + 16}">{_html.escape(n.name)}</text>')
            sub = " ".join(_shape_str(s) for s in n.shapes)
            parts.append(f'<text x="{x + 6}" y="{y + 32}">{_html.escape(sub)}</text>')
        parts.append("</svg>")
        return "\n".join(parts)


def _dot_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


_leaf_names = {}     # id(parameter) -> (weakref, module path), filled by record()


# ---------------------------------------------------------------- HTML builder
def _build_html(g: Graph, title: str, max_nodes: int, merge: bool = False,
                initial_nodes: int = 300) -> str:
    layer, order = g.layout()
    n = len(g.nodes)
    node_groups = [nd.module for nd in g.nodes]
    target = min(initial_nodes, max_nodes) if not merge else max_nodes
    n_free = sum(1 for nd in g.nodes if not nd.module)
    if n > target and n_free > max(32, target // 4):
        # Nodes outside any module (many of them: e.g. no record()): grouped in bands of
        # layers so they can collapse too; otherwise a big graph opens as one unreadable blob.
        maxl = max(layer) + 1
        step = max(1, int(np.ceil(maxl / max(1, target // 8))))
        for i, nd in enumerate(g.nodes):
            if not nd.module:
                lo = layer[i] // step * step
                node_groups[i] = f"ops[{lo}-{min(lo + step, maxl) - 1}]"
    mods = {}
    for m in node_groups:
        while m:
            mods[m] = mods.get(m, 0) + 1
            m = m.rsplit(".", 1)[0] if "." in m else ""

    def visible_if(depth):        # visible count when every module at `depth` is collapsed
        tops = set()
        alone = 0
        for m in node_groups:
            parts = m.split(".") if m else []
            if len(parts) > depth:
                tops.add(".".join(parts[:depth + 1]))
            else:
                alone += 1
        return alone + len(tops), [t for t in tops]

    collapsed_init = []
    if n > target and mods:
        max_depth = max(m.count(".") for m in mods)
        choice = None
        for d in range(max_depth, -1, -1):
            cnt, tops = visible_if(d)
            choice = tops
            if cnt <= target:
                break
        collapsed_init = sorted(choice)
    rep = list(range(n))
    nodes_src = list(g.nodes)
    edges = [(s_, d_) for s_, d_, _p, _o in g.edges]
    if merge and collapsed_init:
        # Quotient graph: one node per collapsed group (keeps huge graphs under the size limit)
        cset = set(collapsed_init)
        key_of = []
        for i, m in enumerate(node_groups):
            k, mm = None, m
            while mm:
                if mm in cset:
                    k = mm
                mm = mm.rsplit(".", 1)[0] if "." in mm else ""
            key_of.append(k)
        new_idx, members = {}, []
        for i in range(n):
            k = key_of[i] if key_of[i] is not None else ("#", i)
            if k not in new_idx:
                new_idx[k] = len(members)
                members.append([])
            members[new_idx[k]].append(i)
            rep[i] = new_idx[k]
        edges = sorted({(rep[a], rep[b]) for a, b in edges if rep[a] != rep[b]})
        nodes_js = []
        for grp in members:
            if len(grp) == 1 and key_of[grp[0]] is None:
                nodes_js.append(_node_js(g.nodes[grp[0]], node_groups[grp[0]], layer[grp[0]],
                                         order[grp[0]]))
                continue
            name = key_of[grp[0]]
            fl = sum(g.nodes[i].cost.flops for i in grp)
            parent = name.rsplit(".", 1)[0] if "." in name else ""
            nodes_js.append([f"[{name}]", "m", f"{len(grp)} nodes", "", parent,
                             sum(layer[i] for i in grp) / len(grp),
                             sum(order[i] for i in grp) / len(grp), int(fl),
                             sum(g.nodes[i].cost.macs for i in grp),
                             sum(g.nodes[i].cost.bwd_flops for i in grp),
                             sum(g.nodes[i].saved_bytes for i in grp), "merged group", "", "",
                             ""])
        collapsed_init = []
        mods = {m: 1 for m in {r[4] for r in nodes_js} if m}
        for m in list(mods):
            while "." in m:
                m = m.rsplit(".", 1)[0]
                mods[m] = 1
    else:
        nodes_js = [_node_js(nd, node_groups[nd.idx], layer[nd.idx], order[nd.idx])
                    for nd in nodes_src]
    tot = g.total_cost()
    data = {"title": title, "nodes": nodes_js, "edges": [list(e) for e in edges],
            "modules": sorted(mods, key=_mod_key), "collapsed": collapsed_init,
            "total": {"nodes": n, "flops": int(tot.flops), "bwd": int(tot.bwd_flops),
                      "saved": g.saved_bytes()}}
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return _HTML_TEMPLATE.replace("__TITLE__", _html.escape(title)).replace("__DATA__", payload)


def _mod_key(m):
    """Natural sort of dotted module paths: parents first, blocks.2 before blocks.10."""
    return [[(int(t) if k % 2 else t) for k, t in enumerate(re.split(r"(\d+)", part))]
            for part in m.split(".")]


def _node_js(nd, group, lay, order):
    c = nd.cost
    return [nd.name, {"op": "o", "leaf": "l", "output": "r"}[nd.kind], " ".join(_shape_str(s) for s in nd.shapes), nd.dtype, group,
            lay, order, ("?" if not c.known else int(c.flops)) if nd.kind == "op" else 0,
            int(c.macs), int(c.bwd_flops), nd.saved_bytes,
            "; ".join(f"{r} {_shape_str(s)} {d} {_fmt_bytes(b)}" for r, s, d, b in nd.saved)
            + (" (freed)" if nd.freed else ""), nd.value, nd.grad, nd.created]


_HTML_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{margin:0;font:12px Helvetica,Arial,sans-serif;display:flex;height:100vh;overflow:hidden}
#side{width:280px;overflow:auto;border-right:1px solid #ccc;padding:8px;box-sizing:border-box}
#main{flex:1;position:relative}
#svg{width:100%;height:100%;background:#fafafa;cursor:grab}
#info{position:absolute;right:8px;top:8px;max-width:380px;background:#fff;border:1px solid #aaa;
padding:6px;white-space:pre-wrap;display:none;font-family:monospace;font-size:11px}
.mod{cursor:pointer;padding:1px 0}.mod:hover{background:#eef}
.node rect{stroke:#567;stroke-width:1}.node text{pointer-events:none}
.grp rect{fill:#fff3c4;stroke:#a80;stroke-dasharray:4 2}
button{margin:2px}
</style></head><body>
<div id="side"><b>__TITLE__</b><div id="stats"></div>
<div><button id="fit">fit</button><button id="colall">collapse all</button>
<button id="expall">expand all</button></div>
<div>modules (click to collapse/expand):</div><div id="mods"></div></div>
<div id="main"><svg id="svg"><g id="vp"></g></svg><div id="info"></div></div>
<script>
(function(){
var D=__DATA__;
var N=D.nodes,E=D.edges,W=190,H=70,BW=170,BH=46;
var collapsed={};D.collapsed.forEach(function(m){collapsed[m]=true;});
var vp=document.getElementById('vp'),svg=document.getElementById('svg');
var tx=10,ty=10,sc=1,P={},VIS={};
function esc(s){return String(s).replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;');}
function cut(s,k){s=String(s);return s.length>k?s.slice(0,k-1)+'\u2026':s;}
function fmt(n){if(n==='?')return '?';n=+n;if(n>=1e9)return (n/1e9).toFixed(2)+'G';
if(n>=1e6)return (n/1e6).toFixed(2)+'M';if(n>=1e3)return (n/1e3).toFixed(2)+'K';return ''+n;}
function rep(i){var m=N[i][4],best=null;while(m){if(collapsed[m])best=m;
var k=m.lastIndexOf('.');m=k<0?'':m.slice(0,k);}return best;}
function apply(){vp.setAttribute('transform','translate('+tx+','+ty+') scale('+sc+')');}
// Layout of what is visible now (collapsed groups are single boxes): topological order
// (cycles between groups broken at the box with the smallest mean layer), layer = longest
// path to an output (so inputs sit just above their consumer), then barycenter sweeps.
function place(keys,agg,ve){
 var n=keys.length,id={},ins=[],outs=[],indeg=[],i,k;
 for(i=0;i<n;i++){id[keys[i]]=i;ins.push([]);outs.push([]);indeg.push(0);}
 ve.forEach(function(e){var a=id[e[0]],b=id[e[1]];outs[a].push(b);ins[b].push(a);indeg[b]++;});
 var byL=keys.map(function(_,i){return i;}).sort(function(x,y){var p=agg[keys[x]],q=agg[keys[y]];
  return p.l-q.l||p.o-q.o||x-y;});
 var pr=new Array(n);byL.forEach(function(v,k){pr[v]=k;});
 var heap=[];
 function push(v){heap.push(v);var c=heap.length-1;while(c>0){var p=(c-1)>>1;
  if(pr[heap[p]]<=pr[v])break;heap[c]=heap[p];c=p;}heap[c]=v;}
 function pop(){var top=heap[0],last=heap.pop();if(heap.length){var c=0;for(;;){var l=2*c+1;
  if(l>=heap.length)break;var r=l+1,m=(r<heap.length&&pr[heap[r]]<pr[heap[l]])?r:l;
  if(pr[heap[m]]>=pr[last])break;heap[c]=heap[m];c=m;}heap[c]=last;}return top;}
 for(i=0;i<n;i++)if(!indeg[i])push(i);
 var done=new Array(n),ti=new Array(n),topo=[],ptr=0;
 while(topo.length<n){
  if(!heap.length){while(done[byL[ptr]])ptr++;push(byL[ptr]);}
  var v=pop();if(done[v])continue;done[v]=true;ti[v]=topo.length;topo.push(v);
  outs[v].forEach(function(w){if(--indeg[w]===0&&!done[w])push(w);});}
 var dep=new Array(n).fill(0),maxd=0;
 for(k=n-1;k>=0;k--){var v=topo[k];outs[v].forEach(function(w){if(ti[w]>ti[v]&&dep[w]+1>dep[v])dep[v]=dep[w]+1;});
  if(dep[v]>maxd)maxd=dep[v];}
 var L=dep.map(function(d){return maxd-d;}),rows=[];
 for(i=0;i<=maxd;i++)rows.push([]);
 byL.forEach(function(v){rows[L[v]].push(v);});
 var x=new Array(n);
 rows.forEach(function(row){row.sort(function(a,b){return agg[keys[a]].o-agg[keys[b]].o||a-b;});
  row.forEach(function(v,k){x[v]=k;});});
 function sweep(r,nb){var row=rows[r],want={};
  row.forEach(function(v){var s=0,c=0;nb[v].forEach(function(u){if(L[u]!==r){s+=x[u];c++;}});
   want[v]=c?s/c:x[v];});
  row.sort(function(a,b){return want[a]-want[b]||x[a]-x[b];});
  // as close to the wanted spots as the spacing allows: mean of a left and a right packing
  var lo=[],last=-1e9,k;for(k=0;k<row.length;k++){last=Math.max(last+1,want[row[k]]);lo.push(last);}
  last=1e9;for(k=row.length-1;k>=0;k--){last=Math.min(last-1,want[row[k]]);x[row[k]]=(lo[k]+last)/2;}}
 for(i=0;i<=maxd;i++)sweep(i,ins);
 for(i=maxd;i>=0;i--)sweep(i,outs);
 for(i=0;i<=maxd;i++)sweep(i,ins);
 var minx=Math.min.apply(null,x.length?x:[0]),pos={};
 for(i=0;i<n;i++)pos[keys[i]]=[(x[i]-minx)*W,L[i]*H];
 return pos;}
function render(anchor){
 var vis={},agg={},keys=[],i,j,old=null;
 if(anchor!=null&&VIS[anchor]&&P[VIS[anchor]])old=P[VIS[anchor]];
 for(i=0;i<N.length;i++){var r=rep(i);var key=r===null?'n'+i:'g:'+r;vis[i]=key;
  var a=agg[key];if(!a){a=agg[key]={l:0,o:0,c:0,f:0};keys.push(key);}
  a.l+=N[i][5];a.o+=N[i][6];a.c++;if(N[i][7]!=='?')a.f+=+N[i][7];}
 keys.forEach(function(k){var a=agg[k];a.l/=a.c;a.o/=a.c;});
 var seen={},ve=[];
 for(j=0;j<E.length;j++){var a=vis[E[j][0]],b=vis[E[j][1]];if(a===b)continue;var ek=a+'>'+b;
  if(seen[ek])continue;seen[ek]=1;ve.push([a,b]);}
 var pos=place(keys,agg,ve),out=[];
 ve.forEach(function(e){var p=pos[e[0]],q=pos[e[1]],x1=p[0]+BW/2,y1=p[1]+BH,x2=q[0]+BW/2,y2=q[1];
  var d=Math.max(20,Math.abs(y2-y1)/2);
  out.push('<path d="M'+x1+','+y1+' C'+x1+','+(y1+d)+' '+x2+','+(y2-d)+' '+x2+','+y2+
   '" fill="none" stroke="#889"'+(Math.abs(y2-y1)>2*H?' stroke-opacity="0.4"':'')+
   ' marker-end="url(#ar)"/>');});
 var fills={o:'#e8eef7',l:'#cfe8cf',r:'#f7d9a8',m:'#fff3c4'};
 keys.forEach(function(key){var p=pos[key];
  if(key[0]==='g'){var m=key.slice(2),a=agg[key];
   out.push('<g class="grp" data-g="'+esc(m)+'"><title>'+esc(m)+' (click to expand)</title><rect x="'+
    p[0]+'" y="'+p[1]+'" width="'+BW+'" height="'+BH+'" rx="8"/><text x="'+(p[0]+6)+'" y="'+
    (p[1]+16)+'">[+] '+esc(cut(m,22))+'</text><text x="'+(p[0]+6)+'" y="'+(p[1]+32)+'" fill="#555">'+
    a.c+' nodes, '+fmt(a.f)+' FLOPs</text></g>');}
  else{var i=+key.slice(1),n=N[i];
   out.push('<g class="node" data-i="'+i+'"><rect x="'+p[0]+'" y="'+p[1]+'" width="'+BW+
    '" height="'+BH+'" rx="6" fill="'+fills[n[1]]+'"/><text x="'+(p[0]+6)+'" y="'+(p[1]+15)+
    '">'+esc(cut(n[0],26))+'</text><text x="'+(p[0]+6)+'" y="'+(p[1]+29)+'">'+esc(cut(n[2]+' '+n[3],26))+
    '</text><text x="'+(p[0]+6)+'" y="'+(p[1]+42)+'" fill="#555">'+
    (n[1]==='o'||n[1]==='m'?fmt(n[7])+' FLOPs':esc(cut(n[12],26)))+'</text></g>');}});
 vp.innerHTML='<defs><marker id="ar" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '+
  'markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#889"/></marker></defs>'+out.join('');
 P=pos;VIS=vis;
 if(old){var nw=pos[vis[anchor]];tx+=(old[0]-nw[0])*sc;ty+=(old[1]-nw[1])*sc;}
 apply();mods();
 document.getElementById('stats').textContent=D.total.nodes+' nodes ('+keys.length+' shown), '+
  fmt(D.total.flops)+' fwd FLOPs, '+fmt(D.total.bwd)+' bwd FLOPs, saved '+fmt(D.total.saved)+'B';
}
function first(m){var b=null;for(var i=0;i<N.length;i++){var g=N[i][4];   // topmost member
 if((g===m||g.slice(0,m.length+1)===m+'.')&&(b===null||N[i][5]<N[b][5]))b=i;}return b;}
function mods(){var h='';D.modules.forEach(function(m){var d=m.split('.').length-1;
 h+='<div class="mod" data-m="'+esc(m)+'" style="padding-left:'+(d*10)+'px">'+
 (collapsed[m]?'[+] ':'[-] ')+esc(m)+'</div>';});document.getElementById('mods').innerHTML=h;}
document.getElementById('mods').addEventListener('click',function(e){var m=e.target.getAttribute('data-m');
 if(m!==null){collapsed[m]=!collapsed[m];render(first(m));}});
var moved=0;
vp.addEventListener('click',function(e){if(moved>4)return;var g=e.target.closest('g.node,g.grp');if(!g)return;
 e.stopPropagation();var info=document.getElementById('info');
 if(g.getAttribute('data-g')!==null){var m=g.getAttribute('data-g');collapsed[m]=false;render(first(m));return;}
 var i=g.getAttribute('data-i');if(i===null)return;var n=N[+i];
 info.style.display='block';info.textContent=n[0]+'  #'+i+'\nshape '+n[2]+' '+n[3]+
 (n[4]?'\nmodule '+n[4]:'')+(n[1]==='o'||n[1]==='m'?'\nFLOPs fwd '+fmt(n[7])+' (MACs '+fmt(n[8])+'), bwd '+fmt(n[9])+
 '\nsaved '+fmt(n[10])+'B '+n[11]:'')+(n[12]?'\ndata '+n[12]:'')+(n[13]?'\ngrad '+n[13]:'')+
 (n[14]?'\ncreated at '+n[14]:'')+(n[4]?'\n(double-click: collapse '+n[4]+')':'');});
svg.addEventListener('click',function(){if(moved<=4)document.getElementById('info').style.display='none';});
vp.addEventListener('dblclick',function(e){var g=e.target.closest('g.node');if(!g)return;
 var i=+g.getAttribute('data-i'),m=N[i][4];if(m){collapsed[m]=true;render(i);}});
var drag=null;svg.addEventListener('mousedown',function(e){drag=[e.clientX-tx,e.clientY-ty,e.clientX,e.clientY];moved=0;
 e.preventDefault();});
window.addEventListener('mouseup',function(){drag=null;});
window.addEventListener('mousemove',function(e){if(drag){tx=e.clientX-drag[0];ty=e.clientY-drag[1];
 moved=Math.max(moved,Math.abs(e.clientX-drag[2])+Math.abs(e.clientY-drag[3]));apply();}});
svg.addEventListener('wheel',function(e){e.preventDefault();var r=svg.getBoundingClientRect();
 var mx=e.clientX-r.left,my=e.clientY-r.top,f=Math.exp(-e.deltaY*0.0015);
 tx=mx-(mx-tx)*f;ty=my-(my-ty)*f;sc*=f;apply();},{passive:false});
// fit the drawing into the view; with minSc (first view) never shrink text below legibility:
// then show the top (inputs) of the graph, centred, and let the user pan/zoom from there.
function fit(minSc){var b=vp.getBBox(),r=svg.getBoundingClientRect();if(!b.width)return;
 sc=Math.min((r.width-40)/b.width,(r.height-40)/b.height,1.5);if(minSc&&sc<minSc)sc=minSc;
 tx=r.width/2-(b.x+b.width/2)*sc;if(b.width*sc>r.width-40)tx=20-b.x*sc;
 ty=b.height*sc<=r.height-40?r.height/2-(b.y+b.height/2)*sc:20-b.y*sc;apply();}
document.getElementById('fit').onclick=function(){fit(0);};
document.getElementById('colall').onclick=function(){D.modules.forEach(function(m){if(m.indexOf('.')<0)collapsed[m]=true;});render();fit(0.75);};
document.getElementById('expall').onclick=function(){collapsed={};render();fit(0.75);};
render();fit(0.75);
})();
</script></body></html>
"""


# ================================================================ public helpers
def _graph(t, **kw) -> Graph:
    return t if isinstance(t, Graph) else Graph(t, **kw)


def tree(t, values: bool | None = None, max_nodes: int = 400) -> str:
    """Text tree of the graph behind ``t`` (outputs first, leaves last)."""
    return _graph(t, values=values).text(max_nodes=max_nodes)


def to_dot(t, rankdir: str = "TB", values: bool | None = None) -> str:
    """Graphviz DOT text of the graph behind ``t`` (a Tensor, list of Tensors, or Graph)."""
    return _graph(t, values=values).to_dot(rankdir)


def to_html(t, path: str | None = None, title: str = "autograd graph", max_nodes: int = 4000,
            max_bytes: int = 8_000_000) -> str:
    """Self-contained interactive HTML of the graph (see :meth:`Graph.to_html`)."""
    return _graph(t).to_html(path, title, max_nodes, max_bytes)


def render(t, path: str, format: str | None = None) -> str:
    """Write the graph as ``svg``/``png``/``pdf`` with Graphviz's ``dot`` program (or the
    ``graphviz`` Python package, which needs the same program). ``format`` defaults to the
    path's extension. Returns the path."""
    g = _graph(t)
    if g.empty:
        raise ValueError(_NO_GRAPH.format(what="render()"))
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"render(): format must be 'svg', 'png', 'pdf' or 'dot', got {fmt!r}")
    dot = g.to_dot()
    if fmt == "dot":
        with open(path, "w") as f:
            f.write(dot)
        return path
    exe = shutil.which("dot")
    if exe is not None:
        res = subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot.encode(),
                             capture_output=True)
        if res.returncode != 0:
            raise RuntimeError(f"render(): dot failed: {res.stderr.decode(errors='replace')}")
        return path
    try:
        import graphviz  # noqa: F401
        src = graphviz.Source(dot)
        out = src.render(outfile=path, format=fmt, cleanup=True)
        return out
    except ImportError:
        pass
    except Exception as e:      # graphviz package without the dot program
        raise RuntimeError(f"render(): Graphviz failed ({e}).") from e
    raise RuntimeError(
        "render(): needs the Graphviz 'dot' program (e.g. `apt install graphviz`, `brew install "
        "graphviz` or `conda install graphviz`) to write " + fmt + ". Without it: "
        "graph.to_dot(t) gives the DOT text, graph.to_html(t, 'g.html') a self-contained "
        "interactive page, and Graph(t).to_svg() a simple SVG.")


# ================================================================ live graph + leak check
def live_stats() -> dict:
    """Graph nodes alive now and the bytes their saved tensors hold (found through the garbage
    collector: no bookkeeping cost while training). ``nodes``: all Function nodes;
    ``holding``: nodes still holding saved tensors (not yet backwarded / retained);
    ``saved_bytes``: bytes of those arrays (each array counted once)."""
    import gc
    nodes = holding = 0
    total = 0
    seen = set()
    by_op = {}
    for obj in gc.get_objects():
        # type(), not isinstance(): a weakref proxy to a dead object raises on __class__
        if not issubclass(type(obj), Function):
            continue
        nodes += 1
        saved = obj._saved
        if not saved:
            continue
        holding += 1
        for kind, o, _vr, _v in saved:
            arr = o._data if kind == 0 else (o[1] if kind == 1 else o)
            if not isinstance(arr, np.ndarray):
                continue
            base = arr if arr.base is None else arr.base
            if id(base) in seen:
                continue
            seen.add(id(base))
            total += int(base.nbytes)
            name = type(obj).__name__
            by_op[name] = by_op.get(name, 0) + int(base.nbytes)
    return {"nodes": nodes, "holding": holding, "saved_bytes": total,
            "saved": _fmt_bytes(total), "by_op": dict(sorted(by_op.items(),
                                                             key=lambda kv: -kv[1]))}


_LEAK_MSG = ("Accumulating a tensor that still carries its autograd graph ({why}). Each `total "
             "+= loss` keeps every step's graph (and its saved activations) alive, so memory "
             "grows with every iteration. Accumulate a number instead: `total += loss.item()` "
             "(or `loss.detach()`).")


def _has_released(node, limit=64) -> bool:
    stack, seen = [node], set()
    while stack and len(seen) < limit:
        n = stack.pop()
        if isinstance(n, Tensor) or id(n) in seen:
            continue
        seen.add(id(n))
        if n._released:
            return True
        stack.extend(e[0] for e in n._next if e is not None)
    return False


def _acc_chain(node, limit=8) -> int:
    """How many scalar Add nodes are chained through their first input (total+=l; total+=l...)."""
    k = 0
    while k < limit and node is not None and type(node).__name__ in ("Add", "Sub") and \
            node._out_meta and node._out_meta[0] is not None and \
            _numel(node._out_meta[0][0]) == 1:
        k += 1
        nxt = [e for e in node._next if e is not None and isinstance(e[0], Function)]
        node = nxt[0][0] if nxt else None
    return k


def check_accumulation(total, other, stacklevel: int = 3) -> None:
    """Warn (UserWarning) when ``total += other`` accumulates a scalar whose graph already went
    through backward, or keeps growing a chain of additions across steps. Called by
    ``Tensor.__iadd__``; cheap (bounded walks, only for scalar tensors with a graph)."""
    if not isinstance(other, Tensor) or other.grad_fn is None or total.grad_fn is None:
        return
    if total._data.size != 1 or other._data.size != 1:
        return
    why = None
    if _has_released(other.grad_fn) or _has_released(total.grad_fn):
        why = "the loss was already used in backward(), yet its graph is kept by the sum"
    elif _acc_chain(total.grad_fn) >= 8:
        why = "a chain of additions keeps growing"
    if why:
        warnings.warn(_LEAK_MSG.format(why=why), UserWarning, stacklevel=stacklevel)
