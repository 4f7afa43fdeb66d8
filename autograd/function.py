"""Function: the base of every primitive and of users' custom ops (torch.autograd.Function).

A Function instance is both the ``ctx`` its forward/backward receive and the graph node that
the outputs' ``grad_fn`` points to. Edges (``_next``) lead to the parents' nodes, or to a leaf
tensor itself, which the engine treats as "accumulate into .grad".

Built-in primitives set ``_raw = True``: their forward gets numpy arrays, and their backward
gets arrays too unless ``create_graph=True``, when it gets Tensors. Their backward is written
with operators that work on both (plus the helpers in ``ops/_util.py``), so one formula serves
plain backprop (no graph, no overhead) and higher-order derivatives. User Functions see
Tensors everywhere, as in PyTorch.
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from . import grad_mode

_seq = itertools.count()
_new = object.__new__
_ndarray = np.ndarray
_T, _TT, _TF, _FT = (True,), (True, True), (True, False), (False, True)  # needs_input_grad

#: Set by the profiler / anomaly mode / graph tools: called as observer(cls, args, fn) around
#: each forward and as observer.backward(node, fn) around each backward. None = no overhead.
observer = None

_FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved "
              "tensors after they have already been freed). Saved intermediate values of the "
              "graph are freed when you call .backward() or autograd.grad(). Specify "
              "retain_graph=True if you need to backward through the graph a second time or if "
              "you need to access saved tensors after calling backward.")


class Function:
    """Subclass with ``@staticmethod forward(ctx, *args)`` and ``backward(ctx, *grads)``;
    call ``YourFunction.apply(*args)``. ``backward`` returns one gradient per forward argument
    (None for non-tensors or inputs that need none)."""

    _raw = False        # built-in primitives: arrays in, arrays out
    _view = False       # output is a view of the first input: it shares its version counter
    _next = ()
    _saved = None
    _released = False
    _to_save = ()       # set by save_for_backward during forward, packed into _saved after
    _hooks = None       # {output index: [tensor hooks]} for hooks registered on non-leaf outputs
    _post_hooks = None  # [fn(grad_inputs, grad_outputs)] registered with node.register_hook
    _retain = None      # {output index: weakref to a tensor that retains its grad}
    _non_diff = ()
    _non_diff_objs = None
    _dirty = ()
    _materialize = True  # set_materialize_grads: zeros (not None) for outputs without a grad
    _nontensor_args = ()  # user Functions: positions of non-Tensor forward args
    _create_graph = False
    _trace = None       # creation stack in anomaly mode
    _tname = None       # torch's grad_fn name where it is not "<Class>Backward0" (see name())
    needs_input_grad = ()

    # ---- ctx API --------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_non_differentiable(self, *outputs):
        self._non_diff_objs = outputs

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        self._materialize = bool(value)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # as in torch, ``vjp`` is another name for ``backward``
        if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:
            cls.backward = cls.__dict__["vjp"]
        # user Functions: grad_fn is an instance of "<Name>Backward" (a subclass), as in torch
        if not cls._raw and not cls.__dict__.get("_is_node_cls"):
            cls._node_cls = type(cls.__name__ + "Backward", (cls,),
                                 {"_is_node_cls": True, "__module__": cls.__module__,
                                  "__qualname__": cls.__qualname__ + "Backward"})
            if "apply" not in cls.__dict__:
                cls.apply = classmethod(_apply_kw)

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            if self._released:
                raise RuntimeError(_FREED_MSG)
            return ()
        tensor_mode = self._create_graph or not self._raw
        if not tensor_mode:                     # plain backprop: the arrays themselves
            out = []
            for kind, obj, ver_ref, ver in saved:
                if ver_ref is not None and ver_ref[0] != ver:
                    break                       # modified in place: report it below
                out.append(obj._data if kind == 0 else obj[1] if kind == 1 else obj)
            else:
                return tuple(out)
        out = []
        for kind, obj, ver_ref, ver in saved:
            if ver_ref is not None and ver_ref[0] != ver:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{_describe(obj)}], which is "
                    f"{'output' if kind == 1 else 'input'} of {self.name()}, is at version "
                    f"{ver_ref[0]}; expected version {ver} instead. Hint: the tensor was changed "
                    "in place after it was saved for backward; use an out-of-place op or .clone().")
            if not tensor_mode:
                out.append(obj._data if kind == 0 else obj[1] if kind == 1 else obj)
            elif kind == 0:
                out.append(obj)
            elif kind == 1:                     # an output: rebuild it, attached to this node
                t = Tensor._make(obj[1], True, self, obj[0])
                t._vc = ver_ref
                out.append(t)
            else:
                out.append(Tensor._make(obj) if isinstance(obj, np.ndarray) else obj)
        return tuple(out)

    @property
    def _in_meta(self):
        """(shape, dtype) of each forward arg that needs a gradient (None for the others),
        derived from the edges: what the engine checks the gradients against."""
        return tuple(_edge_meta(e) for e in self._next)

    @property
    def saved_variables(self):
        return self.saved_tensors

    # ---- graph node API ---------------------------------------------------------------
    def name(self) -> str:
        """The grad_fn name torch gives this op: ``_tname`` where set (a class attribute, e.g.
        ConvNd's "ConvolutionBackward0", or an instance attribute set by ``named`` where the
        name depends on the variant, e.g. MatMul's "MmBackward0"), else "<Class>Backward0"
        ("<Name>Backward" for user Functions). The class name itself stays the op's key for
        the profiler and FLOP_RULES."""
        n = self._tname
        if n is not None:
            return n
        cls = type(self)
        if cls.__dict__.get("_is_node_cls"):
            return cls.__name__                 # "<Name>Backward", as torch names user nodes
        return cls.__name__ + ("Backward0" if cls._raw else "Backward")

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else
                     ((_AccumulateGradView(e[0]), 0) if isinstance(e[0], Tensor) else e)
                     for e in self._next)

    def register_hook(self, fn):
        """Hook called as fn(grad_inputs, grad_outputs) after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def _release(self):
        if self._saved is not None:
            self._saved = None
            self._released = True

    # ---- forward -------------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        # The hot path of every op. Built-in (raw) primitives with one ndarray output are done
        # here in one pass; everything else (observers, user Functions, tuple outputs) goes
        # through the general _apply / _finish. (User Functions also take keyword arguments:
        # _apply_kw, set by __init_subclass__.)
        if observer is not None:
            return observer(cls, args, cls._apply)
        if not cls._raw:
            return cls._apply(*args)
        ctx = _new(cls)
        enabled = grad_mode.enabled
        record = False
        needs = nxt = None
        n = len(args)
        # Unrolled for one and two args (no list building, no comprehension frame).
        if n == 2:
            a, b = args
            ta = isinstance(a, Tensor)
            tb = isinstance(b, Tensor)
            ra = a._data if ta else a
            rb = b._data if tb else b
            out = cls.forward(ctx, ra, rb)
            if enabled:
                ea = eb = None
                if ta and a._requires_grad:
                    fn = a.grad_fn
                    ea = (a, 0) if fn is None else (fn, a._out_idx)
                if tb and b._requires_grad:
                    fn = b.grad_fn
                    eb = (b, 0) if fn is None else (fn, b._out_idx)
                if ea is not None:
                    record = True
                    needs = _TT if eb is not None else _TF
                    nxt = (ea, eb)
                    raw = (ra, rb)
                elif eb is not None:
                    record = True
                    needs = _FT
                    nxt = (ea, eb)
                    raw = (ra, rb)
        elif n == 1:
            a = args[0]
            ta = isinstance(a, Tensor)
            ra = a._data if ta else a
            out = cls.forward(ctx, ra)
            if enabled and ta and a._requires_grad:
                record = True
                raw = (ra,)
                fn = a.grad_fn
                needs = _T
                nxt = ((a, 0) if fn is None else (fn, a._out_idx),)
        else:
            rl = []
            nl = []
            el = []
            for a in args:
                if isinstance(a, Tensor):
                    rl.append(a._data)
                    if enabled and a._requires_grad:
                        record = True
                        nl.append(True)
                        fn = a.grad_fn
                        el.append((a, 0) if fn is None else (fn, a._out_idx))
                        continue
                else:
                    rl.append(a)
                nl.append(False)
                el.append(None)
            raw = rl
            out = cls.forward(ctx, *rl)
            if record:
                needs = tuple(nl)
                nxt = tuple(el)
        if type(out) is not _ndarray:
            return _finish(cls, ctx, args, out, record, needs, nxt)
        if not record:
            t = _new(Tensor)
            t._data = out
            t._requires_grad = False
            t._grad = None
            t.grad_fn = None
            t._out_idx = 0
            t._vc = [0]
            if cls._view and isinstance(args[0], Tensor):
                _share_view(t, cls, args)
            t._hooks = None
            return t
        # recorded, one ndarray output
        ctx.needs_input_grad = needs
        ctx._next = nxt
        dt = out.dtype
        diff = dt.kind == "f"
        nd_objs = ctx._non_diff_objs
        if nd_objs and any(out is x for x in nd_objs):
            ctx._non_diff = (0,)
            diff = False
        t = _new(Tensor)
        t._data = out
        t._requires_grad = diff
        t._grad = None
        t.grad_fn = ctx if diff else None
        t._out_idx = 0
        t._vc = [0]
        if cls._view and isinstance(args[0], Tensor):
            _share_view(t, cls, args)
        t._hooks = None
        ctx._out_meta = ((out.shape, dt),)
        to_save = ctx._to_save
        if to_save:
            packed = []
            for item in to_save:
                if item is None:
                    packed.append((2, None, None, None))
                    continue
                i = 0
                for r in raw:
                    if item is r:
                        a = args[i]
                        if isinstance(a, Tensor):
                            v = a._vc
                            packed.append((0, a, v, v[0]))
                            break
                    i += 1
                else:
                    if item is out:
                        if diff:
                            v = t._vc
                            packed.append((1, (0, out), v, v[0]))
                        else:
                            packed.append((2, out, None, None))
                    else:
                        packed.append((2, item._data if isinstance(item, Tensor) else item,
                                       None, None))
            ctx._saved = packed
            ctx._to_save = ()                   # (a del would unshare the dict keys)
        return t

    @classmethod
    def _apply(cls, *args):
        # The general path (also what observers wrap): any Function, any outputs.
        ctx = _new(cls)
        record = False
        needs = nxt = None
        if cls._raw:
            raw = []
            for a in args:
                if isinstance(a, Tensor):
                    raw.append(a._data)
                    if a._requires_grad:
                        record = True
                else:
                    raw.append(a)
            record = record and grad_mode.enabled
            out = cls.forward(ctx, *raw)
        else:
            ctx = _new(cls._node_cls)
            enabled = grad_mode.enabled
            nl = []
            nontensor = []
            for i, a in enumerate(args):
                if isinstance(a, Tensor):
                    nl.append(enabled and a._requires_grad)
                else:
                    nl.append(False)
                    nontensor.append(i)
            record = any(nl)
            # forward sees needs_input_grad already (torch sets it before calling forward)
            ctx.needs_input_grad = tuple(nl)
            ctx._nontensor_args = nontensor
            custom_setup = cls.setup_context is not Function.setup_context
            with grad_mode.no_grad():
                if custom_setup:                # newer style: forward(*args) + setup_context
                    out = cls.forward(*args)
                    cls.setup_context(ctx, args, out)
                else:
                    out = cls.forward(ctx, *args)
            if ctx._dirty:
                return _finish_dirty(cls, ctx, args, out, record)
        return _finish(cls, ctx, args, out, record, needs, nxt)

    # ---- backward (called by the engine) ----------------------------------------
    def _call_backward(self, grads, create_graph: bool):
        self._create_graph = create_graph
        cls = type(self)
        if not cls._raw or create_graph:
            grads = [g if g is None or isinstance(g, Tensor) else Tensor._make(g)
                     for g in grads]
        res = cls.backward(self, *grads)
        if type(res) is not tuple:
            res = (res,)
        n = len(self._next)
        if len(res) != n:
            if cls._raw and len(res) < n:
                res = res + (None,) * (n - len(res))
            elif len(res) > n and all(r is None for r in res[n:]):
                res = res[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(res)})")
        for i in self._nontensor_args:
            if res[i] is not None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than "
                                   f"None at position {i + 1}, but the corresponding forward "
                                   "input was not a Variable")
        if not create_graph:
            for r in res:
                if isinstance(r, Tensor):
                    return tuple(r._data if isinstance(r, Tensor) else r for r in res)
        return res


