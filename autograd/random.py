"""One seeded generator (numpy PCG64) behind every random factory, as torch.manual_seed."""
from __future__ import annotations

import numpy as np

_state = {"gen": np.random.Generator(np.random.PCG64(0)), "seed": 0}


def _gen() -> np.random.Generator:
    return _state["gen"]


def manual_seed(seed: int) -> "Generator":
    """Seed the global generator; every random factory, init and DataLoader shuffle uses it."""
    seed = int(seed)
    _state["gen"] = np.random.Generator(np.random.PCG64(seed))
    _state["seed"] = seed
    return Generator._wrap(_state["gen"], seed)


seed_everything = manual_seed


def initial_seed() -> int:
    return _state["seed"]


def seed() -> int:
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(s)
    return s


def get_rng_state() -> dict:
    """The generator state as plain data (JSON-able, no pickle)."""
    return _state["gen"].bit_generator.state


def set_rng_state(state: dict) -> None:
    _state["gen"].bit_generator.state = state


class Generator(np.random.Generator):
    """torch.Generator: a separately seeded stream (``generator=`` of factories, DataLoader)."""

    def __init__(self, device="cpu"):
        super().__init__(np.random.PCG64(0))
        self._seed = 0

    @classmethod
    def _wrap(cls, gen, seed):
        g = cls.__new__(cls)
        np.random.Generator.__init__(g, gen.bit_generator)
        g._seed = seed
        return g

    def manual_seed(self, seed: int) -> "Generator":
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._seed = int(seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseed from OS entropy and return the new seed (torch.Generator.seed)."""
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def get_state(self) -> dict:
        return self.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self.bit_generator.state = state
        return self
