#!/usr/bin/env bash
# The CPU figures of the foundation issue, in one run on one machine: ratios of the cpu backend, its GFLOP/s next to exact
# blocked attention in NumPy + OpenBLAS on the same shapes, and the ilgpu-cpu figure for the record.
#   usage: infra/bench/cpu-figures.sh [OUT_DIR]   (needs: apt-get install -y python3-numpy libopenblas0-pthread)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-artifacts/cpu-figures}"
mkdir -p "$out"
# Build first and call the binary: `dotnet run` leaves build servers busy on the cores while the first case is timed.
dotnet build client/HyperBench.Cli -c Release -nodeReuse:false >/dev/null
dotnet build-server shutdown >/dev/null 2>&1 || true
hb=client/HyperBench.Cli/bin/Release/net10.0/hyperbench
$hb kernels bench --device cpu --n 2048,4096 --causal both --pass fwd,fwdbwd --heads 2 --d 64 --min-samples 5 --budget 2 --json "$out/cpu-ratios.json" | tail -n 12
$hb kernels bench --device cpu --n 4096,16384 --causal false --pass fwd --heads 2 --d 64 --min-samples 3 --budget 2 --json "$out/cpu-gflops.json" | tail -n 6
/usr/bin/python3 infra/bench/numpy_attention.py --n 4096,16384 --batch 1 --heads 2 --d 64 --block 1024 --json "$out/numpy.json"
# The backward timed alone (bwd: after an untimed forward) next to fwd and fwdbwd of the same cases: bwd should be close to fwdbwd - fwd.
$hb kernels bench --device cpu --kernel flash,hyper --n 4096 --causal both --pass fwd,fwdbwd,bwd --heads 1 --d 64 --min-samples 5 --budget 2 --json "$out/cpu-bwd.json" | tail -n 8
$hb kernels bench --device ilgpu-cpu --n 1024 --causal false --pass fwd --heads 1 --d 64 --min-samples 2 --budget 0 --json "$out/ilgpu-cpu.json" | tail -n 4
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
cases = {(c["n"], c["causal"], c["pass"]): c for c in json.load(open(f"{out}/cpu-ratios.json"))["cases"]}
med = lambda k: cases[k]["statistics"]["median"]
print(f"causal/non-causal fwd, n=4096:  {med((4096, True, 'fwd')) / med((4096, False, 'fwd')):.3f}  (goal <= 0.6)")
print(f"fwd+bwd/fwd, n=4096 non-causal: {med((4096, False, 'fwdbwd')) / med((4096, False, 'fwd')):.3f}  (goal <= 3.5)")
print(f"fwd+bwd/fwd, n=4096 causal:     {med((4096, True, 'fwdbwd')) / med((4096, True, 'fwd')):.3f}")
print(f"time(4096)/time(2048) fwd:      {med((4096, False, 'fwd')) / med((2048, False, 'fwd')):.3f}  (goal 3.6..4.4)")
print(f"time(4096)/time(2048) fwd+bwd:  {med((4096, False, 'fwdbwd')) / med((2048, False, 'fwdbwd')):.3f}")
ours = {c["n"]: c["tflops"] * 1e3 for c in json.load(open(f"{out}/cpu-gflops.json"))["cases"]}
numpy = {r["n"]: r["gflops"] for r in json.load(open(f"{out}/numpy.json"))["results"]}
for n in sorted(ours):
    print(f"n={n}: cpu backend {ours[n]:.1f} GFLOP/s, NumPy blocked {numpy.get(n, float('nan')):.1f} GFLOP/s, ratio {ours[n] / numpy.get(n, float('nan')):.2f}")
bwd = {(c["kernel"], c["causal"], c["pass"]): c["statistics"]["median"] for c in json.load(open(f"{out}/cpu-bwd.json"))["cases"]}
for kernel, causal in sorted({(k, c) for k, c, _ in bwd}):
    f, fb, b = (bwd[(kernel, causal, p)] for p in ("fwd", "fwdbwd", "bwd"))
    print(f"{kernel} n=4096 {'causal' if causal else 'non-causal'}: fwd {f * 1e3:.1f} ms, fwdbwd {fb * 1e3:.1f} ms, bwd {b * 1e3:.1f} ms; "
          f"bwd / (fwdbwd - fwd) = {b / (fb - f):.3f}, (fwd + bwd) / fwdbwd = {(f + b) / fb:.3f}")
il = json.load(open(f"{out}/ilgpu-cpu.json"))["cases"][0]
print(f"ilgpu-cpu fwd n=1024 h=1: {il['tflops'] * 1e3:.2f} GFLOP/s")
PY
