#!/usr/bin/env bash
# Global loads per FMA of each GPU-class GEMM kernel (GpuGemm), counted by Oclgrind (OCLGRIND_INST_COUNTS=1):
# the 256x256x256 GEMM (as chosen, and every variant forced) and mnist-conv's convolution GEMMs (im2col + batched
# GEMM: forward, input gradient, weight gradient) at a reduced number of images. Prints a Markdown table.
#
#   bench/oclgrind-loads.sh [images]          # default 16; Oclgrind runs work-items one by one: minutes
#
# Needs a TornadoVM SDK (tornado.env finds it) and Oclgrind with its device-type shim: the script sources
# ${OCLGRIND_SETUP:-../shared/tools/oclgrind/setup.sh} unless OCL_ICD_VENDORS is already set.
# "loads/FMA" = global loads executed by the kernel / the call's multiply-adds (m·n·k·batches, without the zeros a
# block pads k with); the reduce task of a split call is listed on its own line and in the call's total.
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-16}
. ./tornado.env
[ -n "${TORNADOVM_HOME:-}" ] || { echo "oclgrind-loads: no TornadoVM SDK (set TORNADOVM_HOME)" >&2; exit 1; }
if [ -z "${OCL_ICD_VENDORS:-}" ]; then
  # shellcheck disable=SC1090
  . "${OCLGRIND_SETUP:-../shared/tools/oclgrind/setup.sh}"
fi
./mvnw -B -o -q test-compile -pl tornado-kernels -am >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OCLGRIND_INST_COUNTS=1 java @"$TORNADOVM_HOME/tornado-argfile" -Dtornado.recover.bailout=False \
  -Dtornado.tvm.maxbytecodesize=65536 -cp tornado-kernels/target/classes:tornado-kernels/target/test-classes \
  tornadovae.kernels.tornado.OclgrindLoads "$images" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
python3 - "$tmp/out" "$tmp/err" <<'EOF'
import re, sys
out, err = open(sys.argv[1]).read(), open(sys.argv[2]).read().splitlines()
device = next((l.split(": ", 1)[1] for l in err if l.startswith("OCLGRIND-CHECK device: ")), None)
if device is None or "oclgrind" not in device.lower():
    sys.exit("oclgrind-loads: did not run on Oclgrind (device %r)" % device)
launches = [l.split("\t")[1:] for l in err if l.startswith("LAUNCH\t")]
# one histogram per kernel launch, in launch order: its kernel name and its global loads
hist = []
for block in re.split(r"^Instructions executed for kernel '", out, flags=re.M)[1:]:
    name = block.split("'", 1)[0]
    m = re.search(r"^\s*(\d+) - load global", block, flags=re.M)
    f = re.search(r"^\s*(\d+) - call _Z3fmafff", block, flags=re.M)
    hist.append((name, int(m.group(1)) if m else 0, int(f.group(1)) if f else 0))
if len(hist) != len(launches):
    sys.exit("oclgrind-loads: %d histograms for %d launches" % (len(hist), len(launches)))
print("Device: %s. Global loads per multiply-add, counted by Oclgrind." % device)
print()
print("| call | shape | kernel | parts | work-items | FMAs | fma executed | global loads | loads/FMA |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
total = {}
for (call, shape, kernel, parts, items, fmas), (hname, loads, fx) in zip(launches, hist):
    if not hname.startswith(kernel.rstrip("0123456789")):
        sys.exit("oclgrind-loads: launch %s but histogram of %s" % (kernel, hname))
    fmas = int(fmas)
    total.setdefault((call, shape), [0, fmas])[0] += loads
    print("| %s | %s | %s | %s | %s | %d | %d | %d | 1/%.1f |" % (call, shape, kernel, parts, items, fmas, fx, loads,
          fmas / loads if loads else float("inf")))
print()
print("| call | loads/FMA, all its kernels |")
print("|---|---:|")
for (call, shape), (loads, fmas) in total.items():
    print("| %s | 1/%.1f |" % (call, fmas / loads if loads else float("inf")))
EOF
