"""no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators.

Grad mode is one process-wide flag (``grad_mode.enabled``) read by ``Function.apply``.
"""
from __future__ import annotations

import functools
import inspect

enabled = True
_inference = False


def is_grad_enabled() -> bool:
    return enabled


def is_inference_mode_enabled() -> bool:
    return _inference


def _wrap(func, make_ctx):
    """Decorate ``func`` so it runs under a fresh ``make_ctx()``; for a generator function,
    the mode holds while the generator runs, not the caller between its yields (as torch)."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def gen_wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            with make_ctx():
                try:
                    value = next(gen)
                except StopIteration as e:
                    return e.value
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException as exc:
                    with make_ctx():
                        try:
                            value = gen.throw(exc)
                        except StopIteration as e:
                            return e.value
                    continue
                with make_ctx():
                    try:
                        value = gen.send(sent)
                    except StopIteration as e:
                        return e.value
        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make_ctx():
            return func(*args, **kwargs)
    return wrapper


class _GradModeContext:
    """Base: ``with cls():`` sets the mode for the block; ``@cls()`` for a function."""

    _mode = True

    def __new__(cls, orig_func=None):
        # ``@no_grad`` without parentheses decorates directly, as torch allows
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = self._mode

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __call__(self, func):
        return _wrap(func, self.__class__)


class no_grad(_GradModeContext):
    """Disable graph recording (torch.no_grad)."""
    _mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a no_grad block (torch.enable_grad)."""
    _mode = True


class inference_mode(_GradModeContext):
    """torch.inference_mode: here the same as no_grad (no graph, no saved tensors)."""

    def __new__(cls, mode=True):
        if callable(mode):                      # ``@inference_mode`` without parentheses
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True):
        self._inf = bool(mode)
        self._mode = not mode

    def __enter__(self):
        global _inference
        super().__enter__()
        self._prev_inf = _inference
        _inference = self._inf

    def __exit__(self, *exc):
        global _inference
        _inference = self._prev_inf
        return super().__exit__(*exc)

    def __call__(self, func):
        mode = self._inf
        return _wrap(func, lambda: inference_mode(mode))


class set_grad_enabled(_GradModeContext):
    """torch.set_grad_enabled(mode): takes effect at once; as a context manager it restores."""

    def __init__(self, mode: bool):
        global enabled
        self._prev = enabled
        self._mode = bool(mode)
        enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __new__(cls, mode):
        return object.__new__(cls)

    def __call__(self, func):
        global enabled
        enabled = self._prev          # decorating must not change the mode now
        mode = self._mode
        return _wrap(func, lambda: set_grad_enabled(mode))
