"""Bad input raises a clear error naming the op, the argument, the shapes and what was expected,
before any computation."""
import numpy as np
import pytest

import autograd


def test_broadcast_mismatch():
    a, b = autograd.ones(2, 3), autograd.ones(4)
    with pytest.raises(RuntimeError, match=r"add\(\).*size of tensor a \(3\).*tensor b \(4\)"
                       r".*\(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"mul\(\).*\(2, 3\) and \(4,\)"):
        a * b
    with pytest.raises(RuntimeError, match=r"where\(\)"):
        autograd.where(autograd.ones(5).bool(), a, b)


def test_matmul_mismatch():
    with pytest.raises(RuntimeError, match=r"matmul\(\): input \(2, 3\) and other \(4, 5\) "
                                           r"cannot be multiplied"):
        autograd.ones(2, 3) @ autograd.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"mm\(\).*input's columns \(3\).*mat2's rows \(4\)"):
        autograd.mm(autograd.ones(2, 3), autograd.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"bmm\(\): expected 3-D"):
        autograd.bmm(autograd.ones(2, 3), autograd.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"bmm\(\).*batch sizes differ"):
        autograd.bmm(autograd.ones(2, 2, 3), autograd.ones(3, 3, 2))
    with pytest.raises(RuntimeError, match=r"at least 1D"):
        autograd.matmul(autograd.tensor(1.0), autograd.ones(2))
    with pytest.raises(RuntimeError, match=r"matmul\(\)"):
        autograd.ones(2, 2, 3) @ autograd.ones(3, 3, 2)         # batch dims don't broadcast


def test_backward_errors():
    x = autograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar "
                                           r"outputs.*\(3,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.ones(3).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(autograd.ones(2))


def test_int_requires_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients"):
        autograd.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.zeros(2, dtype=autograd.int64, requires_grad=True)


def test_inplace_errors():
    i = autograd.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"add_: result type autograd.float32 can't be cast "
                                           r"to the desired output type autograd.int64"):
        i.add_(autograd.tensor([0.5, 0.5]))
    x = autograd.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"add_: output with shape \[2, 3\] doesn't match the "
                                           r"broadcast shape \[4, 2, 3\]"):
        x.add_(autograd.ones(4, 2, 3))
    y = autograd.ones(3).expand(2, 3)
    with pytest.raises((RuntimeError, ValueError)):
        y.add_(1.0)


def test_shape_errors():
    x = autograd.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"reshape\(\): shape '\[4, 2\]' is invalid for input "
                                           r"of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"view\(\).*Use \.reshape"):
        x.t().view(6)
    with pytest.raises(RuntimeError, match=r"expand\(\).*\(4\) must match the existing size "
                                           r"\(3\)"):
        x.expand(2, 4)
    with pytest.raises(IndexError, match=r"Dimension out of range.*got 2"):
        x.sum(2)
    with pytest.raises(RuntimeError, match=r"cat\(\): Sizes of tensors must match except in "
                                           r"dimension 0"):
        autograd.cat([x, autograd.ones(2, 4)])
    with pytest.raises(RuntimeError, match=r"stack\(\): expects each tensor to be equal size"):
        autograd.stack([x, autograd.ones(3, 2)])
    with pytest.raises(RuntimeError, match=r"permute\(\): number of dims don't match"):
        x.permute(0)
    with pytest.raises(RuntimeError, match=r"mean\(\).*Long|mean\(\).*int64"):
        autograd.tensor([1, 2]).mean()


def test_index_errors():
    x = autograd.ones(2, 3)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match="tensors used as indices must be long"):
        x[autograd.tensor([0.5])]
    with pytest.raises(RuntimeError, match=r"gather\(\): index 3 is out of bounds for dimension "
                                           r"1 with size 3"):
        x.gather(1, autograd.tensor([[3], [0]]))
    with pytest.raises(RuntimeError, match=r"masked_fill\(\): expected mask of dtype bool"):
        x.masked_fill(autograd.ones(2, 3), 0.0)
    with pytest.raises(IndexError, match=r"index_select\(\): index out of range"):
        x.index_select(1, autograd.tensor([3]))


def test_misc_errors():
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        autograd.ones(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(autograd.ones(2))
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        autograd.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="clamp\\(\\): At least one"):
        autograd.ones(2).clamp()
    with pytest.raises(RuntimeError, match="Subtraction.*bool"):
        autograd.tensor([True]) - autograd.tensor([False])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        autograd.tensor([2]) ** -1
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        (autograd.ones(2, requires_grad=True) * 2).requires_grad_(False)


def test_errors_raised_before_computation():
    """A failed op leaves no trace: no graph node, no version bump."""
    x = autograd.zeros(2, 3)
    v = x._version
    with pytest.raises(RuntimeError):
        x.add_(autograd.ones(4))
    assert x._version == v and np.all(x.numpy() == 0)


def test_bool_subtraction_any_operand_raises():
    b = autograd.tensor([True, False])
    for a, c in [(b, autograd.tensor([1.0, 2.0])), (autograd.tensor([1, 2]), b), (b, 1),
                 (autograd.tensor([1.5]), True)]:
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool"):
            a - c
    assert (autograd.tensor([1, 2]) - 1).dtype == autograd.int64


def test_integer_division_by_zero_raises_float_gives_inf():
    for op in (lambda a, b: a // b, lambda a, b: a % b):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(autograd.tensor([3, 4]), autograd.tensor([1, 0]))
    r = autograd.tensor([3.0, -1.0]) // autograd.tensor([0.0, 0.0])
    assert np.isinf(r.numpy()).all()


def test_integer_tensor_power_with_negative_exponents():
    x = autograd.tensor([2, 1, -1, -1, 0, 3, 2])
    y = autograd.tensor([-2, -3, -3, -2, -1, 0, 3])
    r = x ** y
    assert r.dtype == autograd.int64
    assert r.tolist() == [0, 1, -1, 1, 0, 1, 8]
