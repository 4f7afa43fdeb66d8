"""nn.init: weight initialisers (torch.nn.init)."""
