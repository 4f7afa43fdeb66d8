"""MNIST and Fashion-MNIST from IDX files (torchvision.datasets.MNIST / FashionMNIST).

Files: ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, each optionally gzipped (``.gz``), looked up in ``root``,
``root/<ClassName>/raw``, ``root/<ClassName>`` and ``root/raw``. Debian/Ubuntu ship
Fashion-MNIST as ``apt-get install dataset-fashion-mnist`` (/usr/share/datasets/fashion-mnist).

A sample is ``(image, label)``: image a uint8 ndarray (H, W) — the role PIL images play in
torchvision — passed through ``transform``; label an int passed through ``target_transform``.
"""
from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ..tensor import Tensor
from ..utils.data.dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "read_idx", "IDXFormatError", "DatasetNotFoundError"]

# IDX type codes -> big-endian numpy dtypes
_IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class IDXFormatError(RuntimeError):
    """An IDX file is corrupt, truncated or not what the dataset expects."""


class DatasetNotFoundError(RuntimeError):
    """The dataset files are not on disk (downloading is not possible offline)."""


def _read_bytes(path: str) -> bytes:
    if path.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as f:
                return f.read()
        except EOFError as e:
            raise IDXFormatError(f"{path}: truncated gzip stream (the file ends before the "
                                 f"compressed data does; re-download or re-install it)") from e
        except (gzip.BadGzipFile, OSError, zlib.error) as e:
            raise IDXFormatError(f"{path}: not a valid gzip file ({e})") from e
    with open(path, "rb") as f:
        return f.read()


