"""Random streams bit-compatible with PyTorch's CPU generator (autograd/random.py).

The first half needs no torch: known mt19937 outputs, values torch 2.13 printed after
torch.manual_seed(0) (stored as bit patterns), the lattice the uniforms live on, permutations,
reproducibility, state round trips and distribution moments. The second half compares with the
live torch (skipped when torch is not importable), bit for bit."""
from __future__ import annotations

import copy
import io
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import random as R
from autograd.utils.data import (DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset,
                                 WeightedRandomSampler, random_split)


def _np(t):
    return t.detach().numpy()


def _bits_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ---- torch-free --------------------------------------------------------------------------------

def test_mt19937_reference_outputs():
    # the reference mt19937 (init_genrand(5489)) starts 3499211612, 581869302, ...
    g = autograd.Generator().manual_seed(5489)
    assert g._raw32(5).tolist() == [3499211612, 581869302, 3890346734, 3586334585, 545404204]


def test_known_values_of_torch_after_manual_seed_0():
    # printed by torch 2.13 (any CPU) as float32 / float64 bit patterns
    autograd.manual_seed(0)
    assert autograd.rand(3).numpy().view(np.uint32).tolist() == \
        [1056839000, 1061464623, 1035285416]
    assert autograd.randn(3).numpy().view(np.uint32).tolist() == \
        [1052412553, 1040817969, 1042819150]
    autograd.manual_seed(0)
    assert autograd.rand(2, dtype=autograd.float64).numpy().view(np.uint64).tolist() == \
        [4606912680220207663, 4604550694100389056]
    autograd.manual_seed(0)
    autograd.rand(3)
    autograd.randn(3)           # scalar path: leaves a cached normal behind
    autograd.randn(20)          # 16-wide path: ignores (and keeps) that cache
    assert autograd.randperm(10).tolist() == [5, 6, 9, 2, 3, 8, 7, 4, 0, 1]
    assert autograd.randint(0, 100, (5,)).tolist() == [3, 6, 76, 27, 99]


def test_randn_16_wide_path_known_values():
    # 20 elements: the Box-Muller-of-16 path plus the redrawn tail (AVX2 machines; the scalar
    # build rounds sin/cos/log differently in the last bits)
    if not R._simd()[1]:
        pytest.skip("float32 normal_ here takes torch's non-AVX2 kernel")
    autograd.manual_seed(0)
    autograd.rand(3)
    autograd.randn(3)
    assert autograd.randn(20).numpy()[:3].view(np.uint32).tolist() == \
        [3192979467, 3182776311, 1057365303]


def test_uniforms_lie_on_torchs_lattice():
    autograd.manual_seed(1)
    x = autograd.rand(20000).numpy()
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() < 1
    k = x.astype(np.float64) * 2 ** 24
    assert np.array_equal(k, np.round(k))              # 24-bit fractions
    assert len(np.unique(x)) > 19000
    y = autograd.rand(20000, dtype=autograd.float64).numpy()
    k = y * 2.0 ** 53
    assert np.array_equal(k, np.round(k)) and y.dtype == np.float64
    assert (np.abs(k - np.round(k / 2 ** 29) * 2 ** 29) > 0).mean() > 0.99    # not 24-bit


def test_uniform_never_returns_its_upper_bound_and_keeps_dtype():
    autograd.manual_seed(2)
    t = autograd.empty(200000).uniform_(2.5, 2.6)
    x = t.numpy()
    assert x.dtype == np.float32
    assert x.min() >= np.float32(2.5) and x.max() < np.float32(2.6)
    h = autograd.empty(50000, dtype=autograd.float16).uniform_(0.0, 1.0).numpy()
    assert h.dtype == np.float16 and h.max() < 1


