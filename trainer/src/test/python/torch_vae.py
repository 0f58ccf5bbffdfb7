"""PyTorch's side of TorchRoundTripTest (vae import-torch and export-torch against real PyTorch).

    python3 torch_vae.py save DATA_DIR OUT_DIR
        for each layout (examples, sequential, conv) builds a VAE with a fixed seed, saves it as
        OUT_DIR/LAYOUT.safetensors the way safetensors.torch.save_file does (metadata
        {"format": "pt"}), and writes mu of the first 16 test images to OUT_DIR/LAYOUT-mu.csv
    python3 torch_vae.py loss DATA_DIR MODEL.py CHECKPOINT OUT.csv [MODEL.py CHECKPOINT OUT.csv ...]
        loads each checkpoint into its export-torch module with strict=True and writes, for the
        first 16 test images, recon and KL at z = mu (eps = 0)

One interpreter does all of a kind, as importing torch takes seconds.

The safetensors package is not needed: the file is written by hand (8-byte little-endian header
size, JSON header, little-endian F32 data), as the reference writer lays it out.
"""
import gzip
import importlib.util
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

COUNT = 16


class ExamplesVAE(nn.Module):
    """pytorch/examples' vae/main.py."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)


class SequentialVAE(nn.Module):
    """Two hidden layers in nn.Sequential containers: the indices skip the activations."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.fc_mu, self.fc_logvar = nn.Linear(32, 5), nn.Linear(32, 5)
        self.decoder = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 784))

    def encode(self, x):
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_logvar(h)


class ConvVAE(nn.Module):
    """bench/pytorch/conv_vae_step.py's mnist-conv: nn.Sequential with a Flatten and an Unflatten among the layers."""

    def __init__(self, latent=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(3136, 256), nn.ReLU())
        self.mu, self.logvar = nn.Linear(256, latent), nn.Linear(256, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 3136), nn.ReLU(),
                                 nn.Unflatten(1, (64, 7, 7)),
                                 nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(32, 1, 3, 2, 1, 1))

    def encode(self, x):
        h = self.enc(x.reshape(len(x), 1, 28, 28))
        return self.mu(h), self.logvar(h)


def save_file(tensors, path, metadata):
    """safetensors.torch.save_file: names sorted, data 8-byte aligned after the header."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def test_images(data_dir):
    path = data_dir + "/t10k-images-idx3-ubyte"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    x = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 784)[:COUNT]
    return torch.from_numpy(x.astype(np.float32) / 255)


def write_rows(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(",".join(repr(float(v)) for v in r) + "\n")


def save(data_dir, out_dir):
    x = test_images(data_dir)
    for layout, cls in {"examples": ExamplesVAE, "sequential": SequentialVAE, "conv": ConvVAE}.items():
        torch.manual_seed(7)
        model = cls()
        save_file(model.state_dict(), f"{out_dir}/{layout}.safetensors", {"format": "pt"})
        with torch.no_grad():
            mu, _ = model.encode(x)
        write_rows(f"{out_dir}/{layout}-mu.csv", mu.tolist())


def loss(data_dir, *triples):
    for i in range(0, len(triples), 3):
        loss_of(data_dir, *triples[i:i + 3])


def loss_of(data_dir, model_py, checkpoint, out_csv):
    spec = importlib.util.spec_from_file_location("exported", model_py)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    model = m.VAE()
    model.load_state_dict(m.load_checkpoint(checkpoint), strict=True)
    x = test_images(data_dir)
    with torch.no_grad():
        logits, mu, logvar = model(x, eps=torch.zeros(len(x), m.LATENT))
        recon, kl = m.loss_terms(logits, x, mu, logvar)
    write_rows(out_csv, zip(recon.tolist(), kl.tolist()))


if __name__ == "__main__":
    {"save": save, "loss": loss}[sys.argv[1]](*sys.argv[2:])
