"""End-to-end training: loss falls on synthetic data, memory stays flat over many steps, and
examples/train_fashion_mnist.py runs one quick epoch (and resumes) on a tiny synthetic IDX set."""
import gc
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd

nn = pytest.importorskip("nn")
optim = pytest.importorskip("optim")
from autograd.utils.data import DataLoader, TensorDataset  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blobs(n=512, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (4, 8)).astype(np.float32)
    y = rng.integers(0, 4, n)
    x = centers[y] + rng.normal(0, 1, (n, 8)).astype(np.float32)
    return autograd.from_numpy(x.astype(np.float32)), autograd.from_numpy(y.astype(np.int64))


def test_loss_falls_on_synthetic_data():
    autograd.manual_seed(0)
    x, y = _blobs()
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(5):
        tot = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss) * len(yb)
        losses.append(tot / len(y))
    assert losses[-1] < 0.5 * losses[0], losses
    with autograd.no_grad():
        acc = float((model(x).argmax(1) == y).float().mean())
    assert acc > 0.9


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_memory_flat_over_many_steps():
    """Each step's graph (activations saved for backward) must be released: 1,500 steps of a
    small MLP would leak > 60 MB if it were not."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    x, y = autograd.randn(32, 64), autograd.randint(0, 10, (32,))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    for _ in range(100):
        step()
    gc.collect()
    gc.disable()                    # the graph must be freed by refcounting, not by the GC
    try:
        start = _rss_mb()
        for _ in range(1500):
            step()
        end = _rss_mb()
    finally:
        gc.enable()
    assert end - start < 15, f"RSS grew {end - start:.1f} MB over 1500 steps"


def _idx(arr):
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _write_fake_fashion(d, n_train=256, n_test=64):
    """Learnable fake data: class c lights up a horizontal band of rows."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            x[i, 2 + 2 * c: 4 + 2 * c, 4:24] = 250
        with gzip.open(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(_idx(x))
        with gzip.open(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(_idx(y))


def _run_script(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_fashion_mnist.py"),
                        *args], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_train_script_quick_epoch_and_resume(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    _write_fake_fashion(data)
    common = ["--data", str(data), "--out", str(out), "--no-plot", "--batch-size", "32",
              "--eval-batch-size", "64", "--threads", "1"]
    text = _run_script(*common, "--epochs", "1", "--scheduler", "step")
    assert "epoch  1:" in text and "img/s" in text and "test" in text
    ck = autograd.load(out / "checkpoint.pt")
    assert ck["epoch"] == 1 and set(ck) >= {"model", "optimizer", "scheduler", "rng"}
    text = _run_script(*common, "--epochs", "2", "--scheduler", "step", "--resume")
    assert "resumed" in text and "epoch  2:" in text and "epoch  1:" not in text
    hist = json.loads((out / "metrics.json").read_text())["history"]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    assert autograd.load(out / "checkpoint.pt")["epoch"] == 2
    # resuming is exact: same result as two uninterrupted epochs (model, momentum, RNG restored)
    straight = tmp_path / "straight"
    _run_script(*common[:2], "--out", str(straight), *common[4:], "--epochs", "2",
                "--scheduler", "step")
    hist2 = json.loads((straight / "metrics.json").read_text())["history"]
    for a, b in zip(hist, hist2):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-6)
        assert a["test_acc"] == b["test_acc"]


def test_train_script_missing_data_message(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_fashion_mnist.py"),
                        "--data", str(tmp_path), "--epochs", "1"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode != 0 and "dataset-fashion-mnist" in r.stderr


def test_warm_up_leaves_the_run_unchanged():
    """The main job's kernel warm-up must not change weights, buffers, grads or the RNG."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples",
                        "train_fashion_mnist.py")
    spec = importlib.util.spec_from_file_location("train_fashion_mnist_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5),
                          nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    x = autograd.randn(10, 1, 8, 8)
    y = autograd.tensor(np.arange(10) % 3)
    before = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    rng = autograd.get_rng_state()
    # weight decay: a step on the real parameters would move them even with zero gradients
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.5)
    mod.warm_up(model, nn.CrossEntropyLoss(),
                DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True), opt)
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert opt.state_dict()["state"] == {}             # the optimizer's copy took the steps
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])
    drawn_after = autograd.rand(5).tolist()
    autograd.set_rng_state(rng)
    assert autograd.rand(5).tolist() == drawn_after      # the warm-up drew no random numbers