def _finish(cls, ctx, args, out, record, needs, nxt):
    """Wrap forward's result(s) in Tensors and, when recording, make ctx the graph node."""
    single = not isinstance(out, tuple)
    if single:
        if type(out) is not np.ndarray:
            o = out._data if isinstance(out, Tensor) else out
            outs = (np.asarray(o) if isinstance(o, np.generic) else o,)
        else:
            outs = (out,)
    else:
        # numpy ufuncs on 0-d arrays return numpy scalars: keep every output an ndarray
        outs = tuple(np.asarray(o) if isinstance(o, np.generic) else
                     o._data if isinstance(o, Tensor) else o for o in out)
    if not record:
        if single and type(outs[0]) is np.ndarray:
            t = Tensor._make(outs[0])
            if cls._view and isinstance(args[0], Tensor):
                _share_view(t, cls, args)
            return t
        res = [Tensor._make(o) if isinstance(o, np.ndarray) else o for o in outs]
        if cls._view and isinstance(args[0], Tensor):
            _share_view(res[0], cls, args)
        return res[0] if single else tuple(res)

    if needs is None:
        needs, nxt = [], []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                fn = a.grad_fn
                nxt.append((fn, a._out_idx) if fn is not None else (a, 0))
            else:
                needs.append(False)
                nxt.append(None)
    ctx.needs_input_grad = tuple(needs)
    ctx._next = tuple(nxt)
    non_diff = ()
    nd_objs = ctx._non_diff_objs
    if nd_objs:
        raw_out = (out,) if single else out
        non_diff = tuple(i for i, o in enumerate(raw_out) if any(o is x for x in nd_objs))
        ctx._non_diff = non_diff
    results = []
    out_meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, np.ndarray):
            results.append(o)
            out_meta.append(None)
            continue
        diff = o.dtype.kind == "f" and i not in non_diff
        results.append(Tensor._make(o, diff, ctx if diff else None, i))
        out_meta.append((o.shape, o.dtype))
    ctx._out_meta = tuple(out_meta)
    if cls._view and isinstance(args[0], Tensor):
        _share_view(results[0], cls, args)
    if ctx._to_save:
        ctx._saved = _pack_saved(ctx._to_save, args, outs, out, results, cls._raw)
        del ctx._to_save
    if observer is not None and hasattr(observer, "on_node"):
        observer.on_node(ctx)
    return results[0] if single else tuple(results)


