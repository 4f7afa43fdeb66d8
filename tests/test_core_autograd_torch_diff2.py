"""Core autograd machinery against PyTorch (second pass): custom Function API, backward/grad
argument rules, leaf semantics, grad modes, hooks. Each test runs the same code in both
libraries and compares the outcome (value or exception type and message gist)."""
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _outcome(fn, lib):
    """('ok', value as nested lists/None) or ('err', exception type name, message)."""
    try:
        return "ok", _plain(fn(lib))
    except Exception as e:                                   # noqa: BLE001
        return "err", type(e).__name__, str(e)


def _plain(v):
    if isinstance(v, (torch.Tensor, ag.Tensor)):
        return np.asarray(v.detach().numpy(), dtype=float).round(6).tolist()
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v


def same(fn, gist=None):
    """Run ``fn(lib)`` with torch and with autograd; results or errors must agree. For errors,
    the type must match and, with ``gist``, both messages must contain it."""
    t, o = _outcome(fn, torch), _outcome(fn, ag)
    assert t[0] == o[0], (t, o)
    if t[0] == "ok":
        assert t == o, (t, o)
    else:
        assert t[1] == o[1], (t, o)
        if gist is not None:
            assert gist in t[2] and gist in o[2], (t, o)
    return t


def fn_cls(lib, forward, backward=None, setup_context=None, name="F"):
    ns = {"forward": staticmethod(forward)}
    if backward is not None:
        ns["backward"] = staticmethod(backward)
    if setup_context is not None:
        ns["setup_context"] = staticmethod(setup_context)
    return type(name, (lib.autograd.Function,), ns)


def x2(lib, rg=True):
    return lib.tensor([1., 2.], requires_grad=rg)


# ---- custom Function -------------------------------------------------------------------

