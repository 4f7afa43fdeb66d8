"""Anomaly mode: the first NaN/inf gradient names the forward op and the user's file:line."""
import os
import sys

import numpy as np
import pytest

import autograd


def test_sqrt_of_zero_names_op_and_line():
    x = autograd.tensor([0.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
        y = x.sqrt(); line = sys._getframe().f_lineno              # noqa: E702
        loss = (y * 3.0).sum()
        with np.errstate(divide="ignore"), pytest.raises(RuntimeError) as ei:
            loss.backward()
    assert not autograd.is_anomaly_enabled()
    msg = str(ei.value)
    assert "Function 'SqrtBackward0' returned inf values in its 0th output" in msg
    assert f"{os.path.basename(__file__)}:{line}" in msg
    assert "x.sqrt()" in msg


def test_zero_over_zero_nan_in_div():
    a = autograd.tensor([0.0], requires_grad=True)
    b = autograd.tensor([0.0], requires_grad=True)
    autograd.set_detect_anomaly(True)
    try:
        with np.errstate(all="ignore"):
            q = a / b; line = sys._getframe().f_lineno  # noqa: E702
            with pytest.raises(RuntimeError) as ei:
                (q * 1.0).sum().backward()
    finally:
        autograd.set_detect_anomaly(False)
    msg = str(ei.value)
    assert "'MulBackward0'" in msg or "'DivBackward0'" in msg
    assert "returned nan values in its 1th output" in msg   # d/db = -g*a/b^2 = 0/0
    assert f"{os.path.basename(__file__)}:{line}" in msg


def test_nan_from_div_node():
    a = autograd.tensor([1.0, 0.0], requires_grad=True)
    with autograd.detect_anomaly(), np.errstate(all="ignore"):
        y = (a * 0.0) / (a * 0.0); line = sys._getframe().f_lineno  # noqa: E702
        with pytest.raises(RuntimeError, match=r"DivBackward0' returned nan values in its 1th") as ei:
            y.sum().backward()
    assert f"test_anomaly.py:{line}" in str(ei.value)


def test_off_by_default_and_finite_gradients_pass():
    assert not autograd.is_anomaly_enabled()
    x = autograd.tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()                      # no anomaly mode: inf grad, no error
    assert np.isinf(x.grad.numpy()).all()
    with autograd.detect_anomaly():
        z = autograd.randn(3, requires_grad=True)
        (z * z).sum().backward()
    from autograd import function
    assert function.observer is None                   # no overhead left behind
