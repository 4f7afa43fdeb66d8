"""``torch.autograd`` as ``autograd.autograd``: the same objects under PyTorch's path, so
``torch.autograd.grad(...)`` ports as ``autograd.autograd.grad(...)`` (and
``from autograd.autograd.functional import jacobian`` works)."""
import sys as _sys

from .. import (anomaly_mode, function, functional, grad_mode, graph,  # noqa: F401
                profiler)
from ..anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled  # noqa: F401
from ..engine import backward, grad  # noqa: F401
from ..function import Function, once_differentiable  # noqa: F401
from ..gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from ..grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                         is_grad_enabled, is_inference_mode_enabled)
from ..tensor import Tensor as _Tensor


def Variable(data, requires_grad=False, volatile=False):
    """The deprecated ``torch.autograd.Variable(t)``: returns ``t`` itself (requires_grad set
    when asked), as PyTorch does."""
    t = data if isinstance(data, _Tensor) else _Tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t

# submodules under this path are the package's own modules, never second copies
for _m in ("anomaly_mode", "function", "functional", "grad_mode", "graph", "profiler"):
    _sys.modules[f"{__name__}.{_m}"] = _sys.modules[f"autograd.{_m}"]
del _m
