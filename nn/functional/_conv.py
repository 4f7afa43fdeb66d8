"""Convolutions, padding and unfold/fold (torch.nn.functional names); see autograd/ops/conv.py."""
from autograd.ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                               conv_transpose3d, pad, unfold, fold)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "pad", "unfold", "fold"]