def _apply_kw(cls, *args, **kwargs):
    """A user Function's apply: keyword arguments bound to forward's signature, as torch."""
    if kwargs:
        args = _bind_forward_args(cls, args, kwargs)
    return Function.apply.__func__(cls, *args)


def _bind_forward_args(cls, args, kwargs):
    """apply(x, k=3): the positional arguments forward(ctx, ...) would receive."""
    import inspect
    bound = inspect.signature(cls.forward).bind(None, *args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{cls.__name__}.apply(): keyword-only arguments of forward are not "
                        f"supported ({sorted(bound.kwargs)})")
    return tuple(bound.args[1:])


def _share_view(t, cls, args):
    """``t`` came from a view op on ``args[0]``: share its version counter and, when ``t``
    really aliases its memory (not an advanced-index or reshape copy), remember the chain of
    view ops from the root tensor, so an in-place op on ``t`` can rewire the root's graph
    (PyTorch's CopySlices; see Tensor._inplace)."""
    a = args[0]
    ra = a._data
    b = t._data.base
    if b is None or not (b is ra or b is ra.base):
        return                                      # a copy: its own version counter
    t._vc = a._vc
    # torch's view creation meta: made in no_grad mode, or (inherited) from a view that was
    # made so or is an output of a multi-output view op (unbind, split); an in-place op on
    # such a view under autograd raises (Tensor._check_view_inplace)
    prev = a.__dict__.get("_vmeta")
    if not grad_mode.enabled:
        t._vmeta = ("no_grad", 0, None, False)      # (kind, output index, op, inherited)
    elif prev is not None:
        t._vmeta = (prev[0], 0, cls.__name__, True)
    step = (cls, args[1:])
    src = getattr(a, "_view_src", None)
    t._view_src = (a, (step,)) if src is None else (src[0], src[1] + (step,))
    # the root keeps its live views, so an in-place op can regenerate their graphs
    root = t._view_src[0].__dict__
    views = root.get("_views")
    if views is None:
        views = root["_views"] = weakref.WeakSet()
    views.add(t)


