#!/usr/bin/env bash
# The GPU benchmark: on a machine with an NVIDIA GPU (and nothing reachable outside it), builds tornado-vae and runs
# `vae bench --profile` for mlp, mnist-conv and rgb128-conv, writing each model's tables and one combined table; then
# the two conv models again with their convolutions as implicit GEMMs (no im2col), to compare the two lowerings.
#
#   bench/gpu-run.sh [OUT_DIR]        # default bench/gpu-run-<UTC time>; prints the folder at the end
#
# TornadoVM: TORNADOVM_HOME, else an SDK that tornado.env finds (/opt/tornadovm-sdk, ...). Without one, and with
# TORNADOVM_GIT_DIR naming a fetched beehive-lab/TornadoVM git directory, it runs ../shared/tools/tornadovm-sdk.sh
# (outside this repository) to build the SDK with the OpenCL backend, which runs on NVIDIA's OpenCL driver.
# Maven runs offline (-o): the machine reaches nothing, so ~/.m2 must hold the dependencies (copy it over, or run
# `./mvnw -B dependency:go-offline package -DskipTests` once on a machine that can download).
# Environment: STEPS (timed steps, default 20); WARMUP_MLP, WARMUP_MNIST, WARMUP_RGB (untimed steps first: the JVM
# backend needs ~100 before C2 has compiled its kernels; rgb128-conv's JVM steps take seconds, so fewer there, and
# its JVM row is then a little pessimistic); KERNELS, TornadoVM's GEMM families to bench, one row each (vae bench
# --kernels; default gpu,cpu: the GPU class, and the CPU class on the same device for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/gpu-run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

if [ -z "${TORNADOVM_HOME:-}" ] && [ ! -f /opt/tornadovm-sdk/tornado-argfile ]; then
  sdk=../shared/tools/tornadovm-sdk.sh
  if [ -f "$sdk" ] && [ -n "${TORNADOVM_GIT_DIR:-}" ]; then
    echo "gpu-run: building the TornadoVM SDK with $sdk (tens of minutes)" >&2
    bash "$sdk" "$TORNADOVM_GIT_DIR" >"$out/tornadovm-sdk-build.log" 2>&1 \
      || { echo "gpu-run: the SDK build failed, see $out/tornadovm-sdk-build.log" >&2; exit 1; }
  else
    echo "gpu-run: no TornadoVM SDK: set TORNADOVM_HOME, or TORNADOVM_GIT_DIR with $sdk present" >&2
    exit 1
  fi
fi
. ./tornado.env
[ -n "${TORNADOVM_HOME:-}" ] || { echo "gpu-run: tornado.env found no TornadoVM SDK" >&2; exit 1; }

# What the numbers were measured on.
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi failed"
  java -version 2>&1
  "$TORNADOVM_HOME/bin/tornado" --devices 2>&1 || true
  git log -1 --oneline 2>/dev/null || true
} >"$out/machine.txt"
grep -qi "nvidia\|gpu" "$out/machine.txt" || echo "gpu-run: warning: TornadoVM lists no NVIDIA/GPU device (see $out/machine.txt)" >&2

./mvnw -B -o -q -DskipTests package >"$out/build.log" 2>&1 \
  || { echo "gpu-run: the build failed (offline: is ~/.m2 complete?), see $out/build.log" >&2; exit 1; }

steps=${STEPS:-20}
status=0
for model in mlp mnist-conv rgb128-conv; do
  case $model in
    mlp) warmup=${WARMUP_MLP:-100} ;;
    mnist-conv) warmup=${WARMUP_MNIST:-50} ;;
    *) warmup=${WARMUP_RGB:-5} ;;
  esac
  echo "gpu-run: $model ($steps steps after $warmup warm-up)" >&2
  # each model on its own: one that fails (device memory, a kernel) does not lose the others' tables
  if ! ./vae bench --model "$model" --kernels "${KERNELS:-gpu,cpu}" --steps "$steps" --warmup "$warmup" --profile \
      --csv "$out/$model.csv" \
      >"$out/$model.md" 2>"$out/$model.err"; then
    echo "gpu-run: $model failed, see $out/$model.err" >&2
    status=1
  fi
done
# the conv models again with the GPU family reading X in its GEMMs instead of im2col (DeviceConv.LOWERING_PROPERTY)
for model in mnist-conv rgb128-conv; do
  case $model in mnist-conv) warmup=${WARMUP_MNIST:-50} ;; *) warmup=${WARMUP_RGB:-5} ;; esac
  echo "gpu-run: $model, implicit GEMM convolutions" >&2
  if ! JDK_JAVA_OPTIONS="-Dtornadovae.tornado.conv=implicit" ./vae bench --model "$model" --kernels gpu --steps "$steps" \
      --warmup "$warmup" --profile --csv "$out/$model-implicit.csv" >"$out/$model-implicit.md" 2>"$out/$model-implicit.err"; then
    echo "gpu-run: $model (implicit) failed, see $out/$model-implicit.err" >&2
    status=1
  fi
done
{
  echo "# vae bench --profile on $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || echo 'an unknown GPU')"
  echo
  for model in mlp mnist-conv rgb128-conv; do
    [ -s "$out/$model.md" ] && { cat "$out/$model.md"; echo; }
  done
  for model in mnist-conv rgb128-conv; do
    [ -s "$out/$model-implicit.md" ] && { echo "## $model, convolutions as implicit GEMMs (-Dtornadovae.tornado.conv=implicit)"; echo; cat "$out/$model-implicit.md"; echo; }
  done
} >"$out/table.md"
echo "gpu-run: tables in $out/table.md" >&2
echo "$out"
exit $status
