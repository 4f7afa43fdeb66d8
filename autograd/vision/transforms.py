"""Image transforms in numpy (torchvision.transforms): Compose, ToTensor, Normalize, RandomCrop,
RandomHorizontalFlip, RandomShift, GaussianNoise, Lambda.

Inputs: a uint8/float ndarray (H, W) or (H, W, C) — what PIL images are in torchvision — or a
Tensor (..., H, W). Random transforms draw from the global generator (autograd.manual_seed).
Deterministic transforms also have ``_batch(x)`` for a whole batch (B, H, W[, C]) / (B, C, H, W),
which the datasets use to build batches without a per-sample loop."""
from __future__ import annotations

import numbers

import numpy as np

from .. import random as _R
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip",
           "RandomShift", "GaussianNoise", "Lambda"]


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _like(x, arr):
    return Tensor._make(arr) if isinstance(x, Tensor) else arr


def _hw_axes(x) -> tuple:
    """(h_axis, w_axis): Tensors are (..., H, W); ndarrays are images (H, W) or (H, W, C)."""
    nd = np.ndim(_arr(x))
    if nd < 2:
        raise ValueError(f"expected an image with at least 2 dimensions, got shape "
                         f"{np.shape(_arr(x))}")
    if not isinstance(x, Tensor) and nd == 3:
        return 0, 1
    return nd - 2, nd - 1


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """uint8 (H, W) or (H, W, C) ndarray -> float32 Tensor (C, H, W) in [0, 1]. Float arrays are
    only transposed (not scaled), as torchvision."""

    def __call__(self, pic):
        a = _arr(pic)
        if isinstance(pic, Tensor):
            return Tensor._make(a.astype(np.float32) / 255.0) if a.dtype == np.uint8 else pic
        if a.ndim == 2:
            a = a[None]
        elif a.ndim == 3:
            a = a.transpose(2, 0, 1)
        else:
            raise ValueError(f"ToTensor(): pic should be 2 or 3 dimensional, got {a.ndim} "
                             f"dimensions (shape {a.shape})")
        if a.dtype == np.uint8:
            return Tensor._make(a.astype(np.float32) / 255.0)
        return Tensor._make(np.ascontiguousarray(a))

    def _batch(self, x):
        a = _arr(x)
        if a.ndim == 3:
            a = a[:, None]
        elif a.ndim == 4:
            a = a.transpose(0, 3, 1, 2)
        if a.dtype == np.uint8:
            return Tensor._make(a.astype(np.float32) / 255.0)
        return Tensor._make(np.ascontiguousarray(a))

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x - mean[c]) / std[c] per channel of a float Tensor (C, H, W) (torchvision Normalize)."""

    def __init__(self, mean, std, inplace: bool = False):
        self.mean, self.std, self.inplace = mean, std, inplace
        s = np.atleast_1d(np.asarray(std, np.float64))
        if np.any(s == 0):
            raise ValueError(f"Normalize(): std evaluated to zero after conversion to "
                             f"float ({std}), leading to division by zero.")

    def _apply(self, a, chan_axis):
        if a.dtype.kind != "f":
            raise TypeError(f"Normalize(): input tensor should be a float tensor, got "
                            f"{a.dtype}")
        shape = [1] * a.ndim
        m = np.atleast_1d(np.asarray(self.mean, a.dtype))
        s = np.atleast_1d(np.asarray(self.std, a.dtype))
        shape[chan_axis] = -1
        return (a - m.reshape(shape)) / s.reshape(shape)

    def __call__(self, x):
        a = _arr(x)
        if a.ndim < 3:
            raise ValueError(f"Normalize(): expected a tensor image (C, H, W), got shape "
                             f"{a.shape}")
        out = self._apply(a, a.ndim - 3)
        if self.inplace and isinstance(x, Tensor):
            x._data[...] = out
            return x
        return Tensor._make(out) if isinstance(x, Tensor) else out

    def _batch(self, x):
        a = _arr(x)
        return Tensor._make(self._apply(a, 1))

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """A user function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda(): argument should be callable, got {type(lambd)}")
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)

    def __repr__(self):
        return "Lambda()"


def _pad_hw(a, h_ax, w_ax, top, bottom, left, right, fill, mode):
    pads = [(0, 0)] * a.ndim
    pads[h_ax], pads[w_ax] = (top, bottom), (left, right)
    if mode == "constant":
        if isinstance(fill, (tuple, list)) and len(fill) == 1:
            fill = fill[0]
        if isinstance(fill, (tuple, list)) and h_ax == 0 and a.ndim == 3:
            # one fill value per channel of an (H, W, C) image, as torchvision with PIL
            out = np.pad(a, pads, mode="constant")
            border = np.ones(out.shape[:2], bool)
            border[top:top + a.shape[0], left:left + a.shape[1]] = False
            out[border] = np.asarray(fill, out.dtype)
            return out
        return np.pad(a, pads, mode="constant", constant_values=fill)
    np_mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}.get(mode)
    if np_mode is None:
        raise ValueError(f"padding_mode should be constant, edge, reflect or symmetric, "
                         f"got {mode!r}")
    return np.pad(a, pads, mode=np_mode)


def _crop(a, h_ax, w_ax, i, j, h, w):
    sl = [slice(None)] * a.ndim
    sl[h_ax], sl[w_ax] = slice(i, i + h), slice(j, j + w)
    return a[tuple(sl)]


