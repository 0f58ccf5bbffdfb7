#!/usr/bin/env bash
# Soak test (not part of CI): trains small runs over and over while injecting faults, and checks that every run,
# resumed after each fault, ends with the same parameters as an uninterrupted run, bit for bit.
#
#   bench/soak.sh [SECONDS]        (default 1800; run it under `nice -n 19` on a shared machine)
#
# Faults, chosen at random every 1-4 s of training:
#   kill     kill -9 of the trainer (then `train --resume`)
#   disk     a full disk: as root, the run folder lives on a small tmpfs that a filler file fills up; otherwise
#            (no mount) the trainer runs under `ulimit -f` (a file-size limit: "File too large" instead of
#            "No space left on device"), which exercises the same failed-write path
# Meanwhile two reader loops read the run's checkpoints as they are replaced (`sample --checkpoint
# RUN/resume.safetensors`, `eval --checkpoint RUN/last.safetensors`) and count their failures.
# Needs: a built trainer/target/vae.jar (./vae builds it), JDK 25 (tornado.env), python3 (writes the data).
# SOAK_DIR=folder keeps the work files there (default: a new temporary folder, deleted when all passed).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORNADOVM_HOME=none . "$here/tornado.env" 2>/dev/null
duration="${1:-1800}"
soak="${SOAK_DIR:-$(mktemp -d /tmp/vae-soak.XXXXXX)}"
mkdir -p "$soak"
[ -f "$here/trainer/target/vae.jar" ] || { echo "soak: no trainer/target/vae.jar; run ./vae --help once to build it" >&2; exit 2; }
cp "$here/trainer/target/vae.jar" "$soak/vae.jar"   # a rebuild during the soak must not change the code under test
vae() { java --add-modules=jdk.incubator.vector -XX:+UseParallelGC -cp "$soak/vae.jar" tornadovae.cli.VaeCommand "$@" \
          2> >(grep -v '^WARNING: Using incubator modules' >&2); }

python3 - "$soak/data" <<'EOF'
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
def images(n, seed):   # 10 classes of bars with noise, as the tests' TinyMnist
    r = random.Random(seed); b = bytearray(struct.pack('>IIII', 0x803, n, 28, 28))
    for i in range(n):
        c, s = i % 10, r.randrange(3)
        for y in range(28):
            for x in range(28):
                on = abs(y - (4 + c * 4 + s)) <= 1 if c < 5 else abs(x - (4 + (c - 5) * 4 + s)) <= 1
                b.append(230 + r.randrange(26) if on else r.randrange(20))
    return bytes(b)
labels = lambda n: struct.pack('>II', 0x801, n) + bytes(i % 10 for i in range(n))
for name, n, seed in (('train', 2000, 1), ('t10k', 200, 2)):
    open(f'{d}/{name}-images-idx3-ubyte', 'wb').write(images(n, seed))
    open(f'{d}/{name}-labels-idx1-ubyte', 'wb').write(labels(n))
EOF

opts=(--data-dir "$soak/data" --epochs 4 --batch-size 32 --hidden 128 --latent 8 --seed 11 --threads 1 --quiet --checkpoint-every 7)
echo "soak: reference run (uninterrupted) in $soak/reference"
vae train "${opts[@]}" --out "$soak/reference" > "$soak/reference.log" 2>&1 || { echo "soak: the reference run failed" >&2; cat "$soak/reference.log"; exit 1; }

# The run folder: on a small tmpfs when this user may mount one.
disk="$soak/disk"; mkdir -p "$disk"; tmpfs=0
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=16m tmpfs "$disk" 2>/dev/null; then
  tmpfs=1; echo "soak: disk-full faults on a 16 MiB tmpfs at $disk"
else
  echo "soak: cannot mount a tmpfs (not root?): disk-full faults use ulimit -f (file size limit) instead"
fi
cleanup() {
  [ -n "${readers:-}" ] && kill $readers 2>/dev/null
  [ -n "${trainer:-}" ] && kill -9 "$trainer" 2>/dev/null
  [ "$tmpfs" = 1 ] && { wait 2>/dev/null; umount "$disk" 2>/dev/null; }
}
trap cleanup EXIT

