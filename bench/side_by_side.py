"""Issue 6's comparison in one run: tornado-vae's JVM backend against PyTorch / OpenBLAS, side by side.

Alternates the two sides for each measurement, `--rounds` times, so that both see the same machine
(a shared host's speed drifts by tens of percent within minutes), and prints one Markdown table of
every round's numbers and their ratio:

    SGEMM 2048³ NN             JMH SgemmBenchmark (2 threads),     numpy @ (OpenBLAS, 2 threads),
                               median call                         median of 15 calls
    MLP training step          JMH TrainStepBenchmark, median      bench/pytorch/mlp_vae_step.py, median
    mnist-conv training step   JMH ConvTrainStepBenchmark, median  bench/pytorch/conv_vae_step.py, median
    10 MNIST epochs            ./vae train, process wall time      bench/pytorch/mlp_vae_mnist.py, process wall time

Run from the repository root after `. ./tornado.env && ./mvnw -q -B -DskipTests package`, with MNIST
in data/mnist (`./vae data fetch mnist`), python3-torch, numpy, Pillow and libopenblas0-pthread:

    /usr/bin/python3 bench/side_by_side.py --rounds 2 [--skip-run] [--markdown FILE]

PyTorch runs with OPENBLAS_NUM_THREADS=1 and its own 2 threads (as the bench/pytorch scripts say).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")

NUMPY_SGEMM = """
import numpy as np, time
n = 2048
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
a @ b
ts = []
for _ in range(15):
    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
print(2 * n ** 3 / sorted(ts)[len(ts) // 2] / 1e9)
"""


def java():
    home = os.environ.get("JAVA_HOME")
    exe = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not exe:
        sys.exit("no java: source tornado.env first (it finds JDK 25)")
    return exe


def jmh(pattern, params, seconds):
    """The median time per op (sample mode), in the benchmark's own time unit."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [java(), "-jar", JAR, pattern, "-wi", "3", "-i", "5", "-w", f"{seconds}s", "-r", f"{seconds}s",
           "-bm", "sample", "-rf", "json", "-rff", out]
    for p in params:
        cmd += ["-p", p]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    with open(out) as f:
        result = json.load(f)[0]
    os.unlink(out)
    return result["primaryMetric"]["scorePercentiles"]["50.0"]


def python(args, env_extra):
    env = dict(os.environ, **env_extra)
    return subprocess.run([sys.executable] + args, check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout


def torch_median(script, extra=()):
    out = python([os.path.join("bench", "pytorch", script), "--threads", "2", *extra], {"OPENBLAS_NUM_THREADS": "1"})
    return float(re.search(r"median ([0-9.]+) ms/step", out).group(1))


def wall(cmd, env_extra=None):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env=dict(os.environ, **(env_extra or {})))
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-run", action="store_true", help="leave out the 10-epoch runs (about 90 s a round)")
    p.add_argument("--markdown", help="also write the table to this file")
    a = p.parse_args()
    if not os.path.exists(JAR):
        sys.exit(f"{JAR} is missing: build it with . ./tornado.env && ./mvnw -q -B -DskipTests package")
    if subprocess.run([sys.executable, "-c", "import torch, numpy"], capture_output=True).returncode != 0:
        sys.exit(f"{sys.executable} cannot import torch and numpy: run this with the Python that has them "
                 "(on the development machine /usr/bin/python3, from python3-torch)")
    rows = {"SGEMM 2048³ NN, GFLOP/s": [], "MLP VAE training step, batch 128, ms (median)": [],
            "mnist-conv training step, batch 128, ms (median)": []}
    if not a.skip_run:
        rows["10 MNIST epochs (./vae train / mlp_vae_mnist.py), s wall"] = []
    for r in range(1, a.rounds + 1):
        print(f"round {r}: {time.strftime('%H:%M:%S')}, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
        # the median call on both sides: JMH's throughput mode averages over a run, so a few calls slowed by
        # the shared host pulled its score down where numpy's median of 15 calls shrugged them off
        jvm = 2 * 2048 ** 3 / (jmh("SgemmBenchmark", ["shape=2048x2048x2048:NN", "threads=2"], 2) * 1e3)
        blas = float(python(["-c", NUMPY_SGEMM], {"OPENBLAS_NUM_THREADS": "2"}))
        rows["SGEMM 2048³ NN, GFLOP/s"].append((jvm, blas))
        jvm = jmh("bench.TrainStepBenchmark", ["threads=2"], 2)
        rows["MLP VAE training step, batch 128, ms (median)"].append((jvm, torch_median("mlp_vae_step.py")))
        jvm = jmh("ConvTrainStepBenchmark", ["threads=2"], 3)
        rows["mnist-conv training step, batch 128, ms (median)"].append(
            (jvm, torch_median("conv_vae_step.py", ["--steps", "100"])))
        if not a.skip_run:
            run_dir = tempfile.mkdtemp(prefix="side-by-side-")
            jvm = wall([os.path.join(ROOT, "vae"), "train", "--quiet", "--out", os.path.join(run_dir, "run")])
            torch_s = wall([sys.executable, os.path.join("bench", "pytorch", "mlp_vae_mnist.py"), "--data",
                            os.path.join("data", "mnist"), "--threads", "2", "--out", run_dir],
                           {"OPENBLAS_NUM_THREADS": "1"})
            shutil.rmtree(run_dir, ignore_errors=True)
            rows["10 MNIST epochs (./vae train / mlp_vae_mnist.py), s wall"].append((jvm, torch_s))
    lines = ["| measurement | tornado-vae JVM | PyTorch / OpenBLAS | JVM ÷ other |", "|---|---|---|---|"]
    for name, pairs in rows.items():
        fmt = (lambda x: f"{x:.1f}") if "GFLOP" in name or "wall" in name else (lambda x: f"{x:.2f}")
        lines.append(f"| {name} | {', '.join(fmt(j) for j, _ in pairs)} | {', '.join(fmt(o) for _, o in pairs)} | "
                     f"{', '.join(f'{j / o:.2f}' for j, o in pairs)} (median {statistics.median(j / o for j, o in pairs):.2f}) |")
    table = "\n".join(lines)
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
