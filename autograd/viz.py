"""Pictures for looking inside a network (matplotlib is optional and imported only here, lazily).

    from autograd import viz
    viz.plot_filters(model.conv1, "filters.png")                 # grid of a conv layer's filters
    viz.plot_feature_maps(model, model.conv1, x, "maps.png")      # a layer's outputs for one input
    viz.plot_curves({"loss": losses, "acc": accs}, "curves.png")  # training curves
    rep = viz.init_report(model, x, y, loss_fn)                   # per-layer activation/grad stats
    print(rep); rep.plot("init.png")

``init_report`` needs no matplotlib: it checks the lectures' "equal variance across layers"
(activation std and gradient std roughly constant from layer to layer at initialisation).
"""
from __future__ import annotations

import math

import numpy as np

from .tensor import Tensor

__all__ = ["plot_filters", "plot_feature_maps", "plot_curves", "init_report", "InitReport"]


def _plt():
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        return plt
    except ImportError as e:
        raise ImportError("autograd.viz needs matplotlib for pictures (pip install matplotlib); "
                          "init_report() tables work without it") from e


def _arr(t):
    if isinstance(t, Tensor):
        return t._data
    w = getattr(t, "weight", None)
    if isinstance(w, Tensor):
        return w._data
    return np.asarray(t)


def _grid(n, ncols=None):
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    return int(math.ceil(n / ncols)), ncols


def _norm01(a):
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def plot_filters(layer_or_weight, path: str, channel: int | None = None, ncols=None,
                 max_filters: int = 64, title: str | None = None) -> str:
    """Grid of a conv layer's filters (weight (K, C, kh, kw)); C == 3 is shown as RGB,
    otherwise input channel ``channel`` (default: the mean over input channels). Returns path."""
    w = _arr(layer_or_weight).astype(np.float64)
    if w.ndim != 4:
        raise ValueError(f"plot_filters(): expected a conv2d weight (K, C, kh, kw), got shape "
                         f"{w.shape}")
    plt = _plt()
    K = min(w.shape[0], max_filters)
    rows, cols = _grid(K, ncols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.2), squeeze=False)
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        ax.axis("off")
        if k >= K:
            continue
        f = w[k]
        if f.shape[0] == 3 and channel is None:
            ax.imshow(_norm01(f.transpose(1, 2, 0)), interpolation="nearest")
        else:
            img = f[channel] if channel is not None else f.mean(0)
            ax.imshow(img, cmap="gray", interpolation="nearest")
    fig.suptitle(title or f"filters {tuple(w.shape)}")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def capture(model, layer, x):
    """Run ``model(x)`` and return ``layer``'s output (a forward hook), as a numpy array."""
    got = {}

    def hook(mod, inp, out):
        got["out"] = out

    h = layer.register_forward_hook(hook)
    try:
        from . import grad_mode
        with grad_mode.no_grad():
            model(x)
    finally:
        h.remove()
    if "out" not in got:
        raise RuntimeError("capture(): the layer did not run during model(x); is it part of "
                           "the model's forward?")
    out = got["out"]
    return out._data if isinstance(out, Tensor) else np.asarray(out)


