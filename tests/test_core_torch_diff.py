"""Differential tests against PyTorch (when importable): forward values, dtypes and every input
gradient, float64 (rtol 1e-8) and float32 (rtol 1e-4). torch is a comparison, not a dependency.

Each case is ``fn(M, *tensors)`` where ``M`` is the module (``autograd`` or ``torch``), so the
same lambda runs on both libraries."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

R = np.random.default_rng(1234)


def _arr(spec):
    """spec: (shape, kind) with kind 'f' (normal), 'p' (positive), 'u' ((-.9,.9)), 'i' (ints),
    'b' (bool), 't' (values with ties: small ints as floats), or an explicit ndarray."""
    if isinstance(spec, np.ndarray):
        return spec
    shape, kind = spec
    if kind == "f":
        return R.standard_normal(shape)
    if kind == "p":
        return R.uniform(0.5, 2.0, shape)
    if kind == "u":
        return R.uniform(-0.9, 0.9, shape)
    if kind == "i":
        return R.integers(-5, 6, shape).astype(np.int64)
    if kind == "i32":
        return R.integers(-5, 6, shape).astype(np.int32)
    if kind == "b":
        return R.random(shape) < 0.5
    if kind == "t":
        return R.integers(-2, 3, shape).astype(np.float64)
    raise ValueError(kind)


def _to_torch_dtype(npd):
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
            np.dtype(np.int64): torch.int64, np.dtype(np.int32): torch.int32,
            np.dtype(np.bool_): torch.bool}[np.dtype(npd)]


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res += _flatten(o)
        return res
    return [out]


def run_both(fn, specs, dtype=np.float64, grad=True):
    arrays = [_arr(s) for s in specs]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    ours = [autograd.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    o_out = _flatten(fn(autograd, *ours))
    t_out = _flatten(fn(torch, *theirs))
    assert len(o_out) == len(t_out)
    rtol = 1e-8 if dtype == np.float64 else 1e-4
    atol = 1e-10 if dtype == np.float64 else 1e-5
    for o, t in zip(o_out, t_out):
        if not isinstance(t, torch.Tensor):
            assert o == t
            continue
        assert isinstance(o, autograd.Tensor), type(o)
        tn = t.detach().numpy()
        assert o.shape == tuple(t.shape), (o.shape, t.shape)
        assert o._data.dtype == tn.dtype, (o._data.dtype, tn.dtype)
        r, at = (rtol, atol) if tn.dtype != np.float32 else (1e-4, 1e-5)
        np.testing.assert_allclose(o._data, tn, rtol=r, atol=at, equal_nan=True)
        assert o.requires_grad == t.requires_grad
    if not grad:
        return
    # backward: a random weighting of all differentiable outputs
    o_loss, t_loss = None, None
    for o, t in zip(o_out, t_out):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            w = R.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
            ol = (o * autograd.tensor(w)).sum()
            tl = (t * torch.tensor(w)).sum()
            o_loss = ol if o_loss is None else o_loss + ol
            t_loss = tl if t_loss is None else t_loss + tl
    if t_loss is None:
        return
    o_loss.backward()
    t_loss.backward()
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if not t.requires_grad:
            continue
        if t.grad is None:
            assert o.grad is None or np.all(o.grad._data == 0), f"input {i}"
            continue
        assert o.grad is not None, f"input {i}: no grad"
        assert o.grad._data.dtype == t.grad.numpy().dtype
        np.testing.assert_allclose(o.grad._data, t.grad.numpy(), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=f"grad of input {i}")


F = "f"
CASES = {
    # arithmetic + broadcasting
    "add": (lambda M, a, b: a + b, [((3, 4), F), ((4,), F)]),
    "add_alpha": (lambda M, a, b: M.add(a, b, alpha=2.5), [((3, 4), F), ((3, 1), F)]),
    "radd": (lambda M, a: 2.5 + a, [((3,), F)]),
    "sub": (lambda M, a, b: a - b, [((2, 1, 3), F), ((4, 1), F)]),
    "rsub": (lambda M, a: 1.5 - a, [((3,), F)]),
    "mul": (lambda M, a, b: a * b, [((2, 3), F), ((2, 1), F)]),
    "rmul_int": (lambda M, a: 3 * a, [((3,), F)]),
    "div": (lambda M, a, b: a / b, [((2, 3), F), ((3,), "p")]),
    "rdiv": (lambda M, a: 2.0 / a, [((3,), "p")]),
    "neg": (lambda M, a: -a, [((3,), F)]),
    "pow_scalar": (lambda M, a: a ** 3, [((4,), F)]),
    "pow_half": (lambda M, a: a ** 0.5, [((4,), "p")]),
    "pow_neg": (lambda M, a: a ** -1.5, [((4,), "p")]),
    "pow_zero": (lambda M, a: a ** 0, [((4,), F)]),
    "pow_tensor": (lambda M, a, b: a ** b, [((3,), "p"), ((2, 3), F)]),
    "rpow": (lambda M, a: 2.0 ** a, [((3,), F)]),
    "pow_zero_base": (lambda M, a, b: a ** b,
                      [np.array([0.0, 0.0, 1.0, 2.0]), np.array([2.0, 0.0, 0.0, 1.5])]),
    "square": (lambda M, a: M.square(a), [((3,), F)]),
    # unary
    "exp": (lambda M, a: M.exp(a), [((3, 2), F)]),
    "log": (lambda M, a: M.log(a), [((3,), "p")]),
    "log1p": (lambda M, a: M.log1p(a), [((3,), "p")]),
    "log2": (lambda M, a: M.log2(a), [((3,), "p")]),
    "expm1": (lambda M, a: M.expm1(a), [((3,), F)]),
    "sqrt": (lambda M, a: M.sqrt(a), [((3,), "p")]),
    "rsqrt": (lambda M, a: M.rsqrt(a), [((3,), "p")]),
    "reciprocal": (lambda M, a: M.reciprocal(a), [((3,), "p")]),
    "abs": (lambda M, a: M.abs(a), [np.array([-1.0, 0.0, 2.0])]),
    "sign": (lambda M, a: M.sign(a), [np.array([-1.0, 0.0, 2.0])]),
    "sin": (lambda M, a: M.sin(a), [((3,), F)]),
    "cos": (lambda M, a: M.cos(a), [((3,), F)]),
    "tan": (lambda M, a: M.tan(a), [((3,), "u")]),
    "tanh": (lambda M, a: M.tanh(a), [((3,), F)]),
    "sinh": (lambda M, a: M.sinh(a), [((3,), F)]),
    "cosh": (lambda M, a: M.cosh(a), [((3,), F)]),
    "atan": (lambda M, a: M.atan(a), [((3,), F)]),
    "asin": (lambda M, a: M.asin(a), [((3,), "u")]),
    "acos": (lambda M, a: M.acos(a), [((3,), "u")]),
    "sigmoid": (lambda M, a: M.sigmoid(a), [np.array([-800.0, -1.0, 0.0, 3.0, 800.0])]),
    "relu": (lambda M, a: M.relu(a), [np.array([-1.0, 0.0, 2.0])]),
    "floor": (lambda M, a: M.floor(a), [((3,), F)]),
    "ceil": (lambda M, a: M.ceil(a), [((3,), F)]),
    "round": (lambda M, a: M.round(a), [np.array([0.5, 1.5, 2.5, -0.5, 1.2])]),
    "trunc": (lambda M, a: M.trunc(a), [((3,), F)]),
    "frac": (lambda M, a: M.frac(a), [((3,), F)]),
    "clamp": (lambda M, a: M.clamp(a, -0.5, 0.5), [np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]),
    "clamp_min": (lambda M, a: a.clamp(min=0.0), [np.array([-1.0, 0.0, 1.0])]),
    "clamp_max": (lambda M, a: a.clamp(max=0.0), [np.array([-1.0, 0.0, 1.0])]),
    "clamp_inverted": (lambda M, a: M.clamp(a, 1.0, -1.0), [np.array([-2.0, 0.0, 2.0])]),
    "clamp_tensor": (lambda M, a, lo, hi: M.clamp(a, lo, hi),
                     [np.array([-1.0, 0.0, 0.5, 2.0]), np.array([0.0, 0.0, -1.0, 0.0]),
                      np.array([1.0, 1.0, 0.5, 1.0])]),
    "clip": (lambda M, a: M.clip(a, -0.1, 0.1), [((5,), F)]),
    "where": (lambda M, c, a, b: M.where(c, a, b), [((3, 4), "b"), ((3, 4), F), ((4,), F)]),
    "where_scalar": (lambda M, c, a: M.where(c, a, 0.0), [((3,), "b"), ((3,), F)]),
    "maximum_ties": (lambda M, a, b: M.maximum(a, b), [((3, 4), "t"), ((3, 4), "t")]),
    "minimum_ties": (lambda M, a, b: M.minimum(a, b), [((3, 4), "t"), ((4,), "t")]),
    "lerp": (lambda M, a, b: M.lerp(a, b, 0.3), [((3,), F), ((3,), F)]),
    "addcmul": (lambda M, a, b, c: M.addcmul(a, b, c, value=0.5),
                [((3,), F), ((3,), F), ((3,), F)]),
    "addcdiv": (lambda M, a, b, c: M.addcdiv(a, b, c, value=0.5),
                [((3,), F), ((3,), F), ((3,), "p")]),
    # reductions
    "sum": (lambda M, a: a.sum(), [((3, 4), F)]),
    "sum_dim": (lambda M, a: a.sum(1), [((3, 4), F)]),
    "sum_dims_keep": (lambda M, a: a.sum((0, 2), keepdim=True), [((2, 3, 4), F)]),
    "sum_neg_dim": (lambda M, a: a.sum(-1), [((2, 3), F)]),
    "mean": (lambda M, a: a.mean(), [((3, 4), F)]),
    "mean_dim": (lambda M, a: a.mean((0, 1)), [((2, 3, 4), F)]),
    "prod": (lambda M, a: a.prod(), [((2, 3), F)]),
    "prod_dim": (lambda M, a: a.prod(1), [((2, 3), F)]),
    "prod_zero": (lambda M, a: a.prod(1, keepdim=True),
                  [np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]])]),
    "prod_zero_all": (lambda M, a: a.prod(), [np.array([0.0, 2.0, 3.0])]),
    "max_all_ties": (lambda M, a: a.max(), [np.array([1.0, 3.0, 3.0, 2.0])]),
    "min_all_ties": (lambda M, a: a.min(), [np.array([1.0, 1.0, 3.0])]),
    "max_dim_ties": (lambda M, a: a.max(1), [((4, 5), "t")]),
    "min_dim_keep": (lambda M, a: a.min(0, keepdim=True), [((4, 5), "t")]),
    "max_binary": (lambda M, a, b: M.max(a, b), [((3,), "t"), ((3,), "t")]),
    "amax_ties": (lambda M, a: a.amax(1), [((4, 5), "t")]),
    "amin_tuple": (lambda M, a: M.amin(a, (0, 2)), [((3, 2, 3), "t")]),
    "amax_all": (lambda M, a: M.amax(a), [((3, 4), "t")]),
    "argmax": (lambda M, a: a.argmax(), [((3, 4), "t")]),
    "argmax_dim": (lambda M, a: a.argmax(1), [((3, 4), "t")]),
    "argmin_dim_keep": (lambda M, a: a.argmin(0, keepdim=True), [((3, 4), "t")]),
    "var": (lambda M, a: a.var(), [((3, 4), F)]),
    "var_dim": (lambda M, a: a.var(1), [((3, 4), F)]),
    "var_unbiased_false": (lambda M, a: a.var(1, unbiased=False), [((3, 4), F)]),
    "var_correction": (lambda M, a: M.var(a, 0, correction=2, keepdim=True), [((5, 3), F)]),
    "std": (lambda M, a: a.std(), [((3, 4), F)]),
    "std_dim": (lambda M, a: a.std(0, keepdim=True), [((3, 4), F)]),
    "var_single": (lambda M, a: a.var(0), [((1, 3), F)]),
    "logsumexp": (lambda M, a: M.logsumexp(a, 1), [((3, 4), F)]),
    "logsumexp_big": (lambda M, a: M.logsumexp(a, 0), [np.array([1000.0, 1000.0, -1e3])]),
    "norm": (lambda M, a: a.norm(), [((3, 4), F)]),
    "norm_dim": (lambda M, a: M.norm(a, dim=1), [((3, 4), F)]),
    "norm_zero": (lambda M, a: a.norm(), [np.zeros(3)]),
    "norm_p1": (lambda M, a: M.norm(a, p=1), [((3, 4), F)]),
    "norm_p3": (lambda M, a: M.norm(a, p=3, dim=0), [((3, 4), F)]),
    "norm_inf": (lambda M, a: M.norm(a, p=float("inf")), [((3, 4), F)]),
    "cumsum": (lambda M, a: a.cumsum(1), [((3, 4), F)]),
    "softmax": (lambda M, a: M.softmax(a, 1), [((3, 4), F)]),
    "log_softmax": (lambda M, a: M.log_softmax(a, 0), [((3, 4), F)]),
    # matmul
    "matmul_2d": (lambda M, a, b: a @ b, [((3, 4), F), ((4, 2), F)]),
    "matmul_1d_1d": (lambda M, a, b: a @ b, [((4,), F), ((4,), F)]),
    "matmul_1d_2d": (lambda M, a, b: a @ b, [((4,), F), ((4, 2), F)]),
    "matmul_2d_1d": (lambda M, a, b: a @ b, [((3, 4), F), ((4,), F)]),
    "matmul_batched": (lambda M, a, b: a @ b, [((2, 3, 4), F), ((2, 4, 5), F)]),
    "matmul_broadcast": (lambda M, a, b: a @ b, [((2, 1, 3, 4), F), ((3, 4, 2), F)]),
    "matmul_1d_3d": (lambda M, a, b: M.matmul(a, b), [((4,), F), ((2, 4, 3), F)]),
    "matmul_3d_1d": (lambda M, a, b: M.matmul(a, b), [((2, 3, 4), F), ((4,), F)]),
    "mm": (lambda M, a, b: M.mm(a, b), [((3, 4), F), ((4, 2), F)]),
    "bmm": (lambda M, a, b: M.bmm(a, b), [((2, 3, 4), F), ((2, 4, 2), F)]),
    "mv": (lambda M, a, b: M.mv(a, b), [((3, 4), F), ((4,), F)]),
    "dot": (lambda M, a, b: M.dot(a, b), [((4,), F), ((4,), F)]),
    "outer": (lambda M, a, b: M.outer(a, b), [((3,), F), ((4,), F)]),
    "addmm": (lambda M, c, a, b: M.addmm(c, a, b, beta=0.5, alpha=2.0),
              [((3, 2), F), ((3, 4), F), ((4, 2), F)]),
    # movement
    "reshape": (lambda M, a: a.reshape(4, -1), [((2, 3, 2), F)]),
    "view": (lambda M, a: a.view(6, 2), [((2, 3, 2), F)]),
    "transpose": (lambda M, a: a.transpose(0, 2), [((2, 3, 4), F)]),
    "T": (lambda M, a: a.T, [((2, 3), F)]),
    "mT": (lambda M, a: a.mT, [((2, 3, 4), F)]),
    "permute": (lambda M, a: a.permute(2, 0, 1), [((2, 3, 4), F)]),
    "flatten": (lambda M, a: a.flatten(1), [((2, 3, 4), F)]),
    "unflatten": (lambda M, a: a.unflatten(1, (2, 2)), [((3, 4), F)]),
    "squeeze": (lambda M, a: a.squeeze(), [((1, 3, 1), F)]),
    "squeeze_dim": (lambda M, a: a.squeeze(0), [((1, 3, 1), F)]),
    "squeeze_nonone": (lambda M, a: a.squeeze(1), [((1, 3, 1), F)]),
    "unsqueeze": (lambda M, a: a.unsqueeze(-1), [((2, 3), F)]),
    "expand": (lambda M, a: a.expand(2, 3, 4), [((3, 1), F)]),
    "expand_neg1": (lambda M, a: a.expand(-1, 4), [((3, 1), F)]),
    "expand_as": (lambda M, a, b: a.expand_as(b), [((1, 4), F), ((3, 4), F)]),
    "repeat": (lambda M, a: a.repeat(2, 1, 3), [((2, 3), F)]),
    "cat": (lambda M, a, b: M.cat([a, b], 1), [((2, 3), F), ((2, 2), F)]),
    "cat_neg": (lambda M, a, b: M.cat([a, b], -1), [((2, 3), F), ((2, 2), F)]),
    "stack": (lambda M, a, b: M.stack([a, b], 1), [((2, 3), F), ((2, 3), F)]),
    "split": (lambda M, a: a.split(2, 1), [((2, 5), F)]),
    "split_sizes": (lambda M, a: a.split([1, 4], 1), [((2, 5), F)]),
    "chunk": (lambda M, a: a.chunk(3, 0), [((5, 2), F)]),
    "flip": (lambda M, a: a.flip(0, 1) if M is torch else a.flip((0, 1)), [((2, 3), F)]),
    "flip_list": (lambda M, a: M.flip(a, [1]), [((2, 3), F)]),
    "roll": (lambda M, a: M.roll(a, 1, 1), [((2, 3), F)]),
    "narrow": (lambda M, a: a.narrow(1, 1, 2), [((2, 4), F)]),
    "unbind": (lambda M, a: a.unbind(1), [((2, 3), F)]),
    "tril": (lambda M, a: M.tril(a), [((3, 3), F)]),
    "triu": (lambda M, a: M.triu(a, 1), [((3, 4), F)]),
    "diagonal": (lambda M, a: M.diagonal(a), [((3, 4), F)]),
    "trace": (lambda M, a: M.trace(a), [((3, 3), F)]),
    "movedim": (lambda M, a: M.movedim(a, 0, 2), [((2, 3, 4), F)]),
    # indexing
    "idx_int": (lambda M, a: a[1], [((3, 4), F)]),
    "idx_neg_int": (lambda M, a: a[-1, 2], [((3, 4), F)]),
    "idx_slice": (lambda M, a: a[1:, ::2], [((3, 4), F)]),
    "idx_none_ellipsis": (lambda M, a: a[None, ..., 1], [((2, 3, 4), F)]),
    "idx_list": (lambda M, a: a[[0, 2, 0]], [((3, 4), F)]),
    "idx_tensor_repeat": (lambda M, a, i: a[i], [((4, 2), F), np.array([1, 1, 3, 1])]),
    "idx_2d_tensor": (lambda M, a, i: a[:, i], [((3, 4), F), np.array([[0, 1], [3, 3]])]),
    "idx_bool": (lambda M, a, m: a[m], [((3, 4), F), ((3, 4), "b")]),
    "idx_bool_row": (lambda M, a, m: a[m], [((3, 4), F), np.array([True, False, True])]),
    "idx_adv_pair": (lambda M, a, i, j: a[i, j], [((3, 4), F), np.array([0, 2, 2]),
                                                  np.array([1, 3, 3])]),
    "idx_adv_split": (lambda M, a, i, j: a[i, :, j], [((3, 2, 4), F), np.array([0, 2]),
                                                      np.array([1, 3])]),
    "idx_0d_tensor": (lambda M, a, i: a[i], [((3, 4), F), np.array(2)]),
    "masked_fill": (lambda M, a, m: a.masked_fill(m, -1.5), [((3, 4), F), ((4,), "b")]),
    "gather": (lambda M, a, i: M.gather(a, 1, i), [((3, 4), F), np.array([[0, 0], [1, 3],
                                                                          [2, 2]])]),
    "gather_dim0": (lambda M, a, i: a.gather(0, i), [((3, 4), F), np.array([[0, 1, 2, 2]])]),
    "scatter_add": (lambda M, a, i, s: a.scatter_add(1, i, s),
                    [((3, 4), F), np.array([[0, 0], [1, 3], [2, 2]]), ((3, 2), F)]),
    "index_select": (lambda M, a, i: a.index_select(1, i), [((3, 4), F), np.array([3, 0, 3])]),
    "take_along_dim": (lambda M, a, i: M.take_along_dim(a, i, 1),
                       [((3, 4), F), np.array([[0], [3], [1]])]),
    "masked_select": (lambda M, a, m: M.masked_select(a, m), [((3, 4), F), ((4,), "b")]),
    "sort": (lambda M, a: M.sort(a, 1), [((3, 4), F)]),
    "sort_desc": (lambda M, a: M.sort(a, 0, descending=True), [((3, 4), F)]),
    "topk": (lambda M, a: M.topk(a, 2, 1), [((3, 4), F)]),
    "topk_smallest": (lambda M, a: M.topk(a, 2, 0, largest=False), [((3, 4), F)]),
    # in-place and setitem (on non-leaf tensors)
    "iadd": (lambda M, a, b: _iadd(a, b), [((3, 4), F), ((4,), F)]),
    "imul_chain": (lambda M, a, b: (a * 1).mul_(b).add_(b, alpha=2).div_(2.0),
                   [((3,), F), ((3,), F)]),
    "inplace_unary": (lambda M, a: (a * 1).sin_().mul_(2.0).abs_().add_(1.0), [((3,), F)]),
    "clamp_": (lambda M, a: (a * 1).clamp_(-0.5, 0.5), [np.array([-1.0, -0.5, 0.2, 0.5])]),
    "setitem_int": (lambda M, a, b: _setitem(a, 1, b), [((3, 4), F), ((4,), F)]),
    "setitem_slice_scalar": (lambda M, a: _setitem(a, (slice(None), 1), 2.0), [((3, 4), F)]),
    "setitem_index": (lambda M, a, b, i: _setitem(a, i, b),
                      [((4, 2), F), ((2, 2), F), np.array([3, 0])]),
    "setitem_mask": (lambda M, a, m: _setitem(a, m, 0.0), [((3, 4), F), ((3, 4), "b")]),
    "masked_fill_": (lambda M, a, m: (a * 1).masked_fill_(m, 1.0), [((3, 4), F), ((3, 4), "b")]),
    "copy_": (lambda M, a, b: (a * 1).copy_(b), [((3, 4), F), ((4,), F)]),
    "zero_grad_path": (lambda M, a: (a * 1).zero_(), [((3,), F)]),
    # more reductions / corner cases
    "var_tuple": (lambda M, a: a.var((0, 2)), [((2, 3, 4), F)]),
    "std_all_keep": (lambda M, a: M.std(a, dim=None, keepdim=True) if M is autograd else
                     torch.std(a, dim=None, keepdim=True), [((2, 3), F)]),
    "norm_zero_dim": (lambda M, a: M.norm(a, dim=1), [np.array([[0.0, 0.0], [3.0, 4.0]])]),
    "norm_p0": (lambda M, a: M.norm(a, p=0), [np.array([0.0, 2.0, -1.0])]),
    "mean_keep": (lambda M, a: a.mean(-1, keepdim=True), [((2, 3), F)]),
    "sum_0d": (lambda M, a: a.sum(), [np.array(2.5)]),
    "max_0d": (lambda M, a: a.max(0), [np.array(2.5)]),
    "logsumexp_tuple": (lambda M, a: M.logsumexp(a, (0, 1)), [((2, 3), F)]),
    "logsumexp_ninf": (lambda M, a: M.logsumexp(a, 0), [np.array([-np.inf, -np.inf])]),
    "sqrt_zero": (lambda M, a: M.sqrt(a), [np.array([0.0, 1.0])]),
    "pow_zero_negexp": (lambda M, a: a ** 2.5, [np.array([0.0, 1.0])]),
    "where_bcast_cond": (lambda M, c, a, b: M.where(c, a, b), [((4,), "b"), ((3, 1), F),
                                                               ((1, 4), F)]),
    "cat_empty": (lambda M, a, b: M.cat([a, b]), [((0,), F), ((3,), F)]),
    "expand_sum": (lambda M, a: a.expand(3, 2, 4).sum(0), [((2, 1), F)]),
    "idx_step": (lambda M, a: a[::2, 1::2], [((5, 4), F)]),
    "idx_ellipsis_int": (lambda M, a: a[..., -1], [((2, 3), F)]),
    "idx_none_list": (lambda M, a: a[None, [1, 0]], [((2, 3), F)]),
    "idx_bool_scalar": (lambda M, a: a[True], [((2,), F)]),
    "unsqueeze_chain": (lambda M, a: a.unsqueeze(0).unsqueeze(2).squeeze(0), [((2, 3), F)]),
    "reshape_noncontig": (lambda M, a: a.t().reshape(-1), [((2, 3), F)]),
    "contiguous": (lambda M, a: a.t().contiguous(), [((2, 3), F)]),
    "clone_detach": (lambda M, a: a.clone() * a.detach(), [((2, 3), F)]),
    "to_dtype": (lambda M, a: a.float().double() * a, [((3,), F)]),
    # composites
    "chain": (lambda M, a, b: ((a * b).exp().sum(1) / (b ** 2).sum(1)).log(),
              [((3, 4), F), ((3, 4), F)]),
    "reuse": (lambda M, a: a * a + a.sin() * a, [((4,), F)]),
}


def _iadd(a, b):
    y = a * 1
    y += b
    y -= 0.5 * b
    y *= b
    return y


def _setitem(a, key, v):
    y = a * 1
    y[key] = v
    return y


@pytest.mark.parametrize("name", list(CASES))
def test_float64(name):
    fn, specs = CASES[name]
    run_both(fn, specs, np.float64)


@pytest.mark.parametrize("name", list(CASES))
def test_float32(name):
    fn, specs = CASES[name]
    run_both(fn, specs, np.float32)


# ---- dtype-only cases (no gradients) ---------------------------------------------------------

DTYPE_CASES = {
    "int_add_int": (lambda M, a, b: a + b, [((3,), "i"), ((3,), "i")]),
    "int_div_int": (lambda M, a, b: a / b, [((3,), "i"), np.array([1, 2, -3])]),
    "int_div_scalar": (lambda M, a: a / 2, [((3,), "i")]),
    "int_mul_float_scalar": (lambda M, a: a * 2.5, [((3,), "i")]),
    "int_add_bool": (lambda M, a, b: a + b, [((3,), "i"), ((3,), "b")]),
    "int32_add_int64_0d": (lambda M, a, b: a + b, [((3,), "i32"), np.array(3)]),
    "int32_add_int": (lambda M, a: a + 3, [((3,), "i32")]),
    "int32_add_int64": (lambda M, a, b: a + b, [((3,), "i32"), ((3,), "i")]),
    "f32_int_tensor": (lambda M, a, b: a.float() + b, [((3,), F), ((3,), "i")]),
    "f32_f64_0d": (lambda M, a, b: a.float() * b, [((3,), F), np.array(2.0)]),
    "f32_f64_tensor": (lambda M, a, b: a.float() * b, [((3,), F), ((3,), F)]),
    "f32_pow_int": (lambda M, a: a.float() ** 2, [((3,), F)]),
    "int_pow_int": (lambda M, a: a ** 2, [((3,), "i")]),
    "int_pow_float": (lambda M, a: a ** 0.5, [np.array([1, 4, 9])]),
    "bool_sum": (lambda M, a: a.sum(), [((5,), "b")]),
    "int_sum": (lambda M, a: a.sum(0), [((3, 2), "i32")]),
    "int_prod": (lambda M, a: a.prod(), [((3,), "i32")]),
    "int_cumsum": (lambda M, a: a.cumsum(0), [((3,), "i32")]),
    "int_max": (lambda M, a: a.max(), [((3,), "i")]),
    "int_max_dim": (lambda M, a: a.max(0), [((3, 2), "i")]),
    "int_abs": (lambda M, a: a.abs(), [((3,), "i")]),
    "int_neg": (lambda M, a: -a, [((3,), "i")]),
    "int_sqrt": (lambda M, a: M.sqrt(a), [np.array([1, 4, 9])]),
    "int_exp": (lambda M, a: M.exp(a), [np.array([1, 2])]),
    "int_sigmoid": (lambda M, a: M.sigmoid(a), [np.array([1, 2])]),
    "int_clamp": (lambda M, a: M.clamp(a, -2, 2), [((5,), "i")]),
    "int_clamp_float": (lambda M, a: M.clamp(a, -2.5, 2.5), [((5,), "i")]),
    "int_floor_div": (lambda M, a: a // 2, [((5,), "i")]),
    "int_remainder": (lambda M, a: a % 3, [((5,), "i")]),
    "float_floor_div": (lambda M, a: a // 0.7, [((5,), F)]),
    "float_remainder": (lambda M, a: a % 0.7, [((5,), F)]),
    "cmp_float": (lambda M, a, b: a < b, [((3,), F), ((3,), F)]),
    "cmp_scalar": (lambda M, a: a >= 0, [((3,), F)]),
    "cmp_int_float": (lambda M, a: a == 1.0, [((5,), "i")]),
    "eq": (lambda M, a, b: M.eq(a, b), [((3,), "t"), ((3,), "t")]),
    "bool_and": (lambda M, a, b: a & b, [((3,), "b"), ((3,), "b")]),
    "bool_not": (lambda M, a: ~a, [((3,), "b")]),
    "int_where": (lambda M, c, a: M.where(c, a, 0), [((3,), "b"), ((3,), "i")]),
    "int_where_float": (lambda M, c, a: M.where(c, a, 0.5), [((3,), "b"), ((3,), "i")]),
    "int_maximum": (lambda M, a, b: M.maximum(a, b), [((3,), "i"), ((3,), "i32")]),
    "int_mean_dtype": (lambda M, a: a.mean(dtype=M.float64), [((3,), "i")]),
    "int_sum_dtype": (lambda M, a: a.sum(dtype=M.float32), [((3,), "i")]),
    "bool_float_mul": (lambda M, a, b: a * b.float(), [((3,), "b"), ((3,), F)]),
    "to_int": (lambda M, a: a.long(), [np.array([1.7, -1.7, 0.2])]),
    "to_bool": (lambda M, a: a.bool(), [np.array([1.7, 0.0, 0.2])]),
    "argmax_int": (lambda M, a: a.argmax(), [((3,), "i")]),
    "matmul_int": (lambda M, a, b: a @ b, [((2, 3), "i"), ((3, 2), "i")]),
    "cat_mixed": (lambda M, a, b: M.cat([a, b]), [((3,), "i"), ((2,), F)]),
    "masked_fill_int": (lambda M, a, m: a.masked_fill(m, 7), [((3,), "i"), ((3,), "b")]),
    "gather_int": (lambda M, a, i: a.gather(0, i), [((3,), "i"), np.array([2, 0])]),
    "idx_int_tensor": (lambda M, a: a[1:], [((3,), "i")]),
    "int_div_trunc": (lambda M, a: M.div(a, 2, rounding_mode="trunc"), [((5,), "i")]),
    "int_div_floor": (lambda M, a: M.div(a, 2, rounding_mode="floor"), [((5,), "i")]),
    "int_sign": (lambda M, a: M.sign(a), [((5,), "i")]),
    "bool_add": (lambda M, a, b: a + b, [((3,), "b"), ((3,), "b")]),
    "bool_mul_int_scalar": (lambda M, a: a * 2, [((3,), "b")]),
    "bool_mul_float_scalar": (lambda M, a: a * 2.0, [((3,), "b")]),
    "int0d_times_f32": (lambda M, a, b: b * a.float(), [((3,), F), np.array(3)]),
    "f64_0d_plus_int": (lambda M, a, b: b + a, [np.array(1.5), ((3,), "i")]),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_cases(name, dtype):
    fn, specs = DTYPE_CASES[name]
    run_both(fn, specs, dtype, grad=False)


# ---- repr ----------------------------------------------------------------------------------

REPR_CASES = [
    ([1.0, -2.0], None),
    ([1.5, -2.25, 3.0], None),
    ([[1.0, 2.0], [3.0, 4.0]], None),
    ([1e-5, 1.0], None),
    ([1e10, 1.0], None),
    ([0.0], None),
    (3.0, None),
    ([1, 2, 3], None),
    ([True, False], None),
    ([1.0, 2.0], "float64"),
    ([1, 2], "int32"),
    ([], None),
    ([float("nan"), 1.0, float("inf")], None),
    ([0.1, 0.25], None),
    ([-0.5], None),
    ([[0.1234567, 12.5], [-3.0, 0.0]], "float64"),
    ([0.001, 10.0], None),
    ([1.0, 20000.0], None),
    ([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], None),
    (list(range(2000)), None),
    ([[float(i) for i in range(30)]] * 3, None),
    ([0.5] * 40, None),
    ([[0, 1], [2, 3]], None),
    ([[1.0] * 5] * 2000, None),
    (-0.0, None),
    ([1e-10, 0.0], "float64"),
]


@pytest.mark.parametrize("data,dt", REPR_CASES)
def test_repr(data, dt):
    a = autograd.tensor(data, dtype=getattr(autograd, dt) if dt else None)
    t = torch.tensor(data, dtype=getattr(torch, dt) if dt else None)
    assert repr(a) == repr(t).replace("torch.", "autograd.")


def test_repr_requires_grad():
    a = autograd.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(a) == repr(t)
    assert repr(a * 2).replace("MulBackward0", "X") == repr(t * 2).replace("MulBackward0", "X")


# ---- double backward (create_graph) against torch --------------------------------------------

DOUBLE = {
    "mul": (lambda a, b: a * b * a, 2),
    "div": (lambda a, b: a / (b * b + 1.0), 2),
    "exp_log": (lambda a, b: (a.exp() + b * b + 1.0).log(), 2),
    "tanh_sigmoid": (lambda a, b: a.tanh() * b.sigmoid(), 2),
    "pow": (lambda a, b: (a * a + 1.0) ** b, 2),
    "matmul": (lambda a, b: (a.reshape(2, 3) @ b.reshape(3, 2)).sin(), 2),
    "softmax": (lambda a, b: (a * b).softmax(0) if hasattr(a, "softmax") else None, 2),
    "norm": (lambda a, b: (a * b).norm(), 2),
    "var": (lambda a, b: (a * b).var(), 2),
    "logsumexp": (lambda a, b: (a * b).logsumexp(0), 2),
    "prod": (lambda a, b: (a * b).prod(), 2),
    "indexing": (lambda a, b: (a[[0, 0, 2]] * b[1:4]).sin(), 2),
    "maximum": (lambda a, b: a.maximum(b) ** 2, 2),
    "clamp": (lambda a, b: a.clamp(-0.5, 0.5) * b * b, 2),
    "sqrt_abs": (lambda a, b: (a.abs() + 1.0).sqrt() * b.cos(), 2),
}


@pytest.mark.parametrize("name", list(DOUBLE))
def test_double_backward(name):
    fn, _ = DOUBLE[name]
    x = R.standard_normal(6)
    y = R.standard_normal(6)
    res = []
    for M in (autograd, torch):
        a = M.tensor(x, requires_grad=True)
        b = M.tensor(y, requires_grad=True)
        out = fn(a, b)
        ga, gb = M.autograd.grad(out.sum(), (a, b), create_graph=True) if M is torch else \
            autograd.grad(out.sum(), (a, b), create_graph=True)
        (ga * ga).sum().add((gb.sin()).sum()).backward()
        res.append((out.detach().numpy(), ga.detach().numpy(), a.grad.numpy(), b.grad.numpy()))
    for o, t in zip(*res):
        np.testing.assert_allclose(o, t, rtol=1e-8, atol=1e-10)


def _saved_output_modified(M, a):
    y = (a * 1).exp_()
    y.tanh_()       # exp_ saved its output; tanh_ overwrites it
    return y


def _saved_input_modified(M, a):
    y = a * 1
    z = y * y
    y.add_(1.0)
    return z


@pytest.mark.parametrize("fn", [_saved_output_modified, _saved_input_modified])
def test_both_raise_on_modified_saved_tensor(fn):
    for M in (autograd, torch):
        a = M.tensor([0.5, -1.0], requires_grad=True)
        out = fn(M, a)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


# ---- in-place ops on views (PyTorch's CopySlices) -------------------------------------------
_VIEW_CASES = {
    "col add_": lambda L, a, b: _inplace_then(a.exp() * 1, lambda y: y[:, 1].add_(b[:3]), 2),
    "narrow copy_": lambda L, a, b: _inplace_then(
        a + 0, lambda y: y.narrow(1, 1, 2).copy_(b[:2].expand(3, 2)), 2),
    "t()[1] mul_": lambda L, a, b: _inplace_then(a * 1.5, lambda y: y.t()[1].mul_(b[:3]), 3),
    "view(-1) slice": lambda L, a, b: _inplace_then(a * 1, lambda y: y.view(-1)[5:9].mul_(2), 2),
    "0-d view": lambda L, a, b: _inplace_then(a * 1, lambda y: y[1, 2].mul_(5), 2),
    "setitem on view": lambda L, a, b: _inplace_then(
        a * 1, lambda y: y[2].__setitem__(slice(0, 2), b[:2] * 3), 2),
    "zero_ column": lambda L, a, b: _inplace_then(a * 1, lambda y: y[:, 0].zero_(), 2),
    "unsqueeze view": lambda L, a, b: _inplace_then(
        a * 1, lambda y: y.unsqueeze(0)[0, 1].mul_(b), 2),
}


def _inplace_then(y, op, power):
    op(y)
    return (y ** power).sum()


@pytest.mark.parametrize("name", list(_VIEW_CASES))
def test_inplace_on_views_vs_torch(name):
    a0 = R.standard_normal((3, 4))
    b0 = R.uniform(0.5, 2.0, 4)
    grads = []
    for M in (autograd, torch):
        a = M.tensor(a0, requires_grad=True)
        b = M.tensor(b0, requires_grad=True)
        _VIEW_CASES[name](M, a, b).backward()
        grads.append([None if t.grad is None else np.asarray(t.grad.detach().numpy())
                      for t in (a, b)])
    for ours, ref in zip(*grads):
        assert (ours is None) == (ref is None)
        if ref is not None:
            np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
