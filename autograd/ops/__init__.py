"""The primitives (Functions) and the torch-level functions built on them.

Every function here is also exported as ``autograd.<name>``; the names in ``_METHODS`` are
bound as Tensor methods (``x.sum(1)`` is ``autograd.sum(x, 1)``), as in PyTorch.
"""
from .elementwise import *  # noqa: F401,F403
from .elementwise import (add, sub, mul, div, floor_divide, remainder, pow, neg, exp, log, log2,
                          log10, log1p, expm1, sqrt, rsqrt, reciprocal, abs, sign, sin, cos, tan,
                          tanh, sinh, cosh, atan, asin, acos, sigmoid, relu, clamp, clip,
                          clamp_min, clamp_max, where, maximum, minimum, floor, ceil, round,
                          trunc, frac, addcmul, addcdiv, lerp, to_dtype, clone, full_like, eq, ne,
                          lt, le, gt, ge, logical_op, logical_and, logical_or, logical_xor,
                          logical_not, bitwise_not, isnan, isinf, isfinite, nan_to_num, isclose,
                          allclose, equal, square, float_power, true_divide, fmax, fmin, sgn,
                          isposinf, isneginf, result_type, frexp)
from .reduce import (sum, mean, nansum, prod, max, min, amax, amin, aminmax, argmax, argmin, var,
                     std, var_mean, std_mean, logsumexp, norm, cumsum, softmax, log_softmax, all,
                     any, count_nonzero, cumprod, cummax, cummin, logcumsumexp, median, nanmedian,
                     kthvalue, mode, quantile, nanquantile, nanmean, dist, histc, bincount,
                     cov, corrcoef, trapezoid, trapz, cumulative_trapezoid)
from .movement import (reshape, view, view_as, reshape_as, permute, transpose, swapaxes, swapdims,
                       t, movedim, moveaxis, expand, expand_as, broadcast_to, broadcast_tensors,
                       broadcast_shapes, squeeze, unsqueeze, flatten, unflatten, repeat, tile,
                       cat, concat, concatenate, stack, hstack, vstack, narrow, select, split,
                       tensor_split, chunk, unbind, flip, fliplr, flipud, roll, diagonal,
                       repeat_interleave, rot90, diag_embed, atleast_1d, atleast_2d, atleast_3d,
                       dstack, column_stack, row_stack, hsplit, vsplit, dsplit, meshgrid,
                       cartesian_prod, diff, block_diag, combinations)
from .indexing import (getitem, setitem, masked_fill, gather, take_along_dim, scatter_add,
                       scatter, index_select, masked_select, nonzero, index_add, take, argwhere,
                       index_fill, index_copy, masked_scatter, put, scatter_reduce, index_put)
from .linalg import (matmul, mm, bmm, mv, dot, inner, outer, ger, addmm, einsum, vdot, addmv,
                     addr, baddbmm, addbmm, chain_matmul, tensordot, kron, cross, cdist, det,
                     inverse, slogdet, logdet, cholesky, pinverse)
from .sorting import (sort, argsort, topk, tril, triu, trace, diag, unique, msort, searchsorted,
                      bucketize, tril_indices, triu_indices, diagflat, unique_consecutive)
from .nn_aliases import *  # noqa: F401,F403   torch.conv2d, torch.batch_norm, torch.dropout ...
from ..tensor import Tensor as _Tensor


