"""autograd: a reverse-mode autograd engine over numpy, with torch's names and semantics.

    import autograd
    x = autograd.randn(3, requires_grad=True)
    (x * x).sum().backward()       # x.grad == 2 * x
"""
import builtins as _builtins
import os as _os
import sys as _sys

# OpenBLAS worker threads and Numba's OpenMP pool fight over the cores: measured on the 2-vCPU
# machines, a LeNet-5 step takes ~110 ms with both multi-threaded and 4.6 ms with BLAS on one
# thread (Numba's parallel kernels do the heavy lifting). So BLAS runs single-threaded unless
# the user set OPENBLAS_NUM_THREADS; it is read when OpenBLAS loads (before numpy), and set
# through OpenBLAS's own call when numpy was imported first.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _limit_loaded_openblas(n: int = 1) -> None:
    import ctypes
    import glob
    np_mod = _sys.modules.get("numpy")
    if np_mod is None:
        return
    libdir = _os.path.join(_os.path.dirname(np_mod.__file__), "..", "numpy.libs")
    for path in glob.glob(_os.path.join(libdir, "*openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return


# numpy already loaded: OpenBLAS read its thread count at load time, so apply ours (or the
# user's OPENBLAS_NUM_THREADS, which may have been set after numpy was imported) by its call.
if "numpy" in _sys.modules:
    try:
        _limit_loaded_openblas(max(1, int(_os.environ["OPENBLAS_NUM_THREADS"])))
    except Exception:       # best effort: a BLAS without the call keeps its threads
        pass


def _keep_freed_memory() -> bool:
    """glibc returns freed blocks over 128 KiB-ish to the OS (mmap threshold, heap trimming);
    every training step then re-faults its activations in, and page faults are expensive in
    these VMs (LeNet conv1 forward: 1.12 ms -> 0.29 ms with this). Keep blocks up to 32 MiB
    in the heap and trim it only past 256 MiB free. Skipped when the user tunes malloc through
    MALLOC_* variables, or sets AUTOGRAD_KEEP_FREED_MEMORY=0."""
    if _os.environ.get("AUTOGRAD_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if any(k.startswith("MALLOC_") for k in _os.environ) or not _sys.platform.startswith("linux"):
        return False
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_trim_threshold, 256 << 20) == 1
        return ok and libc.mallopt(m_mmap_threshold, 32 << 20) == 1
    except (OSError, AttributeError):   # not glibc (musl, ...): nothing to tune
        return False


_MALLOC_TUNED = _keep_freed_memory()

def _silence_fp_warnings() -> None:
    """numpy's floating-point warnings from inside our ops (log(0), x/0, exp overflow): torch
    returns the inf/nan without a word. Only numpy's messages, only where our packages call
    numpy. (A filter added while importing under warnings.catch_warnings, as pytest collects,
    ends with that block.)"""
    import warnings
    warnings.filterwarnings(
        "ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered",
        category=RuntimeWarning, module=r"(autograd|nn|optim)(\.|$)")


_silence_fp_warnings()

from . import dtypes as _dtypes  # noqa: E402
from .dtypes import (dtype, float16, float32, float64, uint8, int8, int16, int32, int64,  # noqa
                     get_default_dtype, set_default_dtype, promote_types, can_cast, finfo,
                     iinfo)
from .tensor import Tensor, Size, device  # noqa: E402
from .tensor import _LEGACY  # noqa: E402
globals().update(_LEGACY)     # FloatTensor, LongTensor, ... (torch's legacy constructors)
from .function import Function, once_differentiable  # noqa: E402
from . import function  # noqa: E402
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: E402
                        is_grad_enabled, is_inference_mode_enabled)
from .ops import *  # noqa: E402,F401,F403
from .ops import _METHODS  # noqa: E402
from .factories import *  # noqa: E402,F401,F403
from .random import (manual_seed, initial_seed, seed, get_rng_state, set_rng_state,  # noqa
                     Generator, default_generator)
from .engine import backward, grad  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: E402
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled  # noqa
from . import graph, profiler  # noqa: E402,F401
from .serialization import save, load  # noqa: E402
from . import functional  # noqa: E402,F401
from . import autograd  # noqa: E402,F401   torch.autograd.X -> autograd.autograd.X

bool = _dtypes.bool_
half = float16
float = float32
double = float64
short = int16
int = int32
long = int64


_PRINT_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
                   "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
                   "full": dict(precision=4, threshold=_builtins.float("inf"), edgeitems=3,
                                linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """torch.set_printoptions for tensor reprs (numpy's own options are left alone). A
    ``profile`` sets the four numbers first; ``sci_mode`` (None: chosen per tensor) is set on
    every call, as torch."""
    from .tensor import _PRINT
    if profile is not None:
        _PRINT.update(_PRINT_PROFILES[profile])
    _PRINT.update({k: v for k, v in dict(precision=precision, threshold=threshold,
                                         edgeitems=edgeitems, linewidth=linewidth).items()
                   if v is not None})
    _PRINT["sci_mode"] = sci_mode


def set_num_threads(n: int) -> None:
    """torch.set_num_threads: the threads the parallel (Numba) kernels use, capped at the pool
    size fixed at start-up (``NUMBA_NUM_THREADS``, default: all cores). Applies to the calling
    thread, which is the training loop's in a script. BLAS stays as set at import."""
    n = _builtins.int(n)
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    import numba
    numba.set_num_threads(_builtins.min(n, numba.config.NUMBA_NUM_THREADS))


def get_num_threads() -> int:
    """torch.get_num_threads: the threads the parallel kernels use."""
    import numba
    return numba.get_num_threads()


_DETERMINISTIC = [False, False]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms: every kernel here already is deterministic (results
    are bitwise the same on any thread count), so the flag is only recorded."""
    _DETERMINISTIC[:] = [_builtins.bool(mode), _builtins.bool(warn_only)]


def are_deterministic_algorithms_enabled() -> bool:
    return _DETERMINISTIC[0]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _DETERMINISTIC[1]


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """torch.set_float32_matmul_precision: recorded only; float32 matmuls here always run at
    full float32 precision ('highest'). Unknown values warn and change nothing, as torch."""
    if precision not in ("highest", "high", "medium"):
        import warnings
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    return _MATMUL_PRECISION[0]


from . import accelerator, backends, cuda  # noqa: E402,F401   CPU-only answers, as torch's

__version__ = "0.1.0"


def __getattr__(name):          # autograd.summary -> nn.utils.summary, imported on first use
    if name == "summary":
        from nn.utils.summary import summary
        return summary
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
