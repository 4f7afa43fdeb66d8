"""nn.Parameter: a leaf Tensor that a Module registers as a parameter."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered when assigned to a Module."""

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.empty((0,), np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        Tensor.__init__(self, arr, dtype=arr.dtype)
        self._data = arr                          # share, do not copy (as torch)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__                  # Tensor's __str__ is its own __repr__, not this one

    def __reduce_ex__(self, protocol):
        return (Parameter, (self._data, self._requires_grad))
