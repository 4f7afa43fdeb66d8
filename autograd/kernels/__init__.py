"""Numba kernels on plain contiguous arrays (no Tensor, ctx or graph inside): conv, pool.

Import the submodule you need (``from autograd.kernels import conv``); importing this package
compiles nothing."""
