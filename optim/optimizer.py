"""Optimizer base class (torch.optim.Optimizer).

Parameters live in ``param_groups`` (a list of dicts, every hyperparameter filled from the
defaults); per-parameter buffers live in ``state`` (a dict keyed by the Parameter). Updates are
done on the numpy arrays in place (``p._data``), with Python-float scalars so float32 stays
float32, and each written parameter's version counter is bumped.

L1 regularisation (PyTorch has none): every optimizer in this package accepts an extra keyword
``l1_weight_decay`` (default 0). When non-zero, ``l1_weight_decay * sign(p)`` is added to the
gradient at the same place where the (coupled) L2 ``weight_decay * p`` term is added, i.e. after
the ``maximize`` sign flip. The key is added to the param groups only when it is used (a group
dict may also carry its own ``l1_weight_decay``), so default param groups and state dicts are
exactly torch's.
"""
from __future__ import annotations

import copy
from collections import OrderedDict, defaultdict
from itertools import chain
from typing import Any, Callable

import numpy as np

from autograd import dtypes as _dt
from autograd import grad_mode
from autograd.kernels import optim as _KO
from autograd.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a hyperparameter the user must give (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


# ---- helpers shared by the optimizers ------------------------------------------------------
def _to_scalar(x):
    """lr / betas given as 1-element Tensors -> Python floats."""
    if isinstance(x, Tensor):
        return float(x._data.reshape(-1)[0])
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return float(np.asarray(x).reshape(-1)[0])
    return x


def _step_dtype():
    """torch keeps 'step' as a float32 CPU tensor (float64 when that is the default dtype)."""
    return np.float64 if _dt.get_default_dtype() == _dt.float64 else np.float32


def _new_step() -> Tensor:
    return Tensor._make(np.zeros((), _step_dtype()))


def _incr_step(state: dict, key: str = "step") -> float:
    """state[key] += 1 (kept a 0-d Tensor as torch) and return the new value as a Python float."""
    st = state[key]
    if not isinstance(st, Tensor):                 # an old-format state dict with a number
        st = Tensor._make(np.asarray(float(st), _step_dtype()))
        state[key] = st
    st._data += 1
    st._vc[0] += 1
    return float(st._data)


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros(p._data.shape, p._data.dtype))


def _fma_(a: np.ndarray, x, y) -> np.ndarray:
    """a = a + x * y in place with ONE rounding, as torch's CPU kernels (add(alpha=), addcmul,
    lerp use fused multiply-add). For float32 the product of two float32 values is exact in
    float64, so computing there and rounding once reproduces torch bit for bit (but for a
    ~2^-29-rare double-rounding tie). Other dtypes: plain multiply-add."""
    if not isinstance(y, np.ndarray) and y == 1:      # a + x: already a single rounding
        a += x
        return a
    if a.dtype == np.float32:
        if not isinstance(x, np.ndarray):
            x = np.float32(x)
        if not isinstance(y, np.ndarray):
            y = np.float32(y)
        t = np.multiply(x, y, dtype=np.float64)
        t += a
        a[...] = t
    else:
        a += x * y
    return a


def _lerp_(a: np.ndarray, b: np.ndarray, w: float) -> None:
    """a = lerp(a, b, w) in place with torch's formula: fma(w, b - a, a) for |w| < 0.5, else
    fma(w - 1, b - a, b) (the weight in a's dtype)."""
    wt = a.dtype.type(w)
    diff = b - a
    if abs(wt) < 0.5:
        _fma_(a, diff, wt)
    else:
        base = np.array(b, dtype=a.dtype, copy=True)
        _fma_(base, diff, wt - a.dtype.type(1))
        a[...] = base


def _regularized_grad(p: Tensor, group: dict, weight_decay: float, maximize: bool) -> np.ndarray:
    """The gradient the update uses: -grad if maximize, plus weight_decay * p (coupled L2), plus
    l1_weight_decay * sign(p) (L1). Never writes into ``p.grad``."""
    g = p.grad._data
    if g.dtype != p._data.dtype:
        g = g.astype(p._data.dtype)
    l1 = group.get("l1_weight_decay", 0)
    if (weight_decay != 0 or maximize) and not l1 and _fused_ok(p._data, g):
        a = p._data                 # one Numba pass instead of numpy's float64 temporaries
        out = np.empty_like(a)
        _KO.regularize(a.reshape(-1), np.ascontiguousarray(g).reshape(-1),
                       a.dtype.type(weight_decay), bool(maximize), out.reshape(-1))
        return out
    if maximize:
        g = np.negative(g, out=np.empty_like(g))    # out=: a 0-d grad stays an array
    if weight_decay != 0 or l1:
        g = np.array(g, copy=True) if g is p.grad._data else g
        if weight_decay != 0:
            _fma_(g, p._data, weight_decay)
        if l1:
            _fma_(g, np.sign(p._data), l1)
    return g


def _fused_ok(a: np.ndarray, like: np.ndarray) -> bool:
    """Can the fused kernels (autograd/kernels/optim.py) update ``a`` with ``like``: a float
    array, C-contiguous and writeable, of like's dtype and shape."""
    return (a.dtype in (np.float32, np.float64) and a.dtype == like.dtype
            and a.shape == like.shape and a.flags.c_contiguous and a.flags.writeable)


def _bump(p: Tensor) -> None:
    p._vc[0] += 1


