"""Process-wide settings made by `import autograd` (README, Benchmarks): each has an opt-out."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")
         and k not in ("AUTOGRAD_KEEP_FREED_MEMORY", "OPENBLAS_NUM_THREADS")}
    e.update(env)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=e, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_malloc_tuning_default_and_opt_outs():
    code = "import autograd; print(autograd._MALLOC_TUNED)"
    assert _run(code) == "True"
    assert _run(code, AUTOGRAD_KEEP_FREED_MEMORY="0") == "False"
    assert _run(code, MALLOC_ARENA_MAX="2") == "False"      # the user tunes malloc: hands off


def test_blas_threads_default_and_user_choice():
    code = "import autograd, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    assert _run(code) == "1"
    assert _run(code, OPENBLAS_NUM_THREADS="2") == "2"


_BLAS_GET = """
import ctypes, glob, os, numpy
lib = ctypes.CDLL(glob.glob(os.path.join(os.path.dirname(numpy.__file__), '..', 'numpy.libs',
                                         '*openblas*.so*'))[0])
get = getattr(lib, 'scipy_openblas_get_num_threads64_', None) or lib.openblas_get_num_threads
"""


def test_blas_threads_applied_when_numpy_was_imported_first():
    """OpenBLAS reads OPENBLAS_NUM_THREADS when it loads: with numpy imported first, the count
    (ours, or one the user set after importing numpy) is applied through OpenBLAS's call."""
    if not any("openblas" in f for f in os.listdir(os.path.join(
            os.path.dirname(__import__("numpy").__file__), "..", "numpy.libs"))):
        pytest.skip("numpy is not linked to a bundled OpenBLAS")
    assert _run(_BLAS_GET + "import autograd; print(get())", OPENBLAS_NUM_THREADS="2") == "2"
    assert _run(_BLAS_GET + "import autograd; print(get())") == "1"
    code = _BLAS_GET + "os.environ['OPENBLAS_NUM_THREADS'] = '1'; import autograd; print(get())"
    assert _run(code) == "1"
