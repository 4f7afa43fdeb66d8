"""Early stopping (PyTorch has none; Keras' EarlyStopping is the model for the semantics)."""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from autograd.tensor import Tensor

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Stop training when a monitored metric has stopped improving.

    Args:
        patience: number of ``step()`` calls without improvement after which training should
            stop (``step`` returns True on the ``patience``-th consecutive bad epoch).
        min_delta: minimum change that counts as an improvement (absolute, >= 0).
        mode: ``'min'`` (lower is better, e.g. a loss) or ``'max'`` (e.g. accuracy).
        restore_best_weights: keep a copy of ``model.state_dict()`` at the best score and load
            it back into the model when ``step`` decides to stop (or on ``restore(model)``).

    Usage::

        stopper = optim.EarlyStopping(patience=5, restore_best_weights=True)
        for epoch in range(100):
            train(...)
            if stopper.step(val_loss, model):
                break

    Attributes: ``best`` (best score so far), ``best_epoch``, ``num_bad_epochs``, ``epoch``
    (number of ``step`` calls), ``should_stop``, ``best_state`` (the kept weights or None).
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, mode: str = "min",
                 restore_best_weights: bool = False):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping(): mode must be 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"EarlyStopping(): patience must be >= 0, got {patience}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping(): min_delta must be >= 0, got {min_delta}")
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.num_bad_epochs = 0
        self.epoch = 0
        self.should_stop = False
        self.stopped_epoch = -1
        self.best_state = None

    def is_better(self, metric: float) -> bool:
        if math.isnan(metric):
            return False
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric, model=None) -> bool:
        """Record one epoch's metric; returns True when training should stop. With
        ``restore_best_weights`` the model (required then) gets its best weights back at the
        moment this returns True."""
        value = float(metric)
        self.epoch += 1
        if self.is_better(value):
            self.best = value
            self.best_epoch = self.epoch - 1
            self.num_bad_epochs = 0
            if self.restore_best_weights:
                if model is None:
                    raise ValueError("EarlyStopping.step(): restore_best_weights=True needs the "
                                     "model (step(metric, model))")
                self.best_state = _snapshot(model.state_dict())
        else:
            self.num_bad_epochs += 1
        # An improving epoch never stops training (also with patience=0).
        if not self.should_stop and self.num_bad_epochs > 0 \
                and self.num_bad_epochs >= self.patience:
            self.should_stop = True
            self.stopped_epoch = self.epoch - 1
            if self.restore_best_weights and model is not None:
                self.restore(model)
        return self.should_stop

    def restore(self, model) -> None:
        """Load the kept best weights into ``model`` (no-op if none were kept)."""
        if self.best_state is not None:
            model.load_state_dict(_snapshot(self.best_state))

    def state_dict(self) -> dict[str, Any]:
        return {k: (_snapshot(v) if k == "best_state" else v) for k, v in self.__dict__.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for k, v in state_dict.items():
            setattr(self, k, _snapshot(v) if k == "best_state" else v)

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"mode={self.mode!r}, restore_best_weights={self.restore_best_weights}, "
                f"best={self.best}, num_bad_epochs={self.num_bad_epochs})")


def _snapshot(sd):
    """Deep copy of a state dict (Tensors' arrays copied, detached)."""
    if sd is None:
        return None
    out = type(sd)() if isinstance(sd, dict) else {}
    for k, v in sd.items():
        if isinstance(v, Tensor):
            out[k] = Tensor._make(np.array(v._data, copy=True))
        else:
            out[k] = copy.deepcopy(v)
    if hasattr(sd, "_metadata"):
        out._metadata = copy.deepcopy(sd._metadata)
    return out
