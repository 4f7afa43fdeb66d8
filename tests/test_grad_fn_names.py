"""grad_fn names: torch's where our node is that op (``y.grad_fn.name()``, ``repr``), while the
node's class (the key of FLOP_RULES and the profiler) keeps its own name.

One table of cases, each built the same way with either library (``A`` = autograd or torch,
``F`` = nn.functional): the expected name is checked on ours without torch, and on torch 2.13
itself when it is installed, so the table cannot drift from torch's names."""
import pytest

import autograd
import nn
import nn.functional as nnF
from autograd import graph


def _r(A, *shape):
    return A.randn(*shape, requires_grad=True)


# (id, builder(A, F) -> tensor or tuple (first element checked), torch's grad_fn name)
CASES = [
    # convolution
    ("conv1d", lambda A, F: F.conv1d(_r(A, 2, 3, 8), _r(A, 4, 3, 3)), "ConvolutionBackward0"),
    ("conv2d", lambda A, F: F.conv2d(_r(A, 2, 3, 6, 6), _r(A, 4, 3, 3, 3), _r(A, 4)),
     "ConvolutionBackward0"),
    ("conv3d", lambda A, F: F.conv3d(_r(A, 1, 2, 4, 4, 4), _r(A, 3, 2, 2, 2, 2)),
     "ConvolutionBackward0"),
    ("conv_transpose1d", lambda A, F: F.conv_transpose1d(_r(A, 2, 3, 5), _r(A, 3, 4, 3)),
     "ConvolutionBackward0"),
    ("conv_transpose2d", lambda A, F: F.conv_transpose2d(_r(A, 2, 3, 5, 5), _r(A, 3, 4, 3, 3),
                                                         stride=2), "ConvolutionBackward0"),
    ("conv_transpose3d", lambda A, F: F.conv_transpose3d(_r(A, 1, 2, 3, 3, 3),
                                                         _r(A, 2, 2, 2, 2, 2)),
     "ConvolutionBackward0"),
    ("conv2d_unbatched", lambda A, F: F.conv2d(_r(A, 3, 6, 6), _r(A, 4, 3, 3, 3)),
     "SqueezeBackward1"),
    # pooling
    ("max_pool2d", lambda A, F: F.max_pool2d(_r(A, 2, 3, 6, 6), 2),
     "MaxPool2DWithIndicesBackward0"),
    ("max_pool2d_indices", lambda A, F: F.max_pool2d(_r(A, 2, 3, 6, 6), 3, 2, 1,
                                                     return_indices=True),
     "MaxPool2DWithIndicesBackward0"),
    ("max_pool2d_unbatched", lambda A, F: F.max_pool2d(_r(A, 3, 6, 6), 2),
     "MaxPool2DWithIndicesBackward0"),
    ("max_pool3d", lambda A, F: F.max_pool3d(_r(A, 1, 2, 4, 4, 4), 2),
     "MaxPool3DWithIndicesBackward0"),
    ("avg_pool2d", lambda A, F: F.avg_pool2d(_r(A, 2, 3, 6, 6), 2), "AvgPool2DBackward0"),
    ("avg_pool2d_pad", lambda A, F: F.avg_pool2d(_r(A, 2, 3, 6, 6), 3, 1, 1,
                                                 count_include_pad=False), "AvgPool2DBackward0"),
    ("avg_pool3d", lambda A, F: F.avg_pool3d(_r(A, 1, 2, 4, 4, 4), 2), "AvgPool3DBackward0"),
    ("adaptive_avg_pool2d", lambda A, F: F.adaptive_avg_pool2d(_r(A, 2, 3, 7, 7), 3),
     "AdaptiveAvgPool2DBackward0"),
    ("adaptive_avg_pool2d_1", lambda A, F: F.adaptive_avg_pool2d(_r(A, 2, 3, 7, 7), 1),
     "MeanBackward1"),
    ("adaptive_avg_pool3d", lambda A, F: F.adaptive_avg_pool3d(_r(A, 1, 2, 4, 4, 4), 2),
     "AdaptiveAvgPool3DBackward0"),
    ("adaptive_max_pool2d", lambda A, F: F.adaptive_max_pool2d(_r(A, 2, 3, 7, 7), 3),
     "AdaptiveMaxPool2DBackward0"),
    ("adaptive_max_pool2d_1", lambda A, F: F.adaptive_max_pool2d(_r(A, 2, 3, 7, 7), 1),
     "AdaptiveMaxPool2DBackward0"),
    ("adaptive_max_pool3d", lambda A, F: F.adaptive_max_pool3d(_r(A, 1, 2, 4, 4, 4), 2),
     "AdaptiveMaxPool3DBackward0"),
    # normalisation
    ("batch_norm_train", lambda A, F: F.batch_norm(_r(A, 4, 3, 5, 5), A.zeros(3), A.ones(3),
                                                   _r(A, 3), _r(A, 3), training=True),
     "NativeBatchNormBackward0"),
    ("batch_norm_train_noaffine", lambda A, F: F.batch_norm(_r(A, 4, 3), None, None,
                                                            training=True),
     "NativeBatchNormBackward0"),
    ("layer_norm", lambda A, F: F.layer_norm(_r(A, 2, 3, 8), (8,), _r(A, 8), _r(A, 8)),
     "NativeLayerNormBackward0"),
    ("layer_norm_2d", lambda A, F: F.layer_norm(_r(A, 2, 3, 4), (3, 4)),
     "NativeLayerNormBackward0"),
    # linear / matmul
    ("linear_bias", lambda A, F: F.linear(_r(A, 3, 4), _r(A, 5, 4), _r(A, 5)), "AddmmBackward0"),
    ("linear_nobias", lambda A, F: F.linear(_r(A, 3, 4), _r(A, 5, 4)), "MmBackward0"),
    ("matmul_2x2", lambda A, F: _r(A, 3, 4) @ _r(A, 4, 5), "MmBackward0"),
    ("mm", lambda A, F: A.mm(_r(A, 3, 4), _r(A, 4, 5)), "MmBackward0"),
    ("matmul_3x2", lambda A, F: _r(A, 2, 3, 4) @ _r(A, 4, 5), "UnsafeViewBackward0"),
    ("matmul_3x2_noncontig", lambda A, F: _r(A, 3, 2, 4).transpose(0, 1) @ _r(A, 4, 5),
     "UnsafeViewBackward0"),
    ("matmul_4x2", lambda A, F: _r(A, 2, 2, 3, 4) @ _r(A, 4, 5), "UnsafeViewBackward0"),
    ("matmul_3x3", lambda A, F: _r(A, 2, 3, 4) @ _r(A, 2, 4, 5), "UnsafeViewBackward0"),
    ("matmul_2x3_const", lambda A, F: A.randn(3, 4) @ _r(A, 2, 4, 5), "UnsafeViewBackward0"),
    ("bmm", lambda A, F: A.bmm(_r(A, 2, 3, 4), _r(A, 2, 4, 5)), "BmmBackward0"),
    # softmax / losses
    ("log_softmax", lambda A, F: F.log_softmax(_r(A, 3, 4), 1), "LogSoftmaxBackward0"),
    ("softmax", lambda A, F: F.softmax(_r(A, 3, 4), 1), "SoftmaxBackward0"),
    ("cross_entropy", lambda A, F: F.cross_entropy(_r(A, 3, 4), A.tensor([0, 1, 3])),
     "NllLossBackward0"),
    ("cross_entropy_sum_weight", lambda A, F: F.cross_entropy(
        _r(A, 3, 4), A.tensor([0, 1, 3]), weight=A.ones(4), reduction="sum"),
     "NllLossBackward0"),
    ("cross_entropy_none", lambda A, F: F.cross_entropy(_r(A, 3, 4), A.tensor([0, 1, 3]),
                                                        reduction="none"), "NllLossBackward0"),
    ("cross_entropy_1d", lambda A, F: F.cross_entropy(_r(A, 4), A.tensor(2)), "NllLossBackward0"),
    ("cross_entropy_4d", lambda A, F: F.cross_entropy(_r(A, 2, 3, 2, 2),
                                                      A.zeros(2, 2, 2, dtype=A.int64)),
     "NllLoss2DBackward0"),
    ("nll_loss", lambda A, F: F.nll_loss(_r(A, 3, 4), A.tensor([0, 1, 3])), "NllLossBackward0"),
    ("nll_loss_ignore", lambda A, F: F.nll_loss(_r(A, 3, 4), A.tensor([0, -100, 3])),
     "NllLossBackward0"),
    ("dropout", lambda A, F: F.dropout(_r(A, 3, 4), 0.5), "MulBackward0"),
    ("dropout2d", lambda A, F: F.dropout2d(_r(A, 2, 3, 4, 4), 0.5), "MulBackward0"),
    # views
    ("view", lambda A, F: _r(A, 3, 4).view(12), "ViewBackward0"),
    ("view_infer", lambda A, F: _r(A, 3, 4).view(-1, 2), "ViewBackward0"),
    ("reshape", lambda A, F: _r(A, 3, 4).reshape(4, 3), "ViewBackward0"),
    ("reshape_copy", lambda A, F: _r(A, 3, 4).t().reshape(12), "UnsafeViewBackward0"),
    ("flatten", lambda A, F: _r(A, 2, 3, 4).flatten(1), "ViewBackward0"),
    ("flatten_copy", lambda A, F: _r(A, 3, 4).t().flatten(), "UnsafeViewBackward0"),
    ("unflatten", lambda A, F: _r(A, 3, 4).unflatten(1, (2, 2)), "ViewBackward0"),
    ("unsqueeze", lambda A, F: _r(A, 3, 4).unsqueeze(-1), "UnsqueezeBackward0"),
    ("squeeze", lambda A, F: _r(A, 1, 3, 1).squeeze(), "SqueezeBackward0"),
    ("squeeze_dim", lambda A, F: _r(A, 1, 3, 1).squeeze(0), "SqueezeBackward1"),
    ("squeeze_dim_noop", lambda A, F: _r(A, 3, 4).squeeze(0), "SqueezeBackward1"),
    ("squeeze_dims", lambda A, F: _r(A, 1, 3, 1).squeeze((0, 2)), "SqueezeBackward2"),
    ("t", lambda A, F: _r(A, 3, 4).t(), "TBackward0"),
    ("transpose", lambda A, F: _r(A, 2, 3, 4).transpose(0, 2), "TransposeBackward0"),
    ("swapaxes", lambda A, F: _r(A, 3, 4).swapaxes(0, 1), "TransposeBackward0"),
    ("mT", lambda A, F: _r(A, 2, 3, 4).mT, "TransposeBackward0"),
    ("T", lambda A, F: _r(A, 3, 4).T, "PermuteBackward0"),
    ("permute", lambda A, F: _r(A, 2, 3, 4).permute(2, 0, 1), "PermuteBackward0"),
    # indexing
    ("index_int", lambda A, F: _r(A, 3, 4)[0], "SelectBackward0"),
    ("index_neg_int", lambda A, F: _r(A, 3, 4)[-1], "SelectBackward0"),
    ("index_int_tensor", lambda A, F: _r(A, 3, 4)[A.tensor(1)], "SelectBackward0"),
    ("index_int_int", lambda A, F: _r(A, 3, 4)[0, 1], "SelectBackward0"),
    ("index_slice_int", lambda A, F: _r(A, 3, 4)[1:, 0], "SelectBackward0"),
    ("index_ellipsis_int", lambda A, F: _r(A, 3, 4)[..., 0], "SelectBackward0"),
    ("index_slice", lambda A, F: _r(A, 3, 4)[:, 1:], "SliceBackward0"),
    ("index_lone_full_slice", lambda A, F: _r(A, 3, 4)[:], "SliceBackward0"),
    ("index_int_slice", lambda A, F: _r(A, 3, 4)[0, 1:], "SliceBackward0"),
    ("index_step", lambda A, F: _r(A, 3, 4)[:, ::2], "SliceBackward0"),
    ("index_neg_start", lambda A, F: _r(A, 3, 4)[:, -4:], "SliceBackward0"),
    ("index_slice_ellipsis", lambda A, F: _r(A, 3, 4)[0:2, ...], "SliceBackward0"),
    ("index_full_slices", lambda A, F: _r(A, 3, 4)[:, :], "AliasBackward0"),
    ("index_full_slice_past_end", lambda A, F: _r(A, 3, 4)[:, 0:10], "AliasBackward0"),
    ("index_ellipsis", lambda A, F: _r(A, 3, 4)[...], "AliasBackward0"),
    ("index_none", lambda A, F: _r(A, 3, 4)[None], "UnsqueezeBackward0"),
    ("index_int_none", lambda A, F: _r(A, 3, 4)[0, None], "UnsqueezeBackward0"),
    ("index_none_int", lambda A, F: _r(A, 3, 4)[None, 0], "SelectBackward0"),
    ("index_list", lambda A, F: _r(A, 3, 4)[[0, 2]], "IndexBackward0"),
    ("index_mixed", lambda A, F: _r(A, 3, 4)[0, [0, 2]], "IndexBackward0"),
    ("index_bool_mask", lambda A, F: _r(A, 3, 4)[A.tensor([True, False, True])],
     "IndexBackward0"),
    ("index_bool_scalar", lambda A, F: _r(A, 3, 4)[True], "IndexBackward0"),
    ("narrow", lambda A, F: _r(A, 3, 4).narrow(1, 1, 2), "SliceBackward0"),
    ("narrow_full", lambda A, F: _r(A, 3, 4).narrow(1, 0, 4), "SliceBackward0"),
    ("chunk", lambda A, F: _r(A, 3, 4).chunk(2, 1)[1], "SplitBackward0"),
    ("chunk_uneven", lambda A, F: _r(A, 3, 5).chunk(2, 1)[1], "SplitBackward0"),
    ("split", lambda A, F: _r(A, 3, 4).split(3, 1)[1], "SplitBackward0"),
    ("split_sizes", lambda A, F: _r(A, 3, 4).split([1, 3], 1)[0], "SplitWithSizesBackward0"),
    ("tensor_split", lambda A, F: _r(A, 3, 4).tensor_split(2, 1)[1], "SliceBackward0"),
    ("unbind", lambda A, F: _r(A, 3, 4).unbind(1)[2], "UnbindBackward0"),
    ("index_select", lambda A, F: _r(A, 3, 4).index_select(1, A.tensor([0, 2])),
     "IndexSelectBackward0"),
    # reductions
    ("max", lambda A, F: _r(A, 3, 4).max(), "MaxBackward1"),
    ("min", lambda A, F: _r(A, 3, 4).min(), "MinBackward1"),
    ("amax", lambda A, F: _r(A, 3, 4).amax(1), "AmaxBackward0"),
    ("amin", lambda A, F: _r(A, 3, 4).amin(), "AminBackward0"),
    ("sum", lambda A, F: _r(A, 3, 4).sum(), "SumBackward0"),
    ("sum_dtype", lambda A, F: _r(A, 3, 4).sum(dtype=A.float64), "SumBackward0"),
    ("sum_dim", lambda A, F: _r(A, 3, 4).sum(1), "SumBackward1"),
    ("sum_dims_keepdim", lambda A, F: _r(A, 2, 3, 4).sum((0, 2), keepdim=True), "SumBackward1"),
    ("mean", lambda A, F: _r(A, 3, 4).mean(), "MeanBackward0"),
    ("mean_dim", lambda A, F: _r(A, 3, 4).mean(1), "MeanBackward1"),
    ("logsumexp", lambda A, F: _r(A, 3, 4).logsumexp(1), "LogsumexpBackward0"),
    ("norm", lambda A, F: _r(A, 3, 4).norm(), "LinalgVectorNormBackward0"),
    ("norm_p3_dim", lambda A, F: _r(A, 3, 4).norm(3, dim=1), "LinalgVectorNormBackward0"),
    # elementwise
    ("pow_scalar", lambda A, F: _r(A, 3, 4).pow(2), "PowBackward0"),
    ("pow_operator", lambda A, F: _r(A, 3, 4) ** 3, "PowBackward0"),
    ("pow_half", lambda A, F: _r(A, 3, 4).abs().pow(0.5), "PowBackward0"),
    ("pow_tensor", lambda A, F: _r(A, 3, 4).abs().pow(_r(A, 3, 4)), "PowBackward1"),
    ("pow_scalar_base", lambda A, F: 2 ** _r(A, 3, 4), "PowBackward2"),
    ("rsub_scalar", lambda A, F: 1 - _r(A, 3, 4), "RsubBackward1"),
    ("rsub_tensor", lambda A, F: A.rsub(_r(A, 3, 4), _r(A, 3, 4)), "RsubBackward0"),
    ("clamp", lambda A, F: _r(A, 3, 4).clamp(0, 1), "ClampBackward1"),
    ("clamp_min_kw", lambda A, F: _r(A, 3, 4).clamp(min=0), "ClampBackward1"),
    ("clip", lambda A, F: _r(A, 3, 4).clip(-1, 1), "ClampBackward1"),
    ("clamp_min", lambda A, F: _r(A, 3, 4).clamp_min(0), "ClampMinBackward0"),
    ("clamp_max", lambda A, F: A.clamp_max(_r(A, 3, 4), 0), "ClampMaxBackward0"),
    ("to_float64", lambda A, F: _r(A, 3, 4).to(A.float64), "ToCopyBackward0"),
    ("double", lambda A, F: _r(A, 3, 4).double(), "ToCopyBackward0"),
    ("masked_fill", lambda A, F: (lambda a: a.masked_fill(a > 0, 0.0))(_r(A, 3, 4)),
     "MaskedFillBackward0"),
    ("masked_fill_tensor", lambda A, F: (lambda a: a.masked_fill(a > 0, A.tensor(1.0)))(
        _r(A, 3, 4)), "MaskedFillBackward1"),
    # joining, padding, im2col
    ("stack", lambda A, F: A.stack([_r(A, 3, 4), _r(A, 3, 4)], 1), "StackBackward0"),
    ("cat", lambda A, F: A.cat([_r(A, 3, 4), _r(A, 2, 4)]), "CatBackward0"),
    ("pad_constant", lambda A, F: F.pad(_r(A, 2, 3, 4, 4), (1, 1, 2, 0)),
     "ConstantPadNdBackward0"),
    ("pad_crop", lambda A, F: F.pad(_r(A, 2, 3, 4, 4), (-1, 1), value=2.0),
     "ConstantPadNdBackward0"),
    ("pad_reflect2d", lambda A, F: F.pad(_r(A, 2, 3, 4, 4), (1, 1, 1, 1), mode="reflect"),
     "ReflectionPad2DBackward0"),
    ("pad_reflect1d_unbatched", lambda A, F: F.pad(_r(A, 3, 4), (1, 2), mode="reflect"),
     "ReflectionPad1DBackward0"),
    ("pad_replicate1d", lambda A, F: F.pad(_r(A, 2, 3, 4), (1, 1), mode="replicate"),
     "ReplicationPad1DBackward0"),
    ("pad_replicate3d", lambda A, F: F.pad(_r(A, 1, 2, 3, 3, 3), (1,) * 6, mode="replicate"),
     "ReplicationPad3DBackward0"),
    ("unfold", lambda A, F: F.unfold(_r(A, 2, 3, 5, 5), 2), "Im2ColBackward0"),
    ("fold", lambda A, F: F.fold(_r(A, 2, 12, 16), (5, 5), 2), "Col2ImBackward0"),
    # in place (on a non-leaf): torch's in-place overloads
    ("unsqueeze_", lambda A, F: _inplace(_r(A, 1, 3) * 2, "unsqueeze_", 0), "UnsqueezeBackward1"),
    ("squeeze_", lambda A, F: _inplace(_r(A, 1, 3) * 2, "squeeze_"), "SqueezeBackward3"),
    ("squeeze_dim_", lambda A, F: _inplace(_r(A, 1, 3) * 2, "squeeze_", 0), "SqueezeBackward4"),
    ("squeeze_dims_", lambda A, F: _inplace(_r(A, 1, 3) * 2, "squeeze_", (0,)),
     "SqueezeBackward5"),
    ("t_", lambda A, F: _inplace(_r(A, 2, 3) * 2, "t_"), "TBackward1"),
    ("transpose_", lambda A, F: _inplace(_r(A, 2, 3) * 2, "transpose_", 0, 1),
     "TransposeBackward1"),
    ("relu_", lambda A, F: _inplace(_r(A, 2, 3) * 2, "relu_"), "ReluBackward0"),
    ("clamp_", lambda A, F: _inplace(_r(A, 2, 3) * 2, "clamp_", 0, 1), "ClampBackward1"),
    ("pow_", lambda A, F: _inplace(_r(A, 2, 3) * 2, "pow_", 2), "PowBackward0"),
    ("dropout_inplace", lambda A, F: F.dropout(_r(A, 2, 3) * 2, 0.5, inplace=True),
     "MulBackward0"),
]


