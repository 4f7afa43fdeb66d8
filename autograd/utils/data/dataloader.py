"""DataLoader and default_collate (torch.utils.data.dataloader).

Speed: with the default collate_fn, a dataset offering ``_fast_batch`` (TensorDataset, Subset of
one, the vision datasets without random transforms) gets each batch by fancy-indexing its
arrays with an int64 index array: no per-sample Python work, ~µs per batch."""
from __future__ import annotations

import collections.abc
import copy
import warnings

import numpy as np

from ...tensor import Tensor
from ... import grad_mode
from ...random import draw_seed
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_NUMPY_BAD = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or " \
             "lists; found {}"


def _stack(arrs):
    return np.stack(arrs, 0)


def default_collate(batch):
    """Stack a list of samples into a batch, as torch.utils.data.default_collate:
    Tensors/ndarrays -> stacked Tensor (new leading dim); float -> float64 Tensor; int -> int64
    Tensor; bool -> bool Tensor; str/bytes -> list; dict -> dict of collated values;
    namedtuple -> namedtuple; tuple -> list of collated fields; list -> list."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch) and grad_mode.is_grad_enabled():
            from ...ops import stack
            return stack(list(batch), 0)
        shapes = {tuple(t.shape) for t in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{sorted(shapes)} in the batch")
        return Tensor._make(_stack([t._data for t in batch]))
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and
                                        not isinstance(elem, (np.str_, np.bytes_))):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_NUMPY_BAD.format(elem.dtype))
        shapes = {np.shape(a) for a in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{sorted(shapes)} in the batch")
        return Tensor._make(_stack([np.asarray(a) for a in batch]))
    if isinstance(elem, int):
        # torch.tensor(batch) infers the dtype from all elements, not the first: [True, 2] ->
        # int64, [1, 2.5] -> float32 (the default dtype), all bools -> bool
        from ...factories import tensor
        return tensor(list(batch))
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {k: default_collate([d[k] for d in batch]) for k in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(out)
                return clone
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):       # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [list(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = default_collate(s)
                return clone
            return type(elem)([default_collate(s) for s in transposed])
        except TypeError:
            return [default_collate(s) for s in transposed]
    raise TypeError(_NUMPY_BAD.format(type(elem)))


def default_convert(data):
    """Without batching: ndarrays -> Tensors, recursively through dicts/sequences."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "OSUV":
            return data
        return Tensor._make(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def get_worker_info():
    """Always None: batches are produced in the main process."""
    return None


_warned_workers = [False]


class DataLoader:
    """Iterates a dataset in batches (torch.utils.data.DataLoader).

    dataset: map-style (``__getitem__``/``__len__``) or IterableDataset.
    batch_size: samples per batch (None: no batching, samples are only converted).
    shuffle: random order each epoch, drawn from ``generator`` (autograd.Generator) or, when None,
        the global generator (autograd.manual_seed makes it reproducible).
    sampler / batch_sampler: custom index order / index batches (exclusive with shuffle etc.).
    drop_last: drop the last incomplete batch. collate_fn: list of samples -> batch.
    num_workers: accepted; batches are always built in the main process (the fast path makes
        worker processes unnecessary for in-memory data).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if num_workers > 0 and not _warned_workers[0]:
            _warned_workers[0] = True
            warnings.warn(f"DataLoader(num_workers={num_workers}): worker processes are not "
                          f"implemented; batches are built in the main process (in-memory "
                          f"datasets use a vectorised fast path)", stacklevel=2)
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        # torch rejects worker-only options without workers
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler/batch_sampler option")
        else:
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")
            if batch_sampler is not None:
                if batch_size != 1 or shuffle or sampler is not None or drop_last:
                    raise ValueError("batch_sampler option is mutually exclusive with "
                                     "batch_size, shuffle, sampler, and drop_last")
                batch_size, drop_last = None, False
            elif batch_size is None and drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
            if sampler is None:
                sampler = (RandomSampler(dataset, generator=generator) if shuffle
                           else SequentialSampler(dataset))
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation or self._iterable and \
                batch_size is not None else default_convert
        self.collate_fn = collate_fn
        self._initialized = True

    def __setattr__(self, attr, val):
        # torch: these decide the batches; changing them later would be silently ignored
        if getattr(self, "_initialized", False) and attr in (
                "batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)       # TypeError when the dataset has no length, as torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self):
        # torch's _BaseDataLoaderIter draws a base seed for worker seeding from the loader's
        # generator (the global one when None) every time an iterator is made, workers or not:
        # draw it too, so the streams stay where torch's are
        self._base_seed = draw_seed(self.generator)
        return _LoaderIter(self._batches(), self)

    def _batches(self):
        if self._iterable:
            return self._iter_iterable()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        fast = getattr(self.dataset, "_fast_batch", None) if self._default_collate else None
        bs = self.batch_sampler
        if fast is not None and isinstance(bs, BatchSampler) and type(bs) is BatchSampler \
                and hasattr(bs.sampler, "_index_parts"):
            return (fast(idx) for idx in bs._index_batches())
        return self._iter_generic(fast)

    def _iter_generic(self, fast):
        getitems = getattr(self.dataset, "__getitems__", None)
        for batch in self.batch_sampler:
            if fast is not None:
                yield fast(np.asarray(batch, dtype=np.int64))
            elif getitems is not None:
                yield self.collate_fn(getitems(batch))
            else:
                yield self.collate_fn([self.dataset[i] for i in batch])

    def _iter_iterable(self):
        if self.batch_size is None:
            for x in self.dataset:
                yield self.collate_fn(x)
            return
        batch = []
        for x in self.dataset:
            batch.append(x)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


class _LoaderIter:
    """The iterator of a DataLoader: its batches, and len() as torch's loader iterators."""

    def __init__(self, batches, loader):
        self._batches, self._loader = batches, loader

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self):
        return len(self._loader)