def test_needs_input_grad_visible_in_forward():
    def run(L):
        seen = []

        def f(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k
        F = fn_cls(L, f, lambda ctx, g: (g, g, None))
        F.apply(x2(L), x2(L, False), 2.0)
        return seen
    same(run)


def test_too_few_gradients_is_an_error():
    def run(L):
        F = fn_cls(L, lambda ctx, a, b: a * b, lambda ctx, g: g)
        F.apply(x2(L), x2(L, False)).sum().backward()
    same(run, "returned an incorrect number of gradients (expected 2, got 1)")


def test_backward_returning_a_list_counts_as_one_gradient():
    def run(L):
        F = fn_cls(L, lambda ctx, a, b: a * b, lambda ctx, g: [g, g])
        F.apply(x2(L), x2(L)).sum().backward()
    same(run, "incorrect number of gradients")


def test_gradient_for_a_non_tensor_input_is_an_error():
    def run(L):
        F = fn_cls(L, lambda ctx, a, k: a * k, lambda ctx, g: (g, g))
        F.apply(x2(L), 2.0).sum().backward()
    same(run, "returned a gradient different than None at position 2")


def test_non_tensor_gradient_message():
    def run(L):
        F = fn_cls(L, lambda ctx, a: a * 2, lambda ctx, g: 1.0)
        F.apply(x2(L)).sum().backward()
    same(run, "expected Variable or None (got float)")


def test_set_materialize_grads_false_gives_none():
    def run(L):
        seen = []

        def f(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2, a * 3

        def b(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return g1 * 2
        x = x2(L)
        fn_cls(L, f, b).apply(x)[0].sum().backward()
        return seen, x.grad
    same(run)


def test_non_differentiable_output_gets_zero_gradient():
    def run(L):
        seen = []

        def f(ctx, a):
            i = a * 5
            ctx.mark_non_differentiable(i)
            return a * 2, i

        def b(ctx, g1, g2):
            seen.append(g2)
            return g1 * 2
        F = fn_cls(L, f, b)
        F.apply(x2(L))[0].sum().backward()
        return seen
    same(run)


def _dirty_forward(ctx, a):
    a.mul_(2)
    ctx.mark_dirty(a)
    return a


def test_mark_dirty_returns_the_input_with_new_history():
    def run(L):
        x = x2(L)
        y = x * 1
        z = fn_cls(L, _dirty_forward, lambda ctx, g: g * 2).apply(y)
        z.sum().backward()
        return x.grad, z is y, y, y.is_leaf
    same(run)


def test_mark_dirty_on_a_leaf_requiring_grad():
    same(lambda L: fn_cls(L, _dirty_forward, lambda ctx, g: g).apply(x2(L)),
         "a leaf Variable that requires grad has been used in an in-place operation.")


def test_mark_dirty_input_not_returned():
    def f(ctx, a):
        a.mul_(2)
        ctx.mark_dirty(a)
        return a * 1
    same(lambda L: fn_cls(L, f, lambda ctx, g: g).apply(x2(L) * 1),
         "Some elements marked as dirty during the forward method were not returned")


def test_setup_context_style():
    def run(L):
        def setup(ctx, inputs, output):
            ctx.k = inputs[1]
            ctx.save_for_backward(inputs[0])
        F = fn_cls(L, lambda a, k: a * k, lambda ctx, g: (g * ctx.k, None), setup)
        x = x2(L)
        F.apply(x, 3.0).sum().backward()
        return x.grad
    same(run)


def test_save_for_backward_rejects_non_tensors():
    def f(ctx, a):
        ctx.save_for_backward(a, 3)
        return a * 2
    same(lambda L: fn_cls(L, f, lambda ctx, g: g).apply(x2(L)),
         "save_for_backward can only save variables, but argument 1 is of type int")


def test_grad_fn_class_name_and_name():
    def run(L):
        y = fn_cls(L, lambda ctx, a: a * 2, lambda ctx, g: g, name="MyOp").apply(x2(L))
        return type(y.grad_fn).__name__, y.grad_fn.name()
    same(run)


def test_vjp_is_an_alias_of_backward_and_missing_backward_errors():
    def run(L):
        F = type("F", (L.autograd.Function,), {"forward": staticmethod(lambda ctx, a: a * 2),
                                               "vjp": staticmethod(lambda ctx, g: g * 5)})
        x = x2(L)
        F.apply(x).sum().backward()
        return x.grad
    same(run)
    same(lambda L: fn_cls(L, lambda ctx, a: a * 2).apply(x2(L)).sum().backward(),
         "You must implement either the backward or vjp method")


def test_calling_a_function_instance_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda L: fn_cls(L, lambda ctx, a: a, lambda ctx, g: g)()(x2(L)),
             "Legacy autograd function with non-static forward method is deprecated")


# ---- backward / grad arguments ------------------------------------------------------------

def test_backward_gradient_must_be_a_tensor():
    # a list is a sequence of gradients, one per output, and a float is not a gradient
    same(lambda L: (x2(L) * 2).backward([1., 1.]), "gradients can be either Tensors or None")


def test_shape_mismatch_message_names_the_index():
    same(lambda L: (x2(L) * 2).backward(L.ones(3)),
         "Mismatch in shape: grad_output[0] has a shape of")


def test_fewer_gradients_than_outputs():
    def run(L):
        x = x2(L)
        L.autograd.backward([x.sum(), x.sum()], [L.tensor(1.)])
    same(run, "got 2 tensors and 1 gradients")


def test_extra_grad_outputs_are_ignored():
    def run(L):
        x = x2(L)
        return L.autograd.grad([x * 2], x, [L.ones(2), L.ones(2)])
    same(run)


def test_empty_inputs_are_errors():
    same(lambda L: (x2(L) * 2).sum().backward(inputs=[]),
         "`inputs` argument to `backward()` cannot be empty.")
    same(lambda L: L.autograd.grad((x2(L) * 2).sum(), []),
         "`inputs` argument to `grad()` cannot be empty.")


def test_grad_unused_and_not_requiring_messages():
    def unused(L):
        x, y = x2(L), L.tensor(3., requires_grad=True)
        return L.autograd.grad((x * 2).sum(), [x, y])
    same(unused, "The differentiated Tensor at index 1 appears to not have been used")

    def noreq(L):
        x = x2(L)
        return L.autograd.grad((x * 2).sum(), [x, x2(L, False)])
    same(noreq, "One of the differentiated Tensors does not require grad")


def test_materialize_grads_with_allow_unused_false():
    def run(L):
        x, y = x2(L), L.tensor(3., requires_grad=True)
        return L.autograd.grad((x * 2).sum(), [x, y], allow_unused=False, materialize_grads=True)
    same(run, "Expected allow_unused to be True or not passed when materialize_grads=True")


def test_is_grads_batched():
    def run(L):
        x = x2(L)
        y = x * x
        return L.autograd.grad(y, x, L.eye(2), is_grads_batched=True)
    same(run)

    def bad(L):
        x = x2(L)
        return L.autograd.grad(x * 2, x, L.ones(3, 3), is_grads_batched=True)
    same(bad, "If `is_grads_batched=True`, we interpret the first dimension")


def test_retained_grad_accumulates_across_backwards():
    def run(L):
        x = x2(L)
        y = x * 2
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        return y.grad, x.grad
    same(run)


# ---- grad modes ---------------------------------------------------------------------------

def test_grad_mode_decorators_without_parentheses():
    def run(L):
        x = x2(L)
        f = L.no_grad(lambda a: a * 2)
        g = L.inference_mode(lambda a: a * 2)
        h = L.enable_grad(lambda a: a * 2)
        with L.no_grad():
            inner = h(x).requires_grad
        return f(x).requires_grad, g(x).requires_grad, inner, L.is_grad_enabled()
    same(run)


def test_grad_mode_decorated_generator():
    # the mode holds inside the generator, not in the caller between yields
    def run(L):
        x = x2(L)

        @L.no_grad()
        def gen(a):
            r = yield (a * 2).requires_grad, L.is_grad_enabled()
            yield (a * r).requires_grad, L.is_grad_enabled()
        it = gen(x)
        first = next(it)
        outside = L.is_grad_enabled()
        return first, outside, it.send(3), L.is_grad_enabled()
    same(run)


def test_grad_mode_enter_returns_none_and_inference_flag():
    def run(L):
        with L.no_grad() as a, L.enable_grad() as b, L.set_grad_enabled(False) as c:
            pass
        with L.inference_mode() as d:
            inside = L.is_inference_mode_enabled()
        return a, b, c, d, inside, L.is_inference_mode_enabled(), L.is_grad_enabled()
    same(run)


# ---- leaves, views, hooks -----------------------------------------------------------------

@pytest.mark.parametrize("op", ["add_", "zero_", "fill_", "iadd"])
def test_inplace_on_leaf_message_is_torchs(op):
    def run(L):
        x = x2(L)
        if op == "add_":
            x.add_(1)
        elif op == "zero_":
            x.zero_()
        elif op == "fill_":
            x.fill_(1.)
        else:
            x += 1
    same(run, "a leaf Variable that requires grad is being used in an in-place operation.")


def test_inplace_on_view_of_leaf_message_is_torchs():
    same(lambda L: x2(L)[1:].mul_(2),
         "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def test_detach__of_a_view_is_an_error():
    same(lambda L: x2(L)[:1].detach_(), "Can't detach views in-place. Use detach() instead.")


def test_hook_handle_as_context_manager():
    def run(L):
        x = x2(L)
        with x.register_hook(lambda g: g * 10):
            pass
        (x * x).sum().backward()
        return x.grad
    same(run)
