"""autograd.save / autograd.load (torch.save / torch.load) without pickle.

Format: a zip archive (stored, not compressed) holding ``manifest.json`` — the object tree as
JSON, with tensors and arrays replaced by references — and one ``arrays/<i>.npy`` per array,
written with ``np.save(allow_pickle=False)`` and read with ``np.load(allow_pickle=False)``.
Loading can therefore never run code. Supported values: nested dict / OrderedDict (any
JSON-able keys: str, int, float, bool, None, tuple), list, tuple, set, frozenset, Size, Tensor
(dtype, shape, requires_grad kept), ndarray, numpy scalars, int, float, complex, bool, str,
bytes, None, autograd dtypes.

Writes are atomic: the archive goes to a temporary file in the target directory, is fsync'ed,
then renamed over the target with os.replace — a crash mid-write leaves any previous checkpoint
intact. A truncated, corrupt or foreign file (pickle, torch.save output) raises RuntimeError
naming the file."""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor

__all__ = ["save", "load"]

_FORMAT = "autograd-checkpoint"
_VERSION = 1
_MANIFEST = "manifest.json"


class _Encoder:
    def __init__(self):
        self.arrays: list[np.ndarray] = []
        self._ids: dict[int, int] = {}      # id(array owner) -> array index (shared storage)
        self._keep = []                     # keep owners alive so ids stay unique

    def _add(self, owner, arr) -> int:
        key = id(owner)
        if key in self._ids:
            return self._ids[key]
        if arr.dtype.kind in "OV" or arr.dtype.hasobject:
            raise TypeError(f"save(): arrays of dtype {arr.dtype} cannot be stored without "
                            f"pickle")
        self._ids[key] = len(self.arrays)
        self._keep.append(owner)
        self.arrays.append(arr)
        return self._ids[key]

    def enc(self, obj, path="obj"):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, complex):
            return {"__t": "complex", "v": [self.enc(obj.real), self.enc(obj.imag)]}
        if isinstance(obj, float):
            if obj != obj or obj in (float("inf"), float("-inf")):
                return {"__t": "float", "v": repr(obj)}
            return obj
        if isinstance(obj, Tensor):
            d = {"__t": "tensor", "a": self._add(obj, np.asarray(obj._data))}
            if obj.requires_grad:
                d["rg"] = True
            if type(obj).__name__ == "Parameter":
                d["param"] = True
            return d
        if isinstance(obj, np.ndarray):
            return {"__t": "ndarray", "a": self._add(obj, obj)}
        if isinstance(obj, np.generic):
            return {"__t": "npscalar", "a": self._add(obj, np.asarray(obj))}
        if isinstance(obj, _dt.dtype):
            return {"__t": "dtype", "v": str(np.dtype(_dt.to_numpy_dtype(obj)))}
        if isinstance(obj, (bytes, bytearray)):
            return {"__t": "bytes", "a": self._add(obj, np.frombuffer(bytes(obj), np.uint8))}
        if isinstance(obj, dict):
            # OrderedDict (every state_dict) comes back as one, as with torch.load
            return {"__t": "odict" if isinstance(obj, OrderedDict) else "dict",
                    "items": [[self.enc(k, f"{path} key"), self.enc(v, f"{path}[{k!r}]")]
                              for k, v in obj.items()]}
        if isinstance(obj, (set, frozenset)):
            return {"__t": type(obj).__name__ if type(obj) in (set, frozenset) else "set",
                    "items": [self.enc(v, f"{path} item") for v in obj]}
        if isinstance(obj, Size):
            return {"__t": "size", "items": [int(v) for v in obj]}
        if isinstance(obj, tuple):
            return {"__t": "tuple", "items": [self.enc(v, f"{path}[{i}]")
                                              for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.enc(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        raise TypeError(f"save(): cannot store {path} of type {type(obj).__name__} without "
                        f"pickle (supported: dict, list, tuple, Tensor, ndarray, numbers, str, "
                        f"bytes, bool, None)")


def _decode(node, arrays, where):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, where) for v in node]
    if not isinstance(node, dict) or "__t" not in node:
        raise RuntimeError(f"load(): {where}: malformed manifest entry {str(node)[:80]!r}")
    t = node["__t"]
    if t in ("dict", "odict"):
        out = {} if t == "dict" else OrderedDict()
        for k, v in node["items"]:
            k = _decode(k, arrays, where)
            if isinstance(k, list):
                k = tuple(k)
            out[k] = _decode(v, arrays, where)
        return out
    if t == "tuple":
        return tuple(_decode(v, arrays, where) for v in node["items"])
    if t == "float":
        return float(node["v"])
    if t == "complex":
        return complex(*(_decode(v, arrays, where) for v in node["v"]))
    if t in ("set", "frozenset"):
        items = [_decode(v, arrays, where) for v in node["items"]]
        return set(items) if t == "set" else frozenset(items)
    if t == "size":
        return Size(node["items"])
    if t == "dtype":
        return _dt.from_numpy_dtype(np.dtype(node["v"]))
    if t in ("tensor", "ndarray", "npscalar", "bytes"):
        memo = arrays.__dict__.setdefault("memo", {})
        key = (t, node["a"])
        if t in ("tensor", "ndarray") and key in memo:      # one object saved twice stays one
            return memo[key]
        arr = arrays(node["a"])
        out = _make_value(t, node, arr)
        memo[key] = out
        return out
    raise RuntimeError(f"load(): {where}: unknown entry type {t!r} in manifest")


def _make_value(t, node, arr):
    if t == "ndarray":
        return arr
    if t == "npscalar":
        return arr[()]
    if t == "bytes":
        return arr.tobytes()
    if node.get("param"):
        try:
            from nn.parameter import Parameter
            return Parameter(Tensor._make(arr), requires_grad=bool(node.get("rg")))
        except Exception:       # nn not importable / different signature: plain tensor
            pass
    out = Tensor._make(arr)
    if node.get("rg"):
        out.requires_grad = True
    return out


def _write_zip(f, manifest: dict, arrays) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, separators=(",", ":")))
        for i, a in enumerate(arrays):
            with zf.open(f"arrays/{i}.npy", "w", force_zip64=a.nbytes > (1 << 30)) as af:
                np.save(af, np.ascontiguousarray(a) if not a.flags.c_contiguous and
                        not a.flags.f_contiguous else a, allow_pickle=False)


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False) -> None:
    """Store obj (nested dict/list/tuple of Tensors, arrays, numbers, strings...) in f: a path
    (written atomically) or a binary file-like object. pickle_* arguments are ignored."""
    enc = _Encoder()
    manifest = {"format": _FORMAT, "version": _VERSION, "root": enc.enc(obj),
                "arrays": len(enc.arrays)}
    if hasattr(f, "write"):
        _write_zip(f, manifest, enc.arrays)
        return
    path = os.fspath(f)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_zip(fh, manifest, enc.arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:                                    # make the rename itself durable
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _describe_foreign(head: bytes) -> str:
    if head[:1] == b"\x80" or head[:1] in (b"(", b"]", b"}", b"c"):
        return "it looks like a Python pickle (refused: unpickling can run arbitrary code)"
    if head[:6] == b"\x93NUMPY":
        return "it is a bare .npy file (use numpy.load)"
    if not head:
        return "the file is empty"
    return f"unknown header {head[:8]!r}"


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read an object stored by autograd.save from a path or binary file-like object.
    map_location / weights_only / mmap are accepted for torch compatibility and ignored
    (nothing is ever unpickled)."""
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        data = f if (hasattr(f, "seek") and getattr(f, "seekable", lambda: True)()) \
            else io.BytesIO(f.read())
        return _load(data, str(name))
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load(): no such file: {path!r}")
    with open(path, "rb") as fh:
        return _load(fh, path)


def _load(fh, name):
    start = fh.tell()
    head = fh.read(8)
    fh.seek(start)
    if head[:4] != b"PK\x03\x04":
        raise RuntimeError(f"load(): {name} is not an autograd checkpoint: "
                           f"{_describe_foreign(head)}")
    try:
        zf = zipfile.ZipFile(fh, "r")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise RuntimeError(f"load(): {name} is truncated or corrupt (not a complete zip "
                           f"archive: {e}); the checkpoint was not fully written") from e
    with zf:
        names = set(zf.namelist())
        if _MANIFEST not in names:
            hint = (" (this looks like a torch.save file, which is a pickle; refused)"
                    if any(n.endswith("data.pkl") for n in names) else "")
            raise RuntimeError(f"load(): {name} is not an autograd checkpoint: no "
                               f"{_MANIFEST}{hint}")
        try:
            manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"))
        except (zipfile.BadZipFile, ValueError, UnicodeDecodeError, OSError) as e:
            raise RuntimeError(f"load(): {name}: corrupt manifest ({e})") from e
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            raise RuntimeError(f"load(): {name} is not an autograd checkpoint (manifest "
                               f"format {manifest.get('format') if isinstance(manifest, dict) else None!r})")
        if manifest.get("version", 0) > _VERSION:
            raise RuntimeError(f"load(): {name} was written by a newer format version "
                               f"{manifest['version']} (this reader knows {_VERSION})")
        n = manifest.get("arrays", 0)
        cache = {}

        def arrays(i):
            if not isinstance(i, int) or not 0 <= i < n:
                raise RuntimeError(f"load(): {name}: array reference {i!r} out of range")
            if i not in cache:
                entry = f"arrays/{i}.npy"
                try:
                    raw = zf.read(entry)
                    cache[i] = np.load(io.BytesIO(raw), allow_pickle=False)
                except KeyError as e:
                    raise RuntimeError(f"load(): {name}: missing {entry}") from e
                except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
                    raise RuntimeError(f"load(): {name}: corrupt or truncated {entry} ({e})") \
                        from e
            return cache[i]
        return _decode(manifest.get("root"), arrays, name)