def test_randperm_is_a_permutation():
    autograd.manual_seed(3)
    for n in (0, 1, 2, 7, 1000, 60000):
        p = autograd.randperm(n).numpy()
        assert p.dtype == np.int64 and np.array_equal(np.sort(p), np.arange(n))
    p = autograd.randperm(100, dtype=autograd.int32).numpy()
    assert p.dtype == np.int32 and np.array_equal(np.sort(p), np.arange(100))
    assert not np.array_equal(autograd.randperm(50).numpy(), autograd.randperm(50).numpy())


def test_randperm_is_fisher_yates_on_the_32_bit_words():
    g = autograd.Generator().manual_seed(9)
    words = autograd.Generator().manual_seed(9)._raw32(9)
    ref = list(range(10))
    for i in range(9):
        z = int(words[i]) % (10 - i)
        ref[i], ref[i + z] = ref[i + z], ref[i]
    assert autograd.randperm(10, generator=g).tolist() == ref


def test_manual_seed_reproducibility_and_generator_independence():
    autograd.manual_seed(4)
    a = (autograd.rand(5).numpy(), autograd.randn(40).numpy(), autograd.randperm(9).numpy())
    autograd.manual_seed(4)
    g = autograd.Generator().manual_seed(123)
    autograd.rand(3, generator=g)                      # a private stream: global untouched
    b = (autograd.rand(5).numpy(), autograd.randn(40).numpy(), autograd.randperm(9).numpy())
    for x, y in zip(a, b):
        assert _bits_equal(x, y)
    assert autograd.manual_seed(4) is autograd.default_generator
    assert autograd.initial_seed() == 4


def test_seed_values_are_kept_as_uint64():
    g = autograd.Generator()
    assert g.initial_seed() == 67280421310721          # torch.Generator()'s default
    g.manual_seed(2 ** 32 + 42)
    assert g.initial_seed() == 2 ** 32 + 42
    assert _bits_equal(g._raw32(4), autograd.Generator().manual_seed(42)._raw32(4))
    g.manual_seed(-1)
    assert g.initial_seed() == 2 ** 64 - 1
    with pytest.raises(RuntimeError):
        g.manual_seed(2 ** 64)
    s = g.seed()
    assert 0 <= s < 2 ** 53 and g.initial_seed() == s


def test_state_round_trip_includes_the_normal_cache():
    autograd.manual_seed(5)
    autograd.randn(3)          # scalar Box-Muller path: one value left in the cache
    st = autograd.get_rng_state()
    assert st.dtype == autograd.uint8 and tuple(st.shape) == (R.STATE_SIZE,)
    a = autograd.randn(1).numpy(), autograd.rand(7).numpy(), autograd.randn(33).numpy()
    autograd.set_rng_state(st)
    b = autograd.randn(1).numpy(), autograd.rand(7).numpy(), autograd.randn(33).numpy()
    for x, y in zip(a, b):
        assert _bits_equal(x, y)
    autograd.manual_seed(5)
    autograd.randn(3)
    autograd.manual_seed(5)                             # a reseed clears the cache
    c = autograd.randn(4).numpy()
    autograd.manual_seed(5)
    d = autograd.randn(3).numpy()
    assert _bits_equal(c[:3], d)


