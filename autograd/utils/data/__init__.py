"""autograd.utils.data: Dataset, DataLoader (torch.utils.data)."""