def _inplace(y, method, *args):
    getattr(y, method)(*args)
    return y

_IDS = [c[0] for c in CASES]


def _name(y):
    y = y[0] if isinstance(y, (tuple, list)) else y
    return y.grad_fn.name()


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_name(case):
    _, build, expected = case
    y = build(autograd, nnF)
    assert _name(y) == expected
    node = (y[0] if isinstance(y, (tuple, list)) else y).grad_fn
    assert repr(node).startswith(f"<{expected} object at 0x")


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_name_matches_torch(case):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as tF
    _, build, expected = case
    assert (_name(build(torch, tF)), _name(build(autograd, nnF))) == (expected, expected)


def test_case_ids_are_unique():
    assert len(set(_IDS)) == len(_IDS)


def test_class_names_are_kept():
    """The profiler, FLOP_RULES and graph.NodeInfo.cls key on the class name."""
    x = autograd.randn(2, 3, 6, 6, requires_grad=True)
    y = nnF.conv2d(x, autograd.randn(4, 3, 3, 3, requires_grad=True))
    assert type(y.grad_fn).__name__ == "ConvNd" and y.grad_fn.name() == "ConvolutionBackward0"
    m = autograd.randn(3, 4, requires_grad=True) @ autograd.randn(4, 5)
    assert type(m.grad_fn).__name__ == "MatMul" and m.grad_fn.name() == "MmBackward0"
    v = autograd.randn(3, 4, requires_grad=True).view(12)
    assert type(v.grad_fn).__name__ == "Reshape"
    assert "grad_fn=<ViewBackward0>" in repr(v)
    # a primitive without a torch name keeps "<Class>Backward0"
    e = autograd.randn(3, requires_grad=True).exp()
    assert e.grad_fn.name() == "ExpBackward0"


