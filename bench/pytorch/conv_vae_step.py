"""PyTorch side of the conv training-step comparisons (Adam, BCE-sum + KL, ReLU as `vae bench` builds them).

--model mnist-conv (default, batch 128): the conv VAE of docs/BENCHMARKS.md / `vae train --model mnist-conv`, run
beside the JMH ConvTrainStepBenchmark. --model rgb128-conv (batch 64): 3×128×128 images, five 4×4 stride-2
convolutions 3→32→64→128→256→512, latent 128, and the mirrored decoder, run beside
`vae bench --jvm-only --model rgb128-conv`:
    /usr/bin/python3 bench/pytorch/conv_vae_step.py --threads 2   (Debian python3-torch 1.13)
PyTorch needs a fast BLAS: with Debian's reference libblas3 alone a step is ~10x slower. Install
libopenblas0-pthread and run with OPENBLAS_NUM_THREADS=1 (PyTorch's own 2 threads, one BLAS thread).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


class ConvVAE(nn.Module):
    def __init__(self, latent=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(3136, 256), nn.ReLU())
        self.mu, self.logvar = nn.Linear(256, latent), nn.Linear(256, latent)
        self.dec = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 3136), nn.ReLU(),
                                 nn.Unflatten(1, (64, 7, 7)),
                                 nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
                                 nn.ConvTranspose2d(32, 1, 3, 2, 1, 1))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec(z), mu, logvar


class Rgb128VAE(nn.Module):
    """VaeSpec "rgb128-conv": 4×4 stride-2 pad-1 convolutions halve the image five times (128 → 4), then 8192 → 2·128."""

    def __init__(self, latent=128):
        super().__init__()
        ch = [3, 32, 64, 128, 256, 512]
        enc = []
        for i in range(5):
            enc += [nn.Conv2d(ch[i], ch[i + 1], 4, 2, 1), nn.ReLU()]
        self.enc = nn.Sequential(*enc, nn.Flatten())
        self.mu, self.logvar = nn.Linear(8192, latent), nn.Linear(8192, latent)
        dec = [nn.Linear(latent, 8192), nn.ReLU(), nn.Unflatten(1, (512, 4, 4))]
        for i in range(5, 0, -1):
            dec += [nn.ConvTranspose2d(ch[i], ch[i - 1], 4, 2, 1)] + ([nn.ReLU()] if i > 1 else [])
        self.dec = nn.Sequential(*dec)

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec(z), mu, logvar


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch", type=int, default=0, help="default 128, 64 for rgb128-conv")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--model", choices=["mnist-conv", "rgb128-conv"], default="mnist-conv")
    a = p.parse_args()
    rgb = a.model == "rgb128-conv"
    a.batch = a.batch or (64 if rgb else 128)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = Rgb128VAE() if rgb else ConvVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    shape = (3, 128, 128) if rgb else (1, 28, 28)
    batches = 2 if rgb else 8
    data = (torch.rand(batches, a.batch, *shape) > 0.8).float() * torch.rand(batches, a.batch, *shape)
    times = []
    for step in range(a.steps + a.warmup):
        x = data[step % batches]
        t0 = time.perf_counter()
        opt.zero_grad()
        logits, mu, logvar = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") \
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss.backward()
        opt.step()
        if step >= a.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    print(f"pytorch {torch.__version__} {a.model} threads={a.threads} batch={a.batch}: "
          f"median {statistics.median(times):.2f} ms/step (quartiles {q[0]:.2f}–{q[2]:.2f}), "
          f"{a.batch / statistics.median(times) * 1e3:,.0f} images/s")


if __name__ == "__main__":
    main()
