"""Engine semantics: accumulation, graph release, retain_graph, version counters, hooks,
retain_grad, autograd.grad, custom Functions, grad modes, deep graphs."""
import gc
import weakref

import numpy as np
import pytest

import autograd
from autograd import Function


def leaf(vals, dtype=autograd.float64):
    return autograd.tensor(vals, dtype=dtype, requires_grad=True)


def test_accumulates_across_calls_and_reuse():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad = None
    y = x * x
    (y + y * x).sum().backward()          # a node used twice: contributions sum before backward
    np.testing.assert_allclose(x.grad.numpy(), 2 * x._data + 3 * x._data ** 2)


def test_long_chain_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.backward()
    assert x.grad.item() == 1.0


def test_second_backward_through_freed_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1)


def test_saved_arrays_released_after_backward():
    x = leaf(np.ones(1000))
    h = x * 2.0
    y = h.exp()                         # saves its output
    arr_ref = weakref.ref(y._data)
    node_saved = y.grad_fn
    out = (y * y).sum()
    del y, h
    gc.collect()
    assert arr_ref() is not None        # held by the graph
    out.backward()
    gc.collect()
    assert node_saved._saved is None
    assert arr_ref() is None            # freed: only the graph held it


def test_retained_graph_keeps_saved_arrays():
    x = leaf(np.ones(10))
    y = x.exp()
    arr_ref = weakref.ref(y._data)
    out = (y * 2.0).sum()
    node = y.grad_fn
    del y
    out.backward(retain_graph=True)
    gc.collect()
    assert node._saved is not None and arr_ref() is not None


def test_memory_flat_over_many_steps():
    w = leaf(np.ones(50))
    refs = []
    for _ in range(20):
        y = (w * 2.0).tanh()
        refs.append(weakref.ref(y._data))
        loss = (y * y).sum()
        loss.backward()
        del y, loss
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_inplace_on_saved_tensor_raises():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    z = y * y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_on_saved_output_raises():
    x = leaf([1.0, 2.0])
    y = x.sigmoid()
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_through_view_bumps_base_version():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1.0
    z = y.exp()            # saves output z; y saved? exp saves out
    w = y * y              # saves y
    v = y.view(3)
    v.add_(1.0)            # same storage and version counter as y
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()
    del z


def test_inplace_under_no_grad_through_view_is_detected():
    x = leaf([1.0, 2.0])
    y = x * x              # saves x
    with autograd.no_grad():
        x.view(2).mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_leaf_requiring_grad_inplace_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.zero_()
    with autograd.no_grad():
        x.add_(1.0)                     # fine without grad recording (optimizer step)
    np.testing.assert_allclose(x.numpy(force=True), [2.0, 3.0])


def test_inplace_graph_correct():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    y.mul_(x)                           # y = 2x^2
    y.add_(x, alpha=3.0)                # y = 2x^2 + 3x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x._data + 3)
    assert y._version == 2


def test_inplace_on_view_rewires_base_graph():
    """PyTorch's CopySlices: an in-place op on a view changes the base's graph too."""
    a0 = np.arange(12.0).reshape(3, 4) / 7
    a = leaf(a0)
    y = a * 2.0
    y[0].mul_(3.0)                      # row 0 of y is now 6a, the rest 2a
    (y * y).sum().backward()
    want = 8 * a0
    want[0] = 72 * a0[0]
    np.testing.assert_allclose(a.grad.numpy(), want)
    np.testing.assert_allclose(y.detach().numpy()[0], 6 * a0[0])


def test_inplace_on_view_chain_and_value_gradient():
    a0, b0 = np.arange(12.0).reshape(3, 4) / 7, np.array([1.0, 2.0, 3.0])
    a, b = leaf(a0), leaf(b0)
    y = a * 1.0
    y.t()[1].mul_(b)                    # column 1 of y scaled by b, through two views
    (y ** 2).sum().backward()
    want_a = 2 * a0
    want_a[:, 1] = 2 * a0[:, 1] * b0 ** 2
    np.testing.assert_allclose(a.grad.numpy(), want_a)
    np.testing.assert_allclose(b.grad.numpy(), 2 * a0[:, 1] ** 2 * b0)


def test_inplace_on_view_of_buffer_without_grad():
    """buf[1].copy_(x): the buffer becomes part of the graph (as in PyTorch)."""
    x = leaf([1.0, 2.0, 3.0, 4.0])
    buf = autograd.zeros(3, 4, dtype=autograd.float64)
    buf[1].copy_(x)
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * buf).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x._data)


def test_inplace_on_view_used_by_base_and_view():
    a0 = np.arange(6.0).reshape(2, 3)
    a = leaf(a0)
    y = a * 1.0
    v = y[1]
    v.mul_(2.0)
    (y.sum() + (v * v).sum()).backward()
    want = np.ones_like(a0)
    want[1] = 2 + 8 * a0[1]             # d/da1 of (2a1) + (2a1)^2
    np.testing.assert_allclose(a.grad.numpy(), want)


def test_inplace_on_view_of_leaf_raises_and_copies_are_not_views():
    a = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        a[0].mul_(2.0)
    x = autograd.arange(6.0)
    x[2].add_(10.0)                     # a 0-d view aliases, as in PyTorch
    x[[0, 1]].add_(10.0)                # advanced indexing copies: x unchanged there
    np.testing.assert_allclose(x.numpy(), [0.0, 1.0, 12.0, 3.0, 4.0, 5.0])


