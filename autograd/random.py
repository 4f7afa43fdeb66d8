"""Random numbers bit-compatible with PyTorch's CPU generator.

torch's CPU generator is an mt19937 engine seeded with ``init_genrand(seed & 0xffffffff)`` (the
full 64-bit seed is kept for ``initial_seed()``); ``random()`` is one 32-bit output and
``random64()`` is ``(first << 32) | second`` of two. numpy's MT19937 with its legacy seeding is
the same engine, so ``Generator`` here is a numpy Generator over that bit generator, and the
``fill_*`` / ``randperm_array`` / ``multinomial_array`` functions below turn its raw words into
values exactly as ATen's CPU kernels do (DistributionsHelper.h, TransformationHelper.h,
cpu/DistributionTemplates.h, randperm_cpu, MultinomialKernel.cpp):

* uniform_: float32 (and float16 via float32) takes the 24 low bits of one word times 2**-24,
  float64 the 53 low bits of a 64-bit draw times 2**-53; then ``x * (to - from) + from`` in that
  precision (an fma where torch's build fuses it), and a value that rounds to ``to`` becomes
  ``from``.
* normal_: contiguous tensors of 16+ elements draw all uniforms first, turn each block of 16
  into 8 Box-Muller pairs (lanes j, j + 8), then redraw and redo the last 16 when 16 does not
  divide the size; float32 on AVX2 machines uses avx_mathfun's log/sincos (replayed exactly in
  autograd/kernels/random.py), float64 libm. Smaller or non-contiguous tensors use the scalar
  double Box-Muller whose second value is cached in the generator (part of its state).
* random_ / randint: ``word % range + from``, a 64-bit draw when range >= 2**32 for
  int64/float/double, else a 32-bit one; randperm: Fisher-Yates with ``random() % (n - i)``.
* bernoulli_ (so dropout), exponential_, multinomial, rrelu: the per-element serial kernels.
  Some torch releases sent bernoulli_(p) / exponential_ through MKL's VSL streams on Intel
  CPUs, which cannot be replayed; torch 2.13's CPU wheel does not (measured: two words per
  element, values equal).

Values are visited in torch's TensorIterator order (memory order). Which paths are fused is
torch's CPU capability: AVX2 or better (x86 with avx2 + fma, unless ATEN_CPU_CAPABILITY=default)
fuses; measured on torch 2.13 both ways. Generator state is torch's own 5056-byte layout (a
uint8 Tensor), so states move between torch and autograd."""
from __future__ import annotations

import functools
import os
import platform

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]

_DEFAULT_GENERATOR_SEED = 67280421310721        # torch.Generator()'s seed (default_rng_seed_val)
_M24 = np.uint64(0xFFFFFF)
_M53 = np.uint64(2 ** 53 - 1)
_M63 = np.uint64(2 ** 63 - 1)
_RANDPERM_SWAP_MAX = (2 ** 32 - 1) // 20        # randperm_cpu: "for small n, preserve old behavior"

