"""autograd: a reverse-mode autograd engine over numpy, with torch's names and semantics.

    import autograd
    x = autograd.randn(3, requires_grad=True)
    (x * x).sum().backward()       # x.grad == 2 * x
"""
import os as _os

# OpenBLAS worker threads spin after each call and starve Numba's parallel kernels on small
# machines (see PERF_NOTES); the value is read when OpenBLAS loads, so before numpy.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from . import dtypes as _dtypes  # noqa: E402
from .dtypes import (dtype, float16, float32, float64, uint8, int8, int16, int32, int64,  # noqa
                     get_default_dtype, set_default_dtype, promote_types)
from .tensor import Tensor, Size, device  # noqa: E402
from .function import Function, once_differentiable  # noqa: E402
from . import function  # noqa: E402
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: E402
                        is_grad_enabled)
from .ops import *  # noqa: E402,F401,F403
from .ops import _METHODS  # noqa: E402
from .factories import *  # noqa: E402,F401,F403
from .random import (manual_seed, initial_seed, seed, get_rng_state, set_rng_state,  # noqa
                     Generator)
from .engine import backward, grad  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled  # noqa
from . import graph, profiler  # noqa: E402,F401
from .serialization import save, load  # noqa: E402

bool = _dtypes.bool_
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64

FloatTensor = DoubleTensor = LongTensor = None  # type names exist only as .type() strings


def is_grad_enabled_():
    return is_grad_enabled()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    import numpy as _np
    kw = {k: v for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                                linewidth=linewidth).items() if v is not None}
    _np.set_printoptions(**kw)
    from .tensor import _PRINT
    _PRINT.update({k: v for k, v in kw.items() if k in _PRINT})


__version__ = "0.1.0"


def __getattr__(name):          # autograd.summary -> nn.utils.summary, imported on first use
    if name == "summary":
        from nn.utils.summary import summary
        return summary
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
