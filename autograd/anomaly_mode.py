"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly).

While enabled, every graph node records where in the user's code it was created, and the
backward pass checks each gradient a node returns: the first NaN (or inf) raises

    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
    The forward op Sqrt that made this node was called at train.py:12 in step:
        y = x.sqrt()

    with autograd.detect_anomaly():
        loss = model(x).sum()
        loss.backward()          # raises at the first bad gradient

Costs a stack capture per op and a finiteness check per gradient: a debugging tool.
"""
from __future__ import annotations

import os
import traceback

import numpy as np

from .tensor import Tensor

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]

_PKG_DIRS = tuple(os.path.dirname(os.path.abspath(p)) + os.sep for p in (
    __file__, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "x"),
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "optim", "x")))
_PKG_DIRS = tuple(os.path.normpath(p) + os.sep for p in _PKG_DIRS)


class _Anomaly:
    def __init__(self):
        self.check_nan = True

    def on_node(self, node):
        node._trace = _user_stack()

    def backward(self, node, fn):
        res = fn()
        if not self.check_nan:
            return res
        bad_inf = None
        for i, g in enumerate(res if isinstance(res, tuple) else (res,)):
            if g is None:
                continue
            a = g._data if isinstance(g, Tensor) else g
            if not isinstance(a, np.ndarray) or a.dtype.kind not in "fc":
                continue
            if not np.isfinite(a).all():
                if np.isnan(a).any():          # NaN first (torch reports NaN), then inf
                    raise RuntimeError(_message(node, i, "nan"))
                if bad_inf is None:
                    bad_inf = i
        if bad_inf is not None:
            raise RuntimeError(_message(node, bad_inf, "inf"))
        return res


def _user_stack():
    """The creation stack, innermost last, without frames of this package (nn/optim kept
    out too, so the last frame is the user's line)."""
    st = traceback.extract_stack()[:-1]
    user = [f for f in st if not os.path.abspath(f.filename).startswith(_PKG_DIRS)]
    return user[-8:] if user else st[-8:]


def _message(node, i, kind):
    msg = (f"Function '{node.name()}' returned {kind} values in its {i}th output.")
    tr = node.__dict__.get("_trace")
    if tr:
        fr = tr[-1]
        msg += (f"\nThe forward op {type(node).__name__} that made this node was called at "
                f"{fr.filename}:{fr.lineno} in {fr.name}:\n    {fr.line or ''}")
        if len(tr) > 1:
            msg += "\nForward call stack (most recent call last):\n" + "".join(
                traceback.format_list(tr))
    else:
        msg += (" (Node created before anomaly detection was enabled: no creation stack; run the"
                " forward inside autograd.detect_anomaly() to see where.)")
    module = node.__dict__.get("_module")
    if module:
        msg += f"\nInside module: {module}"
    return msg


_state = {"enabled": False, "client": None}


def _set(mode: bool, check_nan: bool = True):
    from .graph import add_observer, remove_observer
    if mode:
        if _state["client"] is None:
            _state["client"] = _Anomaly()
            add_observer(_state["client"])
        _state["client"].check_nan = check_nan
    elif _state["client"] is not None:
        remove_observer(_state["client"])
        _state["client"] = None
    _state["enabled"] = bool(mode)


def is_anomaly_enabled() -> bool:
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _state["enabled"] and _state["client"].check_nan


class detect_anomaly:
    """Context manager (or decorator) enabling anomaly detection for its block."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = (_state["enabled"], is_anomaly_check_nan_enabled())
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self.prev)
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*a, **k):
            with self.__class__(self.check_nan):
                return func(*a, **k)
        return wrapper


class set_detect_anomaly:
    """``autograd.set_detect_anomaly(True)`` turns it on globally; also a context manager
    restoring the previous setting on exit (as torch)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = (_state["enabled"], is_anomaly_check_nan_enabled())
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self.prev)
        return False
