"""Datasets (torch.utils.data.dataset): Dataset, IterableDataset, TensorDataset, Subset,
ConcatDataset, random_split.

A dataset may offer ``_fast_batch(indices: np.ndarray) -> list`` returning the collated batch
for an array of indices in one go (fancy indexing instead of a per-item Python loop); the
DataLoader uses it when its collate_fn is the default one. The result must equal
``default_collate([ds[i] for i in indices])``.
"""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Sequence

import numpy as np

from ...tensor import Tensor
from ...random import randperm_array

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split"]


class Dataset:
    """Map-style dataset: ``__getitem__(index)`` and usually ``__len__`` (torch.utils.data.Dataset)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Stream-style dataset: ``__iter__`` yields samples (torch.utils.data.IterableDataset)."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        raise TypeError("IterableDataset does not support '+' (use itertools.chain)")


def _as_array(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)


class _SizeMismatchError(AssertionError, ValueError):
    """torch raises AssertionError here; ValueError is kept for this package's earlier callers."""


class TensorDataset(Dataset):
    """Samples are ``tuple(t[i] for t in tensors)``; all tensors share the first dimension.

    tensors: Tensors (or ndarrays) of shape (N, ...)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset(): needs at least one tensor")
        n = tensors[0].shape[0] if len(tensors[0].shape) else None
        for i, t in enumerate(tensors):
            if not len(t.shape) or t.shape[0] != n:
                shapes = [tuple(x.shape) for x in tensors]
                raise _SizeMismatchError(f"Size mismatch between tensors (size mismatch in "
                                         f"the first dimension: shapes {shapes}, tensor {i})")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _fast_batch(self, idx: np.ndarray):
        out = []
        for t in self.tensors:
            if isinstance(t, Tensor):
                # a tensor that needs grad keeps its graph, as torch.stack in default_collate
                out.append(t[Tensor._make(idx)] if t.requires_grad else
                           Tensor._make(t._data[idx]))
            else:       # ndarrays are converted by default_collate too
                out.append(Tensor._make(np.asarray(t)[idx]))
        return out


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def _fast_batch(self):
        inner = getattr(self.dataset, "_fast_batch", None)
        if inner is None:
            raise AttributeError("_fast_batch")
        key, ind = self.__dict__.get("_ind_cache", (None, None))
        if key != (id(self.indices), len(self.indices)):
            ind = np.asarray(_as_array(self.indices), dtype=np.int64)
            self.__dict__["_ind_cache"] = ((id(self.indices), len(self.indices)), ind)

        def fast(idx):
            return inner(ind[idx])
        return fast


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset(): datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = []
        s = 0
        for d in self.datasets:
            s += len(d)
            self.cumulative_sizes.append(s)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"ConcatDataset index {idx} out of range for length {len(self)}")
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][sample_idx]


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list:
    """Split into non-overlapping random Subsets of the given lengths, or fractions summing to 1
    (remainders go one each to the first splits, as torch). generator: autograd.Generator or
    None for the global one."""
    n = len(dataset)
    lengths = list(lengths)
    # as torch: any lengths summing to 1 are fractions, ints included ([1, 0] -> all, none)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, f in enumerate(lengths):
            if not 0 <= f <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * f)) for f in lengths]
        rem = n - sum(sizes)
        for i in range(rem):
            sizes[i % len(sizes)] += 1
        for i, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              f"This might result in an empty dataset.")
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split(): lengths must be non-negative integers or fractions "
                         f"summing to 1, got {lengths}")
    lengths = [int(x) for x in lengths]
    perm = randperm_array(n, generator).tolist()        # torch: randperm(n, generator=...)
    out, off = [], 0
    for L in lengths:
        out.append(Subset(dataset, perm[off:off + L]))
        off += L
    return out