def test_state_through_autograd_save_and_pickle_and_copy():
    g = autograd.Generator().manual_seed(6)
    autograd.randn(5, generator=g)
    buf = io.BytesIO()
    autograd.save({"rng": g.get_state()}, buf)
    buf.seek(0)
    state = autograd.load(buf)["rng"]
    h = autograd.Generator().set_state(state)
    for other in (h, pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert other.initial_seed() == 6
    want = autograd.randn(9, generator=g).numpy()
    assert _bits_equal(autograd.randn(9, generator=h).numpy(), want)
    with pytest.raises(RuntimeError):
        autograd.set_rng_state(autograd.zeros(10, dtype=autograd.uint8))
    bad = g.get_state().numpy().copy()
    bad[8:12] = 0                                      # left = 0: not a valid engine
    with pytest.raises(RuntimeError):
        g.set_state(bad)


def test_float32_stays_float32():
    autograd.manual_seed(7)
    x = autograd.randn(4, 5)
    for t in (autograd.rand(3), x, autograd.randn_like(x), autograd.rand_like(x),
              autograd.normal(0.0, 2.0, (3, 3)), autograd.normal(x, 1.0),
              autograd.empty(6).normal_(), autograd.empty(6).uniform_(-1, 1),
              autograd.empty(6).exponential_(), F.dropout(x, 0.3), F.alpha_dropout(x, 0.3, True),
              F.rrelu(x, training=True), nn.Linear(3, 2).weight, nn.Conv2d(1, 2, 3).bias):
        assert t.dtype == autograd.float32
    assert autograd.randint(0, 5, (3,)).dtype == autograd.int64


def test_distribution_moments():
    autograd.manual_seed(8)
    n = 200000
    u = autograd.rand(n, dtype=autograd.float64).numpy()
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    for dt in (autograd.float32, autograd.float64):
        z = autograd.randn(n, dtype=dt).numpy().astype(np.float64)
        assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
        assert abs((z ** 3).mean()) < 0.03 and abs((z ** 4).mean() - 3) < 0.06
    small = np.concatenate([autograd.randn(5).numpy() for _ in range(20000)]).astype(np.float64)
    assert abs(small.mean()) < 0.01 and abs(small.std() - 1) < 0.01        # scalar path
    w = autograd.empty(n).normal_(3.0, 0.5).numpy()
    assert abs(w.mean() - 3) < 0.01 and abs(w.std() - 0.5) < 0.01
    e = autograd.empty(n).exponential_(4.0).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005
    b = autograd.empty(n).bernoulli_(0.3).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.005
    r = autograd.randint(-3, 4, (n,)).numpy()
    assert r.min() == -3 and r.max() == 3
    assert np.abs(np.bincount(r + 3) / n - 1 / 7).max() < 0.005
    p = np.array([0.1, 0.2, 0.7], np.float32)
    m = autograd.multinomial(autograd.tensor(p), 60000, replacement=True).numpy()
    assert np.abs(np.bincount(m, minlength=3) / 60000 - p).max() < 0.01
    m = autograd.multinomial(autograd.tensor(np.tile(p, (20000, 1))), 1).numpy()
    assert np.abs(np.bincount(m.ravel(), minlength=3) / 20000 - p).max() < 0.015
    x = autograd.ones(n)
    d = F.dropout(x, 0.25).numpy()
    assert set(np.unique(d)) == {0.0, np.float32(1) / np.float32(0.75)}
    assert abs((d == 0).mean() - 0.25) < 0.005


def test_init_bounds_and_stds():
    autograd.manual_seed(9)
    lin = nn.Linear(400, 300)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    bound = 1 / np.sqrt(400)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound
    t = nn.init.trunc_normal_(autograd.empty(300, 300), std=1.0, a=-1.0, b=1.5).numpy()
    assert t.min() >= -1 and t.max() <= 1.5
    t = nn.init.trunc_normal_(autograd.empty(300, 300), a=1.0, b=1.3).numpy()    # narrow
    assert t.min() >= 1 and t.max() <= 1.3 and t.mean() < 1.15
    q = nn.init.orthogonal_(autograd.empty(20, 50)).numpy()
    assert q.dtype == np.float32 and np.allclose(q @ q.T, np.eye(20), atol=1e-5)


def test_dataloader_draws_two_seeds_per_epoch_from_the_global_stream():
    # torch: the iterator draws a base seed, the RandomSampler one more for its own generator
    ds = TensorDataset(autograd.arange(10))
    autograd.manual_seed(10)
    list(DataLoader(ds, batch_size=3, shuffle=True))
    after = autograd.default_generator._raw32(3)
    ref = autograd.Generator().manual_seed(10)
    ref._raw32(4)
    assert _bits_equal(after, ref._raw32(3))
    autograd.manual_seed(10)
    list(DataLoader(ds, batch_size=3))                  # no shuffle: the base seed only
    ref = autograd.Generator().manual_seed(10)
    ref._raw32(2)
    assert _bits_equal(autograd.default_generator._raw32(3), ref._raw32(3))


def test_shuffle_epochs_are_permutations_and_differ():
    ds = TensorDataset(autograd.arange(100))
    g = autograd.Generator().manual_seed(11)
    dl = DataLoader(ds, batch_size=16, shuffle=True, generator=g)
    e1 = np.concatenate([b[0].numpy() for b in dl])
    e2 = np.concatenate([b[0].numpy() for b in dl])
    assert np.array_equal(np.sort(e1), np.arange(100)) and not np.array_equal(e1, e2)
    dl2 = DataLoader(ds, batch_size=16, shuffle=True,
                     generator=autograd.Generator().manual_seed(11))
    assert np.array_equal(np.concatenate([b[0].numpy() for b in dl2]), e1)


def test_random_sampler_parts_draw_lazily_like_torchs_generator():
    # with a caller's generator, the (possibly empty) last permutation is drawn at the end of
    # the epoch, not up front: a draw made after the first batch sees the stream before it
    g = autograd.Generator().manual_seed(12)
    bs = iter(DataLoader(TensorDataset(autograd.arange(8)), batch_size=4, shuffle=True,
                         generator=g))
    next(bs)
    mid = g._raw32(1)
    ref = autograd.Generator().manual_seed(12)
    ref._raw32(2 + 7)                                   # base seed + one randperm(8)
    assert _bits_equal(mid, ref._raw32(1))


# ---- against the live torch --------------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


SIZES = (1, 2, 5, 15, 16, 17, 31, 32, 33, 100, 1000, 4099)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2 ** 32 + 7, -5])
def test_raw_words_and_int_draws_match_torch(seed):
    torch = _torch()
    g = autograd.Generator().manual_seed(seed)
    tg = torch.Generator().manual_seed(seed)
    assert g.initial_seed() == tg.initial_seed()
    for dt, tdt in ((autograd.int32, torch.int32), (autograd.int64, torch.int64),
                    (autograd.bool, torch.bool), (autograd.uint8, torch.uint8),
                    (autograd.float32, torch.float32), (autograd.float64, torch.float64)):
        a = autograd.empty(50, dtype=dt).random_(generator=g)
        t = torch.empty(50, dtype=tdt).random_(generator=tg)
        assert _bits_equal(a.numpy(), t.numpy()), dt
        hi = 2 if dt == autograd.bool else 100
        a = autograd.empty(50, dtype=dt).random_(0, hi, generator=g)
        t = torch.empty(50, dtype=tdt).random_(0, hi, generator=tg)
        assert _bits_equal(a.numpy(), t.numpy()), dt
    for lo, hi in ((-7, 9), (-2 ** 40, 2 ** 41), (0, 2 ** 32)):
        a = autograd.randint(lo, hi, (40,), generator=g)
        t = torch.randint(lo, hi, (40,), generator=tg)
        assert _bits_equal(a.numpy(), t.numpy())
    a = autograd.empty(30, dtype=autograd.int64).random_(-2 ** 63, None, generator=g)
    t = torch.empty(30, dtype=torch.int64).random_(-2 ** 63, None, generator=tg)
    assert _bits_equal(a.numpy(), t.numpy())
    a = autograd.empty(30, dtype=autograd.int64).random_(5, None, generator=g)
    t = torch.empty(30, dtype=torch.int64).random_(5, None, generator=tg)
    assert _bits_equal(a.numpy(), t.numpy())