# CPUGeneratorImplState, the layout of torch.get_rng_state() (native byte order, as memcpy'd)
_STATE_DTYPE = np.dtype({
    "names": ["seed", "left", "seeded", "next", "key", "normal_x", "normal_y", "normal_rho",
              "normal_valid", "float_normal", "float_valid"],
    "formats": ["u8", "i4", "i4", "u8", ("u8", 624), "f8", "f8", "f8", "i4", "f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5044, 5048],
    "itemsize": 5056})
STATE_SIZE = _STATE_DTYPE.itemsize


@functools.lru_cache(maxsize=None)
def _simd():
    """(fused, avx2): whether torch's CPU kernels fuse multiply-adds, and whether its float32
    normal_ runs the AVX2 avx_mathfun kernel. Both hold for the AVX2 and AVX-512 capabilities
    (normal_ has no AVX-512 build: it falls back to AVX2)."""
    cap = os.environ.get("ATEN_CPU_CAPABILITY", "").strip().lower()
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64", "i686", "i386", "x86"):
        if cap == "default":
            return False, False
        simd = _x86_has_avx2_fma()
        return simd, simd
    if machine in ("aarch64", "arm64"):     # compilers fuse a*b+c there by default (untested)
        return True, False
    return False, False


def _x86_has_avx2_fma() -> bool:
    try:
        import llvmlite.binding as llvm
        feats = llvm.get_host_cpu_features()
        return bool(feats.get("avx2", False) and feats.get("fma", False))
    except Exception:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split()
                    return "avx2" in flags and "fma" in flags
    except OSError:
        pass
    return False


def _kernels():
    from .kernels import random as K
    return K


def _seed_value(seed) -> int:
    """A seed as torch stores it: uint64, negatives as their two's complement."""
    s = int(seed)
    if 0 <= s < 2 ** 64:
        return s
    if -2 ** 63 <= s < 0:
        return s + 2 ** 64
    raise RuntimeError("Overflow when unpacking long")


def _init_genrand(bit_generator, s32: int) -> None:
    """mt19937 init_genrand(s32), the state torch's engine starts from."""
    try:
        bit_generator._legacy_seeding(s32)
        return
    except AttributeError:      # a numpy without the private helper: same recurrence in Python
        pass
    key = [0] * 624
    key[0] = s32
    for j in range(1, 624):
        key[j] = (1812433253 * (key[j - 1] ^ (key[j - 1] >> 30)) + j) & 0xFFFFFFFF
    bit_generator.state = {"bit_generator": "MT19937",
                           "state": {"key": np.array(key, np.uint32), "pos": 624}}


def _nondeterministic_seed() -> int:
    """torch's getNonDeterministicRandom: 64 random bits kept to 53 (exact as a double)."""
    return int.from_bytes(os.urandom(8), "little") & (2 ** 53 - 1)


class Generator(np.random.Generator):
    """torch.Generator (CPU): an mt19937 stream for ``generator=`` arguments (factories, init,
    DataLoader, random_split). It is also a numpy Generator over the same engine, so numpy's
    methods (``.integers``, ``.random``, ...) draw from it too (not torch-reproducible)."""

    def __init__(self, device="cpu"):
        super().__init__(np.random.MT19937(0))
        self._seed = 0
        self._next_double_normal = None        # the cached second value of a Box-Muller pair
        self._next_float_normal = None         # kept for the state layout (no CPU op uses it)
        self.manual_seed(_DEFAULT_GENERATOR_SEED)

    @property
    def device(self):
        from .tensor import device
        return device("cpu")

    # -- seeding ------------------------------------------------------------------------------
    def manual_seed(self, seed) -> "Generator":
        s = _seed_value(seed)
        _init_genrand(self.bit_generator, s & 0xFFFFFFFF)
        self._seed = s
        self._next_double_normal = self._next_float_normal = None
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseed from OS entropy and return the new seed (torch.Generator.seed)."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    # -- state: torch's CPUGeneratorImplState bytes -------------------------------------------
    def get_state(self):
        from .tensor import Tensor
        st = self.bit_generator.state["state"]
        pos = int(st["pos"])
        rec = np.zeros((), _STATE_DTYPE)
        rec["seed"] = self._seed
        rec["left"] = 625 - pos             # torch counts down to the next twist, numpy up
        rec["seeded"] = 1
        rec["next"] = pos
        rec["key"] = np.asarray(st["key"], np.uint64)
        if self._next_double_normal is not None:
            rec["normal_valid"] = 1
            rec["normal_y"] = self._next_double_normal
        if self._next_float_normal is not None:
            rec["float_valid"] = 1
            rec["float_normal"] = self._next_float_normal
        return Tensor._make(np.frombuffer(rec.tobytes(), np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        arr = _state_bytes(new_state)
        rec = np.frombuffer(arr.tobytes(), _STATE_DTYPE)[0]
        left, nxt = int(rec["left"]), int(rec["next"])
        if not (int(rec["seeded"]) and 0 < left <= 624 and nxt <= 624):
            raise RuntimeError("Invalid mt19937 state")
        key = (np.asarray(rec["key"]) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        self.bit_generator.state = {"bit_generator": "MT19937",
                                    "state": {"key": key, "pos": 625 - left}}
        self._seed = int(rec["seed"])
        self._next_double_normal = float(rec["normal_y"]) if int(rec["normal_valid"]) else None
        self._next_float_normal = (float(np.float32(rec["float_normal"]))
                                   if int(rec["float_valid"]) else None)
        return self

    def __reduce__(self):
        return _rebuild_generator, (self.get_state().numpy().tobytes(),)

    def __deepcopy__(self, memo):
        return _rebuild_generator(self.get_state().numpy().tobytes())

    # -- raw words ----------------------------------------------------------------------------
    def _raw32(self, n: int) -> np.ndarray:
        """n outputs of random() (32-bit words) as int64."""
        return self.bit_generator.random_raw(int(n)).astype(np.int64)

    def _raw64(self, n: int) -> np.ndarray:
        """n outputs of random64() as uint64: (first word << 32) | second word."""
        r = self.bit_generator.random_raw(2 * int(n))
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def _normal_doubles(self, n: int) -> np.ndarray:
        """n standard normals from normal_distribution<double>: each Box-Muller pair returns
        its cosine value and caches the sine value for the next call."""
        vals = np.empty(n, np.float64)
        if n == 0:
            return vals
        have = 0
        if self._next_double_normal is not None:
            vals[0] = self._next_double_normal
            self._next_double_normal = None
            have = 1
        need = n - have
        if need > 0:
            pairs = (need + 1) // 2
            out = np.empty(2 * pairs, np.float64)
            _kernels().box_muller_pairs(self._raw64(2 * pairs), out)
            vals[have:] = out[:need]
            if need % 2:
                self._next_double_normal = float(out[-1])
        return vals


def _rebuild_generator(state: bytes) -> Generator:
    g = Generator()
    g.set_state(np.frombuffer(state, np.uint8))
    return g


def _state_bytes(state) -> np.ndarray:
    from .tensor import Tensor
    if isinstance(state, Tensor):
        arr = np.asarray(state._data)
    elif isinstance(state, (bytes, bytearray, memoryview)):
        arr = np.frombuffer(bytes(state), np.uint8)
    else:
        arr = np.asarray(state)
    if arr.dtype != np.uint8:
        raise TypeError(f"expected a torch.ByteTensor (uint8) RNG state, but got {arr.dtype}")
    arr = arr.reshape(-1)
    if arr.size != STATE_SIZE:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                           f"the input RNG state size to be {arr.size}")
    return arr


default_generator = Generator()
default_generator.manual_seed(0)        # deterministic at start (torch seeds from entropy)


def _gen() -> Generator:
    return default_generator


def _resolve(generator) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected an autograd.Generator, got {type(generator).__name__}")
    return generator


def manual_seed(seed) -> Generator:
    """Seed the global generator (torch.manual_seed): every random factory, init, dropout and
    DataLoader shuffle then draws what torch draws after torch.manual_seed(seed)."""
    return default_generator.manual_seed(seed)


seed_everything = manual_seed


def initial_seed() -> int:
    return default_generator.initial_seed()


def seed() -> int:
    return default_generator.seed()


def get_rng_state():
    """The global generator's state: a uint8 Tensor in torch's CPUGeneratorImplState layout
    (saved by autograd.save without pickle; torch.set_rng_state accepts it too)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


# ---- samplers: ndarray in, torch's values out -------------------------------------------------

def _iter_perm(a: np.ndarray):
    """The axis order in which torch's TensorIterator walks a (largest stride outermost), or
    None for C order."""
    if a.ndim <= 1 or a.flags.c_contiguous:
        return None
    perm = sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))
    return None if perm == list(range(a.ndim)) else perm


def _write(a: np.ndarray, values: np.ndarray, perm=None) -> None:
    v = a if perm is None else a.transpose(perm)
    v[...] = values.reshape(v.shape)


def _u24(raw32: np.ndarray) -> np.ndarray:
    return (raw32 & 0xFFFFFF).astype(np.float32) * np.float32(2.0 ** -24)


def _u53(raw64: np.ndarray) -> np.ndarray:
    return (raw64 & _M53).astype(np.float64) * (2.0 ** -53)


def _np_name(dt) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np.dtype(dt).name, np.dtype(dt).name)


def fill_uniform(a: np.ndarray, low=0.0, high=1.0, generator=None) -> np.ndarray:
    """a.uniform_(low, high) in place, as torch's uniform_kernel."""
    g = _resolve(generator)
    n = a.size
    if n == 0:
        return a
    dt = a.dtype
    fused = _simd()[0]
    if dt == np.float64:
        lo, hi = float(low), float(high)
        raw = g._raw64(n)
        if lo == 0.0 and hi == 1.0:
            out = _u53(raw) + 0.0
        else:
            out = np.empty(n, np.float64)
            _kernels().uniform_f64(raw, lo, hi, fused, out)
    elif dt in (np.float32, np.float16):     # float16: float32 arithmetic (opmath), then cast
        lo, hi = np.float32(low), np.float32(high)
        raw = g._raw32(n)
        if lo == 0 and hi == 1:
            out = _u24(raw) + np.float32(0)
        else:
            out = np.empty(n, np.float32)
            _kernels().uniform_f32(raw, lo, hi, fused, out)
        out = out.astype(dt, copy=False)
    else:
        raise RuntimeError(f"\"uniform_kernel_cpu\" not implemented for '{_np_name(dt)}'")
    out[out == dt.type(high)] = dt.type(low)        # a value rounded up to `to` becomes `from`
    _write(a, out, _iter_perm(a))
    return a


def fill_normal(a: np.ndarray, mean=0.0, std=1.0, generator=None) -> np.ndarray:
    """a.normal_(mean, std) in place, as torch's normal_kernel (see the module docstring)."""
    g = _resolve(generator)
    n = a.size
    if n == 0:
        return a
    dt = a.dtype
    if dt.kind != "f":
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{_np_name(dt)}'")
    if n >= 16 and a.flags.c_contiguous:
        K = _kernels()
        flat = a.reshape(-1)
        rem = n % 16
        if dt == np.float64:
            u = _u53(g._raw64(n + (16 if rem else 0)))
            d = u[:n]
            K.normal_fill_f64(d, u[n:], float(mean), float(std))
            flat[...] = d
        elif dt == np.float32:
            u = _u24(g._raw32(n + (16 if rem else 0)))
            d = u[:n]
            K.normal_fill_f32(d, u[n:], np.float32(mean), np.float32(std), _simd()[1])
            flat[...] = d
        else:       # float16: blocks of 16 through a float32 buffer, the tail block at n - 16
            m = n + (16 - rem if rem else 0)
            u = _u24(g._raw32(m))
            K.normal_fill_f32(u, u[:0], np.float32(mean), np.float32(std), _simd()[1])
            r = u.astype(dt)
            full = n - rem
            flat[:full] = r[:full]
            if rem:
                flat[n - 16:] = r[m - 16:]
        return a
    vals = g._normal_doubles(n)
    if float(std) == 1.0 and float(mean) == 0.0:
        out = vals + 0.0
    else:
        out = np.empty(n, np.float64)
        _kernels().affine_f64(vals, float(std), float(mean), _simd()[0], out)
    _write(a, out.astype(dt), _iter_perm(a))
    return a


def _full_range_max(dt) -> int:
    if dt == np.bool_:
        return 1
    if dt.kind == "f":
        return min(2 ** np.finfo(dt).nmant * 2, 2 ** 63 - 1)      # 2**digits
    return int(np.iinfo(dt).max)


def fill_random(a: np.ndarray, frm=None, to=None, generator=None) -> np.ndarray:
    """a.random_() / a.random_(from, to) (to exclusive) / a.random_(from, None) ([from, max])
    in place, as torch's random kernels."""
    g = _resolve(generator)
    dt = a.dtype
    if dt.kind not in "biuf":
        raise RuntimeError(f"random_() not implemented for '{_np_name(dt)}'")
    perm = _iter_perm(a)
    n = a.size
    if frm is None and to is None:
        if dt == np.bool_:
            vals = (g._raw32(n) & 1).astype(bool)
        elif dt == np.int64:
            vals = (g._raw64(n) & _M63).astype(np.int64)
        elif dt == np.float64:
            vals = (g._raw64(n) % np.uint64(2 ** 53 + 1)).astype(np.float64)
        elif dt.kind == "f":
            vals = (g._raw32(n) % (2 ** (np.finfo(dt).nmant + 1) + 1)).astype(dt)
        elif dt.itemsize <= 4:
            vals = (g._raw32(n) % (int(np.iinfo(dt).max) + 1)).astype(dt)
        else:
            raise RuntimeError(f"random_() not implemented for '{_np_name(dt)}'")
        _write(a, vals, perm)
        return a
    frm = int(frm)
    if to is None:
        if dt == np.int64 and frm == -2 ** 63:      # the full 64-bit range
            _write(a, g._raw64(n).view(np.int64), perm)
            return a
        to_inc = _full_range_max(dt)
        if frm > to_inc:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal "
                               f"to 'to_inc' casted to dtype, but got from={frm} > "
                               f"to_inc={to_inc}")
    else:
        to = int(to)
        if frm >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={frm} >= to={to}")
        to_inc = to - 1
    if dt.kind in "iub" and dt != np.bool_:
        info = np.iinfo(dt)
        if not info.min <= frm <= info.max:
            raise RuntimeError(f"from is out of bounds for {_np_name(dt).lower()}")
        if not info.min <= to_inc <= info.max:
            raise RuntimeError(f"to - 1 is out of bounds for {_np_name(dt).lower()}")
    rng = to_inc - frm + 1
    if n == 0:
        return a
    if rng >= 2 ** 32 and dt in (np.int64, np.float64, np.float32):
        raw = g._raw64(n)
    else:
        raw = g._raw32(n).astype(np.uint64)
    vals = (raw % np.uint64(rng % 2 ** 64) + np.uint64(frm % 2 ** 64)).view(np.int64)
    _write(a, vals.astype(dt), perm)
    return a


def fill_bernoulli(a: np.ndarray, p=0.5, generator=None) -> np.ndarray:
    """a.bernoulli_(p): p a number (one double U(0, 1) per element, value < p) or an array
    broadcastable to a (float64 p: double uniforms; other p: float32 uniforms)."""
    g = _resolve(generator)
    n = a.size
    perm = _iter_perm(a)
    if isinstance(p, np.ndarray):
        pb = np.broadcast_to(p, a.shape)
        pv = (pb if perm is None else pb.transpose(perm)).reshape(-1)
        if p.dtype == np.float64:
            vals = _u53(g._raw64(n)) < pv
        else:
            vals = _u24(g._raw32(n)) < pv.astype(np.float32)
    else:
        vals = _u53(g._raw64(n)) < float(p)
    _write(a, vals, perm)
    return a


def fill_exponential(a: np.ndarray, lambd=1.0, generator=None) -> np.ndarray:
    """a.exponential_(lambd): -1 / lambd * log1p(-U) per element in double, then cast."""
    g = _resolve(generator)
    n = a.size
    out = np.empty(n, np.float64)
    if n:
        _kernels().exponential_f64(g._raw64(n), float(lambd), out)
    _write(a, out.astype(a.dtype), _iter_perm(a))
    return a


def uniform_doubles(n: int, low: float, high: float, generator=None) -> np.ndarray:
    """n draws of uniform_real_distribution<double>(low, high) (unfused, as torch's baseline
    code outside the per-CPU kernels, e.g. rrelu)."""
    g = _resolve(generator)
    out = np.empty(int(n), np.float64)
    if n:
        _kernels().uniform_f64(g._raw64(n), float(low), float(high), False, out)
    return out


def randperm_array(n: int, generator=None, dtype=np.int64) -> np.ndarray:
    """torch.randperm(n): Fisher-Yates from index 0, swapping i with i + random() % (n - i)."""
    g = _resolve(generator)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    out = np.empty(n, np.int64)
    if n < _RANDPERM_SWAP_MAX:
        _kernels().randperm_swap(g._raw32(max(n - 1, 0)), out)
    else:
        _kernels().randperm_inside_out(g._raw64(n), out)
    return out if np.dtype(dtype) == np.int64 else out.astype(dtype)


def multinomial_array(p: np.ndarray, num_samples: int, replacement: bool = False,
                      generator=None) -> np.ndarray:
    """torch.multinomial on a float array (1-D or 2-D, checked by the caller): without
    replacement (or one sample) the top-k of p / Exp(1); with replacement a binary search of
    one double uniform per sample in the normalised cumulative sum."""
    g = _resolve(generator)
    p2 = p.reshape(-1, p.shape[-1])
    if not replacement or num_samples == 1:
        q = np.empty(p2.shape, p.dtype)
        fill_exponential(q, 1.0, g)
        q = p2 / q
        if num_samples == 1:
            out = np.argmax(q, axis=-1)[:, None]
        else:
            out = np.argsort(-q, axis=-1, kind="stable")[:, :num_samples]
    else:
        acc = np.float64 if p.dtype == np.float64 else np.float32
        out = np.empty((p2.shape[0], num_samples), np.int64)
        for i, row in enumerate(p2):
            cum = np.cumsum(row.astype(acc), dtype=acc)
            cum /= cum[-1]
            cum[-1] = 1
            u = _u53(g._raw64(num_samples))
            out[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    out = out.astype(np.int64)
    return out[0] if p.ndim == 1 else out.reshape(p.shape[:-1] + (num_samples,))


def draw_seed(generator=None) -> int:
    """``torch.empty((), dtype=torch.int64).random_(generator=generator).item()``: the seed the
    DataLoader and RandomSampler draw (random64() % 2**63)."""
    return int(_resolve(generator)._raw64(1)[0] & _M63)
