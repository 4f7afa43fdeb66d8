"""torch.backends for a CPU-only engine: the flags reproducibility recipes set
(``torch.backends.cudnn.deterministic = True``, ``.benchmark = False``) are accepted and
change nothing (there is no cuDNN; the CPU kernels are deterministic), and ``mps`` reports
itself unavailable."""
from . import cudnn, mps  # noqa: F401
