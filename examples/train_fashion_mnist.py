#!/usr/bin/env python3
"""Train LeNet-5 (or an MLP / a small CNN) on Fashion-MNIST with autograd, PyTorch-style.

    python examples/train_fashion_mnist.py                       # LeNet-5, SGD 0.01/0.9, 3 epochs
    python examples/train_fashion_mnist.py --epochs 5 --resume   # continue from the checkpoint
    python examples/train_fashion_mnist.py --model mlp --optimizer adam --lr 1e-3

Data: the four IDX files of Fashion-MNIST (``apt-get install dataset-fashion-mnist`` puts them in
/usr/share/datasets/fashion-mnist; --data DIR for any directory with the standard names).
Recipe (matches the PyTorch reference in PERF_NOTES §7): x/255 normalised with mean 0.2860 /
std 0.3530, shuffled with a seeded generator, batch 64, cross-entropy.
Outputs (in --out, default runs/fashion_mnist): checkpoint.pt (model, optimizer, scheduler, RNG,
epoch, history), metrics.json, curves.csv and curves.png (when matplotlib is installed).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="lenet5", choices=["lenet5", "mlp", "cnn"])
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "adamw", "rmsprop"])
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 0.01 for sgd, 1e-3 otherwise)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--scheduler", default="none", choices=["none", "step", "cosine"],
                   help="lr schedule, stepped once per epoch")
    p.add_argument("--epochs", type=int, default=3, help="total epochs (also with --resume)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--eval-batch-size", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads for kernels and BLAS (default: all cores)")
    p.add_argument("--data", default=None,
                   help="directory with the Fashion-MNIST IDX files (default: $AUTOGRAD_DATA or "
                        "/usr/share/datasets/fashion-mnist)")
    p.add_argument("--out", default="runs/fashion_mnist", help="checkpoint/metrics directory")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--limit-train", type=int, default=None,
                   help="use only the first N training images (quick runs)")
    p.add_argument("--limit-test", type=int, default=None)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plot", action="store_true")
    return p.parse_args(argv)


def set_threads(n):
    """Thread counts are read when the libraries load: set them before importing autograd.

    autograd itself keeps OpenBLAS on one thread (its pool and Numba's OpenMP pool fight over
    the cores: a LeNet step took ~110 ms with both, 4.6 ms with BLAS single-threaded), and
    Numba's kernels use every core unless --threads says otherwise."""
    if n is None:
        return
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


args = parse_args() if __name__ == "__main__" else None
if args is not None:
    set_threads(args.threads)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd.utils.data import DataLoader, Subset  # noqa: E402
from autograd.vision import datasets, transforms  # noqa: E402

MEAN, STD = 0.2860, 0.3530


def lenet5() -> nn.Module:
    """LeNet-5: conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, fc 120-84-10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                         nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def small_cnn() -> nn.Module:
    """Two 3x3 conv blocks (16, 32 channels) and one hidden fc layer."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {"lenet5": lenet5, "mlp": mlp, "cnn": small_cnn}


def make_optimizer(name, params, lr, momentum, weight_decay):
    if name == "sgd":
        return optim.SGD(params, lr=lr or 0.01, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr or 1e-3, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr or 1e-3, weight_decay=weight_decay or 1e-2)
    return optim.RMSprop(params, lr=lr or 1e-3, weight_decay=weight_decay)


def make_scheduler(name, opt, epochs):
    if name == "step":
        return optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.5)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    return None


