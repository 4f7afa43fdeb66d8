"""A 1-d CNN on synthetic sequences: tell a sine, a square wave, a sawtooth and noise bursts apart
(random frequency, phase, amplitude, plus Gaussian noise). Conv1d -> ReLU -> MaxPool1d twice,
global average pooling, a linear classifier.

    .venv/bin/python examples/conv1d_sequences.py [--epochs 8] [--length 128]
"""
import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import autograd  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd.utils.data import DataLoader, TensorDataset  # noqa: E402

CLASSES = ["sine", "square", "sawtooth", "bursts"]


def make_data(n, length, rng):
    """x: (n, 1, length) float32, y: (n,) int64."""
    t = np.arange(length, dtype=np.float64)[None, :]
    y = rng.integers(0, len(CLASSES), n)
    freq = rng.uniform(2, 6, (n, 1)) / length
    phase = rng.uniform(0, 2 * math.pi, (n, 1))
    amp = rng.uniform(0.5, 1.5, (n, 1))
    arg = 2 * math.pi * freq * t + phase
    waves = {0: np.sin(arg), 1: np.sign(np.sin(arg)), 2: 2 * ((arg / (2 * math.pi)) % 1.0) - 1}
    x = np.zeros((n, length))
    for c, w in waves.items():
        x[y == c] = w[y == c]
    bursts = (rng.random((n, length)) < 0.05) * rng.normal(0, 2, (n, length))
    x[y == 3] = bursts[y == 3]
    x = amp * x + rng.normal(0, 0.3, (n, length))
    return x[:, None, :].astype(np.float32), y.astype(np.int64)


class SeqCNN(nn.Module):
    def __init__(self, classes=len(CLASSES)):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 32, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(32, classes)

    def forward(self, x):                      # x: (N, 1, L)
        h = self.features(x)                   # (N, 32, L/4)
        return self.head(h.mean(dim=2))        # global average pool over time


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--train", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    autograd.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    xtr, ytr = make_data(args.train, args.length, rng)
    xte, yte = make_data(500, args.length, rng)
    train = DataLoader(TensorDataset(autograd.from_numpy(xtr), autograd.from_numpy(ytr)),
                       batch_size=64, shuffle=True)
    xte, yte = autograd.from_numpy(xte), autograd.from_numpy(yte)
    model = SeqCNN()
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        total = 0.0
        for xb, yb in train:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(yb)
        model.eval()
        with autograd.no_grad():
            acc = float((model(xte).argmax(1) == yte).float().mean())
        model.train()
        print(f"epoch {epoch}: loss {total / len(ytr):.4f}  test acc {100 * acc:.1f}%  "
              f"({time.perf_counter() - t0:.2f} s)", flush=True)
    return acc


if __name__ == "__main__":
    main()