def plot_feature_maps(model, layer, x, path: str, sample: int = 0, max_maps: int = 64,
                      ncols=None) -> str:
    """The feature maps (channels) ``layer`` outputs for input ``x`` (its ``sample``-th item)."""
    a = capture(model, layer, x)
    if a.ndim != 4:
        raise ValueError(f"plot_feature_maps(): expected a (N, C, H, W) output, got {a.shape}")
    plt = _plt()
    maps = a[sample]
    C = min(maps.shape[0], max_maps)
    rows, cols = _grid(C, ncols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.3), squeeze=False)
    for c in range(rows * cols):
        ax = axes[c // cols][c % cols]
        ax.axis("off")
        if c < C:
            ax.imshow(maps[c], cmap="viridis", interpolation="nearest")
    fig.suptitle(f"feature maps {tuple(a.shape[1:])}")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_curves(history, path: str, title: str = "training") -> str:
    """``history``: dict name -> list of values (e.g. {"loss": [...], "val_loss": [...],
    "acc": [...]}) or one list. Losses and accuracies go to two panels."""
    if not isinstance(history, dict):
        history = {"loss": list(history)}
    plt = _plt()
    accs = {k: v for k, v in history.items() if "acc" in k.lower()}
    others = {k: v for k, v in history.items() if k not in accs}
    panels = [p for p in (others, accs) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for k, v in panel.items():
            v = [float(x) for x in v]
            ax.plot(range(1, len(v) + 1), v, label=k)
        ax.set_xlabel("epoch / step")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


class InitReport:
    """Per-layer statistics of one forward/backward: ``rows`` of dicts (layer, type, shape,
    act_mean, act_std, grad_mean, grad_std, weight_std, weight_grad_std)."""

    def __init__(self, rows):
        self.rows = rows

    def __str__(self):
        head = ["Layer", "Type", "Output", "act mean", "act std", "grad mean", "grad std",
                "W std", "dW std"]
        body = []
        for r in self.rows:
            f = lambda v: "-" if v is None else f"{v:.3g}"  # noqa: E731
            body.append([r["layer"], r["type"], str(list(r["shape"])), f(r["act_mean"]),
                         f(r["act_std"]), f(r["grad_mean"]), f(r["grad_std"]),
                         f(r["weight_std"]), f(r["weight_grad_std"])])
        w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
        lines = ["  ".join(h.ljust(n) for h, n in zip(head, w))]
        lines.append("-" * len(lines[0]))
        lines += ["  ".join(c.ljust(n) for c, n in zip(b, w)) for b in body]
        stds = [r["act_std"] for r in self.rows if r["act_std"]]
        if len(stds) > 1:
            lines.append(f"activation std ratio last/first layer: {stds[-1] / stds[0]:.3g} "
                         "(about 1 when the initialisation keeps the variance equal)")
        return "\n".join(lines)

    __repr__ = __str__

    def plot(self, path: str) -> str:
        plt = _plt()
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        names = [r["layer"] for r in self.rows]
        x = np.arange(len(names))
        for ax, key, ttl in ((axes[0], "act_std", "activation std"),
                             (axes[1], "grad_std", "gradient std (w.r.t. layer output)")):
            ax.bar(x, [r[key] or 0.0 for r in self.rows])
            ax.set_xticks(x)
            ax.set_xticklabels(names, rotation=45, ha="right", fontsize=7)
            ax.set_title(ttl)
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return path


def init_report(model, x, target=None, loss_fn=None, layers=None) -> InitReport:
    """Run one forward and backward on a batch and report, per layer (leaf modules by
    default), the mean/std of its output activations and of the gradient w.r.t. them, and
    its weight / weight-gradient std. Loss: ``loss_fn(out, target)`` or, without one,
    ``out.pow(2).mean()/2`` (a unit gradient scale). Parameter ``.grad`` are left untouched."""
    if layers is None:
        layers = [(n, m) for n, m in model.named_modules()
                  if n and not any(True for _ in m.children())]
    elif not isinstance(layers[0], tuple):
        names = {id(m): n for n, m in model.named_modules()}
        layers = [(names.get(id(m), type(m).__name__), m) for m in layers]
    stats = {}
    handles = []

    def make_hook(name):
        def hook(mod, inp, out):
            if not isinstance(out, Tensor):
                return
            a = out._data.astype(np.float64)
            s = stats.setdefault(name, {"type": type(mod).__name__, "shape": tuple(out.shape),
                                        "act_mean": float(a.mean()), "act_std": float(a.std()),
                                        "grad_mean": None, "grad_std": None})
            if out.requires_grad:
                def ghook(g, _s=s):
                    ga = (g._data if isinstance(g, Tensor) else g).astype(np.float64)
                    _s["grad_mean"], _s["grad_std"] = float(ga.mean()), float(ga.std())
                out.register_hook(ghook)
        return hook

    for name, m in layers:
        handles.append(m.register_forward_hook(make_hook(name)))
    params = list(model.parameters())
    old = [p.grad for p in params]
    for p in params:
        p.grad = None
    try:
        out = model(x)
        if loss_fn is not None:
            loss = loss_fn(out, target)
        else:
            loss = (out * out).mean() * 0.5
        if loss.requires_grad:
            loss.backward()
        rows = []
        for name, m in layers:
            if name not in stats:
                continue
            s = stats[name]
            w = getattr(m, "weight", None)
            wstd = float(w._data.std()) if isinstance(w, Tensor) else None
            gstd = float(w._grad._data.std()) if isinstance(w, Tensor) and w._grad is not None \
                else None
            rows.append(dict(layer=name, weight_std=wstd, weight_grad_std=gstd, **s))
    finally:
        for h in handles:
            h.remove()
        for p, g in zip(params, old):
            p.grad = g
    return InitReport(rows)