_METHODS = """add sub mul div floor_divide remainder pow neg exp log log2 log10 log1p expm1 sqrt
rsqrt reciprocal abs sign sin cos tan tanh sinh cosh atan asin acos sigmoid relu clamp clip
clamp_min clamp_max maximum minimum floor ceil round trunc frac addcmul addcdiv lerp eq ne lt le
gt ge logical_and logical_or logical_xor logical_not bitwise_not isnan isinf isfinite nan_to_num
isclose allclose equal square float_power true_divide fmax fmin sgn sum mean nansum prod max min
amax amin aminmax argmax argmin var std logsumexp norm cumsum softmax log_softmax all any
count_nonzero reshape view view_as reshape_as permute transpose swapaxes swapdims t movedim
moveaxis expand expand_as broadcast_to squeeze unsqueeze flatten unflatten repeat tile narrow select
split tensor_split chunk unbind flip fliplr flipud roll diagonal masked_fill gather
take_along_dim scatter_add scatter index_select masked_select nonzero index_add matmul mm bmm
mv dot inner outer ger addmm sort argsort topk tril triu trace diag msort
subtract multiply divide negative absolute arctan arcsin arccos greater greater_equal less
less_equal not_equal
atan2 arctan2 hypot copysign fmod xlogy logaddexp logaddexp2 exp2 asinh acosh atanh arcsinh
arccosh arctanh erf erfc erfinv lgamma digamma logit sinc deg2rad rad2deg heaviside signbit
bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift gcd lcm ldexp fix
cumprod cummax cummin logcumsumexp median nanmedian kthvalue mode quantile nanquantile nanmean
dist histc bincount repeat_interleave rot90 diag_embed hsplit vsplit dsplit diff take argwhere
index_fill index_copy masked_scatter put kron cross addmv addr baddbmm addbmm vdot det inverse
slogdet logdet unique
cov corrcoef cholesky pinverse diagflat unique_consecutive scatter_reduce index_put frexp""".split()

for _name in _METHODS:
    if _name not in _Tensor.__dict__:
        setattr(_Tensor, _name, globals()[_name])

from .elementwise import (subtract, multiply, divide, negative, absolute, arctan, arcsin,  # noqa
                          arccos, greater, greater_equal, less, less_equal, not_equal)
for _name in ("subtract", "multiply", "divide", "negative", "absolute", "arctan", "arcsin",
              "arccos", "greater", "greater_equal", "less", "less_equal", "not_equal"):
    setattr(_Tensor, _name, globals()[_name])


def _scatter_add_(self, dim, index, src):
    return self._inplace(lambda a, s: scatter_add(a, dim, index, s), src, op="scatter_add_")


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return self._inplace(lambda a: scatter(a, dim, index, src, value=value, reduce=reduce),
                         op="scatter_")


def _index_add_(self, dim, index, source, *, alpha=1):
    return self._inplace(lambda a, s: index_add(a, dim, index, s, alpha=alpha), source,
                         op="index_add_")


def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return self._inplace(lambda a, s: scatter_reduce(a, dim, index, s, reduce,
                                                     include_self=include_self), src,
                         op="scatter_reduce_")


def _index_put_(self, indices, values, accumulate=False):
    return self._inplace(lambda a, v: index_put(a, indices, v, accumulate), values,
                         op="index_put_")


def _inplace_view(self, fn, name):
    """unsqueeze_ / squeeze_ / t_ / transpose_: this tensor becomes fn(itself), a view, and
    when recording takes the view's grad_fn (its old graph position feeds the view op), named
    as torch names the in-place overload."""
    from .. import grad_mode
    if not (grad_mode.enabled and self._requires_grad):
        self._data = fn(self.detach())._data
        return self
    if self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    alias = _Tensor._make(self._data, True, self.grad_fn, self._out_idx)
    alias._vc = self._vc
    out = fn(alias)
    if out is not alias:                # (t_ of a 1-d tensor is itself: no new node)
        from ..function import named
        named(out, name)
    self._data, self.grad_fn, self._out_idx = out._data, out.grad_fn, out._out_idx
    return self


def _unsqueeze_(self, dim):
    return _inplace_view(self, lambda a: unsqueeze(a, dim), "UnsqueezeBackward1")


def _squeeze_(self, dim=None):
    return _inplace_view(self, lambda a: squeeze(a) if dim is None else squeeze(a, dim),
                         "SqueezeBackward3" if dim is None else
                         "SqueezeBackward5" if isinstance(dim, (tuple, list)) else
                         "SqueezeBackward4")


def _t_(self):
    return _inplace_view(self, t, "TBackward1")


def _transpose_(self, dim0, dim1):
    return _inplace_view(self, lambda a: transpose(a, dim0, dim1), "TransposeBackward1")


_Tensor.scatter_add_ = _scatter_add_
_Tensor.scatter_ = _scatter_
_Tensor.index_add_ = _index_add_
_Tensor.scatter_reduce_ = _scatter_reduce_
_Tensor.index_put_ = _index_put_
_Tensor.unsqueeze_ = _unsqueeze_
_Tensor.squeeze_ = _squeeze_
_Tensor.t_ = _t_
_Tensor.transpose_ = _Tensor.swapaxes_ = _Tensor.swapdims_ = _transpose_
