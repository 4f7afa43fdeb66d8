"""autograd.vision: IDX reader (gz and raw; corrupt/truncated files), MNIST/FashionMNIST on tiny
IDX files written here, transforms, and the batched dataset path."""
import gzip
import os

import numpy as np
import pytest

import autograd
from autograd.utils.data import DataLoader, default_collate
from autograd.vision import datasets, transforms as T
from autograd.vision.datasets import IDXFormatError, read_idx


def idx_bytes(arr: np.ndarray) -> bytes:
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}[arr.dtype]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big")
                                                   for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_split(d, prefix, images, labels, gz=True):
    for stem, arr in ((f"{prefix}-images-idx3-ubyte", images),
                      (f"{prefix}-labels-idx1-ubyte", labels)):
        data = idx_bytes(arr)
        if gz:
            with gzip.open(os.path.join(d, stem + ".gz"), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(d, stem), "wb") as f:
                f.write(data)


@pytest.fixture
def tiny(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = (np.arange(12) % 10).astype(np.uint8)
    write_split(tmp_path, "train", imgs, labels, gz=True)
    write_split(tmp_path, "t10k", imgs[:5], labels[:5], gz=False)
    return tmp_path, imgs, labels


def test_read_idx_gz_and_raw(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(a))
    with gzip.open(tmp_path / "a.gz", "wb") as f:
        f.write(idx_bytes(a))
    assert np.array_equal(read_idx(str(tmp_path / "a")), a)
    assert np.array_equal(read_idx(str(tmp_path / "a.gz")), a)
    b = np.array([1, -2, 70000], np.int32)
    (tmp_path / "b").write_bytes(idx_bytes(b))
    out = read_idx(str(tmp_path / "b"))
    assert out.dtype == np.int32 and out.tolist() == [1, -2, 70000]


def test_read_idx_errors(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    good = idx_bytes(a)
    p = tmp_path / "bad"
    p.write_bytes(b"\x12\x34" + good[2:])
    with pytest.raises(IDXFormatError, match=r"bad.*magic"):
        read_idx(str(p))
    p.write_bytes(good[:-5])
    with pytest.raises(IDXFormatError, match=r"bad: truncated.*\(2, 3, 4\)"):
        read_idx(str(p))
    p.write_bytes(good + b"xx")
    with pytest.raises(IDXFormatError, match="trailing"):
        read_idx(str(p))
    p.write_bytes(good[:9])
    with pytest.raises(IDXFormatError, match="truncated IDX header"):
        read_idx(str(p))
    p.write_bytes(good)
    with pytest.raises(IDXFormatError, match="3 dimensions, expected 1"):
        read_idx(str(p), expect_ndim=1)
    gz = tmp_path / "t.gz"
    gz.write_bytes(gzip.compress(good)[:-12])
    with pytest.raises(IDXFormatError, match=r"t\.gz.*truncated gzip"):
        read_idx(str(gz))
    gz.write_bytes(b"not gzip at all")
    with pytest.raises(IDXFormatError, match=r"t\.gz.*gzip"):
        read_idx(str(gz))


def test_dataset_from_dir(tiny):
    root, imgs, labels = tiny
    ds = datasets.FashionMNIST(str(root), train=True)
    assert len(ds) == 12 and ds.data.shape == (12, 28, 28) and ds.targets.dtype == autograd.int64
    img, y = ds[3]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and np.array_equal(img, imgs[3])
    assert y == 3 and isinstance(y, int)
    test = datasets.MNIST(str(root), train=False, transform=T.ToTensor(),
                          target_transform=lambda t: t + 100)
    x, y = test[4]
    assert x.shape == (1, 28, 28) and x.dtype == autograd.float32 and y == 104
    assert np.allclose(x.numpy()[0], imgs[4] / 255.0)
    assert ds.classes[9] == "Ankle boot" and ds.class_to_idx["Bag"] == 8


def test_torchvision_layout(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    write_split(raw, "t10k", np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8))
    assert len(datasets.FashionMNIST(str(tmp_path), train=False)) == 2


def test_missing_and_mismatched(tmp_path):
    with pytest.raises(RuntimeError, match=r"not found.*dataset-fashion-mnist"):
        datasets.FashionMNIST(str(tmp_path), download=True)
    write_split(tmp_path, "train", np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(IDXFormatError, match="3 images but .* 2 labels"):
        datasets.FashionMNIST(str(tmp_path))
    write_split(tmp_path, "train", np.zeros((2, 28, 28), np.uint8),
                np.array([0, 10], np.uint8))
    with pytest.raises(IDXFormatError, match="labels must be in"):
        datasets.FashionMNIST(str(tmp_path))


def test_fast_batches_equal_item_path(tiny):
    root = tiny[0]
    tf = T.Compose([T.ToTensor(), T.Normalize((0.2860,), (0.3530,))])
    ds = datasets.FashionMNIST(str(root), transform=tf)
    assert getattr(ds, "_fast_batch", None) is not None
    idx = [7, 1, 11, 0]
    fast = ds._fast_batch(np.array(idx))
    slow = default_collate([ds[i] for i in idx])
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.numpy(), b.numpy())
    plain = datasets.FashionMNIST(str(root))
    xb, yb = next(iter(DataLoader(plain, batch_size=5)))
    assert xb.dtype == autograd.uint8 and xb.shape == (5, 28, 28)
    # random transforms: no fast path, still deterministic under the seed
    rnd = datasets.FashionMNIST(str(root), transform=T.Compose(
        [T.ToTensor(), T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()]))
    assert getattr(rnd, "_fast_batch", None) is None
    autograd.manual_seed(5)
    a = next(iter(DataLoader(rnd, batch_size=6, shuffle=True)))[0].numpy()
    autograd.manual_seed(5)
    b = next(iter(DataLoader(rnd, batch_size=6, shuffle=True)))[0].numpy()
    assert np.array_equal(a, b)


def test_transforms():
    img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    t = T.ToTensor()(img)
    assert t.shape == (1, 4, 4) and t.dtype == autograd.float32 and np.isclose(float(t.max()), 15 / 255)
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert T.ToTensor()(rgb).shape == (3, 4, 5)
    n = T.Normalize((0.5,), (0.25,))(t)
    assert np.allclose(n.numpy(), (t.numpy() - 0.5) / 0.25) and n.dtype == autograd.float32
    with pytest.raises(ValueError, match="std"):
        T.Normalize((0.5,), (0.0,))
    autograd.manual_seed(0)
    c = T.RandomCrop(4, padding=1)(t)
    assert c.shape == (1, 4, 4)
    c = T.RandomCrop((2, 3))(img)
    assert c.shape == (2, 3)
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(5)(img)
    f = T.RandomHorizontalFlip(p=1.0)(t)
    assert np.array_equal(f.numpy(), t.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(t) is t
    s = T.RandomShift(1)(img)
    assert s.shape == img.shape and s.dtype == np.uint8
    ones = np.ones((6, 6), np.uint8)
    shifted = [T.RandomShift(2)(ones) for _ in range(10)]
    assert all(x.sum() >= 16 for x in shifted) and any(x.sum() < 36 for x in shifted)
    g = T.GaussianNoise(0.1)(t)
    assert g.dtype == autograd.float32 and not np.array_equal(g.numpy(), t.numpy())
    assert np.all(T.GaussianNoise(1.0, clip=True)(t).numpy() <= 1.0)
    with pytest.raises(TypeError, match="float"):
        T.GaussianNoise(0.1)(img)
