"""nn.utils.summary: per-layer counts vs closed-form numbers (LeNet-5, a VGG block), vs torch."""

import pytest

import autograd
import nn
from nn.utils import summary


class _Linear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.weight = nn.Parameter(autograd.randn(o, i) * (1.0 / i ** 0.5))
        self.bias = nn.Parameter(autograd.zeros(o))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


class _ReLU(nn.Module):
    def forward(self, x):
        return x.relu()


class _Flatten(nn.Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)


Linear = getattr(nn, "Linear", _Linear)
ReLU = getattr(nn, "ReLU", _ReLU)
Flatten = getattr(nn, "Flatten", _Flatten)


def lenet5():
    """LeNet-5 for 1x28x28 (conv1 pads 2), as in the lectures."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), ReLU(), nn.MaxPool2d(2),
        Flatten(), Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10))


def vgg_block(cin=3, c=16):
    return nn.Sequential(nn.Conv2d(cin, c, 3, padding=1), ReLU(),
                         nn.Conv2d(c, c, 3, padding=1), ReLU(), nn.MaxPool2d(2))


def test_lenet5_counts_match_closed_form():
    autograd.manual_seed(0)
    model = lenet5()
    N = 2
    s = summary(model, input_size=(N, 1, 28, 28), verbose=0)
    conv1 = s.layer("0")
    conv2 = s.layer("3")
    fc1, fc2, fc3 = s.layer("7"), s.layer("9"), s.layer("11")
    assert conv1.output_shapes == [(N, 6, 28, 28)]
    assert conv1.cost.macs == N * 6 * 1 * 25 * 28 * 28
    assert conv2.cost.macs == N * 16 * 6 * 25 * 10 * 10
    assert fc1.cost.macs == N * 400 * 120
    assert fc2.cost.macs == N * 120 * 84
    assert fc3.cost.macs == N * 84 * 10
    macs = N * (6 * 25 * 784 + 16 * 6 * 25 * 100 + 400 * 120 + 120 * 84 + 84 * 10)
    assert s.total_macs == macs
    assert s.fwd_mm_flops == 2 * macs
    # backward: conv1's input needs no gradient -> dW only (1x); every other layer dX + dW (2x)
    assert conv1.cost.bwd_mm_flops == 2 * conv1.cost.macs
    assert s.bwd_mm_flops == 2 * (2 * macs) - 2 * conv1.cost.macs
    # all FLOPs >= conv/mm FLOPs: bias adds, relu, pooling
    assert s.fwd_flops > s.fwd_mm_flops
    # params: trainable and not
    P = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert s.total_params == P == 61706 and s.trainable_params == P
    assert conv1.params == 156 and fc1.params == 48120
    text = str(s)
    assert "Conv2d: 1-1" in text and "61,706" in text and "MFLOPs" in text
    # rows add up to the totals (parents are not double-counted)
    rows = s._rows()
    assert sum(r[1].macs for r in rows) == s.total_macs
    assert sum(r[1].flops for r in rows) == s.fwd_flops


def test_vgg_block_and_frozen_params():
    model = vgg_block(3, 16)
    model[0].weight.requires_grad_(False)
    N, H = 1, 16
    s = summary(model, example_input=autograd.randn(N, 3, H, H), verbose=0)
    macs1 = N * 16 * 3 * 9 * H * H
    macs2 = N * 16 * 16 * 9 * H * H
    assert s.layer("0").cost.macs == macs1
    assert s.layer("2").cost.macs == macs2
    assert s.total_macs == macs1 + macs2
    assert s.layer("4").output_shapes == [(N, 16, H // 2, H // 2)]
    assert s.total_params == 3 * 16 * 9 + 16 + 16 * 16 * 9 + 16
    assert s.trainable_params == s.total_params - 3 * 16 * 9
    assert "frozen" in str(s)
    # conv1: input and weight need no grad -> no conv backward; conv2: dX and dW
    assert s.layer("0").cost.bwd_mm_flops == 0
    assert s.layer("2").cost.bwd_mm_flops == 2 * 2 * macs2


def test_bare_matmul_and_functional_ops_count():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(autograd.randn(8, 4))
            self.inner = Linear(4, 3)

        def forward(self, x):
            return self.inner((x @ self.w).relu())

    s = summary(Net(), input_size=(5, 8), verbose=0)
    root = s.layer("")
    assert root.cost.macs == 5 * 8 * 4            # the bare matmul, charged to Net itself
    assert s.layer("inner").cost.macs == 5 * 4 * 3
    assert s.total_macs == 5 * 8 * 4 + 5 * 4 * 3
    # depth=0 folds everything into the root row
    s0 = summary(Net(), input_size=(5, 8), depth=0, verbose=0)
    assert len(s0._rows()) == 1 and s0._rows()[0][1].macs == s0.total_macs


def test_failure_names_layer_and_shapes():
    model = lenet5()
    with pytest.raises(RuntimeError) as ei:
        summary(model, input_size=(2, 3, 28, 28), verbose=0)   # 3 channels, conv1 wants 1
    msg = str(ei.value)
    assert "'0'" in msg and "Conv2d" in msg and "[2, 3, 28, 28]" in msg
    # hooks were removed: the model still runs normally
    assert model(autograd.randn(1, 1, 28, 28)).shape == (1, 10)


def test_autograd_summary_alias():
    assert autograd.summary is summary


def test_matches_torch_flop_counter_and_params():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode
    tn = torch.nn
    tmodel = tn.Sequential(tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2),
                           tn.Conv2d(6, 16, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(),
                           tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(),
                           tn.Linear(84, 10))
    x = torch.randn(4, 1, 28, 28)
    with FlopCounterMode(display=False) as fc:
        tmodel(x).sum().backward()
    s = summary(lenet5(), input_size=(4, 1, 28, 28), verbose=0)
    assert s.total_flops == fc.get_total_flops()
    assert s.total_params == sum(p.numel() for p in tmodel.parameters())
    with FlopCounterMode(display=False) as fc2:
        tmodel(x)
    assert s.fwd_mm_flops == fc2.get_total_flops()
