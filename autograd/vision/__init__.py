"""autograd.vision: image datasets (FashionMNIST, MNIST) and numpy transforms (torchvision)."""
from . import datasets, transforms  # noqa: F401
