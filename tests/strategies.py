"""Reusable hypothesis strategies: shapes, broadcastable shape pairs, and arrays in the layouts
that break naive code (transposed, sliced, negative strides)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Small array shapes (keep gradchecks cheap)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_pair(max_dims: int = 3, max_side: int = 4):
    """Two shapes that broadcast together (either may have fewer dims or size-1 axes)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             max_side=max_side).map(lambda r: r.input_shapes)


def float_arrays(shape, dtype=np.float64, lo: float = -3.0, hi: float = 3.0):
    return hnp.arrays(dtype, shape, elements=st.floats(lo, hi, allow_nan=False,
                                                       allow_infinity=False, width=64
                                                       if dtype == np.float64 else 32))


@st.composite
def layouts(draw, shape, dtype=np.float64, lo: float = -3.0, hi: float = 3.0):
    """An array of ``shape`` that is contiguous, transposed, sliced (strided) or reversed
    (negative strides): the values are drawn first, then laid out."""
    arr = draw(float_arrays(shape, dtype, lo, hi))
    kind = draw(st.sampled_from(["contiguous", "transposed", "sliced", "reversed"]))
    if kind == "transposed" and arr.ndim >= 2:
        return np.ascontiguousarray(arr.swapaxes(0, -1)).swapaxes(0, -1)
    if kind == "sliced" and arr.ndim >= 1:
        big = np.zeros(tuple(s * 2 for s in arr.shape), dtype)
        view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
        view[...] = arr
        return view
    if kind == "reversed" and arr.ndim >= 1:
        rev = np.ascontiguousarray(arr[::-1])[::-1]
        return rev
    return arr


@st.composite
def tensors(draw, shape=None, dtype=np.float64, requires_grad: bool = True, lo=-3.0, hi=3.0):
    """An autograd Tensor over a possibly non-contiguous array."""
    if shape is None:
        shape = draw(shapes())
    arr = draw(layouts(shape, dtype, lo, hi))
    return autograd.from_numpy(arr).requires_grad_(requires_grad)