run="$disk/run"
stats="$soak/stats"; mkdir -p "$stats"; : > "$stats/reader-ok"; : > "$stats/reader-fail"
reader() {   # $1: a name, then the command: counts successes and failures (the failures' messages are kept)
  local name="$1"; shift
  while :; do
    if out="$("$@" 2>&1)"; then echo . >> "$stats/reader-ok"
    elif ! grep -q -e 'not found\|no such file\|NoSuchFile\|does not exist' <<<"$out"; then   # no file yet is fine
      echo "$name: $out" | head -3 >> "$stats/reader-fail"
    fi
    sleep 0.$((RANDOM % 10))
  done
}
reader sample vae sample --checkpoint "$run/resume.safetensors" --count 4 --out "$soak/sample.png" &
readers="$!"
reader eval vae eval --checkpoint "$run/last.safetensors" --data-dir "$soak/data" --limit 50 &
readers="$readers $!"

end=$((SECONDS + duration)); runs=0; matched=0; kills=0; fulls=0; survived=0; failures=0
while [ $SECONDS -lt $end ]; do
  rm -rf "$run"; runs=$((runs + 1)); first=1; faulted=0
  while :; do   # one run to its end: start it, then resume after every fault
    if [ $first = 1 ]; then args=(train "${opts[@]}" --out "$run"); else args=(train --resume "$run" --quiet); fi
    limit=unlimited; fault=$((RANDOM % 10 < 6 ? 0 : 1))   # 0: kill -9, 1: disk full
    if [ $fault = 1 ] && [ $tmpfs = 0 ]; then            # KiB: a checkpoint is larger, so its write fails
      limit=64; fulls=$((fulls + 1)); faulted=$((faulted + 1))
    fi
    (ulimit -f "$limit"; exec java --add-modules=jdk.incubator.vector -XX:+UseParallelGC -cp "$soak/vae.jar" \
        tornadovae.cli.VaeCommand "${args[@]}") > "$soak/train.log" 2>&1 &
    trainer=$!
    sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
    if kill -0 "$trainer" 2>/dev/null && [ $SECONDS -lt $end ]; then
      if [ $fault = 0 ]; then
        kill -9 "$trainer"; kills=$((kills + 1))
      elif [ $tmpfs = 1 ]; then
        dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null; fulls=$((fulls + 1))   # fills the tmpfs
        for _ in $(seq 50); do kill -0 "$trainer" 2>/dev/null || break; sleep 0.1; done   # its next write fails
        kill -9 "$trainer" 2>/dev/null   # a run that wrote nothing in 5 s is stopped the hard way
      fi
      [ $tmpfs = 1 ] || [ $fault = 0 ] && faulted=$((faulted + 1))
    fi
    wait "$trainer" 2>/dev/null; status=$?; trainer=""   # (bash reports each kill -9 otherwise)
    rm -f "$disk/filler"
    first=0
    [ ! -f "$run/resume.safetensors" ] && first=1   # killed before its first checkpoint: start it again
    if [ $status = 0 ]; then break; fi
    if [ $status != 137 ] && ! grep -q -e 'No space left\|File too large\|cannot write' "$soak/train.log"; then
      echo "soak: run $runs failed unexpectedly (exit $status):"; cat "$soak/train.log"; failures=$((failures + 1)); break
    fi
    [ $SECONDS -ge $((end + 600)) ] && break   # a run that never finishes ends the soak too
  done
  if [ $status = 0 ]; then
    if cmp -s "$soak/reference/last.safetensors" "$run/last.safetensors"; then
      matched=$((matched + 1)); survived=$((survived + faulted))
    else
      echo "soak: run $runs finished after $faulted faults with other parameters than the uninterrupted run"; failures=$((failures + 1))
    fi
  fi
done
kill $readers 2>/dev/null; wait $readers 2>/dev/null; readers=""
rok=$(wc -l < "$stats/reader-ok"); rfail=$(grep -c '' "$stats/reader-fail")
echo "soak: ${duration}s: $runs runs, $matched bit-identical to the uninterrupted run; faults injected: $kills kill -9, $fulls disk full ($([ $tmpfs = 1 ] && echo tmpfs || echo 'ulimit -f')); survived: $survived; failures: $failures"
echo "soak: readers: $rok reads succeeded, $rfail failed$([ "$rfail" -gt 0 ] && echo " (first: $(head -1 "$stats/reader-fail"))")"
[ $failures = 0 ] && [ $matched -gt 0 ] && [ -z "${SOAK_DIR:-}" ] && { cleanup; trap - EXIT; rm -rf "$soak"; }
[ $failures = 0 ] && [ $matched -gt 0 ]