def _to_numpy_any(value):
    """A tensor from another library (e.g. a torch state dict) -> ndarray, else None."""
    mod = type(value).__module__ or ""
    if mod.startswith("torch") and hasattr(value, "detach"):
        return np.array(value.detach().cpu().numpy())
    return None


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (param groups,
            each with a ``'params'`` entry and optional per-group hyperparameters).
        defaults: the hyperparameters every group gets unless it sets its own.
    """

    def __init_subclass__(cls, **kwargs):
        # torch wraps every optimizer's step so that the step hooks run, also for a user's
        # subclass that writes its own step(); one level of hooks when steps call super()
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _hooked_step(cls.__dict__["step"])

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ---- pickling / repr ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    # group keys an optimizer pickled by an older version may lack, with torch's values for
    # them (each optimizer's __setstate__ in torch)
    _GROUP_DEFAULTS: dict[str, Any] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        for group in self.param_groups:
            for key, value in self._GROUP_DEFAULTS.items():
                group.setdefault(key, value)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n"
            s += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        s += ")"
        return s

    # ---- param groups -------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group (e.g. layers unfrozen during fine-tuning); missing hyperparameters
        are filled from ``defaults``. A parameter may belong to one group only (ValueError)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        param_set: set = set()
        for group in self.param_groups:
            param_set.update(set(group["params"]))
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not param_set.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients -----------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: ``p.grad = None`` (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if p.grad.grad_fn is not None:
                            p.grad = p.grad.detach()
                        else:
                            p.grad.requires_grad_(False)
                        p.grad._data[...] = 0
                        p.grad._vc[0] += 1

    # ---- step ------------------------------------------------------------------------------------
    def _eval_closure(self, closure):
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    def step(self, closure: Callable | None = None):
        """Perform one update; ``closure`` re-evaluates the model and returns the loss. Our
        optimizers define ``_update`` (one update of every group, run without grad); a
        subclass without it writes its own step(), as with torch."""
        update = getattr(self, "_update", None)
        if update is None:
            raise NotImplementedError
        return self._run_step(closure, update)

    def _run_step(self, closure, update):
        """Shared skeleton: closure (with grad), then ``update()`` without grad (the step hooks
        run around ``step``: ``_hooked_step``)."""
        loss = self._eval_closure(closure)
        with grad_mode.no_grad():
            update()
        return loss

    def register_step_pre_hook(self, hook):
        key = object()
        self._optimizer_step_pre_hooks[key] = hook
        return _DictHandle(self._optimizer_step_pre_hooks, key)

    def register_step_post_hook(self, hook):
        key = object()
        self._optimizer_step_post_hooks[key] = hook
        return _DictHandle(self._optimizer_step_post_hooks, key)

    # ---- state dicts -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """torch's format: ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [index]}]}``
        with parameters numbered in group order. Values reference the live state (as torch)."""
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` (ours, or torch's: torch tensors are converted). State tensors
        are copied (the loaded optimizer never aliases the dict), floating buffers are cast to
        their parameter's dtype, 'step' counters keep their own dtype."""
        state_dict = dict(state_dict)
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def _cast(param, value, key=None):
            if isinstance(value, Tensor) or isinstance(value, np.ndarray) \
                    or _to_numpy_any(value) is not None:
                if isinstance(value, Tensor):
                    arr = value._data
                elif isinstance(value, np.ndarray):
                    arr = value
                else:
                    arr = _to_numpy_any(value)
                if key != "step" and param._data.dtype.kind == "f" and arr.dtype.kind == "f":
                    arr = arr.astype(param._data.dtype, copy=True)
                else:
                    arr = np.array(arr, copy=True)
                return Tensor._make(arr)
            if isinstance(value, dict):
                return {k: _cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(_cast(param, v) for v in value)
            return copy.deepcopy(value)

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.state = state
        self._after_load_state_dict()

    def _after_load_state_dict(self) -> None:
        """Hook for subclasses that cache things derived from param_groups (LBFGS)."""


class _DictHandle:
    def __init__(self, d, key):
        self._d, self._key = d, key

    def remove(self):
        self._d.pop(self._key, None)


def _typename(o) -> str:
    if isinstance(o, Tensor):
        return {"float32": "autograd.FloatTensor", "float64": "autograd.DoubleTensor"}.get(
            str(o._data.dtype), "autograd.Tensor")
    return type(o).__module__ + "." + type(o).__qualname__ if type(o).__module__ != "builtins" \
        else type(o).__qualname__


def _check_lr(lr, nan_ok: bool = False):
    """``nan_ok``: torch's SGD tests ``lr < 0.0``, which a NaN lr passes; the others test
    ``not 0.0 <= lr``."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    lr_ = _to_scalar(lr)
    if (lr_ < 0.0) if nan_ok else not 0.0 <= lr_:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonneg(label: str, value) -> None:
    """torch's ``if not 0.0 <= value: raise ValueError(f"Invalid {label} value: ...")`` (NaN
    fails too)."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {label} value: {value}")


def _add_l1(defaults: dict, l1_weight_decay: float) -> dict:
    if l1_weight_decay:
        if l1_weight_decay < 0:
            raise ValueError(f"Invalid l1_weight_decay value: {l1_weight_decay}")
        defaults["l1_weight_decay"] = l1_weight_decay
    return defaults


def _hooked_step(step):
    """step() with the optimizer's step pre/post hooks around it (torch's semantics: a hook
    gets (optimizer, args with the optimizer first, kwargs); a pre-hook may return new
    (args, kwargs)). Nested steps (a subclass calling super().step()) run the hooks once."""
    import functools

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if self.__dict__.get("_in_hooked_step"):
            return step(*args, **kwargs)
        for hook in list(self._optimizer_step_pre_hooks.values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {res}.")
                args, kwargs = res
        self._in_hooked_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._in_hooked_step = False
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    return wrapper


Optimizer.step = _hooked_step(Optimizer.step)     # the optimizers' shared step (subclasses
                                                   # writing their own: __init_subclass__)