def read_idx(path: str, expect_ndim: int | None = None,
             expect_shape: tuple | None = None) -> np.ndarray:
    """Read an IDX file (gzipped when the name ends in .gz) into a native-endian ndarray.

    Header: 2 zero bytes, a type code (0x08 = uint8), the number of dimensions, then each
    dimension as a big-endian uint32. expect_ndim / expect_shape (None entries = any) are checked.
    Raises IDXFormatError naming the file and what was expected."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: file too short for an IDX header ({len(raw)} bytes, "
                             f"expected at least 4)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise IDXFormatError(f"{path}: bad IDX magic number 0x{raw[:4].hex()} (expected "
                             f"0x0000 followed by a type code such as 08 for uint8 and the "
                             f"number of dimensions, e.g. 0x00000803 for images)")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    if expect_ndim is not None and ndim != expect_ndim:
        raise IDXFormatError(f"{path}: IDX file has {ndim} dimensions, expected {expect_ndim}")
    hdr = 4 + 4 * ndim
    if len(raw) < hdr:
        raise IDXFormatError(f"{path}: truncated IDX header ({len(raw)} bytes, expected "
                             f"{hdr} for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    if expect_shape is not None:
        for got, want in zip(shape, expect_shape):
            if want is not None and got != want:
                raise IDXFormatError(f"{path}: IDX shape {shape}, expected "
                                     f"{tuple('N' if w is None else w for w in expect_shape)}")
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - hdr != n:
        what = "truncated" if len(raw) - hdr < n else "has trailing bytes"
        raise IDXFormatError(f"{path}: {what}: header says shape {shape} ({n} data bytes) but "
                             f"the file holds {len(raw) - hdr} data bytes")
    arr = np.frombuffer(raw, dtype, offset=hdr).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True) if dtype.itemsize > 1 else arr.copy()


class MNIST(Dataset):
    """MNIST digits (torchvision.datasets.MNIST): 60,000 train / 10,000 test 28x28 uint8 images.

    root: directory holding the IDX files (see module doc); None -> $AUTOGRAD_DATA or the
    Debian location. train: training or test split. transform: applied to the (28, 28) uint8
    ndarray; target_transform: applied to the int label. download: not possible offline."""

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    _default_dirs = ("/usr/share/datasets/mnist",)
    _package_hint = ("download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                     "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the "
                     "dataset's home page (e.g. https://yann.lecun.com/exdb/mnist/ mirrors) into "
                     "that directory")

    def __init__(self, root: str | None = None, train: bool = True, transform=None,
                 target_transform=None, download: bool = False):
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        img_path = self._find(root, f"{prefix}-images-idx3-ubyte", download)
        lbl_path = self._find(root, f"{prefix}-labels-idx1-ubyte", download)
        images = read_idx(img_path, expect_ndim=3)
        if images.dtype != np.uint8:
            raise IDXFormatError(f"{img_path}: images must be uint8 (type code 0x08), "
                                 f"got {images.dtype}")
        labels = read_idx(lbl_path, expect_ndim=1)
        if images.shape[0] != labels.shape[0]:
            raise IDXFormatError(f"{img_path} has {images.shape[0]} images but {lbl_path} has "
                                 f"{labels.shape[0]} labels (expected equal counts)")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise IDXFormatError(f"{lbl_path}: labels must be in [0, {len(self.classes)}), got "
                                 f"range [{labels.min()}, {labels.max()}]")
        self._images = images                           # (N, H, W) uint8
        self._labels = labels.astype(np.int64)
        self.data = Tensor._make(self._images)          # torchvision's .data / .targets
        self.targets = Tensor._make(self._labels)
        self.paths = (img_path, lbl_path)

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    @classmethod
    def _search_dirs(cls, root):
        name = cls.__name__
        if root is None:
            env = os.environ.get("AUTOGRAD_DATA")
            bases = [env] if env else []
            bases += list(cls._default_dirs)
        else:
            bases = [os.path.expanduser(str(root))]
        dirs = []
        for b in bases:
            dirs += [b, os.path.join(b, name, "raw"), os.path.join(b, name),
                     os.path.join(b, "raw")]
        return dirs

    @classmethod
    def _find(cls, root, stem, download):
        dirs = cls._search_dirs(root)
        for d in dirs:
            for fn in (stem, stem + ".gz"):
                p = os.path.join(d, fn)
                if os.path.isfile(p):
                    return p
        where = dirs[0] if dirs else "<root>"
        msg = (f"{cls.__name__}: {stem}[.gz] not found (searched {', '.join(dirs)}). "
               f"Downloading is not possible here (offline); {cls._package_hint}, or pass "
               f"root= pointing at a directory with the standard IDX file names "
               f"(e.g. {where}).")
        if download:
            msg = "download=True: " + msg
        raise DatasetNotFoundError(msg)

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index):
        img, target = self._images[index], int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def _fast_batch(self):
        """Batched loading when every transform has a vectorised, deterministic form."""
        from .transforms import _batch_fn
        tf = _batch_fn(self.transform)
        if tf is None or self.target_transform is not None:
            raise AttributeError("_fast_batch")
        images, labels = self._images, self._labels

        def fast(idx):
            x = tf(images[idx])
            if not isinstance(x, Tensor):
                x = Tensor._make(np.asarray(x))
            return [x, Tensor._make(labels[idx])]
        return fast

    def __repr__(self) -> str:
        # torchvision's layout: head, then indented body lines; the transforms as
        # "StandardTransform" with "Transform: " / "Target transform: " prefixed reprs
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body.append(f"Split: {'Train' if self.train else 'Test'}")
        if self.transform is not None or self.target_transform is not None:
            body.append("StandardTransform")
            for head, t in (("Transform: ", self.transform),
                            ("Target transform: ", self.target_transform)):
                if t is not None:
                    lines = repr(t).splitlines()
                    body += [head + lines[0]] + [" " * len(head) + ln for ln in lines[1:]]
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + b for b in body])


class FashionMNIST(MNIST):
    """Fashion-MNIST (torchvision.datasets.FashionMNIST): 10 clothing classes, 28x28 uint8.
    ``sudo apt-get install dataset-fashion-mnist`` puts the files in
    /usr/share/datasets/fashion-mnist (the default when root is None)."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    _default_dirs = ("/usr/share/datasets/fashion-mnist",)
    _package_hint = ("install it with `sudo apt-get install dataset-fashion-mnist` "
                     "(Debian/Ubuntu; files go to /usr/share/datasets/fashion-mnist) or download "
                     "the four *-ubyte.gz files from "
                     "https://github.com/zalandoresearch/fashion-mnist (data/fashion)")
