"""Elementwise helper kernels for hot backward formulas.

numpy's ``np.where(mask, g, 0.0)`` with a scalar branch runs ~10x slower than a plain pass over
the data (1.2 ms vs 0.1 ms on a 64x6x28x28 float32 ReLU gradient here), and masks are on the
hot path of every ReLU / clamp / max-pool backward."""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def where_fill(cond, a, fill, out):
    """out = a where cond else fill, for flat contiguous arrays of equal length."""
    for i in range(a.size):
        out[i] = a[i] if cond[i] else fill