def _randint(high: int) -> int:
    return int(_R.fill_random(np.empty(1, np.int64), 0, high)[0])


class RandomCrop:
    """Crop a random (h, w) window, after optional padding (torchvision RandomCrop).

    padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom)."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        self.size = (int(size), int(size)) if isinstance(size, numbers.Number) else \
            tuple(int(s) for s in size)
        if len(self.size) == 1:         # torchvision: a 1-sequence is a square size
            self.size = self.size * 2
        if len(self.size) != 2:
            raise ValueError(f"RandomCrop(): size should be an int or (h, w), got {size}")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def _pads(self):
        p = self.padding
        if p is None:
            return 0, 0, 0, 0
        if isinstance(p, numbers.Number):
            return int(p), int(p), int(p), int(p)
        p = tuple(int(v) for v in p)
        if len(p) == 1:                 # torchvision: one value pads all four sides
            return p * 4
        if len(p) == 2:
            return p[1], p[1], p[0], p[0]
        if len(p) == 4:
            return p[1], p[3], p[0], p[2]
        raise ValueError(f"RandomCrop(): padding must be an int or a 2/4-tuple, got {p}")

    def __call__(self, x):
        a = _arr(x)
        h_ax, w_ax = _hw_axes(x)
        t, b, l, r = self._pads()
        if t or b or l or r:
            a = _pad_hw(a, h_ax, w_ax, t, b, l, r, self.fill, self.padding_mode)
        th, tw = self.size
        H, W = a.shape[h_ax], a.shape[w_ax]
        if self.pad_if_needed and (H < th or W < tw):
            ph, pw = max(th - H, 0), max(tw - W, 0)
            a = _pad_hw(a, h_ax, w_ax, ph, ph, pw, pw, self.fill, self.padding_mode)
            H, W = a.shape[h_ax], a.shape[w_ax]
        if H < th or W < tw:
            raise ValueError(f"RandomCrop(): required crop size {(th, tw)} is larger than the "
                             f"input image size {(H, W)}")
        if H == th and W == tw:                 # torchvision draws nothing then
            return _like(x, np.ascontiguousarray(a))
        i = _randint(H - th + 1)                # torch.randint(0, h - th + 1, (1,)).item()
        j = _randint(W - tw + 1)
        return _like(x, np.ascontiguousarray(_crop(a, h_ax, w_ax, i, j, th, tw)))

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomShift:
    """Translate by a random integer offset in [-max_shift, max_shift] along H and W, filling
    uncovered pixels with ``fill`` (jitter; = pad max_shift + random crop of the input size)."""

    def __init__(self, max_shift: int = 2, fill=0):
        if max_shift < 0:
            raise ValueError(f"RandomShift(): max_shift must be >= 0, got {max_shift}")
        self.max_shift, self.fill = int(max_shift), fill

    def __call__(self, x):
        m = self.max_shift
        if m == 0:
            return x
        a = _arr(x)
        h_ax, w_ax = _hw_axes(x)
        H, W = a.shape[h_ax], a.shape[w_ax]
        dy, dx = (int(v) for v in _R.fill_random(np.empty(2, np.int64), -m, m + 1))
        out = np.full_like(a, self.fill)
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        src[h_ax], dst[h_ax] = slice(max(0, -dy), H - max(0, dy)), slice(max(0, dy),
                                                                         H - max(0, -dy))
        src[w_ax], dst[w_ax] = slice(max(0, -dx), W - max(0, dx)), slice(max(0, dx),
                                                                         W - max(0, -dx))
        out[tuple(dst)] = a[tuple(src)]
        return _like(x, out)

    def __repr__(self):
        return f"RandomShift(max_shift={self.max_shift})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, x):
        if _R.fill_uniform(np.empty(1, np.float32))[0] < self.p:      # torch.rand(1) < p
            a = _arr(x)
            _, w_ax = _hw_axes(x)
            return _like(x, np.ascontiguousarray(np.flip(a, w_ax)))
        return x

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class GaussianNoise:
    """Add N(mean, std^2) noise to a float image; clip to [0, 1] when clip=True."""

    def __init__(self, std: float = 0.1, mean: float = 0.0, clip: bool = False):
        if std < 0:
            raise ValueError(f"GaussianNoise(): std must be >= 0, got {std}")
        self.std, self.mean, self.clip = float(std), float(mean), clip

    def __call__(self, x):
        a = _arr(x)
        if a.dtype.kind != "f":
            raise TypeError(f"GaussianNoise(): expected a float image (apply ToTensor first), "
                            f"got {a.dtype}")
        # torchvision v2: mean + randn_like(image) * sigma
        noise = _R.fill_normal(np.empty_like(a, dtype=np.float32 if a.dtype == np.float32
                                             else np.float64))
        out = a + (noise * self.std + self.mean).astype(a.dtype, copy=False)
        if self.clip:
            out = np.clip(out, 0.0, 1.0)
        return _like(x, out)

    def __repr__(self):
        return f"GaussianNoise(std={self.std}, mean={self.mean})"


def _batch_fn(transform):
    """A function mapping a batch (B, H, W[, C]) to the collated transformed batch, or None when
    some transform has no deterministic batched form."""
    if transform is None:
        return lambda x: x
    ts = transform.transforms if isinstance(transform, Compose) else [transform]
    fns = []
    for t in ts:
        f = getattr(t, "_batch", None)
        if f is None:
            return None
        fns.append(f)

    def run(x):
        for f in fns:
            x = f(x)
        return x
    return run
