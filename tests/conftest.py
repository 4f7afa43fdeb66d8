import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import settings  # noqa: E402

settings.register_profile("core", max_examples=30, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "core"))


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests may change the default dtype or grad mode: restore both."""
    import autograd
    from autograd import grad_mode
    d, g = autograd.get_default_dtype(), grad_mode.enabled
    yield
    autograd.set_default_dtype(d)
    grad_mode.enabled = g
    np.random.seed(0)
