"""nn.Module machinery: registration, iteration, state_dict, hooks, repr, containers."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.scale = nn.Parameter(autograd.ones(1))
        self.register_buffer("steps", autograd.zeros(1))
        self.register_buffer("tmp", autograd.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_iteration():
    m = Net()
    # own members first, then children (torch's order)
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc1.weight", "fc1.bias",
                                                    "fc2.weight"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "tmp"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in m.named_parameters(prefix="net", recurse=False)] == ["net.scale"]
    assert m.get_submodule("fc1") is m.fc1
    assert m.get_parameter("fc1.bias") is m.fc1.bias
    with pytest.raises(AttributeError):
        m.get_submodule("nope")
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        m.missing
    del m.scale
    assert "scale" not in dict(m.named_parameters())
    m.fc2 = None
    assert [n for n, _ in m.named_children()] == ["fc1", "act"]
    with pytest.raises(TypeError):
        m.fc1.weight = autograd.zeros(3, 4)       # plain tensor onto a parameter slot
    with pytest.raises(KeyError):
        m.register_buffer("fc1", autograd.zeros(1))
    assert "fc1" in dir(m) and "steps" in dir(m)


def test_shared_parameters_deduplicated():
    a = nn.Linear(2, 2)
    s = nn.Sequential(a, a)
    assert len(list(s.parameters())) == 2
    assert len(list(s.named_parameters(remove_duplicate=False))) == 4


def test_state_dict_roundtrip_and_keep_vars():
    autograd.manual_seed(0)
    m = Net()
    sd = m.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert not sd["fc1.weight"].requires_grad
    assert m.state_dict(keep_vars=True)["fc1.weight"] is m.fc1.weight
    m2 = Net()
    res = m2.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    for k, v in m2.state_dict().items():
        np.testing.assert_array_equal(v._data, sd[k]._data)
    sd["fc1.weight"]._data[...] = 0            # loading copies, it does not alias
    assert not np.all(m2.fc1.weight._data == 0)


def test_load_state_dict_errors():
    m = Net()
    sd = m.state_dict()
    del sd["steps"]
    sd["extra"] = autograd.zeros(1)
    sd["fc1.weight"] = autograd.zeros(5, 4)
    with pytest.raises(RuntimeError) as ei:
        m.load_state_dict(sd)
    msg = str(ei.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:\n\t")
    assert 'Missing key(s) in state_dict: "steps". ' in msg
    assert 'Unexpected key(s) in state_dict: "extra". ' in msg
    assert "size mismatch for fc1.weight: copying a param with shape" in msg
    assert msg.index("Missing") < msg.index("Unexpected") < msg.index("size mismatch")
    sd["fc1.weight"] = autograd.zeros(3, 4)
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["steps"] and res.unexpected_keys == ["extra"]
    assert np.all(m.fc1.weight._data == 0)


def test_train_eval_zero_grad_requires_grad():
    m = Net()
    m.eval()
    assert not m.training and not m.fc1.training
    m.train()
    assert m.fc2.training
    out = m(autograd.randn(5, 4)).sum()
    out.backward()
    assert m.fc1.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert np.all(m.fc1.weight.grad._data == 0)
    m.zero_grad()
    assert m.fc1.weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_dtype_keeps_parameter_identity():
    m = Net()
    w = m.fc1.weight
    m.double()
    assert m.fc1.weight is w and w.dtype == autograd.float64
    assert m.steps.dtype == autograd.float64
    m.to(autograd.float32)
    assert w.dtype == autograd.float32
    assert m.float() is m and m.cpu() is m


def test_apply_and_deepcopy():
    m = Net()
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]
    m2 = copy.deepcopy(m)
    assert m2.fc1.weight is not m.fc1.weight
    np.testing.assert_array_equal(m2.fc1.weight._data, m.fc1.weight._data)
    assert isinstance(m2.fc1.weight, nn.Parameter)


def test_forward_hooks():
    m = nn.Linear(3, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    x = autograd.ones(1, 3)
    y = m(x)
    ref = nn.functional.linear(x * 2, m.weight, m.bias) + 1
    np.testing.assert_allclose(y._data, ref._data)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(m(x)._data, nn.functional.linear(x, m.weight, m.bias)._data)
    h = m.register_forward_pre_hook(lambda mod, args, kw: (args, kw), with_kwargs=True)
    m(x)
    h.remove()
    h = m.register_forward_hook(lambda mod, args, kw, out: out * 0, with_kwargs=True)
    assert np.all(m(x)._data == 0)
    h.remove()


def test_full_backward_hook():
    m = nn.Linear(3, 2)
    got = []

    def hook(mod, gin, gout):
        got.append((tuple(gin[0].shape), tuple(gout[0].shape)))
        return (gin[0] * 0,)

    h = m.register_full_backward_hook(hook)
    x = autograd.randn(4, 3, requires_grad=True)
    m(x).sum().backward()
    assert got == [((4, 3), (4, 2))]
    assert np.all(x.grad._data == 0)
    h.remove()


def test_repr_nested():
    m = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert repr(m) == ("Sequential(\n"
                       "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                       "  (1): Sequential(\n"
                       "    (0): ReLU()\n"
                       "    (1): Dropout(p=0.1, inplace=False)\n"
                       "  )\n"
                       ")")
    assert repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])) == (
        "ModuleList(\n  (0-1): 2 x ReLU()\n  (2): Tanh()\n)")


def test_sequential_ops():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b
    assert isinstance(s[0:1], nn.Sequential) and len(s[0:1]) == 1
    s.append(c)
    assert s[2] is c
    s.insert(0, nn.Identity())
    assert [type(x).__name__ for x in s] == ["Identity", "ReLU", "Tanh", "Sigmoid"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2"]
    s.extend([nn.ReLU()])
    assert len(s) == 4
    o = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert o.first is a and list(o.state_dict()) == []
    x = autograd.randn(3)
    np.testing.assert_allclose(o(x)._data, np.tanh(np.maximum(x._data, 0)), rtol=1e-6)


def test_module_list_dict_parameter_containers():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.insert(0, nn.Tanh())
    assert type(ml[0]).__name__ == "Tanh" and len(ml) == 5
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 1)})
    assert list(md.keys()) == ["a", "b"] and "a" in md
    assert [n for n, _ in md.named_parameters()] == ["b.weight", "b.bias"]
    pl = nn.ParameterList([nn.Parameter(autograd.ones(2)), autograd.zeros(3)])
    assert len(list(pl.parameters())) == 2 and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"w": nn.Parameter(autograd.ones(2))})
    assert list(dict(pd.named_parameters())) == ["w"]


def test_module_without_init_errors():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()
