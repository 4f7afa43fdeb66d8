"""Samplers (torch.utils.data.sampler): which indices, in which order, grouped how.

Index samplers also offer ``_index_parts()``: one epoch of indices as a few int64 arrays,
produced lazily (each array is drawn when the iteration reaches it, as torch's generator-based
samplers draw); the DataLoader slices them into batches instead of building Python lists, and
``__iter__`` is defined through them, so both paths draw the same random numbers. The draws are
torch's: with the same seed a RandomSampler gives torch's order, epoch after epoch."""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import numpy as np

from ...random import (Generator, draw_seed, fill_random, multinomial_array,
                        randperm_array)
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _epoch_generator(generator):
    """torch's RandomSampler: with no generator, each epoch seeds a fresh Generator from one
    int64 draw of the global one; a given generator is used directly."""
    if generator is not None:
        return generator, True
    g = Generator()
    g.manual_seed(draw_seed())
    return g, False


class Sampler:
    """Base class: ``__iter__`` yields indices (or lists of indices for batch samplers)."""

    def __init__(self, data_source=None):
        pass

    def _indices(self) -> np.ndarray:
        """One epoch of indices in one array (samplers with ``_index_parts``)."""
        parts = list(self._index_parts())
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_parts(self):
        yield np.arange(len(self.data_source), dtype=np.int64)

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

    def _index_parts(self):
        n = len(self.data_source)
        g, shared = _epoch_generator(self.generator)
        if self.replacement:
            # torch: randint(high=n, size=(32,)) per 32 samples, then the rest: one stream
            yield fill_random(np.empty(self.num_samples, np.int64), 0, n, g)
            return
        for _ in range(self.num_samples // n):
            yield randperm_array(n, g)
        rest = self.num_samples % n
        if rest or shared:
            # torch draws this last permutation even when it keeps none of it; that only
            # shows in a generator the caller holds, so a fresh one skips it
            yield randperm_array(n, g)[:rest]

    def __iter__(self):
        for part in self._index_parts():
            yield from part.tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in random order."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = indices
        self.generator = generator

    def _index_parts(self):
        # torch: randperm(len(indices), generator=self.generator), the global one when None
        ind = np.asarray(self.indices._data if isinstance(self.indices, Tensor)
                         else self.indices, dtype=np.int64)
        yield ind[randperm_array(len(ind), self.generator)]

    def __iter__(self):
        for part in self._index_parts():
            yield from part.tolist()

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
        # torch: multinomial(weights as float64, num_samples, replacement, generator)
        return multinomial_array(w, self.num_samples, self.replacement, self.generator)

    def _index_parts(self):
        yield self._indices()

    def __iter__(self):             # drawn at the first next(), as torch's generator
        yield from self._indices().tolist()

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
        """Batches as int64 arrays (slices of the sampler's index parts). A part is pulled when
        a batch needs it, and the (possibly empty) last part when the epoch ends: the moments
        torch's sampler generators draw."""
        b = self.batch_size
        buf = np.empty(0, np.int64)
        for part in self.sampler._index_parts():
            buf = part if not len(buf) else np.concatenate([buf, part])
            k = (len(buf) // b) * b
            for i in range(0, k, b):
                yield buf[i:i + b]
            buf = buf[k:]
        if len(buf) and not self.drop_last:
            yield buf

    def __iter__(self):
        if hasattr(self.sampler, "_index_parts"):
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
