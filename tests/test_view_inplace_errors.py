"""In-place ops on views made in no_grad mode or by multi-output view ops (unbind, split,
chunk), and on views of those: torch forbids them under autograd and explains why. Each case
runs on our library and, when torch is importable, on torch: same outcome, same message."""
import importlib.util

import pytest

import autograd

NO_GRAD = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
NO_GRAD_TAIL = "Given that this use case is ambiguous and error-prone, it is forbidden."
MULTI_TAIL = "This view is the output of a function that returns multiple views."


def _nograd_view(T, base_grad=True):
    a = T.randn(3, requires_grad=True).clone() if base_grad else T.randn(3)
    with T.no_grad():
        return a[:2]


def c_nograd_view(T):
    _nograd_view(T).add_(1)


def c_nograd_view_of_leaf(T):
    a = T.randn(3, requires_grad=True)
    with T.no_grad():
        v = a.view(3)
    v.mul_(2)


def c_nograd_view_plain(T):
    _nograd_view(T, False).add_(1)                 # nothing requires grad: allowed


def c_nograd_view_plain_grad_other(T):
    _nograd_view(T, False).add_(T.ones(2, requires_grad=True))


def c_both_in_no_grad(T):
    a = T.randn(3, requires_grad=True).clone()
    with T.no_grad():
        a[:2].add_(1)


def c_view_of_nograd_view(T):
    _nograd_view(T)[:1].add_(1)


def c_setitem_select_on_nograd_view(T):
    _nograd_view(T)[0] = 1.0


def c_setitem_ellipsis_on_nograd_view(T):
    _nograd_view(T)[...] = 1.0


def c_detach_of_nograd_view(T):
    _nograd_view(T).detach().add_(1)


def c_unbind(T):
    T.randn(2, 3, requires_grad=True).clone().unbind(0)[1].add_(1)


def c_unbind_leaf_zero(T):
    T.randn(2, 3, requires_grad=True).unbind(0)[0].zero_()


def c_unbind_plain(T):
    T.randn(2, 3).unbind(0)[0].add_(1)


def c_unbind_plain_grad_other(T):
    T.randn(2, 3).unbind(0)[0].add_(T.ones(3, requires_grad=True))


def c_unbind_in_no_grad(T):
    a = T.randn(2, 3, requires_grad=True).clone()
    with T.no_grad():
        x, _ = a.unbind(0)
    x.add_(1)


def c_unbind_inplace_in_no_grad(T):
    x, _ = T.randn(2, 3, requires_grad=True).clone().unbind(0)
    with T.no_grad():
        x.add_(1)


def c_split(T):
    T.randn(4, 3, requires_grad=True).clone().split(2)[0].add_(1)


def c_split_sizes(T):
    T.randn(2, 3, requires_grad=True).clone().split([1, 1])[1].mul_(3)


def c_chunk_then_view(T):
    T.randn(4, 3, requires_grad=True).clone().chunk(2)[1].t().add_(1)


def c_tensor_split(T):                           # slices, not a multi-output view op
    T.randn(4, 3, requires_grad=True).clone().tensor_split(2)[0].add_(1)


def c_view_of_unbind_output(T):
    T.randn(2, 3, requires_grad=True).clone().unbind(0)[0][0].add_(1)


def c_setitem_on_unbind_output(T):
    x, _ = T.randn(2, 3, requires_grad=True).clone().unbind(0)
    x[0:2] = 5.0


def c_iterate_rows(T):
    for row in T.randn(2, 3, requires_grad=True).clone():
        row.mul_(2)


def c_unbind_detach(T):
    T.randn(2, 3, requires_grad=True).clone().unbind(0)[0].detach().add_(1)


CASES = [(name, f) for name, f in sorted(globals().items()) if name.startswith("c_")]


def _outcome(T, case):
    try:
        case(T)
    except RuntimeError as e:
        return str(e)
    return None


@pytest.mark.parametrize("name,case", CASES)
def test_view_inplace_like_torch(name, case):
    ours = _outcome(autograd, case)
    allowed = {"c_nograd_view_plain", "c_both_in_no_grad", "c_detach_of_nograd_view",
               "c_unbind_plain", "c_unbind_inplace_in_no_grad", "c_tensor_split",
               "c_unbind_detach"}
    if name in allowed:
        assert ours is None
    else:
        assert ours is not None and (NO_GRAD_TAIL in ours or MULTI_TAIL in ours)
    if importlib.util.find_spec("torch") is None:
        return
    import torch
    assert ours == _outcome(torch, case)


def test_messages_name_the_view():
    """Without torch: the headers say which view, as torch's do."""
    assert _outcome(autograd, c_nograd_view).startswith(NO_GRAD)
    assert _outcome(autograd, c_unbind).startswith(
        "Output 1 of Unbind is a view and is being modified inplace. " + MULTI_TAIL)
    assert _outcome(autograd, c_view_of_nograd_view).startswith(
        "Output 0 of Slice is a view of a view which was created in no_grad mode")
    assert _outcome(autograd, c_setitem_on_unbind_output).startswith("Output 0 of Slice is a view")
    assert _outcome(autograd, c_unbind_plain_grad_other).startswith(NO_GRAD + " " + MULTI_TAIL)


def test_no_grad_views_still_work_without_inplace():
    a = autograd.randn(4, requires_grad=True)
    with autograd.no_grad():
        v = a[:2]
    (v * 2).sum()                                  # out-of-place use is fine
    x, y = a.unbind(0)[:2]
    (x + y).backward()
    assert a.grad.numpy().tolist() == [1.0, 1.0, 0.0, 0.0]
