"""torch.backends.cudnn: settable flags with PyTorch's defaults; no cuDNN behind them."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None
