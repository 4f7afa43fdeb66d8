"""torch.cuda for a CPU-only engine: the queries a portable training script makes
(``torch.device("cuda" if torch.cuda.is_available() else "cpu")``, ``torch.cuda.manual_seed_all``)
answer as a CPU-only PyTorch build does; calls that need a device raise its error."""
from __future__ import annotations

_NO_CUDA = "Torch not compiled with CUDA enabled (autograd is a CPU engine)"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """No CUDA generators here: a no-op, as in a CPU-only PyTorch build."""


def manual_seed_all(seed) -> None:
    """No CUDA generators here: a no-op, as in a CPU-only PyTorch build."""


def seed() -> None:
    pass


def seed_all() -> None:
    pass


def synchronize(device=None) -> None:
    raise AssertionError(_NO_CUDA)


def current_device() -> int:
    raise AssertionError(_NO_CUDA)


def get_device_name(device=None) -> str:
    raise AssertionError(_NO_CUDA)


def empty_cache() -> None:
    pass
