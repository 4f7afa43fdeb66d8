"""torch.accelerator for a CPU-only engine: no accelerator (``current_accelerator()`` is None),
so ``device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else
torch.device("cpu")`` picks the cpu."""
from __future__ import annotations


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    return None


def device_count() -> int:
    return 0
