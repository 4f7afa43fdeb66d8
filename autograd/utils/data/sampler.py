"""Samplers (torch.utils.data.sampler): which indices, in which order, grouped how.

Index samplers also offer ``_indices() -> np.ndarray`` (one epoch of indices in one array); the
DataLoader slices that into batches instead of building Python lists, and ``__iter__`` is
defined through it, so both paths draw the same random numbers."""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import numpy as np

from ...random import _gen
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _fresh_generator(generator):
    """The stream one epoch draws from: torch seeds a new generator from the given (or global)
    one per epoch, so an epoch advances the caller's generator by a single draw."""
    src = generator if generator is not None else _gen()
    seed = int(src.integers(0, 2 ** 63 - 1))
    return np.random.Generator(np.random.PCG64(seed))


class Sampler:
    """Base class: ``__iter__`` yields indices (or lists of indices for batch samplers)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation (or ``num_samples`` draws with replacement). generator:
    autograd.Generator; None uses the global generator (autograd.manual_seed)."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        n = len(self.data_source)
        g = _fresh_generator(self.generator)
        if self.replacement:
            return g.integers(0, n, self.num_samples, dtype=np.int64)
        reps, rest = divmod(self.num_samples, n)
        parts = [g.permutation(n) for _ in range(reps)]
        if rest:
            parts.append(g.permutation(n)[:rest])
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in random order."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = indices
        self.generator = generator

    def _indices(self) -> np.ndarray:
        g = _fresh_generator(self.generator)
        ind = np.asarray(self.indices._data if isinstance(self.indices, Tensor)
                         else self.indices, dtype=np.int64)
        return ind[g.permutation(len(ind))]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{w.shape}")
        # bools are ints in Python; torch refuses them here
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or \
                num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = replacement, generator

    def _indices(self) -> np.ndarray:
        # torch.multinomial's checks (RuntimeError), before numpy's own ValueErrors
        w = self.weights
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0, inf or nan)")
        if not self.replacement and self.num_samples > len(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        g = _fresh_generator(self.generator)
        return g.choice(len(self.weights), self.num_samples, replace=self.replacement,
                        p=self.weights / self.weights.sum()).astype(np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler: Sampler | Iterable, batch_size: int, drop_last: bool):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def _index_batches(self):
        """Batches as int64 arrays (slices of one epoch array) when the sampler allows it."""
        ind = self.sampler._indices()
        n, b = len(ind), self.batch_size
        stop = (n // b) * b if self.drop_last else n
        for i in range(0, stop, b):
            yield ind[i:i + b]

    def __iter__(self):
        if hasattr(self.sampler, "_indices"):
            for arr in self._index_batches():
                yield arr.tolist()
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