@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
def test_rand_randn_uniform_normal_match_torch_bitwise(dt):
    torch = _torch()
    adt, tdt = getattr(autograd, dt), getattr(torch, dt)
    autograd.manual_seed(21)
    torch.manual_seed(21)
    for n in SIZES:
        pairs = [(autograd.rand(n, dtype=adt), torch.rand(n, dtype=tdt)),
                 (autograd.randn(n, dtype=adt), torch.randn(n, dtype=tdt)),
                 (autograd.empty(n, dtype=adt).uniform_(-0.31622776601683794, 0.7),
                  torch.empty(n, dtype=tdt).uniform_(-0.31622776601683794, 0.7)),
                 (autograd.empty(n, dtype=adt).normal_(0.3, 1.7),
                  torch.empty(n, dtype=tdt).normal_(0.3, 1.7))]
        for a, t in pairs:
            assert _bits_equal(a.numpy(), t.numpy()), (dt, n)
    # a multi-dimensional draw, a float32 range that rounds up to `to`
    assert _bits_equal(autograd.randn(3, 7, 5, dtype=adt).numpy(),
                       torch.randn(3, 7, 5, dtype=tdt).numpy())
    assert _bits_equal(autograd.empty(5000, dtype=adt).uniform_(2.5, 2.6).numpy(),
                       torch.empty(5000, dtype=tdt).uniform_(2.5, 2.6).numpy())


