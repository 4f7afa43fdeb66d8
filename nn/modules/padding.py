"""Padding modules (torch.nn.ZeroPad2d, ReflectionPad1d, ...) and Unfold / Fold: thin modules
over nn.functional.pad / unfold / fold, with torch's argument expansion and repr."""
from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d", "Unfold", "Fold"]


def _expand(padding, nd: int):
    """An int pads every side of the last nd dims; a sequence is taken as given, as torch's
    _pair / _quadruple / _ntuple(6) do (F.pad checks its length)."""
    if isinstance(padding, int):
        return (padding,) * (2 * nd)
    return tuple(padding)


class _PadNd(Module):
    mode = "constant"
    nd = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _expand(padding, self.nd)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


def _make(name, base, mode, nd, doc):
    return type(name, (base,), {"mode": mode, "nd": nd, "__doc__": doc,
                                "__module__": __name__, "__qualname__": name})


ConstantPad1d = _make("ConstantPad1d", _ConstantPadNd, "constant", 1,
                      "Pads the last dim with ``value`` (torch.nn.ConstantPad1d).")
ConstantPad2d = _make("ConstantPad2d", _ConstantPadNd, "constant", 2,
                      "Pads the last 2 dims with ``value`` (torch.nn.ConstantPad2d).")
ConstantPad3d = _make("ConstantPad3d", _ConstantPadNd, "constant", 3,
                      "Pads the last 3 dims with ``value`` (torch.nn.ConstantPad3d).")


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


ZeroPad1d = _make("ZeroPad1d", _ZeroPadNd, "constant", 1,
                  "Pads the last dim with zeros (torch.nn.ZeroPad1d).")
ZeroPad2d = _make("ZeroPad2d", _ZeroPadNd, "constant", 2,
                  "Pads the last 2 dims with zeros (torch.nn.ZeroPad2d).")
ZeroPad3d = _make("ZeroPad3d", _ZeroPadNd, "constant", 3,
                  "Pads the last 3 dims with zeros (torch.nn.ZeroPad3d).")
ReflectionPad1d = _make("ReflectionPad1d", _PadNd, "reflect", 1,
                        "Reflection padding of the last dim (torch.nn.ReflectionPad1d).")
ReflectionPad2d = _make("ReflectionPad2d", _PadNd, "reflect", 2,
                        "Reflection padding of the last 2 dims (torch.nn.ReflectionPad2d).")
ReflectionPad3d = _make("ReflectionPad3d", _PadNd, "reflect", 3,
                        "Reflection padding of the last 3 dims (torch.nn.ReflectionPad3d).")
ReplicationPad1d = _make("ReplicationPad1d", _PadNd, "replicate", 1,
                         "Edge-replication padding of the last dim (torch.nn.ReplicationPad1d).")
ReplicationPad2d = _make("ReplicationPad2d", _PadNd, "replicate", 2,
                         "Edge-replication padding of the last 2 dims (torch.nn.ReplicationPad2d).")
ReplicationPad3d = _make("ReplicationPad3d", _PadNd, "replicate", 3,
                         "Edge-replication padding of the last 3 dims (torch.nn.ReplicationPad3d).")
CircularPad1d = _make("CircularPad1d", _PadNd, "circular", 1,
                      "Circular (wrap-around) padding of the last dim (torch.nn.CircularPad1d).")
CircularPad2d = _make("CircularPad2d", _PadNd, "circular", 2,
                      "Circular padding of the last 2 dims (torch.nn.CircularPad2d).")
CircularPad3d = _make("CircularPad3d", _PadNd, "circular", 3,
                      "Circular padding of the last 3 dims (torch.nn.CircularPad3d).")


class Unfold(Module):
    """Sliding local blocks of a batched input as columns (torch.nn.Unfold, im2col)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sums columns of sliding blocks back into a batched image (torch.nn.Fold, col2im)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