def test_user_function_names_unchanged():
    class MyOp(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = MyOp.apply(autograd.randn(3, requires_grad=True))
    assert y.grad_fn.name() == "MyOpBackward" and type(y.grad_fn).__name__ == "MyOpBackward"


def test_only_the_new_node_is_renamed():
    """Ops that return their input (no new node) leave the input's node alone."""
    a = autograd.randn(4, requires_grad=True) * 2
    assert a.t() is a and a.grad_fn.name() == "MulBackward0"
    assert a.to(autograd.float32) is a and a.grad_fn.name() == "MulBackward0"
    assert a.expand(4) is a and a.grad_fn.name() == "MulBackward0"
    b = autograd.randn(3, 4, requires_grad=True)
    assert b.t().t().grad_fn.next_functions[0][0].name() == "TBackward0"
    # unnamed inner nodes keep their own names: 1-D @ 2-D ends in a squeeze of an mm
    y = autograd.randn(4, requires_grad=True) @ autograd.randn(4, 5, requires_grad=True)
    assert y.grad_fn.name() == "SqueezeBackward1"
    assert y.grad_fn.next_functions[0][0].name() == "MatMulBackward0"


def test_no_graph_no_name():
    with autograd.no_grad():
        y = autograd.randn(3, 4, requires_grad=True).view(12)
    assert y.grad_fn is None
    m, idx = nnF.max_pool2d(autograd.randn(1, 1, 4, 4), 2, return_indices=True)
    assert m.grad_fn is None and idx.grad_fn is None


def test_names_in_graph_tools_and_flop_counts():
    x = autograd.randn(3, 4, requires_grad=True)
    w = autograd.randn(4, 2, requires_grad=True)
    y = ((x @ w).relu() - 1.0).pow(2).mean()
    t = graph.tree(y)
    assert "MmBackward0" in t and "PowBackward0" in t and "MatMulBackward0" not in t
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with graph.FlopCounter() as fc:
        model(autograd.randn(5, 4)).sum().backward()
    counts = fc.get_flop_counts()
    assert counts["Linear"] == 2 * 5 * (4 * 3 + 3 * 2)             # forward: class name
    # backward: grad_fn name; the first layer's input needs no gradient (dW only)
    assert counts["AddmmBackward0"] == 2 * 5 * (4 * 3 + 2 * 3 * 2)

