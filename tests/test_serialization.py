"""autograd.save / load: round trip (dtypes, shapes, nesting), no pickle, atomic writes (a killed
writer leaves the old checkpoint intact), truncated/foreign files raise clear errors."""
import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import autograd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _nested():
    return {
        "model": {"w": autograd.randn(3, 4), "b": autograd.zeros(4, dtype=autograd.float64),
                  "i": autograd.tensor([1, 2], dtype=autograd.int32),
                  "m": autograd.tensor([True, False]), "h": autograd.ones(2, 2, dtype=autograd.float16),
                  "u8": autograd.zeros(0, 5, dtype=autograd.uint8), "s": autograd.tensor(3.5)},
        "optimizer": {"state": {0: {"momentum_buffer": autograd.ones(3)}, 1: {"step": 7}},
                      "param_groups": [{"lr": 0.01, "momentum": 0.9, "params": [0, 1],
                                        "nesterov": False, "betas": (0.9, 0.999),
                                        "weight_decay": 0, "foreach": None}]},
        "rng": autograd.get_rng_state(),
        "arr": np.arange(6, dtype=np.int16).reshape(2, 3).T,      # non-contiguous
        "npscalar": np.float32(1.5), "text": "héllo", "bytes": b"\x00\x01",
        "tuple_key": {(1, "a"): [None, True, 2, -3.25, float("inf")]},
        "grad": autograd.randn(2, requires_grad=True),
    }


def _eq(a, b):
    assert type(a) is type(b) or (isinstance(a, autograd.Tensor) and isinstance(b, autograd.Tensor)), \
        (type(a), type(b))
    if isinstance(a, autograd.Tensor):
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        assert a.requires_grad == b.requires_grad
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _eq(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _eq(x, y)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b


def test_round_trip(tmp_path):
    obj = _nested()
    p = tmp_path / "ck.pt"
    autograd.save(obj, p)
    _eq(obj, autograd.load(p, map_location="cpu", weights_only=True))
    assert not [f for f in os.listdir(tmp_path) if f != "ck.pt"]      # no temp file left


def test_file_like_and_rng_restore():
    autograd.manual_seed(0)
    buf = io.BytesIO()
    autograd.save({"rng": autograd.get_rng_state()}, buf)
    a = autograd.randn(5).numpy()
    buf.seek(0)
    autograd.set_rng_state(autograd.load(buf)["rng"])
    assert np.array_equal(autograd.randn(5).numpy(), a)


def test_shared_tensor_stored_once(tmp_path):
    t = autograd.randn(100)
    p = tmp_path / "s.pt"
    autograd.save({"a": t, "b": t}, p)
    with zipfile.ZipFile(p) as zf:
        assert sum(n.endswith(".npy") for n in zf.namelist()) == 1
    out = autograd.load(p)
    assert out["a"] is out["b"]


def test_unsupported_type_rejected(tmp_path):
    with pytest.raises(TypeError, match="without pickle"):
        autograd.save({"f": lambda x: x}, tmp_path / "x.pt")
    with pytest.raises(TypeError):
        autograd.save({"o": np.array([object()])}, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists() and not os.listdir(tmp_path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_pickle_payload_rejected(tmp_path):
    p = tmp_path / "evil.pt"
    p.write_bytes(pickle.dumps({"x": _Evil()}))
    with pytest.raises(RuntimeError, match=r"evil\.pt.*pickle"):
        autograd.load(p)
    # a zip that smuggles a pickle (torch.save layout) is refused too
    z = tmp_path / "torchlike.pt"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"x": _Evil()}))
    with pytest.raises(RuntimeError, match=r"torchlike\.pt.*not an autograd checkpoint"):
        autograd.load(z)
    # a pickled object array inside an otherwise valid checkpoint is refused by np.load
    good = tmp_path / "good.pt"
    autograd.save({"a": np.zeros(3)}, good)
    bad = tmp_path / "objarr.pt"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        dst.writestr("manifest.json", src.read("manifest.json"))
        b = io.BytesIO()
        np.save(b, np.array([_Evil()], dtype=object), allow_pickle=True)
        dst.writestr("arrays/0.npy", b.getvalue())
    with pytest.raises(RuntimeError, match=r"objarr\.pt.*arrays/0\.npy"):
        autograd.load(bad)


def test_truncated_and_foreign(tmp_path):
    p = tmp_path / "ck.pt"
    autograd.save({"w": autograd.randn(1000)}, p)
    data = p.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 3):
        q = tmp_path / f"cut{cut}.pt"
        q.write_bytes(data[:cut])
        with pytest.raises(RuntimeError, match=f"cut{cut}.pt"):
            autograd.load(q)
    e = tmp_path / "empty.pt"
    e.write_bytes(b"")
    with pytest.raises(RuntimeError, match="empty"):
        autograd.load(e)
    n = tmp_path / "arr.npy"
    np.save(n, np.zeros(3))
    with pytest.raises(RuntimeError, match="npy"):
        autograd.load(n)
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "missing.pt")


def test_crash_mid_write_keeps_old_checkpoint(tmp_path):
    p = tmp_path / "ck.pt"
    autograd.save({"version": "old", "w": autograd.ones(10)}, p)
    before = p.read_bytes()
    # The child writes a large checkpoint with a slow file object, is killed mid-write.
    script = textwrap.dedent(f"""
        import sys, time, numpy as np
        sys.path.insert(0, {ROOT!r})
        import autograd, autograd.serialization as S
        orig = S._write_zip
        def slow(f, manifest, arrays):
            class Slow:
                def __init__(s, f): s.f = f
                def write(s, b):
                    n = s.f.write(b); s.f.flush(); time.sleep(0.002); return n
                def __getattr__(s, k): return getattr(s.f, k)
            print("writing", flush=True)
            return orig(Slow(f), manifest, arrays)
        S._write_zip = slow
        autograd.save({{"version": "new", "w": [np.ones(1000) for _ in range(2000)]}}, {str(p)!r})
        print("done", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert p.read_bytes() == before
    assert autograd.load(p)["version"] == "old"
    temps = [f for f in os.listdir(tmp_path) if f != "ck.pt"]
    assert temps and all(f.startswith(".ck.pt.") for f in temps)   # only the dead temp file
