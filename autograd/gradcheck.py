"""gradcheck / gradgradcheck: compare autograd's Jacobians with central finite differences.

A user feature (check your own Functions) and the tests' oracle. Use float64 inputs: float32
differences are mostly rounding noise."""
from __future__ import annotations

import warnings

import numpy as np

from .tensor import Tensor
from . import grad_mode


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _outputs(func, inputs):
    out = func(*inputs)
    out = _as_tuple(out) if not isinstance(out, list) else tuple(out)
    return tuple(o for o in out if isinstance(o, Tensor) and o.is_floating_point())


def _numerical_jacobians(func, inputs, diff_idx, eps):
    """J[i][j]: (n_in_i, n_out_j) for each differentiable input i and output j. Evaluated
    with grad mode on: the function may itself differentiate (gradgradcheck's first-order
    gradients; under no_grad they came out empty and nothing was compared)."""
    with grad_mode.enable_grad():
        base = _outputs(func, inputs)
        jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in base] for i in diff_idx]
        for a, i in enumerate(diff_idx):
            arr = inputs[i]._data
            flat = arr.reshape(-1) if arr.flags.c_contiguous else None
            for k in range(arr.size):
                idx = np.unravel_index(k, arr.shape)
                orig = arr[idx].item()
                arr[idx] = orig + eps
                plus = [o._data.astype(np.float64).reshape(-1).copy()
                        for o in _outputs(func, inputs)]
                arr[idx] = orig - eps
                minus = [o._data.astype(np.float64).reshape(-1).copy()
                         for o in _outputs(func, inputs)]
                arr[idx] = orig
                for j in range(len(base)):
                    jac[a][j][k] = (plus[j] - minus[j]) / (2 * eps)
            del flat
    return jac, base


def _analytical_jacobians(func, inputs, diff_idx):
    from .engine import grad as _grad
    outs = _outputs(func, inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outs] for i in diff_idx]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for k in range(o._data.size):
            g = np.zeros(o._data.size, o._data.dtype)
            g[k] = 1
            grads = _grad(o, diff_inputs, Tensor._make(g.reshape(o.shape)), retain_graph=True,
                          allow_unused=True)
            for a, gr in enumerate(grads):
                if gr is not None:
                    jac[a][j][:, k] = gr._data.reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, fast_mode: bool = False, **kwargs) -> bool:
    """True when every d(output)/d(input) from backward matches central differences within
    ``atol + rtol * |numerical|`` (torch.autograd.gradcheck)."""
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype!r}, not float64; finite "
                          "differences will be imprecise.", stacklevel=2)
    num, outs = _numerical_jacobians(func, inputs, diff_idx, eps)
    if not outs:
        raise GradcheckError("gradcheck: the function returned no floating-point Tensor "
                             "outputs to check")
    ana = _analytical_jacobians(func, inputs, diff_idx)
    if len(ana[0]) != len(outs):
        raise GradcheckError(f"gradcheck: the function returned {len(outs)} outputs "
                             f"numerically but {len(ana[0])} with autograd")
    for a, i in enumerate(diff_idx):
        for j in range(len(outs)):
            n, an = num[a][j], ana[a][j]
            if not np.allclose(an, n, rtol=rtol, atol=atol, equal_nan=True):
                diff = np.abs(an - n)
                k = np.unravel_index(np.argmax(diff - rtol * np.abs(n)), diff.shape)
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{n}\nanalytical:{an}\n"
                       f"largest difference {diff[k]:.3e} at (input element {k[0]}, output "
                       f"element {k[1]})")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **kwargs) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> d(out)/d(inputs)·v."""
    from .engine import grad as _grad
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype))
                             .requires_grad_() for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        o = _outputs(func, ins)
        diff = [ins[i] for i in diff_idx]
        grads = _grad([x for x in o if x.requires_grad],
                      diff, [g for g, x in zip(gos, o) if x.requires_grad], create_graph=True,
                      allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
