"""torch's top-level spellings of nn.functional ops (``torch.conv2d``, ``torch.batch_norm``,
``torch.dropout`` ...) plus a few in-place/top-level aliases of Tensor methods.

These follow the aten signatures, which sometimes differ from nn.functional's (argument order
of batch_norm/embedding, ``train`` flags instead of keywords). nn.functional and the conv
kernels (Numba) are imported on first call: importing them with autograd would be circular
and slow.
"""
from __future__ import annotations

__all__ = ["relu_", "sigmoid_", "tanh_", "exp_", "clamp_", "detach",
           "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "dropout", "alpha_dropout",
           "feature_dropout", "feature_alpha_dropout", "selu", "celu", "threshold", "rrelu",
           "hardshrink", "prelu", "batch_norm", "layer_norm", "group_norm", "instance_norm",
           "embedding", "bilinear", "pdist", "cosine_similarity", "pairwise_distance",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _F():
    import nn.functional as F
    return F


# ---- in-place and top-level aliases of Tensor methods ---------------------------------------
def relu_(input):
    return input.relu_()


def sigmoid_(input):
    return input.sigmoid_()


def tanh_(input):
    return input.tanh_()


def exp_(input):
    return input.exp_()


def clamp_(input, min=None, max=None):
    return input.clamp_(min, max)


def detach(input):
    return input.detach()


# ---- convolutions (same signatures as nn.functional) ----------------------------------------
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from .conv import conv1d as f
    return f(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from .conv import conv2d as f
    return f(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from .conv import conv3d as f
    return f(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    from .conv import conv_transpose1d as f
    return f(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    from .conv import conv_transpose2d as f
    return f(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    from .conv import conv_transpose3d as f
    return f(input, weight, bias, stride, padding, output_padding, groups, dilation)


# ---- pooling: aten's stride=[] (empty) means "= kernel_size", as nn.functional's None ------
def _stride(stride):
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,
               count_include_pad=True):
    return _F().avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode,
                           count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    # the aten op always returns (values, indices)
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


# ---- dropout: aten takes a positional ``train`` flag -----------------------------------------
def dropout(input, p, train):
    return _F().dropout(input, p, training=train)


def alpha_dropout(input, p, train):
    return _F().alpha_dropout(input, p, training=train)


def feature_dropout(input, p, train):
    # whole channels (dim 1) are zeroed, whatever the number of trailing dims
    from nn.functional._linear import _feature_dropout
    return _feature_dropout(input, p, train, False, 2, "feature_dropout")


def feature_alpha_dropout(input, p, train):
    return _F().feature_alpha_dropout(input, p, training=train)


# ---- activations -----------------------------------------------------------------------------
def selu(input):
    return _F().selu(input)


def celu(input, alpha=1.0):
    return _F().celu(input, alpha)


def threshold(input, threshold, value):
    return _F().threshold(input, threshold, value)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _F().rrelu(input, lower, upper, training)


def hardshrink(input, lambd=0.5):
    return _F().hardshrink(input, lambd)


def prelu(input, weight):
    return _F().prelu(input, weight)


# ---- normalization: aten's argument order (weight/bias first, flags positional) --------------
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return _F().group_norm(input, num_groups, weight, bias, eps)


# ---- the rest ----------------------------------------------------------------------------
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    # aten: a negative padding_idx means "no padding" (nn.functional has already wrapped it)
    return _F().embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def bilinear(input1, input2, weight, bias=None):
    return _F().bilinear(input1, input2, weight, bias)


def pdist(input, p=2.0):
    return _F().pdist(input, p)


def cosine_similarity(x1, x2, dim=1, eps=1e-08):
    return _F().cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False):
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


def pixel_shuffle(input, upscale_factor):
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    return _F().pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    return _F().channel_shuffle(input, groups)