def test_tensor_hooks_and_retain_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3.0
    y.retain_grad()
    h = y.register_hook(lambda g: g * 2)     # modifies the gradient flowing on
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 2 * y._data)   # retained after hooks (torch)
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * y._data * 3)
    np.testing.assert_allclose(seen[0], x.grad.numpy())
    h.remove()
    x.grad = None
    y = x * 3.0
    h = y.register_hook(lambda g: g * 2)
    h.remove()
    (y * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        autograd.tensor([1.0]).register_hook(lambda g: g)


def test_grad_function():
    x = leaf([1.0, 2.0])
    z = leaf([5.0])
    y = (x ** 3).sum()
    (gx,) = autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(gx.numpy(force=True), 3 * x._data ** 2)
    assert x.grad is None                   # grad() does not accumulate
    (ggx,) = autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(ggx.numpy(), 6 * x._data)
    y2 = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(y2, [x, z], retain_graph=True)
    gx2, gz = autograd.grad(y2, [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx2.numpy(), [2.0, 2.0])


def test_grad_with_grad_outputs_and_nonleaf_input():
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2.0
    y = h.exp()
    (gh,) = autograd.grad(y, h, grad_outputs=autograd.ones(3, dtype=autograd.float64))
    np.testing.assert_allclose(gh.numpy(), np.exp(h._data))


def test_backward_with_gradient_and_inputs():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * w
    y.backward(autograd.tensor([1.0, 0.5], dtype=autograd.float64), inputs=[x])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 2.0])
    assert w.grad is None


def test_higher_order():
    x = leaf([0.5])
    y = x.sin()
    g1, = autograd.grad(y, x, create_graph=True)
    g2, = autograd.grad(g1, x, create_graph=True)
    g3, = autograd.grad(g2, x)
    np.testing.assert_allclose([g1.item(), g2.item(), g3.item()],
                               [np.cos(0.5), -np.sin(0.5), -np.cos(0.5)])


def test_create_graph_backward_makes_grad_differentiable():
    x = leaf([1.0, 2.0])
    (x ** 2).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    x.grad.sum().backward()             # d/dx sum(2x) = 2, accumulated into x.grad
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * x._data.copy() + 2)


class MyExp(Function):
    @staticmethod
    def forward(ctx, x, scale):
        y = x.exp() * scale
        ctx.save_for_backward(y)
        ctx.scale = scale
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * y, None


def test_custom_function():
    x = leaf([0.0, 1.0])
    y = MyExp.apply(x, 2.0)
    assert y.grad_fn is not None and "MyExp" in y.grad_fn.name()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([0.0, 1.0]))
    assert autograd.gradcheck(lambda v: MyExp.apply(v, 1.5), (leaf([0.3, -0.2]),))
    assert autograd.gradgradcheck(lambda v: MyExp.apply(v, 1.5), (leaf([0.3, -0.2]),))


def test_custom_function_needs_input_grad_and_wrong_count():
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, g, g

    a, b = leaf([1.0]), autograd.tensor([2.0], dtype=autograd.float64)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Two.apply(a, b).sum().backward()


def test_custom_function_wrong_grad_shape():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    with pytest.raises(RuntimeError, match="invalid gradient"):
        Bad.apply(leaf([1.0, 2.0])).sum().backward()


@pytest.mark.parametrize("ctx", [autograd.no_grad, autograd.inference_mode,
                                 lambda: autograd.set_grad_enabled(False)])
def test_grad_modes_context(ctx):
    x = leaf([1.0])
    with ctx():
        y = x * 2
        assert not autograd.is_grad_enabled()
        with autograd.enable_grad():
            z = x * 2
    assert autograd.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


def test_grad_modes_decorators():
    x = leaf([1.0])

    @autograd.no_grad()
    def f():
        return x * 2

    @autograd.inference_mode()
    def g():
        return x * 2

    @autograd.set_grad_enabled(False)
    def h():
        return x * 2

    @autograd.enable_grad()
    def k():
        return x * 2

    assert autograd.is_grad_enabled()
    assert not f().requires_grad and not g().requires_grad and not h().requires_grad
    with autograd.no_grad():
        assert k().requires_grad
    assert autograd.is_grad_enabled()


def test_set_grad_enabled_as_function():
    autograd.set_grad_enabled(False)
    assert not autograd.is_grad_enabled()
    autograd.set_grad_enabled(True)
    assert autograd.is_grad_enabled()


def test_grad_mode_restored_on_exception():
    with pytest.raises(ValueError):
        with autograd.no_grad():
            raise ValueError
    assert autograd.is_grad_enabled()


def test_detach_and_data_break_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d._data, y._data)
    assert not x.data.requires_grad


def test_integer_outputs_do_not_require_grad():
    x = leaf([1.5, -2.0])
    assert not (x > 0).requires_grad
    assert not x.argmax().requires_grad
    v, i = x.max(0)
    assert v.requires_grad and not i.requires_grad
    assert not x.long().requires_grad


def test_next_functions_and_is_leaf():
    x = leaf([1.0])
    y = x * 2 + 1
    assert x.is_leaf and not y.is_leaf
    names = [f.name() for f, _ in y.grad_fn.next_functions if f is not None]
    assert names[0] == "MulBackward0"
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x


def test_diamond_graph_order():
    x = leaf([2.0])
    a = x * 3
    b = a.exp()
    c = a * b
    d = c + a
    d.backward()
    # d = a*e^a + a, a = 3x: dd/dx = 3 (e^a + a e^a + 1)
    av = 6.0
    np.testing.assert_allclose(x.grad.item(), 3 * (np.exp(av) + av * np.exp(av) + 1))
