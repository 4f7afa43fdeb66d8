"""autograd.utils.data: Dataset, DataLoader, samplers (torch.utils.data)."""
from .dataset import *  # noqa: F401,F403
from .sampler import *  # noqa: F401,F403
from .dataloader import *  # noqa: F401,F403
from .dataset import __all__ as _a1
from .sampler import __all__ as _a2
from .dataloader import __all__ as _a3

__all__ = _a1 + _a2 + _a3
