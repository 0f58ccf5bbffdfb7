"""PyTorch side of the mnist-conv training-step comparison (batch 128, Adam, BCE-sum + KL).

The conv VAE of docs/BENCHMARKS.md / `vae train --model mnist-conv`. Run beside the JMH ConvTrainStepBenchmark:
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch", type=int, default=128)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = ConvVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = (torch.rand(8, a.batch, 1, 28, 28) > 0.8).float() * torch.rand(8, a.batch, 1, 28, 28)
    times = []
    for step in range(a.steps + 10):
        x = data[step % 8]
        t0 = time.perf_counter()
        opt.zero_grad()
        logits, mu, logvar = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") \
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss.backward()
        opt.step()
        if step >= 10:
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    print(f"pytorch {torch.__version__} conv threads={a.threads} batch={a.batch}: "
          f"median {statistics.median(times):.2f} ms/step (quartiles {q[0]:.2f}–{q[2]:.2f}), "
          f"{a.batch / statistics.median(times) * 1e3:,.0f} images/s")


if __name__ == "__main__":
    main()
