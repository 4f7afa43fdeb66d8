"""autograd.viz: init report (no matplotlib needed) and pictures (when matplotlib is present)."""
import numpy as np
import pytest

import autograd
import nn
from autograd import viz


class _Lin(nn.Module):
    def __init__(self, i, o, scale):
        super().__init__()
        self.weight = nn.Parameter(autograd.randn(o, i) * scale)

    def forward(self, x):
        return (x @ self.weight.t()).tanh()


def _mlp(scale):
    return nn.Sequential(*[_Lin(64, 64, scale) for _ in range(5)])


def test_init_report_shows_vanishing_activations():
    autograd.manual_seed(0)
    x = autograd.randn(128, 64)
    good = viz.init_report(_mlp(1.0 / 8.0), x)             # Xavier-like: std ~ stable
    bad = viz.init_report(_mlp(0.02), x)                    # too small: activations vanish
    assert len(good.rows) == 5 and good.rows[0]["layer"] == "0"
    g = [r["act_std"] for r in good.rows]
    b = [r["act_std"] for r in bad.rows]
    assert g[-1] / g[0] > 0.3 and b[-1] / b[0] < 0.05
    assert all(r["grad_std"] is not None and r["weight_grad_std"] is not None
               for r in good.rows)
    text = str(good)
    assert "act std" in text and "grad std" in text and "ratio" in text


def test_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    conv = nn.Conv2d(3, 8, 3)
    p1 = viz.plot_filters(conv, str(tmp_path / "f.png"))
    model = nn.Sequential(conv, nn.Conv2d(8, 4, 3))
    p2 = viz.plot_feature_maps(model, model[0], autograd.randn(2, 3, 12, 12),
                               str(tmp_path / "m.png"))
    p3 = viz.plot_curves({"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.3, 0.9],
                          "acc": [0.3, 0.6, 0.8]}, str(tmp_path / "c.png"))
    p4 = viz.init_report(_mlp(0.125), autograd.randn(8, 64)).plot(str(tmp_path / "i.png"))
    for p in (p1, p2, p3, p4):
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_filters_reject_non_conv_weight():
    with pytest.raises(ValueError, match="conv2d weight"):
        viz.plot_filters(autograd.randn(3, 3), "x.png")