def test_non_contiguous_fills_follow_torchs_memory_order():
    torch = _torch()
    autograd.manual_seed(22)
    torch.manual_seed(22)
    for fill in (lambda t: t.normal_(), lambda t: t.uniform_(-1, 2),
                 lambda t: t.bernoulli_(0.4), lambda t: t.exponential_(2.0)):
        a = fill(autograd.zeros(6, 9).t())
        t = fill(torch.zeros(6, 9).t())
        assert _bits_equal(a.numpy(), t.numpy())
    a = autograd.randn_like(autograd.zeros(4, 5, 6).permute(2, 0, 1))
    t = torch.randn_like(torch.zeros(4, 5, 6).permute(2, 0, 1))
    assert _bits_equal(a.numpy(), t.numpy())


def test_randperm_matches_torch():
    torch = _torch()
    autograd.manual_seed(23)
    torch.manual_seed(23)
    for n in (0, 1, 2, 3, 10, 1000, 60000):
        assert _bits_equal(autograd.randperm(n).numpy(), torch.randperm(n).numpy())
    assert _bits_equal(autograd.randperm(77, dtype=autograd.int32).numpy(),
                       torch.randperm(77, dtype=torch.int32).numpy())
    g, tg = autograd.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    assert _bits_equal(autograd.randperm(500, generator=g).numpy(),
                       torch.randperm(500, generator=tg).numpy())


def test_other_distributions_match_torch():
    torch = _torch()
    x = np.random.default_rng(0).random((6, 40)).astype(np.float32)
    autograd.manual_seed(24)
    torch.manual_seed(24)
    pairs = [
        (autograd.bernoulli(autograd.tensor(x)), torch.bernoulli(torch.tensor(x))),
        (autograd.bernoulli(autograd.tensor(x.astype(np.float64))),
         torch.bernoulli(torch.tensor(x.astype(np.float64)))),
        (autograd.empty(300).bernoulli_(0.3), torch.empty(300).bernoulli_(0.3)),
        (autograd.empty(300, dtype=autograd.int64).bernoulli_(0.6),
         torch.empty(300, dtype=torch.int64).bernoulli_(0.6)),
        (autograd.empty(300).exponential_(1.5), torch.empty(300).exponential_(1.5)),
        (autograd.multinomial(autograd.tensor(x), 25, True),
         torch.multinomial(torch.tensor(x), 25, True)),
        (autograd.multinomial(autograd.tensor(x), 7), torch.multinomial(torch.tensor(x), 7)),
        (autograd.multinomial(autograd.tensor(x[0]), 1), torch.multinomial(torch.tensor(x[0]), 1)),
        (autograd.normal(autograd.tensor(x), autograd.tensor(x)),
         torch.normal(torch.tensor(x), torch.tensor(x))),
        (autograd.normal(autograd.tensor(x), 0.5), torch.normal(torch.tensor(x), 0.5)),
        (autograd.normal(0.5, autograd.tensor(x)), torch.normal(0.5, torch.tensor(x))),
        (autograd.normal(0.5, 2.0, (4, 9)), torch.normal(0.5, 2.0, (4, 9))),
        (autograd.randint_like(autograd.tensor(x), 3, 8),
         torch.randint_like(torch.tensor(x), 3, 8)),
    ]
    for i, (a, t) in enumerate(pairs):
        assert _bits_equal(a.numpy(), t.numpy()), i
    assert autograd.rand(4).tolist() == torch.rand(4).tolist()