def _edge_meta(e):
    """(shape, dtype) of the tensor an edge leads to (None for an input without grad)."""
    if e is None:
        return None
    node = e[0]
    if isinstance(node, Tensor):
        d = node._data
        return d.shape, d.dtype
    return node._out_meta[e[1]]


def _pack_saved(items, args, outs, raw_out, results, raw):
    """Classify each saved object as an input tensor, an output, or a constant array."""
    packed = []
    for item in items:
        if item is None:
            packed.append((2, None, None, None))
            continue
        found = False
        for a in args:
            if isinstance(a, Tensor) and (item is a._data if raw else item is a):
                packed.append((0, a, a._vc, a._vc[0]))
                found = True
                break
        if found:
            continue
        ret = raw_out if isinstance(raw_out, tuple) else (raw_out,)
        for i, o in enumerate(ret):
            if item is o:
                t = results[i]
                if isinstance(t, Tensor) and t.grad_fn is not None:
                    packed.append((1, (i, t._data), t._vc, t._vc[0]))
                else:
                    packed.append((2, outs[i], None, None))
                found = True
                break
        if found:
            continue
        if not raw and not isinstance(item, Tensor):
            raise TypeError("save_for_backward can only save variables, but argument "
                            f"{next(i for i, x in enumerate(items) if x is item)} is of type {type(item).__name__}")
        packed.append((2, item._data if isinstance(item, Tensor) else item, None, None))
    return packed


