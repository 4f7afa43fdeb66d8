"""parameters_to_vector / vector_to_parameters (torch.nn.utils)."""
from __future__ import annotations

import autograd
from autograd.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """Flatten and concatenate ``parameters`` into one 1-D Tensor (differentiable, as torch)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    vec = [p.reshape(-1) for p in parameters]
    return autograd.cat(vec)


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy slices of the 1-D ``vec`` into ``parameters`` (each gets ``.data`` replaced by a view
    of ``vec``'s slice, as torch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
