"""nn.utils: gradient clipping, parameter vectors, model summary."""
