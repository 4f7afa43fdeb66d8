"""no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators.

Grad mode is one process-wide flag (``grad_mode.enabled``) read by ``Function.apply``.
"""
from __future__ import annotations

import functools

enabled = True


def is_grad_enabled() -> bool:
    return enabled


class _GradModeContext:
    """Base: ``with cls():`` sets the mode for the block; ``@cls()`` for a function."""

    _mode = True

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = self._mode
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording (torch.no_grad)."""
    _mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a no_grad block (torch.enable_grad)."""
    _mode = True


class inference_mode(_GradModeContext):
    """torch.inference_mode: here the same as no_grad (no graph, no saved tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(not mode):
                return func(*args, **kwargs)
        return wrapper


class set_grad_enabled(_GradModeContext):
    """torch.set_grad_enabled(mode): takes effect at once; as a context manager it restores."""

    def __init__(self, mode: bool):
        global enabled
        self._prev = enabled
        self._mode = bool(mode)
        enabled = self._mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __call__(self, func):
        global enabled
        enabled = self._prev          # decorating must not change the mode now
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper
