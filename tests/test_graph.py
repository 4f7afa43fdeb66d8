"""autograd.graph: DOT/HTML structure, FLOP rules, module attribution, live stats, leak warning."""
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest

import autograd
import nn
from autograd import graph


def _small():
    x = autograd.randn(3, 4, requires_grad=True)
    w = autograd.randn(4, 2, requires_grad=True)
    y = ((x @ w).relu() - 1.0).pow(2).mean()
    return x, w, y


def _parse_dot(text):
    """A small DOT parser: node ids with labels, and edges."""
    nodes = dict(re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', text, re.M))
    edges = re.findall(r"^\s*(n\d+) -> (n\d+);", text, re.M)
    return nodes, edges


def _expected(root):
    """Nodes and edges by walking grad_fn / next_functions ourselves."""
    seen, edges, stack = {id(root.grad_fn): root.grad_fn}, set(), [root.grad_fn]
    while stack:
        n = stack.pop()
        for e in n._next:
            if e is None:
                continue
            c = e[0]
            edges.add((id(c), id(n)))
            if id(c) not in seen:
                seen[id(c)] = c
                if not isinstance(c, autograd.Tensor):
                    stack.append(c)
    return seen, edges


def test_dot_has_every_node_and_edge():
    x, w, y = _small()
    g = graph.Graph(y)
    nodes, edges = _parse_dot(g.to_dot())
    exp_nodes, exp_edges = _expected(y)
    assert len(nodes) == len(exp_nodes) + 1                    # + the output tensor itself
    ids = {id(o): f"n{i}" for i, o in enumerate(g.objs)}
    assert {(ids[a], ids[b]) for a, b in exp_edges} | {(ids[id(y.grad_fn)], "n0")} == set(edges)
    labels = " ".join(nodes.values())
    for name in ("MeanBackward0", "PowBackward0", "SubBackward0", "ReluBackward0",
                 "MmBackward0", "AccumulateGrad"):
        assert name in labels
    assert "48 FLOPs" in nodes[ids[id(y.grad_fn._next[0][0]._next[0][0]._next[0][0]._next[0][0])]]


def test_text_tree_values_grads_and_saved():
    x, w, y = _small()
    y.backward(retain_graph=True)
    t = graph.tree(y)
    assert "MmBackward0" in t and "saved: input (3, 4) 48 B" in t
    assert "grad mean" in t and "data" in t                   # micrograd-style on small graphs
    assert "24 MACs" in t
    y2 = (x * 2).sum()
    y2.backward()
    assert "saved" not in graph.tree(y2).split("\n")[1] or "freed" in graph.tree(y2)


def test_no_graph_says_so():
    t = autograd.randn(3)
    assert "no autograd graph" in graph.tree(t)
    for f in (graph.to_dot, graph.to_html):
        with pytest.raises(ValueError, match="no autograd graph"):
            f(t)
    with autograd.no_grad():
        u = autograd.randn(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="no_grad"):
        graph.to_dot(u)


class _HTMLCheck(HTMLParser):
    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.urls, self.script = [], [], [], ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v and re.match(r"\s*(https?:)?//", v):
                self.urls.append(v)
        if tag not in self.VOID:
            self.stack.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script += data


def _check_html(text):
    p = _HTMLCheck()
    p.feed(text)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)
    assert not p.urls
    assert not re.search(r"(https?:)?//[\w.-]+\.\w+/[\w/.-]*\.(js|css)", text)
    assert "fetch(" not in text and "XMLHttpRequest" not in text and "@import" not in text
    m = re.search(r"var D=(\{.*?\});\n", p.script, re.S)
    import json
    return json.loads(m.group(1))


def test_html_self_contained_every_node(tmp_path):
    x, w, y = _small()
    g = graph.Graph(y)
    path = tmp_path / "g.html"
    text = graph.to_html(y, str(path))
    assert path.read_text() == text
    data = _check_html(text)
    assert [n[0] for n in data["nodes"]] == [n.name for n in g.nodes]
    assert len(data["edges"]) == len(g.edges)


