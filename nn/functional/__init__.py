"""nn.functional: stateless functions composed from primitives (torch.nn.functional).

Split by area; everything is re-exported here, so ``import nn.functional as F`` is flat."""
from autograd.ops.reduce import softmax, log_softmax  # noqa: F401
from ._activation import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._pool import *  # noqa: F401,F403
from ._lecture import *  # noqa: F401,F403
from ._vision import *  # noqa: F401,F403
from ._sampling import *  # noqa: F401,F403
