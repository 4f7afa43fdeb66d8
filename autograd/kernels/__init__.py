"""Numba kernels on plain contiguous arrays (no Tensor, ctx or graph inside): conv, pool.

Import the submodule you need (``from autograd.kernels import conv``); importing this package
compiles nothing."""
from __future__ import annotations

import types

import numpy as np
from numba import njit

__all__ = ["parallel_float32"]


class parallel_float32:
    """A ``parallel=True`` kernel whose float32 calls run the parallel build and whose other
    calls (float64: the gradient-check dtype) run a serial twin compiled from the same source.

    Why: compiling a parallel specialisation costs ~1-1.5 s against ~0.2-0.3 s for the serial
    one, and every kernel family is compiled for both float dtypes; parallel float64 builds
    were ~7 s of a ~22 s cold start, paid by anyone who runs a gradient check. float64 work
    here is small (checks, references), so one thread is the right trade. Both builds sum in
    the same order, so float64 results equal what the parallel build gives.

    ``kernel.parallel`` / ``kernel.serial`` are the two Numba dispatchers; the dtype is read
    from the first argument."""

    def __init__(self, kernel):
        self.parallel = kernel
        f = getattr(kernel, "py_func", kernel)      # a plain function under NUMBA_DISABLE_JIT
        twin = types.FunctionType(f.__code__, f.__globals__, f.__name__ + "_serial",
                                  f.__defaults__, f.__closure__)
        # the on-disk cache is keyed by qualified name: the twin must not share the entry
        twin.__qualname__ = f.__qualname__ + "_serial"
        twin.__module__, twin.__doc__ = f.__module__, f.__doc__
        self.serial = njit(cache=True, no_cfunc_wrapper=True)(twin)
        self.__doc__, self.__name__ = f.__doc__, f.__name__

    def __call__(self, first, *args):
        k = self.parallel if first.dtype == np.float32 else self.serial
        return k(first, *args)

    def __repr__(self):
        return f"<kernel {self.__name__}: parallel for float32, serial otherwise>"
