"""Tensor: a numpy array plus what reverse-mode autograd needs (torch.Tensor's surface).

The array lives in ``_data`` (``.data`` is, as in PyTorch, a detached Tensor sharing it).
Operators and methods call the functions in ``autograd.ops``, which call ``Function.apply``.
"""
from __future__ import annotations

import re as _re
import warnings
import weakref

import numpy as np

_asarray = np.asarray

from . import dtypes as _dt
from . import grad_mode


_NONLEAF_GRAD_MSG = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead.")


_MISSING = object()     # random_(from, None) differs from random_(to)


class Tensor:
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_out_idx", "_vc", "_hooks",
                 "__weakref__", "__dict__")

    # ndarray (op) Tensor defers to Tensor's reflected operator instead of looping elementwise.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data=None, *sizes, requires_grad: bool = False, dtype=None):
        """``autograd.Tensor(data)``: like torch.Tensor, a tensor of the default float dtype;
        ``Tensor(2, 3)`` (ints: a size) one of that shape (zeros; torch's is uninitialised)."""
        if data is None:
            data = []
        if isinstance(data, Tensor):
            data = data._data
        if sizes or (isinstance(data, (int, np.integer)) and not isinstance(data, bool)):
            shape = (data,) + sizes
            if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
                       for v in shape):
                raise TypeError(f"Tensor(): expected data or a size of non-negative ints, got "
                                f"{shape}")
            data = np.zeros(tuple(int(v) for v in shape))
        arr = np.array(data, dtype=_dt.to_numpy_dtype(dtype))
        self._data = arr
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._out_idx = 0
        self._vc = [0]
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(arr: np.ndarray, requires_grad: bool = False, grad_fn=None, idx: int = 0):
        """Fast internal constructor (no copy, no checks)."""
        t = object.__new__(Tensor)
        t._data = arr
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._out_idx = idx
        t._vc = [0]
        t._hooks = None
        return t

    # ---- basic properties ------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """A detached tensor sharing this one's array (PyTorch's ``.data``)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if value and self.grad_fn is None and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients "
                               f"(got {self.dtype!r})")
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        """The accumulated gradient (None until a backward reaches this leaf). Reading it on a
        non-leaf that does not retain its grad warns, as torch does: it is never filled."""
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NONLEAF_GRAD_MSG, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value._data.shape)}' to a tensor of size "
                                   f"'{list(self._data.shape)}'. Please ensure that the "
                                   "gradient and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype "
                                   f"'{value.dtype}' to a tensor with dtype '{self.dtype}'. "
                                   "The gradient must match the tensor's dtype")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def shape(self) -> "Size":
        return _tuple_new(Size, self._data.shape)         # an array's shape: no checks

    @property
    def dtype(self) -> _dt.dtype:
        return _dt._BY_NP[self._data.dtype]

    @property
    def device(self):
        return device("cpu")

    is_cuda = False
    is_sparse = False
    is_quantized = False
    layout = "strided"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def size(self, dim: int | None = None):
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def data_ptr(self) -> int:
        return self._data.ctypes.data

    @property
    def T(self) -> "Tensor":
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return _ops.transpose(self, -2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT

    # ---- conversion -------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    def tolist(self):
        return self._data.tolist()

    def detach(self) -> "Tensor":
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def storage_offset(self) -> int:
        """Elements between the start of the root numpy buffer and this view's first one."""
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        ptr = self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return ptr // self._data.itemsize

    def apply_(self, callable) -> "Tensor":
        """Call a Python function on every element, in place (slow; as torch, CPU only)."""
        self._write_py(np.vectorize(callable, otypes=[self._data.dtype])(self._data), "apply_")
        return self

    def map_(self, tensor, callable) -> "Tensor":
        """self[i] = callable(self[i], tensor[i]), tensor broadcast to self's shape."""
        other = np.broadcast_to(tensor._data if isinstance(tensor, Tensor) else tensor,
                                self._data.shape)
        self._write_py(np.vectorize(callable, otypes=[self._data.dtype])(self._data, other),
                       "map_")
        return self

    def _write_py(self, values, op):
        if self._requires_grad:                 # not differentiable: torch refuses it
            raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use "
                               f"var.detach().{op}() instead.")
        np.copyto(self._data, values, casting="unsafe")
        self._vc[0] += 1

    def detach_(self) -> "Tensor":
        if self.grad_fn is not None and getattr(self, "_view_src", None) is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self, *, memory_format=None) -> "Tensor":
        return _ops.clone(self)

    def contiguous(self, memory_format=None) -> "Tensor":
        return self if self._data.flags.c_contiguous else _ops.clone(self)

    def to(self, *args, **kwargs) -> "Tensor":
        """to(dtype) / to(device) / to(other) / to(device, dtype); devices other than cpu fail."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, device)):
                _check_device(a)
            elif a is not None:
                dtype = a
        if "device" in kwargs and kwargs["device"] is not None:
            _check_device(kwargs["device"])
        copy = kwargs.get("copy", False)
        if dtype is None:
            return self.clone() if copy else self
        npd = _dt.to_numpy_dtype(dtype)
        if npd == self._data.dtype:
            return self.clone() if copy else self
        return _ops.to_dtype(self, npd)

    def type(self, dtype=None):
        if dtype is None:
            return _TYPE_NAMES.get(self._data.dtype, str(self._data.dtype))
        if isinstance(dtype, str) and dtype.rsplit(".", 1)[-1].endswith("Tensor"):
            # x.type('torch.DoubleTensor') / x.type(y.type()): the legacy type names
            name = dtype.rsplit(".", 1)[-1]
            hit = [d for d, n in _TYPE_NAMES.items() if n.rsplit(".", 1)[-1] == name]
            if not hit:
                raise ValueError(f"invalid type: '{dtype}'")
            return self.to(_dt.from_numpy_dtype(hit[0]))
        if isinstance(dtype, type) and isinstance(getattr(dtype, "_np", None), np.dtype):
            return self.to(_dt.from_numpy_dtype(dtype._np))        # x.type(autograd.LongTensor)
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def float(self) -> "Tensor":
        return self.to(_dt.float32)

    def double(self) -> "Tensor":
        return self.to(_dt.float64)

    def half(self) -> "Tensor":
        return self.to(_dt.float16)

    def long(self) -> "Tensor":
        return self.to(_dt.int64)

    def int(self) -> "Tensor":
        return self.to(_dt.int32)

    def bool(self) -> "Tensor":
        return self.to(_dt.bool_)

    def byte(self) -> "Tensor":
        return self.to(_dt.uint8)

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("autograd is a CPU engine: there is no CUDA device")

    def pin_memory(self):
        return self

    def share_memory_(self):
        return self

    # ---- autograd ---------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (torch.Tensor.backward)."""
        from .engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called with this tensor's gradient during backward."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            lst = self._hooks
        else:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = {}
            lst = node._hooks.setdefault(self._out_idx, [])
            lst.append(hook)
        return _RemovableHandle(lst, hook)

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        node = self.grad_fn
        if node._retain is None:
            node._retain = {}
        node._retain[self._out_idx] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        return bool(node is not None and node._retain and self._out_idx in node._retain)

    @property
    def _version(self) -> int:
        """torch's version counter: in-place writes to this tensor or any view of its storage
        (``_vc`` is the one-element list the views share)."""
        return self._vc[0]

    # ---- in-place machinery --------------------------------------------------------------
    def _inplace(self, fn, *args, op: str = "in-place op", view_op: str | None = None):
        """Run out-of-place ``fn(self, *args)`` then write the result into this tensor's array,
        bump the version counter and, when recording, take the result's grad_fn. ``view_op``:
        torch writes through a view of this tensor made by that op (setitem's Select/Slice),
        which its errors name."""
        recording = grad_mode.enabled and (self._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in args))
        if "_vmeta" in self.__dict__:
            self._check_view_inplace(recording, view_op)
        if recording and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        view_src = getattr(self, "_view_src", None) if recording else None
        if view_src is not None and view_src[0]._requires_grad and view_src[0].grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        if not recording:
            with grad_mode.no_grad():
                out = fn(self, *args)
            _check_inplace_result(self, out, op)
            if not self._data.flags.writeable:
                raise RuntimeError(f"{op}: cannot write into a tensor that is a broadcast "
                                   "(expanded) view; call .clone() first")
            np.copyto(self._data, out._data, casting="unsafe")
            self._vc[0] += 1
            return self
        alias = Tensor._make(self._data, self._requires_grad, self.grad_fn, self._out_idx)
        alias._vc = self._vc
        out = fn(alias, *args)
        _check_inplace_result(self, out, op)
        if out._data.dtype != self._data.dtype:
            out = out.to(self.dtype)
        node = out.grad_fn
        if node is not None and node._saved:
            # The old value is about to be overwritten: keep a private copy where it was saved.
            for k, entry in enumerate(node._saved):
                if entry[0] == 0 and entry[1] is alias:
                    keep = Tensor._make(self._data.copy(), alias._requires_grad, alias.grad_fn,
                                        alias._out_idx)
                    node._saved[k] = (0, keep, keep._vc, 0)
        if not self._data.flags.writeable:
            raise RuntimeError(f"{op}: cannot write into a tensor that is a broadcast (expanded) "
                               "view; call .clone() first")
        np.copyto(self._data, out._data, casting="unsafe")
        self._vc[0] += 1
        if node is not None and node._saved:
            # The node saved its output (e.g. tanh_): that output is now this tensor, so a
            # later in-place change of this tensor must invalidate it (version check).
            for k, entry in enumerate(node._saved):
                if entry[0] == 1 and entry[2] is out._vc:
                    node._saved[k] = (1, entry[1], self._vc, self._vc[0])
        if node is not None:
            old, old_idx = self.grad_fn, self._out_idx
            self.grad_fn = node
            self._out_idx = out._out_idx
            self._requires_grad = True
            if old is not None and old._retain and old._retain.get(old_idx) is not None \
                    and old._retain[old_idx]() is self:
                # retain_grad() follows the tensor to its new value (torch)
                del old._retain[old_idx]
                self.retain_grad()
            if view_src is not None:
                _rewire_view_root(view_src, out)
            _regenerate_views(self, view_src)
        return self

    def _check_view_inplace(self, recording, view_op=None):
        """torch's rule for views made in no_grad mode, or output by a multi-output view op
        (unbind, split, chunk), and views of those: no in-place op on them under autograd
        (when the op would be recorded, or their base requires grad)."""
        if not grad_mode.enabled:
            return
        src = self.__dict__.get("_view_src")
        root_grad = src is not None and src[0]._requires_grad
        if not (recording or root_grad):
            return
        kind, idx, name, derived = self._vmeta
        if view_op is not None:                 # a fresh view of this one is written
            idx, name, derived = 0, view_op, True
        elif derived:                           # named as torch names its grad_fn
            idx = self._out_idx
            fn = self.grad_fn
            name = _re.sub(r"Backward\d*$", "", fn.name() if fn is not None else name)
        # torch's header names the view's grad_fn when it has one: a view of a base that
        # requires grad, unless the view itself was made in no_grad mode
        if root_grad and (derived or kind == "multi"):
            msg = f"Output {idx} of {name} is a view" + (
                " and is being modified inplace." if kind == "multi" else
                " of a view which was created in no_grad mode and is being modified inplace "
                "with grad mode enabled.")
        else:
            msg = ("A view was created in no_grad mode and is being modified inplace with grad "
                   "mode enabled.")
        raise RuntimeError(msg + (_MULTI_VIEW_TAIL if kind == "multi" else _NO_GRAD_VIEW_TAIL))

    def _bump_version(self):
        self._vc[0] += 1

    # in-place ops
    def add_(self, other, *, alpha=1):
        return self._inplace(lambda a, b: _ops.add(a, b, alpha=alpha), other, op="add_")

    def sub_(self, other, *, alpha=1):
        return self._inplace(lambda a, b: _ops.sub(a, b, alpha=alpha), other, op="sub_")

    def mul_(self, other):
        return self._inplace(_ops.mul, other, op="mul_")

    def div_(self, other, *, rounding_mode=None):
        return self._inplace(lambda a, b: _ops.div(a, b, rounding_mode=rounding_mode), other,
                             op="div_")

    def pow_(self, exponent):
        return self._inplace(_ops.pow, exponent, op="pow_")

    def neg_(self):
        return self._inplace(_ops.neg, op="neg_")

    def abs_(self):
        return self._inplace(_ops.abs, op="abs_")

    def exp_(self):
        return self._inplace(_ops.exp, op="exp_")

    def log_(self):
        return self._inplace(_ops.log, op="log_")

    def sqrt_(self):
        return self._inplace(_ops.sqrt, op="sqrt_")

    def sigmoid_(self):
        return self._inplace(_ops.sigmoid, op="sigmoid_")

    def tanh_(self):
        return self._inplace(_ops.tanh, op="tanh_")

    def relu_(self):
        return self._inplace(_ops.relu, op="relu_")

    def clamp_(self, min=None, max=None):
        # tensor bounds go as arguments: one that requires grad makes the result require it
        return self._inplace(lambda a, lo, hi: _ops.clamp(a, lo, hi), min, max, op="clamp_")

    clip_ = clamp_

    def clamp_min_(self, min):
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        return self.clamp_(max=max)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace(lambda a, b, c: _ops.addcmul(a, b, c, value=value), tensor1,
                             tensor2, op="addcmul_")

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace(lambda a, b, c: _ops.addcdiv(a, b, c, value=value), tensor1,
                             tensor2, op="addcdiv_")

    def lerp_(self, end, weight):
        return self._inplace(lambda a, b: _ops.lerp(a, b, weight), end, op="lerp_")

    def masked_fill_(self, mask, value):
        return self._inplace(lambda a, m: _ops.masked_fill(a, m, value), mask, op="masked_fill_")

    def copy_(self, src, non_blocking=False):
        src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
        if not _needs_graph(self, src):
            return self._copy_nograd(src._data)
        shape = self._data.shape
        # where(all-True, src, self): src gets the gradient, the overwritten value gets zero.
        return self._inplace(lambda a, s: _ops.where(np.ones(shape, bool), s.to(a.dtype), a),
                             src, op="copy_")

    def _copy_nograd(self, arr):
        try:
            np.copyto(self._data, arr, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"copy_(): src of shape {tuple(np.shape(arr))} cannot be "
                               f"broadcast to the destination shape {tuple(self.shape)}") from None
        self._vc[0] += 1
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if isinstance(value, Tensor) and value._requires_grad and grad_mode.enabled:
            return self.copy_(value.expand(self.shape))
        if grad_mode.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if grad_mode.enabled and self._requires_grad:
            # where(all-False, self, value): the overwritten value gets a zero gradient
            return self._inplace(lambda a: _ops.where(np.zeros(a.shape, bool), a, value),
                                 op="fill_")
        if not self._data.flags.writeable:
            raise RuntimeError("fill_: cannot write into a tensor that is a broadcast (expanded) "
                               "view; call .clone() first")
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._vc[0] += 1
        return self

    # In-place random fills: torch's CPU kernels, drawing what torch draws for the same seed
    # (autograd.random); values go in torch's memory order, also for non-contiguous views.
    def _random_fill(self, fill, *args, generator=None):
        fill(self._data, *args, generator=generator)
        self._vc[0] += 1
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from . import random as _R
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        return self._random_fill(_R.fill_normal, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from . import random as _R
        if a > b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={a} > to={b}")
        return self._random_fill(_R.fill_uniform, a, b, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        from . import random as _R
        if isinstance(p, Tensor):
            p = p._data
        elif not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return self._random_fill(_R.fill_bernoulli, p, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        from . import random as _R
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return self._random_fill(_R.fill_exponential, lambd, generator=generator)

    def random_(self, low=_MISSING, high=_MISSING, *, generator=None, to=_MISSING):
        """random_() (the dtype's range), random_(to) = [0, to), random_(from, to) with to
        exclusive, random_(from, None) = [from, the dtype's max]."""
        from . import random as _R
        if to is not _MISSING:
            low, high = (0 if low is _MISSING else low), to
        elif high is _MISSING:
            low, high = (None, None) if low is _MISSING else (0, low)
        return self._random_fill(_R.fill_random, low, high, generator=generator)

    def __iadd__(self, other):
        if self.grad_fn is not None and isinstance(other, Tensor) and other.grad_fn is not None:
            from .graph import check_accumulation      # warns on `total += loss` (graph leak)
            check_accumulation(self, other)
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __setitem__(self, key, value):
        _ops.setitem(self, key, value)

    # ---- Python protocol --------------------------------------------------------------
    __hash__ = object.__hash__

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(_ops.unbind(self, 0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is "
                               "ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return _format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment")
        t = type(self).__new__(type(self))
        Tensor.__init__(t, self._data.copy())
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy())
        if hasattr(self, "__dict__"):
            for k, v in self.__dict__.items():
                setattr(t, k, v)
        memo[id(self)] = t
        return t

    # ---- operators --------------------------------------------------------------------
    # The hot path: Tensor (op) Tensor of one dtype and shape, and float Tensor (op) Python
    # number (the number becomes a 0-d array of the tensor's dtype: torch's promotion, no
    # float64 drift), go straight to the primitive; the rest through promotion/broadcast.
    def __add__(self, o):
        d = self._data
        if type(o) is Tensor:
            od = o._data
            if od.dtype is d.dtype and od.shape == d.shape:
                return _Add.apply(self, o)
        elif (type(o) is float or type(o) is int) and d.dtype.kind == "f":
            return _Add.apply(self, _asarray(o, d.dtype))
        return _Add.apply(*_prepare("add", self, o))

    def __radd__(self, o):
        d = self._data
        if (type(o) is float or type(o) is int) and d.dtype.kind == "f":
            return _Add.apply(_asarray(o, d.dtype), self)
        return _Add.apply(*_prepare("add", o, self))

    def __sub__(self, o):
        d = self._data
        if d.dtype.kind == "f":
            if type(o) is Tensor:
                od = o._data
                if od.dtype is d.dtype and od.shape == d.shape:
                    return _Sub.apply(self, o)
            elif type(o) is float or type(o) is int:
                return _Sub.apply(self, _asarray(o, d.dtype))
        return _ops.sub(self, o)

    def __rsub__(self, o):
        d = self._data
        if (type(o) is float or type(o) is int) and d.dtype.kind == "f":
            return _named(_Sub.apply(_asarray(o, d.dtype), self), "RsubBackward1")
        return _ops.rsub(self, o)

    def __mul__(self, o):
        d = self._data
        if type(o) is Tensor:
            od = o._data
            if od.dtype is d.dtype and od.shape == d.shape:
                return _Mul.apply(self, o)
        elif (type(o) is float or type(o) is int) and d.dtype.kind == "f":
            return _Mul.apply(self, _asarray(o, d.dtype))
        return _Mul.apply(*_prepare("mul", self, o))

    def __rmul__(self, o):
        d = self._data
        if (type(o) is float or type(o) is int) and d.dtype.kind == "f":
            return _Mul.apply(_asarray(o, d.dtype), self)
        return _Mul.apply(*_prepare("mul", o, self))

    def __truediv__(self, o):
        return _ops.div(self, o)

    def __rtruediv__(self, o):
        return _ops.div(o, self)

    def __floordiv__(self, o):
        return _ops.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return _ops.floor_divide(o, self)

    def __mod__(self, o):
        return _ops.remainder(self, o)

    def __rmod__(self, o):
        return _ops.remainder(o, self)

    def __pow__(self, o):
        return _ops.pow(self, o)

    def __rpow__(self, o):
        return _ops.pow(o, self)

    def __matmul__(self, o):
        return _ops.matmul(self, o)

    def __rmatmul__(self, o):
        return _ops.matmul(o, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, o):
        return _ops.logical_op(self, o, "and")

    __rand__ = __and__

    def __or__(self, o):
        return _ops.logical_op(self, o, "or")

    __ror__ = __or__

    def __xor__(self, o):
        return _ops.logical_op(self, o, "xor")

    __rxor__ = __xor__

    def __eq__(self, o):
        return _ops.eq(self, o)

    def __ne__(self, o):
        return _ops.ne(self, o)

    def __lt__(self, o):
        return _ops.lt(self, o)

    def __le__(self, o):
        return _ops.le(self, o)

    def __gt__(self, o):
        return _ops.gt(self, o)

    def __ge__(self, o):
        return _ops.ge(self, o)

    def __getitem__(self, key):
        return _ops.getitem(self, key)


_tuple_new = tuple.__new__


class Size(tuple):
    """torch.Size: a tuple of ints; slicing, + and * give Sizes too."""

    def __new__(cls, sizes=()):
        out = []
        for v in sizes:
            if isinstance(v, Tensor) and v._data.ndim == 0 and v._data.dtype.kind in "iu":
                v = int(v._data)
            elif isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"autograd.Size() takes an iterable of 'int' (item "
                                f"{len(out)} is '{type(v).__name__}')")
            out.append(int(v))
        return tuple.__new__(cls, out)

    def __repr__(self):
        return f"autograd.Size({list(self)})"

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """torch.device; only 'cpu' exists here."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type = type.type
        self.type = str(type).split(":")[0]
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __str__(self):
        return self.type

    def __eq__(self, other):
        return str(other).split(":")[0] == self.type

    def __hash__(self):
        return hash(self.type)


def _check_device(d):
    if str(d).split(":")[0] != "cpu":
        raise RuntimeError(f"to(): device {str(d)!r} is not available; autograd runs on the cpu")


class _RemovableHandle:
    def __init__(self, lst, item):
        self._lst, self._item = lst, item

    def remove(self):
        if self._item in self._lst:
            self._lst.remove(self._item)

    def __enter__(self):                    # ``with t.register_hook(h):`` removes it on exit
        return self

    def __exit__(self, *exc):
        self.remove()


def _needs_graph(*ts) -> bool:
    return grad_mode.enabled and any(t._requires_grad for t in ts)


def _rewire_view_root(view_src, new_view):
    """An in-place op changed a view: the root tensor it aliases now holds, in the view's
    positions, ``new_view`` (PyTorch's CopySlices). Its graph becomes IndexPut(old root,
    new_view) at those positions, found by replaying the view ops on an array of positions."""
    from .ops.indexing import IndexPut
    root, steps = view_src
    shape = root._data.shape
    pos = np.arange(root._data.size).reshape(shape)
    for cls, extra in steps:
        pos = cls.forward(object.__new__(cls), pos, *extra)
    old = Tensor._make(root._data, root._requires_grad, root.grad_fn, root._out_idx)
    node = IndexPut.apply(old, new_view, np.unravel_index(pos, shape)).grad_fn
    root.grad_fn = node
    root._out_idx = 0
    root._requires_grad = True


def _regenerate_views(t, view_src):
    """After an in-place op on ``t`` (a root tensor or one of its views) rewired the root's
    graph, the other live views of that root take their view ops replayed on the root's new
    graph (torch regenerates a view's grad_fn the same way): a view taken before the write
    then differentiates through it instead of reading the old graph."""
    root = view_src[0] if view_src is not None else t
    views = root.__dict__.get("_views")
    if not views:
        return
    for v in list(views):
        src = v.__dict__.get("_view_src")
        if v is t or src is None or src[0] is not root:
            continue
        r = root
        for cls, extra in src[1]:
            r = cls.apply(r, *extra)
        v.grad_fn, v._out_idx, v._requires_grad = r.grad_fn, r._out_idx, r._requires_grad


_NO_GRAD_VIEW_TAIL = (" Given that this use case is ambiguous and error-prone, it is forbidden. "
                      "You can clarify your code by moving both the view and the inplace either "
                      "both inside the no_grad block (if you don't want the inplace to be "
                      "tracked) or both outside (if you want the inplace to be tracked).")
_MULTI_VIEW_TAIL = (" This view is the output of a function that returns multiple views. Such "
                    "functions do not allow the output views to be modified inplace. You should "
                    "replace the inplace operation by an out-of-place one.")


def _check_inplace_result(self, out, op):
    if out._data.shape != self._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(self._data.shape)} doesn't match the "
                           f"broadcast shape {list(out._data.shape)}")
    od, sd = out._data.dtype, self._data.dtype
    if od != sd and _dt.category(od) > _dt.category(sd):
        raise RuntimeError(f"{op}: result type {_dt.from_numpy_dtype(od)!r} can't be cast to the "
                           f"desired output type {_dt.from_numpy_dtype(sd)!r}")


def _wrap_dim(dim: int, ndim: int, op: str = "op") -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def _rebuild(arr, requires_grad):
    t = Tensor._make(arr)
    t._requires_grad = requires_grad
    return t


_TYPE_NAMES = {np.dtype(np.float32): "autograd.FloatTensor",
               np.dtype(np.float64): "autograd.DoubleTensor",
               np.dtype(np.float16): "autograd.HalfTensor",
               np.dtype(np.int64): "autograd.LongTensor",
               np.dtype(np.int32): "autograd.IntTensor",
               np.dtype(np.int16): "autograd.ShortTensor",
               np.dtype(np.int8): "autograd.CharTensor",
               np.dtype(np.uint8): "autograd.ByteTensor",
               np.dtype(np.bool_): "autograd.BoolTensor"}


_PRINT = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def _summarize(a: np.ndarray, edge: int) -> np.ndarray:
    """The elements a summarized repr shows (first and last ``edge`` along each dim)."""
    for d in range(a.ndim):
        if a.shape[d] > 2 * edge:
            a = np.concatenate([np.take(a, range(edge), d),
                                np.take(a, range(a.shape[d] - edge, a.shape[d]), d)], d)
    return a


def _element_formatter(a: np.ndarray):
    """torch's rule: one width for all elements; floats print as ints ('1.'), fixed (4
    decimals) or scientific, chosen from the nonzero finite magnitudes."""
    prec = _PRINT["precision"]
    if a.dtype.kind != "f":
        strs = [str(v) for v in a.reshape(-1).tolist()]
        width = max([1] + [len(s) for s in strs])
        return lambda v: str(v).rjust(width)
    v = a.reshape(-1).astype(np.float64)
    nz = np.abs(v[np.isfinite(v) & (v != 0)])
    if nz.size == 0:
        int_mode, sci = True, False
    else:
        int_mode = bool(np.all(v[np.isfinite(v)] == np.ceil(v[np.isfinite(v)])))
        mx, mn = nz.max(), nz.min()
        sci = bool(mx / mn > 1000.0 or mx > 1e8 or (not int_mode and mn < 1e-4))
    if _PRINT["sci_mode"] is not None:
        sci = bool(_PRINT["sci_mode"])
    vals = v[np.isfinite(v) & (v != 0)].tolist()
    if sci:
        width = max([1] + [len(f"{x:.{prec}e}") for x in vals])
        return lambda x: f"{x:{width}.{prec}e}"
    if int_mode:
        width = max([1] + [len(f"{x:.0f}") + 1 for x in vals])
        return lambda x: (f"{x:.0f}" + ("" if x != x or x in (float("inf"), float("-inf"))
                                        else ".")).rjust(width)
    width = max([1] + [len(f"{x:.{prec}f}") for x in vals])
    return lambda x: f"{x:.{prec}f}".rjust(width)


def _format_body(a: np.ndarray, fmt, indent: int, summarize: bool) -> str:
    edge = _PRINT["edgeitems"]
    if a.ndim == 0:
        return fmt(a.item())
    n = a.shape[0]
    cut = summarize and n > 2 * edge
    if a.ndim == 1:
        items = a.tolist()
        data = ([fmt(x) for x in items[:edge]] + [" ..."] + [fmt(x) for x in items[-edge:]]
                if cut else [fmt(x) for x in items])
        width = len(fmt(items[0])) if items else 1
        per_line = builtin_max(1, (_PRINT["linewidth"] - indent) // (width + 2))
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(edge)) + [None] + list(range(n - edge, n)) if cut else range(n)
    parts = ["..." if i is None else _format_body(a[i], fmt, indent + 1, summarize)
             for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


builtin_max = max


def _format_tensor(t: Tensor) -> str:
    """torch's repr: ``tensor([ 1.0000, -2.0000], dtype=..., requires_grad=True)``."""
    a = t._data
    kind = a.dtype.kind
    summarize = a.size > _PRINT["threshold"]
    if a.size == 0:
        body = "[]"
    else:
        shown = _summarize(a, _PRINT["edgeitems"]) if summarize else a
        body = _format_body(a, _element_formatter(shown), len("tensor("), summarize)
    extras = []
    default = _dt.default_np()
    # an empty tensor has no elements to tell int64 or bool from: its dtype always shows
    if a.dtype != default and (a.size == 0 or not (a.dtype == np.int64 or kind == "b")):
        extras.append(f"dtype={_dt.from_numpy_dtype(a.dtype)!r}")
    if a.size == 0 and a.ndim > 1:
        extras.insert(0, f"size={tuple(a.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    # torch: a suffix that would overflow the line width goes on a new line
    out = "tensor(" + body
    last = len(out) - out.rfind("\n") + 1
    for e in extras:
        if last + len(e) + 2 > _PRINT["linewidth"]:
            out += ",\n" + " " * len("tensor(") + e
            last = len("tensor(") + len(e)
        else:
            out += ", " + e
            last += len(e) + 2
    return out + ")"


from . import ops as _ops  # noqa: E402  (ops build on Tensor)
from .ops.elementwise import Add as _Add, Mul as _Mul, Sub as _Sub  # noqa: E402
from .ops._util import prepare as _prepare  # noqa: E402
from .function import named as _named  # noqa: E402


def _make_inplace_unary(name):
    def method(self):
        return self._inplace(getattr(_ops, name), op=name + "_")
    method.__name__ = name + "_"
    return method


for _n in ("sin", "cos", "tan", "log1p", "log2", "log10", "expm1", "rsqrt", "reciprocal",
           "floor", "ceil", "round", "trunc", "sign", "square", "sinh", "cosh", "atan", "asin",
           "acos", "frac"):
    if _n + "_" not in Tensor.__dict__:
        setattr(Tensor, _n + "_", _make_inplace_unary(_n))
for _n in ("exp2", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erf", "erfc",
           "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "rad2deg", "fix", "sgn",
           "logical_not", "bitwise_not"):
    if _n + "_" not in Tensor.__dict__:
        setattr(Tensor, _n + "_", _make_inplace_unary(_n))


def _make_inplace(name):
    """x.name_(*args, **kw) = x.name(*args, **kw) written back into x (tensor args tracked)."""
    def method(self, *args, **kwargs):
        fn = getattr(_ops, name)
        return self._inplace(lambda a, *r: fn(a, *r, **kwargs), *args, op=name + "_")
    method.__name__ = name + "_"
    return method


for _n in ("atan2", "arctan2", "hypot", "copysign", "fmod", "remainder", "xlogy", "floor_divide",
           "true_divide", "float_power", "ldexp", "bitwise_and", "bitwise_or", "bitwise_xor",
           "logical_and", "logical_or", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge",
           "cumsum", "cumprod", "logit", "nan_to_num", "index_fill", "index_copy",
           "masked_scatter", "put", "addmm", "addmv", "addr", "baddbmm", "addbmm", "tril",
           "triu", "heaviside", "gcd", "lcm", "multiply", "subtract", "divide", "mul", "index_add",
           "scatter", "scatter_add", "clip"):
    if _n + "_" not in Tensor.__dict__:
        setattr(Tensor, _n + "_", _make_inplace(_n))


def _tensor_where(self, condition, other):
    return _ops.where(condition, self, other)


def _new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **_kw):
        from .factories import full as _full
        if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
            size = tuple(size[0])
        return _full(size, fill, dtype=self.dtype if dtype is None else dtype,
                     requires_grad=requires_grad)
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from .factories import full as _full
    return _full(tuple(size), fill_value, dtype=self.dtype if dtype is None else dtype,
                 requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    from .factories import tensor as _tensor
    if isinstance(data, Tensor):
        data = data.detach()._data.copy()
    return _tensor(data, dtype=self.dtype if dtype is None else dtype,
                   requires_grad=requires_grad)


def _fill_diagonal_(self, fill_value, wrap=False):
    mask = np.zeros(self.shape, bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return self._inplace(lambda a: _ops.where(np.asarray(mask), np.asarray(fill_value, a._data
                                                                          .dtype), a),
                         op="fill_diagonal_")


for _n, _f in (("where", _tensor_where), ("new_zeros", _new(0)), ("new_ones", _new(1)),
               ("new_empty", _new(0)), ("new_full", _new_full), ("new_tensor", _new_tensor),
               ("fill_diagonal_", _fill_diagonal_),
               ("short", lambda self: self.to(_dt.int16)),
               ("char", lambda self: self.to(_dt.int8))):
    if _n not in Tensor.__dict__:
        setattr(Tensor, _n, _f)


class _LegacyTensorType(type):
    """torch.FloatTensor & co.: calling one builds a tensor of its dtype (from data, or zeros
    of a size given as ints); isinstance(x, FloatTensor) checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls._np

    def __call__(cls, *args):
        from .factories import tensor, zeros
        dtype = _dt.from_numpy_dtype(cls._np)
        if args and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                        for v in args):
            return zeros(*args, dtype=dtype)
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}(): expected data or a size of ints")
        return tensor(args[0] if args else [], dtype=dtype)


def _legacy_types():
    out = {}
    for npd, name in _TYPE_NAMES.items():
        short = name.rsplit(".", 1)[-1]
        out[short] = _LegacyTensorType(short, (), {"_np": npd})
    return out


_LEGACY = _legacy_types()
