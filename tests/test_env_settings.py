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
