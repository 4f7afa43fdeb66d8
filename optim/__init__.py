"""optim: optimizers and learning-rate schedules mirroring torch.optim."""
