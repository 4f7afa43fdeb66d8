"""Convolutions, padding and unfold/fold (torch.nn.functional names); see autograd/ops/conv.py.

``pad`` adds torch's argument rules for the non-constant modes on top of the primitive,
``unfold`` / ``fold`` torch's rule that a size argument is an int or exactly 2 ints."""
import numpy as np

from autograd.tensor import Tensor
from autograd.ops import conv as _C
from autograd.ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                               conv_transpose3d)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "pad", "unfold", "fold"]


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """torch.nn.functional.pad: ``pad`` = (left_last, right_last, left_2nd_last, ...).
    Modes 'constant' (negative pads crop), 'reflect', 'replicate', 'circular'."""
    if not isinstance(input, Tensor):
        return _C.pad(input, pad, mode, value)
    pad = tuple(pad)
    if mode == "constant":
        shape = tuple(input.shape)
        for i in range(min(len(pad) // 2, len(shape))):
            ax, lo, hi = len(shape) - 1 - i, pad[2 * i], pad[2 * i + 1]
            if isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) \
                    and shape[ax] + min(lo, 0) + min(hi, 0) < 0:
                # torch crops first: a dim cannot lose more than it has, whatever is added
                raise RuntimeError(f"pad(): negative padding ({lo}, {hi}) removes more than "
                                   f"the {shape[ax]} elements of dimension {ax} of input "
                                   f"{shape}")
        return _C.pad(input, pad, mode, value)
    if mode not in ("reflect", "replicate", "circular") or len(pad) % 2 or not all(
            isinstance(p, (int, np.integer)) for p in pad):
        return _C.pad(input, pad, mode, value)          # its errors name the problem
    if value is not None:
        raise RuntimeError(f"pad(): padding mode {mode!r} doesn't take in value argument "
                           f"(got value={value})")
    shape, k = tuple(input.shape), len(pad) // 2
    for i in range(k):
        ax, lo, hi = len(shape) - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        n = shape[ax] if ax >= 0 else 0
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"pad(): padding size should be less than the corresponding input "
                             f"dimension for mode 'reflect', but got padding ({lo}, {hi}) at "
                             f"dimension {ax} of input {shape}")
    # torch pads the last k dims of a (C, *k dims) or (N, C, *k dims) input, k = 1, 2 or 3
    if k not in (1, 2, 3) or len(shape) not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): padding size {len(pad)} is not supported for a {len(shape)}-D input "
            f"{shape} in mode {mode!r}: it takes 2 values for a 2-D or 3-D input, 4 for 3-D "
            "or 4-D, 6 for 4-D or 5-D")
    first = 1 if len(shape) == k + 2 else 0          # only a batch dim may be empty
    if mode != "circular" and any(s == 0 for s in shape[first:]):
        raise RuntimeError(f"pad(): mode {mode!r} expects non-empty dims (except a batch dim), "
                           f"but got input of shape {shape}")
    for i in range(k):
        ax, lo, hi = len(shape) - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        n = shape[ax]
        if mode == "circular":
            m = n + min(lo, 0) + min(hi, 0)        # negative pads crop first (torch)
            if m < 0 or max(lo, 0) > m or max(hi, 0) > m:
                raise RuntimeError(f"pad(): padding ({lo}, {hi}) at dimension {ax} of input "
                                   f"{shape} wraps around more than once (or crops it away) "
                                   "in mode 'circular'")
        elif n + lo + hi < (1 if k == 1 else 0):     # torch: 2-d/3-d pads may empty a dim
            raise RuntimeError(f"pad(): input (size {n} at dimension {ax}) is too small for "
                               f"padding ({lo}, {hi}) in mode {mode!r}: calculated output "
                               f"size {n + lo + hi}")
    if mode == "circular" and 0 in shape and not any(p < 0 for p in pad):
        return _C.pad(input, pad)           # torch: an empty result (nothing to wrap)
    if mode == "circular" and any(p < 0 for p in pad):
        # torch wraps around the cropped input: crop, then pad the cropped extent
        input = _C.pad(input, tuple(min(int(p), 0) for p in pad))
        pad = tuple(max(int(p), 0) for p in pad)
        if not any(pad) or 0 in input.shape:      # nothing to wrap (an empty result)
            return _C.pad(input, pad)
    return _C.pad(input, pad, mode)



def _check_pairs(fn, **args):
    for name, v in args.items():
        if isinstance(v, (tuple, list)) and len(v) != 2:
            raise RuntimeError(f"{fn}(): {name} must be an int or a tuple of 2 ints, but got "
                               f"{tuple(v)} ({len(v)} elements)")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """torch.nn.functional.unfold (im2col): (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L)."""
    _check_pairs("unfold", kernel_size=kernel_size, dilation=dilation, padding=padding,
                 stride=stride)
    return _C.unfold(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """torch.nn.functional.fold (col2im, summing overlaps): (N, C*kh*kw, L) -> (N, C, H, W)."""
    _check_pairs("fold", output_size=output_size, kernel_size=kernel_size, dilation=dilation,
                 padding=padding, stride=stride)
    return _C.fold(input, output_size, kernel_size, dilation, padding, stride)