def test_module_attribution_and_big_graph_collapses():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(autograd.randn(4, 4) * 0.3)

        def forward(self, x):
            for _ in range(30):
                x = (x @ self.w).tanh() + x * 0.5
            return x

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([Block() for _ in range(25)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x.sum()

    model = Net()
    with graph.record(model):
        y = model(autograd.randn(2, 4))
    g = graph.Graph(y)
    assert len(g) > 3000
    mods = {n.module for n in g.nodes if n.kind == "op"}
    assert "blocks.0" in mods and "blocks.24" in mods
    text = g.to_html(max_nodes=500)
    data = _check_html(text)
    assert len(data["nodes"]) == len(g)
    assert data["collapsed"]                               # starts collapsed by module
    assert len(text) < 3_000_000


def test_flop_rules_conv_and_matmul():
    x = autograd.randn(2, 3, 8, 8, requires_grad=True)
    conv = nn.Conv2d(3, 4, 3, padding=1, groups=1)
    y = conv(x)
    c = graph.Graph(y).nodes[1].cost
    assert c.macs == 2 * 4 * 3 * 9 * 8 * 8 and c.mm_flops == 2 * c.macs
    assert c.bwd_mm_flops == 2 * c.mm_flops                  # dX and dW
    conv_g = nn.Conv2d(4, 4, 3, groups=2)
    z = conv_g(y)
    cz = graph.Graph(z).nodes[1].cost
    assert cz.macs == 2 * 4 * (4 // 2) * 9 * 6 * 6
    with graph.FlopCounter() as fc:
        a = autograd.randn(5, 7, requires_grad=True)
        b = autograd.randn(7, 3)
        (a @ b).sum().backward()
    assert fc.get_total_flops() == 2 * 5 * 7 * 3 * 2          # fwd + dA (b needs no grad)
    # unknown ops count 0 and are marked
    class Odd(autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            return g
    o = Odd.apply(a)
    assert not graph.Graph(o).nodes[1].cost.known
    assert "?" in graph.tree(o)


def test_live_stats_counts_saved_bytes():
    x = autograd.randn(1000, requires_grad=True)
    before = graph.live_stats()
    y = (x * x).exp().sum()                     # Mul saves x twice (one array), Exp its output
    mid = graph.live_stats()
    assert mid["nodes"] >= before["nodes"] + 3
    assert mid["saved_bytes"] - before["saved_bytes"] >= 8000
    y.backward()
    after = graph.live_stats()
    assert after["saved_bytes"] <= before["saved_bytes"] + 100


def test_leak_warning_total_plus_loss():
    w = autograd.randn(4, requires_grad=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        total = 0
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            total += loss
    msgs = [str(r.message) for r in rec if issubclass(r.category, UserWarning)]
    assert any("loss.item()" in m for m in msgs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = 0.0
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            total += loss.item()
        acc = autograd.zeros(())
        for _ in range(3):
            acc += (w * w).sum().detach()


def test_leak_warning_growing_chain_without_backward():
    w = autograd.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="item"):
        total = (w * 0).sum()
        for _ in range(12):
            total += (w * w).sum()


def test_render_clear_error_or_file(tmp_path, monkeypatch):
    x, w, y = _small()
    import shutil
    if shutil.which("dot") is None:
        try:
            import graphviz  # noqa: F401
        except ImportError:
            with pytest.raises(RuntimeError, match="Graphviz"):
                graph.render(y, str(tmp_path / "g.svg"))
    else:
        p = graph.render(y, str(tmp_path / "g.svg"))
        assert open(p).read().lstrip().startswith("<")
    assert graph.render(y, str(tmp_path / "g.dot")).endswith("g.dot")
    svg = graph.Graph(y).to_svg()
    assert svg.count("<rect") == len(graph.Graph(y))


def test_html_big_graph_without_modules_starts_banded_and_modules_sort_naturally():
    z = autograd.randn(2, 4, requires_grad=True)
    w = autograd.randn(4, 4, requires_grad=True)
    for _ in range(400):
        z = (z @ w).tanh()
    data = _check_html(graph.to_html(z.sum()))             # no record(): no module names
    assert len(data["nodes"]) > 800
    assert data["collapsed"] and all(m.startswith("ops[") for m in data["collapsed"])
    assert len(data["collapsed"]) <= 300 // 8 + 1            # opens as a readable overview
    assert graph._mod_key("blocks.2") < graph._mod_key("blocks.10")
    assert sorted(["b.10", "b", "b.2.fc", "b.2"], key=graph._mod_key) == ["b", "b.2", "b.2.fc",
                                                                          "b.10"]


def test_flop_counter_lenet_train_step_closed_form():
    """A first conv layer's input needs no gradient: its backward node still counts dW."""
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    N = 4
    conv1 = N * 6 * 28 * 28 * 25          # MACs
    conv2 = N * 16 * 10 * 10 * 6 * 25
    fc = N * (400 * 120 + 120 * 84 + 84 * 10)
    with graph.FlopCounter() as cnt:
        model(autograd.randn(N, 1, 28, 28)).sum().backward()
    fwd = 2 * (conv1 + conv2 + fc)
    bwd = 2 * (conv1 + 2 * conv2 + fc + fc)        # conv1: dW only; others dX and dW
    assert cnt.get_total_flops() == fwd + bwd
    counts = cnt.get_flop_counts()
    # forward under the primitive's class name, backward under its grad_fn name (as torch)
    assert counts["ConvNd"] == 2 * (conv1 + conv2)
    assert counts["ConvolutionBackward0"] == 2 * (conv1 + 2 * conv2)
    assert counts["Linear"] == 2 * fc and counts["AddmmBackward0"] == 2 * (fc + fc)
