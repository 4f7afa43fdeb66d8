"""autograd.utils: data loading (torch.utils.data)."""