def _lenet(m):
    return [m.Conv2d(1, 6, 5, padding=2), m.Conv2d(6, 16, 5), m.Linear(400, 120),
            m.Linear(120, 84), m.Linear(84, 10)]


@pytest.mark.parametrize("seed", [0, 1, 2 ** 33 + 3])
@pytest.mark.parametrize("build", [lambda m: [m.Linear(10, 5)], lambda m: [m.Conv2d(3, 8, 3)],
                                   _lenet,
                                   lambda m: [m.Conv1d(4, 6, 3, bias=False), m.ConvTranspose2d(
                                       3, 4, 3, groups=1), m.Bilinear(3, 4, 5),
                                       m.Embedding(11, 7)]])
def test_modules_initialise_as_torch_bitwise(seed, build):
    torch = _torch()
    autograd.manual_seed(seed)
    ours = build(nn)
    torch.manual_seed(seed)
    theirs = build(torch.nn)
    for ma, mt in zip(ours, theirs):
        pa, pt = list(ma.parameters()), list(mt.parameters())
        assert len(pa) == len(pt)
        for a, t in zip(pa, pt):
            assert a.dtype == autograd.float32 and _bits_equal(_np(a), t.detach().numpy())
    assert autograd.rand(3).tolist() == torch.rand(3).tolist()


def test_init_functions_match_torch():
    torch = _torch()
    cases = [
        lambda I, E: I.uniform_(E(4, 5), -0.2, 0.9),
        lambda I, E: I.normal_(E(40, 5), 0.1, 0.3),
        lambda I, E: I.normal_(E(3, 5), 0.1, 0.3),
        lambda I, E: I.kaiming_uniform_(E(16, 8, 3, 3), a=0, nonlinearity="relu"),
        lambda I, E: I.kaiming_normal_(E(16, 8, 3, 3), mode="fan_out"),
        lambda I, E: I.xavier_uniform_(E(30, 20), gain=2.0),
        lambda I, E: I.xavier_normal_(E(30, 21)),
        lambda I, E: I.trunc_normal_(E(50, 50), std=1.0, a=-1.0, b=1.5),
        lambda I, E: I.trunc_normal_(E(50, 50), mean=0.0, std=1.0, a=1.0, b=1.3),
        lambda I, E: I.sparse_(E(20, 6), 0.3),
    ]
    for i, f in enumerate(cases):
        autograd.manual_seed(25)
        torch.manual_seed(25)
        a = f(nn.init, autograd.empty)
        t = f(torch.nn.init, torch.empty)
        assert _bits_equal(a.numpy(), t.numpy()), i
        assert autograd.rand(2).tolist() == torch.rand(2).tolist(), i
    autograd.manual_seed(25)
    torch.manual_seed(25)
    a = nn.init.orthogonal_(autograd.empty(6, 10))
    t = torch.nn.init.orthogonal_(torch.empty(6, 10))
    np.testing.assert_allclose(a.numpy(), t.numpy(), atol=2e-6)   # same draws, numpy's QR
    assert autograd.rand(2).tolist() == torch.rand(2).tolist()


