"""PyTorch side of the MLP VAE training-step comparison (784-400-20, batch 128, Adam, BCE-sum + KL).

Run beside the JMH TrainStepBenchmark on the same machine, in the same session:
    /usr/bin/python3 bench/pytorch/mlp_vae_step.py --threads 2   (Debian python3-torch 1.13)
PyTorch needs a fast BLAS: with Debian's reference libblas3 alone a step is ~10x slower. Install
libopenblas0-pthread and run with OPENBLAS_NUM_THREADS=1 (PyTorch's own 2 threads, one BLAS thread).
Prints the median and quartiles of ms per training step over random binary-ish data.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=128)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = (torch.rand(16, a.batch, 784) > 0.8).float() * torch.rand(16, a.batch, 784)
    times = []
    for step in range(a.steps + 50):
        x = data[step % 16]
        t0 = time.perf_counter()
        opt.zero_grad()
        recon, mu, logvar = model(x)
        loss = F.binary_cross_entropy(recon, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss.backward()
        opt.step()
        if step >= 50:
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4)
    print(f"pytorch {torch.__version__} threads={a.threads} batch={a.batch}: "
          f"median {statistics.median(times):.2f} ms/step (quartiles {q[0]:.2f}–{q[2]:.2f}), "
          f"{a.batch / statistics.median(times) * 1e3:,.0f} images/s")


if __name__ == "__main__":
    main()