class Progress:
    """tqdm when installed, else a line every ~10 % of the epoch."""

    def __init__(self, total, desc, enabled=True):
        self.total, self.desc, self.n, self.enabled = total, desc, 0, enabled
        self.bar = None
        self.t0 = time.perf_counter()
        if enabled:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc=desc, unit="batch", leave=False,
                                dynamic_ncols=True)
            except ImportError:
                pass

    def update(self, loss):
        self.n += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            if self.n % 20 == 0:
                self.bar.set_postfix(loss=f"{loss:.4f}")
        elif self.n % max(1, self.total // 10) == 0 or self.n == self.total:
            dt = time.perf_counter() - self.t0
            print(f"  {self.desc} [{self.n:>5}/{self.total}] {100 * self.n / self.total:3.0f}%"
                  f"  loss {loss:.4f}  {dt:6.1f}s", flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def evaluate(model, loader, loss_fn):
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with autograd.no_grad():
        for x, y in loader:
            out = model(x)
            loss_sum += float(loss_fn(out, y)) * len(y)
            correct += int((out.argmax(1) == y).sum())
            total += len(y)
    model.train()
    return loss_sum / max(total, 1), correct / max(total, 1)


def plot(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ep = [h["epoch"] for h in history]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(ep, [h["train_loss"] for h in history], "o-", label="train")
    a1.plot(ep, [h["test_loss"] for h in history], "o-", label="test")
    a1.set_xlabel("epoch"), a1.set_ylabel("cross-entropy"), a1.legend()
    a2.plot(ep, [100 * h["train_acc"] for h in history], "o-", label="train")
    a2.plot(ep, [100 * h["test_acc"] for h in history], "o-", label="test")
    a2.set_xlabel("epoch"), a2.set_ylabel("accuracy %"), a2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def warm_up(model, loss_fn, loader, opt=None) -> float:
    """Compile (first run) or load from Numba's disk cache every kernel a step uses, before
    the epoch timer starts: one forward + backward on a batch in eval mode (no dropout, no
    BatchNorm running-stat update), gradients dropped, and two steps of a deep copy of the
    optimizer (its fused update kernels); the model, the optimizer and the RNG are left as they
    were, so the run is the same as without it. Returns seconds."""
    t = time.perf_counter()
    rng = autograd.get_rng_state()
    x, y = next(iter(loader))
    model.eval()
    loss_fn(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    model.train()
    if opt is not None:
        ghost = copy.deepcopy(opt)          # copies the parameters it holds, too
        for _ in range(2):                  # first step and later steps take different paths
            for group in ghost.param_groups:
                for p in group["params"]:
                    p.grad = autograd.zeros_like(p)
            ghost.step()
    autograd.set_rng_state(rng)
    return time.perf_counter() - t


def main(args) -> dict:
    if args.threads:
        try:
            import numba
            numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
        except ImportError:
            pass
    autograd.manual_seed(args.seed)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    try:
        train_set = datasets.FashionMNIST(args.data, train=True, transform=tf)
        test_set = datasets.FashionMNIST(args.data, train=False, transform=tf)
    except datasets.DatasetNotFoundError as e:
        sys.exit(f"error: {e}")
    if args.limit_train:
        train_set = Subset(train_set, range(min(args.limit_train, len(train_set))))
    if args.limit_test:
        test_set = Subset(test_set, range(min(args.limit_test, len(test_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=args.eval_batch_size)

    model = MODELS[args.model]()
    loss_fn = nn.CrossEntropyLoss()
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum,
                         args.weight_decay)
    sched = make_scheduler(args.scheduler, opt, args.epochs)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    history, start = [], 1
    if args.resume:
        if not os.path.exists(ckpt_path):
            sys.exit(f"error: --resume: no checkpoint at {ckpt_path}")
        ck = autograd.load(ckpt_path)
        if ck.get("model_name", args.model) != args.model:
            sys.exit(f"error: --resume: checkpoint is for --model {ck['model_name']}")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck.get("scheduler") is not None:
            sched.load_state_dict(ck["scheduler"])
        autograd.set_rng_state(ck["rng"])
        history = list(ck.get("history", []))
        start = int(ck["epoch"]) + 1
        print(f"resumed from {ckpt_path} (epoch {ck['epoch']})")

    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.model}: {n_params:,} parameters | {args.optimizer} lr "
          f"{opt.param_groups[0]['lr']} | batch {args.batch_size} | train {len(train_set)} / "
          f"test {len(test_set)} images | seed {args.seed}", flush=True)
    if start <= args.epochs:
        warm = warm_up(model, loss_fn, train_loader, opt)     # its shuffle kernel too
        print(f"kernels ready in {warm:.1f} s (compiled on the first run, then loaded from "
              f"Numba's cache)", flush=True)
    for epoch in range(start, args.epochs + 1):
        model.train()
        bar = Progress(len(train_loader), f"epoch {epoch}/{args.epochs}",
                       enabled=not args.no_progress)
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        for x, y in train_loader:
            out = model(x)
            loss = loss_fn(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            lv = float(loss)
            loss_sum += lv * len(y)
            correct += int((out.detach().argmax(1) == y).sum())
            seen += len(y)
            bar.update(lv)
        train_s = time.perf_counter() - t0
        bar.close()
        if sched is not None:
            sched.step()
        t1 = time.perf_counter()
        test_loss, test_acc = evaluate(model, test_loader, loss_fn)
        eval_s = time.perf_counter() - t1
        rec = {"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": correct / seen,
               "test_loss": test_loss, "test_acc": test_acc, "train_s": train_s,
               "eval_s": eval_s, "img_per_s": seen / train_s,
               "lr": opt.param_groups[0]["lr"]}
        history.append(rec)
        print(f"epoch {epoch:>2}: train loss {rec['train_loss']:.4f} acc "
              f"{100 * rec['train_acc']:.2f}% | test loss {test_loss:.4f} acc "
              f"{100 * test_acc:.2f}% | {train_s:.2f} s/epoch, {rec['img_per_s']:,.0f} img/s "
              f"| eval {eval_s:.2f} s", flush=True)
        autograd.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                       "scheduler": None if sched is None else sched.state_dict(),
                       "rng": autograd.get_rng_state(), "epoch": epoch, "history": history,
                       "model_name": args.model, "args": vars(args)}, ckpt_path)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"args": vars(args), "history": history}, f, indent=1)
    with open(os.path.join(args.out, "curves.csv"), "w") as f:
        keys = ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_s",
                "img_per_s"]
        f.write(",".join(keys) + "\n")
        for h in history:
            f.write(",".join(f"{h[k]:.6g}" for k in keys) + "\n")
    if history and not args.no_plot:
        png = os.path.join(args.out, "curves.png")
        if plot(history, png):
            print(f"curves: {png}")
        else:
            print("(matplotlib not installed: no curves.png; see curves.csv)")
    print(f"checkpoint: {ckpt_path}")
    return {"history": history}


if __name__ == "__main__":
    main(args)
