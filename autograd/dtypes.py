"""dtypes mirroring torch's (``autograd.float32`` ...) and torch's type-promotion rules.

Promotion follows PyTorch, not numpy: operands are ranked in three tiers (tensors with
dimensions, 0-d tensors, Python scalars). A lower tier only changes the result when it
belongs to a higher *category* (bool < integer < floating). So ``float32 tensor * 2.5``,
``float32 tensor + float64 0-d tensor`` and ``int64 tensor + float32 tensor`` all stay float32.
"""
from __future__ import annotations

import builtins

import numpy as np

__all__ = ["dtype", "float16", "float32", "float64", "uint8", "int8", "int16", "int32",
           "int64", "bool_", "get_default_dtype", "set_default_dtype", "promote_types",
           "can_cast", "finfo", "iinfo"]


class dtype:
    """A tensor element type; wraps a numpy dtype. ``repr`` is ``autograd.float32``."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_cat")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._cat = category                      # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_complex = False
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"autograd.{self.name}"

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self is other
        try:
            return self.np == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.np)

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_BY_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_CATEGORY = {d.np: d._cat for d in _ALL}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


_default = np.dtype(np.float32)


def get_default_dtype() -> dtype:
    """The floating dtype of new tensors made from Python floats (float32 unless changed)."""
    return _BY_NP[_default]


def set_default_dtype(d) -> None:
    """As ``torch.set_default_dtype``: only float32 and float64 are accepted."""
    global _default
    npd = to_numpy_dtype(d)
    if npd not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"set_default_dtype(): only float32 and float64 are supported, got {d!r}")
    _default = npd


def default_np() -> np.dtype:
    return _default


def to_numpy_dtype(d) -> np.dtype:
    """Any dtype spelling (autograd dtype, numpy dtype, 'float32', Python type) -> numpy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is None:
        return _default
    if d is builtins.float:
        return np.dtype(np.float64)
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"dtype: cannot interpret {d!r} as a dtype") from None
    if npd not in _BY_NP:
        raise TypeError(f"dtype: {npd} is not supported; expected one of "
                        f"{', '.join(x.name for x in _ALL)}")
    return npd


def from_numpy_dtype(npd) -> dtype:
    try:
        return _BY_NP[npd]
    except KeyError:
        raise TypeError(f"dtype: numpy dtype {npd} is not supported; expected one of "
                        f"{', '.join(x.name for x in _ALL)}") from None


def category(npd: np.dtype) -> int:
    return _CATEGORY[npd]


def promote_types(a, b):
    """torch.promote_types: the smallest dtype both can be cast to (ints never beat floats)."""
    an, bn = to_numpy_dtype(a), to_numpy_dtype(b)
    return from_numpy_dtype(_promote(an, bn))


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    if a is b or a == b:
        return a
    ca, cb = _CATEGORY[a], _CATEGORY[b]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def scalar_dtype(x) -> np.dtype:
    """The dtype a Python scalar would have as a tensor of its own."""
    if isinstance(x, (bool, np.bool_)):
        return _BOOL
    if isinstance(x, (int, np.integer)):
        return _INT64
    return _default


def result_type(dim_dtypes, zero_dim_dtypes, scalar_dtypes) -> np.dtype:
    """torch.result_type over the three tiers of operands (each a list of numpy dtypes)."""
    res = None
    for tier in (dim_dtypes, zero_dim_dtypes, scalar_dtypes):
        if not tier:
            continue
        t = tier[0]
        for d in tier[1:]:
            t = _promote(t, d)
        if res is None or _CATEGORY[t] > _CATEGORY[res]:
            res = t
    return res


def can_cast(from_, to) -> bool:
    """torch.can_cast: casting may not lower the category (float -> int, int -> bool)."""
    return _CATEGORY[to_numpy_dtype(from_)] <= _CATEGORY[to_numpy_dtype(to)]


class finfo:
    """torch.finfo: machine limits of a floating dtype (Python floats; ``dtype`` is its name)."""

    def __init__(self, type=None):
        npd = to_numpy_dtype(type)      # None -> the default float dtype
        if npd.kind != "f":
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(npd)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision      # numpy stores it in the dtype itself
        self.dtype = _BY_NP[npd].name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo: limits of an integer dtype (Python ints; ``dtype`` is its name)."""

    def __init__(self, type):
        npd = to_numpy_dtype(type)
        if npd.kind not in "iu":
            raise TypeError(f"torch.{_BY_NP[npd].name} is not supported by torch.iinfo")
        info = np.iinfo(npd)
        self.bits = builtins.int(info.bits)
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = _BY_NP[npd].name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