def test_dropout_and_rrelu_match_torch():
    torch = _torch()
    tF = torch.nn.functional
    x = np.random.default_rng(1).standard_normal((4, 6, 5, 5)).astype(np.float32)
    cases = [(lambda m, x: m.dropout(x, 0.3), None),
             (lambda m, x: m.dropout(x, 0.45), None),
             (lambda m, x: m.dropout2d(x, 0.4), None),
             (lambda m, x: m.dropout1d(x[0], 0.4), None),
             (lambda m, x: m.alpha_dropout(x, 0.2, True), None),
             (lambda m, x: m.feature_alpha_dropout(x, 0.2, True), None),
             (lambda m, x: m.rrelu(x, 0.1, 0.3, True), None)]
    for i, (f, _) in enumerate(cases):
        autograd.manual_seed(26)
        torch.manual_seed(26)
        a = f(F, autograd.tensor(x))
        t = f(tF, torch.tensor(x))
        assert _bits_equal(a.numpy(), t.numpy()), i
        assert autograd.rand(2).tolist() == torch.rand(2).tolist(), i
    autograd.manual_seed(27)
    torch.manual_seed(27)
    a = nn.Dropout(0.5)(autograd.tensor(x, dtype=autograd.float64))
    t = torch.nn.Dropout(0.5)(torch.tensor(x, dtype=torch.float64))
    assert _bits_equal(a.numpy(), t.numpy())


def _epochs(loader, k):
    return [[b[0].numpy().ravel().tolist() for b in loader] for _ in range(k)]


@pytest.mark.parametrize("n,bs,drop", [(50, 8, False), (48, 8, True), (100, 7, True),
                                       (1000, 64, False)])
@pytest.mark.parametrize("with_generator", [False, True])
def test_dataloader_shuffle_matches_torch_over_epochs(n, bs, drop, with_generator):
    torch = _torch()
    TD = torch.utils.data
    autograd.manual_seed(28)
    torch.manual_seed(28)
    ga = autograd.Generator().manual_seed(3) if with_generator else None
    gt = torch.Generator().manual_seed(3) if with_generator else None
    da = DataLoader(TensorDataset(autograd.arange(n)), batch_size=bs, shuffle=True,
                    drop_last=drop, generator=ga)
    dt = TD.DataLoader(TD.TensorDataset(torch.arange(n)), batch_size=bs, shuffle=True,
                       drop_last=drop, generator=gt)
    assert _epochs(da, 3) == _epochs(dt, 3)
    assert autograd.rand(3).tolist() == torch.rand(3).tolist()
    if with_generator:
        assert autograd.rand(3, generator=ga).tolist() == torch.rand(3, generator=gt).tolist()


def test_samplers_and_random_split_match_torch():
    torch = _torch()
    TD = torch.utils.data
    autograd.manual_seed(29)
    torch.manual_seed(29)
    assert [list(s.indices) for s in random_split(range(30), [10, 15, 5])] == \
        [list(s.indices) for s in TD.random_split(range(30), [10, 15, 5])]
    assert [list(s.indices) for s in random_split(
        range(31), [0.5, 0.5], generator=autograd.Generator().manual_seed(1))] == \
        [list(s.indices) for s in TD.random_split(
            range(31), [0.5, 0.5], generator=torch.Generator().manual_seed(1))]
    assert list(SubsetRandomSampler([5, 7, 9, 11, 13])) == \
        list(TD.SubsetRandomSampler([5, 7, 9, 11, 13]))
    w = [0.1, 0.5, 2.0, 0.0, 1.0]
    assert list(WeightedRandomSampler(w, 20)) == list(TD.WeightedRandomSampler(w, 20))
    assert list(WeightedRandomSampler(w, 3, replacement=False)) == \
        list(TD.WeightedRandomSampler(w, 3, replacement=False))
    assert list(RandomSampler(range(10), replacement=True, num_samples=70)) == \
        list(TD.RandomSampler(range(10), replacement=True, num_samples=70))
    assert list(RandomSampler(range(10), num_samples=25)) == \
        list(TD.RandomSampler(range(10), num_samples=25))
    g, tg = autograd.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    assert list(RandomSampler(range(10), num_samples=25, generator=g)) + \
        list(RandomSampler(range(10), generator=g)) == \
        list(TD.RandomSampler(range(10), num_samples=25, generator=tg)) + \
        list(TD.RandomSampler(range(10), generator=tg))
    assert autograd.rand(2).tolist() == torch.rand(2).tolist()


