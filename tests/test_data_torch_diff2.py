"""Data loading and checkpoints vs torch (second pass): collate dtype inference, random_split's
fraction rule and messages, TensorDataset / DataLoader / sampler argument checks, Generator,
save/load of OrderedDict/set/complex/Size, vision transforms and dataset reprs."""
import warnings

import numpy as np
import pytest

import autograd
from autograd.utils import data as A

torch = pytest.importorskip("torch")
T = torch.utils.data


# --- default_collate ---------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [[1, 2.5], [True, 2], [2, 0.5, True]])
def test_collate_python_numbers_infer_dtype_from_whole_batch(batch):
    # torch.tensor(batch): a float anywhere -> default float dtype, bools with ints -> int64
    want = T.default_collate(list(batch))
    got = A.default_collate(list(batch))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# --- datasets ----------------------------------------------------------------------------------

def test_tensordataset_size_mismatch_is_assertion_error():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        T.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        A.TensorDataset(autograd.zeros(3), autograd.zeros(4))


def _split_lengths(mod, gen, lengths, n=5):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        parts = mod.random_split(list(range(n)), lengths, generator=gen)
    return [len(p) for p in parts], [str(x.message) for x in w]


@pytest.mark.parametrize("lengths", [[1, 0], [0, 1], [0, 0, 1]])
def test_random_split_lengths_summing_to_one_are_fractions(lengths):
    want = _split_lengths(T, torch.Generator().manual_seed(0), lengths)
    got = _split_lengths(A, autograd.Generator().manual_seed(0), lengths)
    assert got == want


@pytest.mark.parametrize("lengths", [[2, 2], [0.5, 0.6], [1.5, -0.5]])
def test_random_split_error_messages(lengths):
    with pytest.raises(ValueError) as want:
        T.random_split(list(range(5)), lengths)
    with pytest.raises(ValueError) as got:
        A.random_split(list(range(5)), lengths)
    assert str(got.value) == str(want.value)


# --- DataLoader / samplers / Generator ---------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(prefetch_factor=2), dict(persistent_workers=True)])
def test_dataloader_worker_options_need_workers(kw):
    with pytest.raises(ValueError) as want:
        T.DataLoader(list(range(4)), **kw)
    with pytest.raises(ValueError) as got:
        A.DataLoader(list(range(4)), **kw)
    assert str(got.value) == str(want.value)


def test_dataloader_has_torch_attributes():
    tl = T.DataLoader(list(range(4)))
    al = A.DataLoader(list(range(4)))
    for name in ("multiprocessing_context", "pin_memory_device", "in_order"):
        assert getattr(al, name) == getattr(tl, name)


@pytest.mark.parametrize("args,kw", [(([1.0, 2.0], True), {}),
                                     (([1.0, 2.0], 3), dict(replacement=1))])
def test_weighted_sampler_argument_checks(args, kw):
    with pytest.raises(ValueError) as want:
        T.WeightedRandomSampler(*args, **kw)
    with pytest.raises(ValueError) as got:
        A.WeightedRandomSampler(*args, **kw)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("weights,n,repl", [([-1.0, 1.0], 3, True), ([1.0, 1.0], 3, False)])
def test_weighted_sampler_bad_distribution_is_runtime_error(weights, n, repl):
    with pytest.raises(RuntimeError):
        list(T.WeightedRandomSampler(weights, n, replacement=repl))
    with pytest.raises(RuntimeError):
        list(A.WeightedRandomSampler(weights, n, replacement=repl))


def test_generator_seed_reseeds_and_returns_the_seed():
    g = autograd.Generator()
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert isinstance(torch.Generator().seed(), int)
    a = g.integers(0, 1 << 30, 4)
    assert (autograd.Generator().manual_seed(s).integers(0, 1 << 30, 4) == a).all()


# --- save / load -------------------------------------------------------------------------------

def _roundtrip(mod, obj):
    import io
    buf = io.BytesIO()
    mod.save(obj, buf)
    buf.seek(0)
    return mod.load(buf, weights_only=False)     # torch's weights_only refuses frozenset


def test_save_load_keeps_ordereddict_set_frozenset_complex():
    import collections
    obj = [collections.OrderedDict(b=1, a=2), {1, 2}, frozenset({"x"}), 1 + 2j,
           {frozenset({1}): complex(0.5, float("inf"))}]
    want = _roundtrip(torch, obj)
    got = _roundtrip(autograd, obj)
    assert [type(v) for v in got] == [type(v) for v in want]
    assert got == want
    assert list(got[0]) == ["b", "a"]


def test_save_load_state_dict_stays_an_ordereddict():
    import nn
    sd = nn.Linear(2, 3).state_dict()
    assert type(_roundtrip(autograd, sd)) is type(_roundtrip(torch, torch.nn.Linear(2, 3)
                                                             .state_dict()))


def test_save_load_keeps_size():
    got = _roundtrip(autograd, {"s": autograd.zeros(2, 3).shape})["s"]
    want = _roundtrip(torch, {"s": torch.zeros(2, 3).shape})["s"]
    assert type(got).__name__ == type(want).__name__ == "Size"
    assert tuple(got) == tuple(want)


# --- vision (torchvision's documented behaviour; torchvision itself is not installed) ----------

def _write_idx(path, arr, code):
    import struct
    path.write_bytes(struct.pack(">BBBB", 0, 0, code, arr.ndim) +
                     struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(">u1").tobytes())


def _tiny_mnist(tmp_path):
    imgs = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    _write_idx(tmp_path / "train-images-idx3-ubyte", imgs, 0x08)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 2], np.uint8), 0x08)
    return str(tmp_path)


def test_mnist_repr_has_torchvision_layout(tmp_path):
    from autograd.vision import datasets, transforms
    root = _tiny_mnist(tmp_path)
    assert repr(datasets.MNIST(root)) == (
        f"Dataset MNIST\n    Number of datapoints: 3\n    Root location: {root}\n"
        f"    Split: Train")
    tf = transforms.Compose([transforms.ToTensor()])
    ds = datasets.FashionMNIST(root, transform=tf, target_transform=transforms.Lambda(int))
    assert repr(ds).splitlines()[4:] == [
        "    StandardTransform", "    Transform: Compose(",
        "                   ToTensor()", "               )",
        "    Target transform: Lambda()"]


def test_random_crop_one_element_size_and_padding():
    from autograd.vision import transforms
    img = np.ones((2, 2), np.uint8)
    out = transforms.RandomCrop([4], padding=[1])(img)     # 1-sequences: square / all sides
    assert out.shape == (4, 4)
    assert out.sum() == img.sum()


def test_random_crop_per_channel_fill_on_hwc_image():
    from autograd.vision import transforms
    img = np.zeros((2, 2, 3), np.uint8)
    out = transforms.RandomCrop((2, 4), padding=(1, 0), fill=(7, 8, 9))(img)
    assert out.shape == (2, 4, 3)
    for col in (0, 3):                                      # left/right padding columns
        assert out[:, col].tolist() == [[7, 8, 9]] * 2
    assert not out[:, 1:3].any()
