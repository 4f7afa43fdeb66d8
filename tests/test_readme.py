"""Every ```python block of the README runs as written (in a scratch directory), as a new user
would paste it."""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
    BLOCKS = re.findall(r"^```python\n(.*?)^```", f.read(), re.S | re.M)


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_readme_block_runs(i, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[i], f"README.md block {i + 1}", "exec"), {"__name__": "__readme__"})
    if "graph.to_html" in BLOCKS[i]:
        html = (tmp_path / "graph.html").read_text()
        assert html.lower().startswith("<!doctype html")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)   # self-contained
        assert (tmp_path / "trace.json").stat().st_size > 0