def test_vision_transforms_draw_what_torchvision_draws():
    torch = _torch()
    from autograd.vision import transforms as T
    img = np.arange(28 * 28, dtype=np.float32).reshape(1, 28, 28)
    autograd.manual_seed(30)
    torch.manual_seed(30)
    out = T.RandomCrop(24, padding=2)(autograd.tensor(img)).numpy()
    i = torch.randint(0, 28 + 4 - 24 + 1, size=(1,)).item()     # torchvision get_params
    j = torch.randint(0, 28 + 4 - 24 + 1, size=(1,)).item()
    padded = np.pad(img, ((0, 0), (2, 2), (2, 2)))
    assert np.array_equal(out, padded[:, i:i + 24, j:j + 24])
    flips = [T.RandomHorizontalFlip(0.5)(autograd.tensor(img)).numpy()[0, 0, 0] != 0
             for _ in range(20)]
    assert flips == [bool(torch.rand(1) < 0.5) for _ in range(20)]
    noisy = T.GaussianNoise(0.1)(autograd.tensor(img / 784)).numpy()
    t = torch.tensor(img / 784)
    assert _bits_equal(noisy, (t + (0.0 + torch.randn_like(t) * 0.1)).numpy())


def test_rng_state_moves_between_torch_and_autograd():
    torch = _torch()
    autograd.manual_seed(31)
    torch.manual_seed(31)
    autograd.randn(3)
    torch.randn(3)                                      # both hold a cached normal now
    ours, theirs = autograd.get_rng_state().numpy(), torch.get_rng_state().numpy()
    assert _bits_equal(ours, theirs)
    torch.set_rng_state(torch.from_numpy(ours.copy()))
    autograd.set_rng_state(autograd.tensor(theirs))
    assert _bits_equal(autograd.randn(5).numpy(), torch.randn(5).numpy())
    g = torch.Generator().manual_seed(2 ** 40)
    torch.rand(5, generator=g)
    h = autograd.Generator().set_state(g.get_state().numpy())
    assert h.initial_seed() == 2 ** 40
    assert _bits_equal(autograd.rand(7, generator=h).numpy(), torch.rand(7, generator=g).numpy())


def test_default_cpu_capability_paths_match_torch():
    """ATEN_CPU_CAPABILITY=default: torch's unfused scalar kernels (libm sin/cos/log for the
    float32 Box-Muller, no fma in uniform_); the same setting here must follow."""
    _torch()
    code = (
        "import numpy as np, torch, autograd\n"
        "assert torch.backends.cpu.get_cpu_capability() == 'DEFAULT'\n"
        "from autograd import random as R\n"
        "assert R._simd() == (False, False)\n"
        "for dt, tdt in ((autograd.float32, torch.float32), (autograd.float64, torch.float64)):\n"
        "    autograd.manual_seed(3); torch.manual_seed(3)\n"
        "    for n in (5, 16, 1001):\n"
        "        a = autograd.empty(n, dtype=dt).normal_(0.3, 1.7).numpy()\n"
        "        t = torch.empty(n, dtype=tdt).normal_(0.3, 1.7).numpy()\n"
        "        assert a.tobytes() == t.tobytes(), (dt, n)\n"
        "        a = autograd.empty(n, dtype=dt).uniform_(-0.31622776601683794, 0.3).numpy()\n"
        "        t = torch.empty(n, dtype=tdt).uniform_(-0.31622776601683794, 0.3).numpy()\n"
        "        assert a.tobytes() == t.tobytes(), (dt, n)\n"
        "print('ok')\n")
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
