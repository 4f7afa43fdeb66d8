"""autograd.utils.data: DataLoader (determinism, drop_last, collate, samplers), random_split,
Subset, ConcatDataset; the batched fast path equals the per-item path."""
import collections
import warnings

import numpy as np
import pytest

import autograd
from autograd.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                 IterableDataset, RandomSampler, SequentialSampler, Subset,
                                 TensorDataset, default_collate, random_split)


def _ds(n=10):
    x = autograd.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    y = autograd.arange(n)
    return TensorDataset(x, y)


def _labels(loader):
    return [b[1].tolist() for b in loader]


def test_sequential_batches_and_len():
    dl = DataLoader(_ds(10), batch_size=4)
    assert len(dl) == 3
    batches = list(dl)
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[0][0].dtype == autograd.float32 and batches[0][1].dtype == autograd.int64
    assert _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last():
    dl = DataLoader(_ds(10), batch_size=4, drop_last=True)
    assert len(dl) == 2
    assert _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    dl = DataLoader(_ds(10), batch_size=4, shuffle=True, drop_last=True)
    assert len(dl) == 2 and all(len(b) == 4 for b in _labels(dl))


def test_shuffle_seeded_global_and_generator():
    autograd.manual_seed(3)
    a = _labels(DataLoader(_ds(50), batch_size=8, shuffle=True))
    autograd.manual_seed(3)
    b = _labels(DataLoader(_ds(50), batch_size=8, shuffle=True))
    assert a == b
    assert sorted(sum(a, [])) == list(range(50)) and sum(a, []) != list(range(50))
    g1 = autograd.Generator().manual_seed(7)
    g2 = autograd.Generator().manual_seed(7)
    dl1 = DataLoader(_ds(50), batch_size=8, shuffle=True, generator=g1)
    dl2 = DataLoader(_ds(50), batch_size=8, shuffle=True, generator=g2)
    e1, e2 = _labels(dl1), _labels(dl2)
    assert e1 == e2
    assert _labels(dl1) != e1            # the next epoch is a different order


def test_shuffle_resume_from_rng_state():
    autograd.manual_seed(0)
    dl = DataLoader(_ds(30), batch_size=7, shuffle=True)
    _labels(dl)
    state = autograd.get_rng_state()
    second = _labels(dl)
    autograd.set_rng_state(state)
    assert _labels(dl) == second


def test_fast_path_equals_item_path():
    ds = _ds(23)
    autograd.manual_seed(1)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True))
    autograd.manual_seed(1)
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, collate_fn=default_collate))
    for f, s in zip(fast, slow):
        assert isinstance(f, list) and isinstance(s, list)
        for a, b in zip(f, s):
            assert a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy())


def test_default_collate_semantics():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"img": np.ones((2, 3), np.float32), "label": 1, "w": 0.5, "name": "a",
              "flag": True, "p": Point(1, 2.0), "seq": [np.int64(3), autograd.zeros(2)]},
             {"img": np.zeros((2, 3), np.float32), "label": 2, "w": 1.5, "name": "b",
              "flag": False, "p": Point(3, 4.0), "seq": [np.int64(4), autograd.ones(2)]}]
    out = default_collate(batch)
    assert out["img"].shape == (2, 2, 3) and out["img"].dtype == autograd.float32
    assert out["label"].dtype == autograd.int64 and out["label"].tolist() == [1, 2]
    assert out["w"].dtype == autograd.float64
    assert out["flag"].dtype == autograd.bool
    assert out["name"] == ["a", "b"]
    assert isinstance(out["p"], Point) and out["p"].x.tolist() == [1, 3]
    assert out["seq"][0].dtype == autograd.int64 and out["seq"][1].shape == (2, 2)
    tup = default_collate([(1, 2.0), (3, 4.0)])
    assert isinstance(tup, list) and tup[0].tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(TypeError):
        default_collate([object(), object()])


def test_custom_collate_sampler_batch_sampler():
    ds = _ds(10)
    dl = DataLoader(ds, batch_size=3, collate_fn=lambda b: len(b))
    assert list(dl) == [3, 3, 3, 1]
    dl = DataLoader(ds, batch_size=4, sampler=[9, 8, 7, 6, 5])
    assert _labels(dl) == [[9, 8, 7, 6], [5]]
    dl = DataLoader(ds, batch_sampler=[[0, 5], [2]])
    assert _labels(dl) == [[0, 5], [2]] and len(DataLoader(ds, batch_sampler=[[0], [1]])) == 2
    bs = BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)


def test_random_sampler_replacement_and_num_samples():
    g = autograd.Generator().manual_seed(0)
    s = RandomSampler(range(5), num_samples=12, generator=g)
    idx = list(s)
    assert len(idx) == 12 and sorted(idx[:5]) == list(range(5))
    s = RandomSampler(range(5), replacement=True, num_samples=20, generator=g)
    assert len(list(s)) == 20 and all(0 <= i < 5 for i in s)


def test_no_batching_and_num_workers_note():
    ds = _ds(3)
    out = list(DataLoader(ds, batch_size=None))
    assert len(out) == 3 and out[0][0].shape == (2,)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        dl = DataLoader(ds, batch_size=2, num_workers=2)
    assert _labels(dl) == [[0, 1], [2]]


def test_plain_dataset_and_iterable():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], np.int32), float(i)

    x, y = next(iter(DataLoader(Squares(), batch_size=5)))
    assert x.dtype == autograd.int32 and x.shape == (5, 2) and y.dtype == autograd.float64

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2


def test_random_split_lengths_fractions_generator():
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=autograd.Generator().manual_seed(42))
    assert len(a) == 7 and len(b) == 3
    ia = [int(a[i][1]) for i in range(7)]
    ib = [int(b[i][1]) for i in range(3)]
    assert sorted(ia + ib) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=autograd.Generator().manual_seed(42))
    assert list(a2.indices) == list(a.indices)
    parts = random_split(range(10), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    # a Subset of a TensorDataset still loads through the fast path and matches item access
    batches = list(DataLoader(a, batch_size=4))
    assert batches[0][1].tolist() == ia[:4]


def test_subset_concat():
    ds = _ds(6)
    sub = Subset(ds, [5, 0, 3])
    assert [int(sub[i][1]) for i in range(3)] == [5, 0, 3]
    cat = ConcatDataset([sub, _ds(2)])
    assert len(cat) == 5 and int(cat[3][1]) == 0 and int(cat[-1][1]) == 1
    assert len(sub + _ds(2)) == 5
    assert [b[1].tolist() for b in DataLoader(cat, batch_size=2)] == [[5, 0], [3, 0], [1]]
    with pytest.raises(IndexError):
        cat[5]


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(autograd.zeros(3, 2), autograd.zeros(4))
