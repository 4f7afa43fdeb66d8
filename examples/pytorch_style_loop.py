"""A plain PyTorch training loop, ported to autograd by changing ONLY the import lines.

Original imports (the rest of the file is unchanged PyTorch code):

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    from torch.utils.data import DataLoader, TensorDataset, random_split

Task: classify points of three interleaved spirals with an MLP (synthetic data, ~10 s on CPU).
Run from the repository root after `make venv` (nn/optim are installed as packages):
    .venv/bin/python examples/pytorch_style_loop.py
"""
import autograd as torch
import nn
import nn.functional as F
import optim
from autograd.utils.data import DataLoader, TensorDataset, random_split


def make_spirals(n_per_class=300, classes=3, noise=0.2):
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.0, 1.0, n_per_class)
        theta = c * 4.0 + r * 4.0 + torch.randn(n_per_class) * noise
        xs.append(torch.stack([r * torch.sin(theta), r * torch.cos(theta)], dim=1))
        ys.append(torch.full((n_per_class,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


class MLP(nn.Module):
    def __init__(self, hidden=64, classes=3):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, classes)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.drop(F.relu(self.fc2(x)))
        return self.out(x)


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            pred = model(xb).argmax(dim=1)
            correct += (pred == yb).sum().item()
            total += yb.numel()
    model.train()
    return correct / total


def main(epochs=60):
    torch.manual_seed(0)
    x, y = make_spirals()
    train_set, val_set = random_split(TensorDataset(x, y), [0.8, 0.2],
                                      generator=torch.Generator().manual_seed(42))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)

    model = MLP()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)

    for epoch in range(1, epochs + 1):
        running = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
        scheduler.step()
        if epoch % 10 == 0 or epoch == 1:
            print(f"epoch {epoch:3d}  loss {running / len(train_set):.4f}  "
                  f"val acc {accuracy(model, val_loader):.3f}  lr {scheduler.get_last_lr()[0]:.4g}")

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()},
               "spirals_checkpoint.pt")
    restored = MLP()
    restored.load_state_dict(torch.load("spirals_checkpoint.pt")["model"])
    print(f"restored model val acc {accuracy(restored, val_loader):.3f}")


if __name__ == "__main__":
    main()