def _finish_dirty(cls, ctx, args, out, record):
    """A user Function changed inputs in place (ctx.mark_dirty): the outputs that are those
    inputs are returned as the input objects themselves, their history now this node."""
    dirty = ctx._dirty
    outs = out if isinstance(out, tuple) else (out,)
    for d in dirty:
        if not any(o is d for o in outs):
            raise RuntimeError("Some elements marked as dirty during the forward method were not "
                               "returned as output. The inputs that are modified inplace must "
                               "all be outputs of the Function.")
        if record and d._requires_grad and d.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                               "operation.")
    # build the node as usual on fresh output tensors, then move the history to the inputs
    fresh = tuple(Tensor._make(o._data) if any(o is d for d in dirty) else o for o in outs)
    res = _finish(cls, ctx, args, fresh if isinstance(out, tuple) else fresh[0], record,
                  None, None)
    res_t = res if isinstance(out, tuple) else (res,)
    final = []
    for o, r in zip(outs, res_t):
        if any(o is d for d in dirty) and isinstance(r, Tensor):
            if r.grad_fn is not None:
                o.grad_fn = r.grad_fn
                o._out_idx = r._out_idx
                o._requires_grad = True
                for k, e in enumerate(ctx._saved or ()):
                    if e[0] == 1 and e[1][1] is o._data:    # a saved output: track o's version
                        ctx._saved[k] = (1, e[1], o._vc, o._vc[0])
            final.append(o)
        else:
            final.append(r)
    return tuple(final) if isinstance(out, tuple) else final[0]


def named(out, name, *args):
    """Give the node that just made ``out`` (the result of an ``apply``; a tuple: its first
    tensor) the grad_fn name torch has for this variant of the op; ``name`` is a string, or a
    function called with ``args`` only when a node was recorded. Returns ``out``."""
    fn = (out[0] if type(out) is tuple else out).grad_fn
    if fn is not None:
        fn._tname = name if type(name) is str else name(*args)
    return out


def _describe(obj):
    if isinstance(obj, Tensor):
        return f"{obj.dtype!r} {list(obj.shape)}"
    if isinstance(obj, tuple):
        return f"{list(obj[1].shape)}"
    return ""


class _AccumulateGradView:
    """What ``next_functions`` shows for a leaf: PyTorch's AccumulateGrad node."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    @staticmethod
    def name():
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _BackwardFunctionCtx(Function):
    pass


def once_differentiable(fn):
    """torch.autograd.function.once_differentiable: backward runs without building a graph."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper


from .tensor import Tensor  # noqa: E402  (Tensor needs Function too)
