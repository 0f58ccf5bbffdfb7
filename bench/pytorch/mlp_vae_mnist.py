"""PyTorch side of the whole-run comparison: pytorch/examples' vae/main.py on MNIST, 10 epochs.

The same job as `./vae train` (MLP 784-400-20, batch 128, Adam 1e-3, BCE-sum + KL; each epoch a
pass over the test set, then 64 samples and a reconstruction grid saved as PNG). torchvision is not
packaged here, so the IDX files are read with numpy and the grids written with Pillow.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/mlp_vae_mnist.py --data data/mnist --threads 2

Needs python3-torch, python3-pil and libopenblas0-pthread (see mlp_vae_step.py). Prints the wall
time of the whole run (data loading included, interpreter start excluded) and of each epoch.

`--save FILE.safetensors` writes the trained state dict as safetensors.torch.save_file does (names
sorted, metadata {"format": "pt"}; by hand, as the safetensors package is not packaged here), for
`vae import-torch --checkpoint FILE.safetensors` and `vae eval` (README, "From and to PyTorch").
"""
import argparse
import gzip
import json
import os
import struct
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{stem} not found in {folder}")


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def loss_function(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def save_file(tensors, path):
    """safetensors.torch.save_file's layout: 8-byte little-endian header size, JSON header, F32 data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def save_grid(images, path, per_row=8):
    imgs = (images.detach().clamp(0, 1).numpy().reshape(-1, 28, 28) * 255).astype(np.uint8)
    rows = (len(imgs) + per_row - 1) // per_row
    grid = np.zeros((rows * 30 + 2, per_row * 30 + 2), dtype=np.uint8)
    for i, im in enumerate(imgs):
        r, c = divmod(i, per_row)
        grid[2 + r * 30:2 + r * 30 + 28, 2 + c * 30:2 + c * 30 + 28] = im
    Image.fromarray(grid).save(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None, help="folder for the PNGs (default: a temporary folder)")
    p.add_argument("--save", default=None, help="write the trained model's state dict to this .safetensors file")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    out = a.out or tempfile.mkdtemp(prefix="torch-vae-")
    t_start = time.perf_counter()
    train = torch.from_numpy(read_idx(find(a.data, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    test = torch.from_numpy(read_idx(find(a.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        total = 0.0
        for idx in torch.randperm(len(train)).split(128):
            x = train[idx]
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = loss_function(recon, x, mu, logvar)
            loss.backward()
            total += loss.item()
            opt.step()
        model.eval()
        test_total = 0.0
        with torch.no_grad():
            for i, x in enumerate(test.split(128)):
                recon, mu, logvar = model(x)
                test_total += loss_function(recon, x, mu, logvar).item()
                if i == 0:
                    save_grid(torch.cat([x[:8], recon[:8]]), os.path.join(out, f"reconstruction_{epoch}.png"))
            save_grid(model.decode(torch.randn(64, 20)), os.path.join(out, f"sample_{epoch}.png"))
        print(f"epoch {epoch}: train {total / len(train):.2f} test {test_total / len(test):.2f} "
              f"({time.perf_counter() - t0:.2f} s)", flush=True)
    if a.save:
        save_file(model.state_dict(), a.save)
        print(f"saved the state dict to {a.save}")
    print(f"pytorch {torch.__version__} mnist mlp {a.epochs} epochs threads={a.threads}: "
          f"{time.perf_counter() - t_start:.1f} s wall (PNGs in {out})")


if __name__ == "__main__":
    main()
