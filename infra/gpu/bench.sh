#!/usr/bin/env bash
# One prepared GPU run: environment, a correctness check of the CUDA kernels against float64, the HyperBench sweep on CUDA,
# and torch SDPA on the same shapes; everything lands under $OUT (JSON + markdown).
#   usage: OUT=dir infra/gpu/bench.sh [--dry-run]
# Expects the bundle from infra/gpu/publish.sh at .bundle/hyperbench. --dry-run uses the CPU and tiny sizes (for checking here).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:?set OUT to the results folder}"
mkdir -p "$OUT"
bin=.bundle/hyperbench
dry=0; [ "${1:-}" = "--dry-run" ] && dry=1
export PYTHONUNBUFFERED=1

if [ $dry = 1 ]; then
  device=cpu; ns=256,512; heads=2; limit=60; torch_limit=0; check_n=100
else
  device=cuda:0; ns=${HB_N:-4096,8192,16384,32768,65536,131072}; heads=${HB_HEADS:-32}; limit=${HB_TIME_LIMIT:-150}; torch_limit=${HB_TORCH_SECONDS:-90}; check_n=1000
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv >> "$OUT/nvidia-smi.txt" 2>&1
fi

echo "== correctness: $device vs float64 reference (n=$check_n, batch 2, heads 3, d 64 and 128, causal both, fwd+bwd)"
rm -rf /tmp/hb-dump
timeout 120 $bin kernels bench --device $device --n $check_n --batch 2 --heads 3 --d 64,128 --causal both --pass fwdbwd \
  --min-samples 1 --budget 0 --warmup 0 --warmup-time 0 --json "$OUT/check-bench.json" --dump /tmp/hb-dump > "$OUT/check.log" 2>&1
python3 infra/gpu/check_dump.py /tmp/hb-dump | tee -a "$OUT/check.log"
echo "== correctness: hyper on $device vs its sortLSH blocks + samples recomputed in float64 (n=$check_n, non-causal, fwd+bwd)"
rm -rf /tmp/hb-dump-hyper
timeout 120 $bin kernels bench --device $device --kernel hyper --n $check_n --batch 2 --heads 3 --d 64 --causal false --pass fwdbwd \
  --block-size 32 --samples 16 --min-samples 1 --budget 0 --warmup 0 --warmup-time 0 --json "$OUT/check-hyper.json" --dump /tmp/hb-dump-hyper >> "$OUT/check.log" 2>&1
python3 infra/gpu/check_dump.py /tmp/hb-dump-hyper | tee -a "$OUT/check.log"

echo "== hyperbench sweep on $device: flash and hyper, n=$ns heads=$heads (time limit ${limit}s)"
timeout $((limit + 180)) $bin kernels bench --device $device --kernel flash,hyper --n $ns --causal both --pass fwd,fwdbwd --batch 1 --heads $heads --d 64 \
  --min-samples 3 --budget 0.5 --warmup 0 --warmup-time 0 --time-limit $limit --json "$OUT/hyperbench.json" 2>&1 | tee "$OUT/hyperbench.log" | tail -n 40

if [ $dry = 0 ]; then
  echo "== torch SDPA on the same shapes (fp32 first, then fp16/bf16 for reference)"
  timeout $((torch_limit + 90)) python3 infra/gpu/torch_sdpa.py --n $ns --batch 1 --heads $heads --d 64 --dtypes float32,bfloat16 --causal both --pass fwd,fwdbwd \
    --max-seconds $torch_limit --json "$OUT/torch.json" > "$OUT/torch.log" 2>&1
  tail -n 30 "$OUT/torch.log"
fi

python3 infra/gpu/report.py --hyperbench "$OUT/hyperbench.json" --torch "$OUT/torch.json" --markdown "$OUT/summary.md" --json "$OUT/summary.json"
cat "$OUT/summary.md"
