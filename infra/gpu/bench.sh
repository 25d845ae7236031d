#!/usr/bin/env bash
# One prepared GPU run, about 8 device minutes; everything lands under $OUT (JSON, markdown, logs, a SQLite file):
#   1. nvidia-smi;  2. the offline PTX gate (ptxas/cuobjdump from Triton's package, a CUDA toolkit or $HYPERBENCH_CUDA_TOOLS);
#   3. the CUDA kernels against float64 (flash d 64/128, causal both, fwd+bwd; hyper);
#   4. `hyperbench sweep` of flash and hyper into $OUT/hyperbench.db: n <= HB_SPLIT_N at HB_HEADS heads, longer n at
#      HB_LONG_HEADS heads in a second sweep, both under `timeout` (HB_SWEEP_SECONDS in all); then the tensor-core dtypes
#      (HB_DTYPES, default tf32x3,bf16,fp16) forward at n <= HB_SPLIT_N in a third sweep and fwdbwd at the first two of
#      those n (HB_DTYPE_BWD_N) in a fourth, sharing HB_DTYPE_SECONDS; `results ID --format json` per sweep;
#   5. torch SDPA fp32, bf16 and fp16 on the same shapes (HB_TORCH_SECONDS);  6. report.py -> $OUT/summary.md, summary.json,
#      with each case's ratio to SDPA at its dtype (fp32 and tf32x3 against SDPA fp32, bf16 and fp16 against SDPA bf16/fp16).
#   usage: OUT=dir infra/gpu/bench.sh [--dry-run]    (HB_N: plain integers, e.g. HB_N=4096,8192)
# HB_PRESET=paper: the paper's benchmark instead of steps 2 (PTX gate), the tensor-core check and 4-5: `sweep --preset paper`
#   (n 1k..128k, batch 1, 12 heads, d 64, r 7, b = m = 256, min_seq_len 4096, fwd, bwd and fwdbwd, causal and not, flash and hyper)
#   at HB_PRESET_DTYPES (default bf16, as the paper; bf16,fp32 if time allows) under HB_SWEEP_SECONDS (default 300), min
#   HB_SAMPLES 3 samples and HB_BUDGET 0.2 s per case; then torch SDPA at the same dtypes, shapes and passes (HB_TORCH_SECONDS,
#   default 100). About 7.5 device minutes at most: 0.5 nvidia-smi and checks, 5 sweep, under 2 SDPA. HB_HEADS and HB_N, when set,
#   go to the sweep as --heads and --n (they win over the preset, e.g. HB_HEADS=32 as in the authors' script).
# Expects the bundle from infra/gpu/publish.sh at .bundle/hyperbench. --dry-run uses the CPU and tiny sizes (for checking here).
# A step that fails or runs out of time is logged and the script goes on: what did not run is listed in summary.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:?set OUT to the results folder}"
mkdir -p "$OUT"
bin=.bundle/hyperbench
dry=0; [ "${1:-}" = "--dry-run" ] && dry=1
preset=${HB_PRESET:-}
case "$preset" in ""|paper) ;; *) echo "HB_PRESET: '$preset' is not a preset; known presets: paper" >&2; exit 2 ;; esac
export PYTHONUNBUFFERED=1
# The sweeps here run under fixed time limits and are reported one by one: the noise gate's re-measures (child sweeps with 4x
# the budget, docs/measurement.md) would eat those limits and add sweeps to the report. HYPERBENCH__CvLimit=0.1 turns it on.
export HYPERBENCH__CvLimit=${HYPERBENCH__CvLimit:-off}
t0=$SECONDS
step() { echo "== [$((SECONDS - t0)) s] $*" | tee -a "$OUT/steps.log"; }
db="$OUT/hyperbench.db"

# Defaults per mode; HB_* variables override them in either (e.g. HB_SWEEP_SECONDS=10 with --dry-run tries the timeout path).
if [ $dry = 1 ]; then
  device=cpu; d_ns=256,512,1024; d_split=512; d_heads=2; d_long=1; d_sweep=120; d_samples=1; d_budget=0.05; d_torch=0; check_n=100
  d_dtype_s=120; d_dtype_n=64
  tag="dry-$(date -u +%Y-%m-%d)"
  # The first python3 on PATH may lack NumPy; the system one has it (python3-numpy).
  py=${HB_PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )}
else
  device=cuda:0; d_ns=4096,8192,16384,32768,65536,131072; d_split=32768; d_heads=32; d_long=8; d_sweep=240; d_samples=2; d_budget=0.5
  d_torch=110; check_n=1000; d_dtype_s=80; d_dtype_n=""
  tag="gpu-$(date -u +%Y-%m-%d)"
  py=${HB_PYTHON:-python3}
fi
ns=${HB_N:-$d_ns}; split=${HB_SPLIT_N:-$d_split}; heads=${HB_HEADS:-$d_heads}; long_heads=${HB_LONG_HEADS:-$d_long}
sweep_s=${HB_SWEEP_SECONDS:-$d_sweep}; samples=${HB_SAMPLES:-$d_samples}; budget=${HB_BUDGET:-$d_budget}; torch_s=${HB_TORCH_SECONDS:-$d_torch}
dtypes=${HB_DTYPES:-tf32x3,bf16,fp16}; dtype_s=${HB_DTYPE_SECONDS:-$d_dtype_s}
if [ -n "$preset" ]; then
  # The preset's own grid; on the CPU (dry run) cut to two tiny n at one head in fp32 (the cpu backend's only dtype), to check the plumbing.
  if [ $dry = 1 ]; then p_dtypes=${HB_PRESET_DTYPES:-fp32}; p_extra=(--n "${HB_N:-256,512}" --heads "${HB_HEADS:-1}"); p_sweep_s=${HB_SWEEP_SECONDS:-120}
  else p_dtypes=${HB_PRESET_DTYPES:-bf16}; p_extra=(); [ -n "${HB_N:-}" ] && p_extra+=(--n "$HB_N"); [ -n "${HB_HEADS:-}" ] && p_extra+=(--heads "$HB_HEADS")
       p_sweep_s=${HB_SWEEP_SECONDS:-300}; samples=${HB_SAMPLES:-3}; budget=${HB_BUDGET:-0.2}; torch_s=${HB_TORCH_SECONDS:-100}; fi
  p_ns=${HB_N:-$([ $dry = 1 ] && echo 256,512 || echo 1024,2048,4096,8192,16384,32768,65536,131072)}
  p_heads=${HB_HEADS:-$([ $dry = 1 ] && echo 1 || echo 12)}
fi
if [ $dry = 0 ]; then
  step "nvidia-smi"
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv >> "$OUT/nvidia-smi.txt" 2>&1
  head -n 20 "$OUT/nvidia-smi.txt"
fi
# Lengths up to $split run at $heads heads; longer ones at $long_heads (cut for time, and said so in summary.md).
short_ns=$(echo "$ns" | tr ',' '\n' | awk -v s="$split" '$1 != "" && $1 + 0 <= s + 0' | paste -sd, -)
long_ns=$(echo "$ns" | tr ',' '\n' | awk -v s="$split" '$1 != "" && $1 + 0 > s + 0' | paste -sd, -)
# The dtype sweep: the short lengths on the GPU; on the CPU accelerator (dry run) one tiny n, its mma emulation being slow.
dtype_ns=${HB_DTYPE_N:-${d_dtype_n:-$short_ns}}
# Its fwdbwd part: the first two of those lengths (a backward costs about 2.5 forwards; the dtype time is not raised).
dtype_bwd_ns=${HB_DTYPE_BWD_N:-$(echo "$dtype_ns" | cut -d, -f1-2)}

# --- 2. offline PTX gate -----------------------------------------------------------------------------------------------
# ptxas and cuobjdump: $HYPERBENCH_CUDA_TOOLS, Triton's bundled binaries, NVIDIA's pip packages, PATH, /usr/local/cuda.
# The PTX says .version 7.8 (ISA 7.8, what ptxas 11.8 accepts); newer ptxas accept older ISA versions, so Triton's 12.x/13.x do too.
find_cuda_tools() {
  local dirs=() d p c
  [ -n "${HYPERBENCH_CUDA_TOOLS:-}" ] && dirs+=("$HYPERBENCH_CUDA_TOOLS")
  for d in $("$py" -c 'import triton,os;print(os.path.dirname(triton.__file__))' 2>/dev/null) \
           $("$py" -c 'import nvidia;print(" ".join(nvidia.__path__))' 2>/dev/null); do
    while IFS= read -r p; do dirs+=("$(dirname "$p")"); done < <(find "$d" -maxdepth 5 -type f -name ptxas 2>/dev/null)
  done
  p=$(command -v ptxas 2>/dev/null) && dirs+=("$(dirname "$p")")
  dirs+=("${CUDA_HOME:-/usr/local/cuda}/bin" /usr/local/cuda/bin)
  p=""; c=""
  for d in "${dirs[@]}"; do
    if [ -x "$d/ptxas" ] && [ -x "$d/cuobjdump" ]; then echo "$d"; return 0; fi
    [ -z "$p" ] && [ -x "$d/ptxas" ] && p="$d/ptxas"
    [ -z "$c" ] && [ -x "$d/cuobjdump" ] && c="$d/cuobjdump"
  done
  [ -z "$c" ] && c=$(command -v cuobjdump 2>/dev/null)
  if [ -n "$p" ] && [ -n "$c" ]; then   # found in different folders: the gate wants one folder
    d=$(mktemp -d /tmp/hb-cuda-tools.XXXXXX) && ln -s "$p" "$d/ptxas" && ln -s "$c" "$d/cuobjdump" && echo "$d" && return 0
  fi
  echo "ptxas=${p:-not found} cuobjdump=${c:-not found}" >&2
  return 1
}
step "offline PTX gate (sm_90)"
if [ -n "$preset" ]; then
  echo "HB_PRESET=$preset: PTX gate not run (its time goes to the preset's grid)" | tee "$OUT/ptx-gate.log"
elif tools=$(find_cuda_tools 2> "$OUT/ptx-gate.log"); then
  echo "ptxas: $tools/ptxas ($("$tools/ptxas" --version 2>&1 | grep -m1 -o 'release.*'))" | tee -a "$OUT/ptx-gate.log"
  timeout -k 10 180 $bin kernels ptx --arch sm_90 --ptxas "$tools" --markdown "$OUT/ptx-gate.md" --json "$OUT/ptx-gate.json" >> "$OUT/ptx-gate.log" 2>&1
  echo "kernels ptx exit code $? (0 all pass, 1 a kernel fails the gate, 3 tools not usable)" | tee -a "$OUT/ptx-gate.log"
  [ -f "$OUT/ptx-gate.md" ] && cat "$OUT/ptx-gate.md" || tail -n 20 "$OUT/ptx-gate.log"
else
  echo "no ptxas/cuobjdump found ($(cat "$OUT/ptx-gate.log")): PTX gate skipped" | tee -a "$OUT/ptx-gate.log"
fi

# --- 3. correctness against float64 ------------------------------------------------------------------------------------
step "correctness: $device vs float64 reference (n=$check_n, batch 2, heads 3, d 64 and 128, causal both, fwd+bwd)"
rm -rf /tmp/hb-dump
timeout -k 10 120 $bin kernels bench --device $device --n $check_n --batch 2 --heads 3 --d 64,128 --causal both --pass fwdbwd \
  --min-samples 1 --budget 0 --warmup 0 --warmup-time 0 --json "$OUT/check-bench.json" --dump /tmp/hb-dump > "$OUT/check.log" 2>&1
"$py" infra/gpu/check_dump.py /tmp/hb-dump 2>&1 | tee -a "$OUT/check.log"
step "correctness: hyper on $device vs its sortLSH blocks + samples recomputed in float64 (n=$check_n, non-causal, fwd+bwd)"
rm -rf /tmp/hb-dump-hyper
timeout -k 10 120 $bin kernels bench --device $device --kernel hyper --n $check_n --batch 2 --heads 3 --d 64 --causal false --pass fwdbwd \
  --block-size 32 --samples 16 --min-samples 1 --budget 0 --warmup 0 --warmup-time 0 --json "$OUT/check-hyper.json" --dump /tmp/hb-dump-hyper >> "$OUT/check.log" 2>&1
"$py" infra/gpu/check_dump.py /tmp/hb-dump-hyper 2>&1 | tee -a "$OUT/check.log"

# The tensor-core forward and backward (never run on a GPU before this script): every dtype at d 64 and 128, O, lse and the
# gradients against float64. On the CPU (dry run) the ILGPU CPU accelerator runs the same kernels through its mma emulation, at a tiny n.
tc_device=$device; tc_n=$check_n; tc_d=64,128; [ $dry = 1 ] && { tc_device=ilgpu-cpu; tc_n=40; tc_d=64; }
if [ -z "$preset" ]; then
step "correctness: tensor-core $dtypes on $tc_device vs float64 reference (n=$tc_n, batch 2, heads 3, d $tc_d, causal both, fwd+bwd)"
rm -rf /tmp/hb-dump-tc
timeout -k 10 120 $bin kernels bench --device $tc_device --dtype "$dtypes" --n $tc_n --batch 2 --heads 3 --d $tc_d --causal both --pass fwdbwd \
  --min-samples 1 --budget 0 --warmup 0 --warmup-time 0 --json "$OUT/check-dtypes.json" --dump /tmp/hb-dump-tc >> "$OUT/check.log" 2>&1
"$py" infra/gpu/check_dump.py /tmp/hb-dump-tc 2>&1 | tee -a "$OUT/check.log"
fi

# --- 4. the sweep ------------------------------------------------------------------------------------------------------
# Sweep ids: the stored sweeps listed (`results --format json`) before and after, so nothing parses the progress output.
list_sweeps() {
  rm -f "$OUT/.sweeps.json"
  [ -f "$db" ] && $bin results --db "$db" --format json --out "$OUT/.sweeps.json" > /dev/null 2>&1 &&
    "$py" -c 'import json,sys; print("\n".join(s["sweep_id"] for s in json.load(open(sys.argv[1]))))' "$OUT/.sweeps.json"
}
before=$(list_sweeps)
if [ -n "$preset" ]; then
  # The preset's grid in one sweep (96 cases per dtype); SIGINT at the timeout keeps what finished, the rest is listed as not run.
  step "sweep on $device: --preset $preset at $p_dtypes ${p_extra[*]} (timeout ${p_sweep_s}s, min $samples samples, budget $budget s, tag $tag)"
  timeout -s INT -k 20 "$p_sweep_s" $bin sweep --preset "$preset" "${p_extra[@]}" --dtype "$p_dtypes" --device $device --db "$db" --tag "$tag" \
    --min-samples $samples --budget $budget --warmup 0 --warmup-time 0 > "$OUT/sweep-preset.log" 2>&1
  rc=$?; [ $rc = 124 ] || [ $rc = 137 ] && echo "sweep stopped by its ${p_sweep_s}s timeout: the cases it did not reach are listed in summary.md" | tee -a "$OUT/sweep-preset.log"
  grep -A 200 "^Preset $preset" "$OUT/sweep-preset.log" || tail -n 30 "$OUT/sweep-preset.log"
  short_ns=""; long_ns=""; dtype_ns=""   # the generic sweeps below do not run
fi
sweep_opts=(--kernel flash,hyper --causal both --pass fwd,fwdbwd --batch 1 --d 64 --device $device --db "$db" --tag "$tag"
            --min-samples $samples --budget $budget --warmup 0 --warmup-time 0)
sweep_end=$((SECONDS + sweep_s))
# The first sweep may take up to 60% of the time; the second gets what is left. SIGINT stops a sweep the way Ctrl+C does
# (finished cases stay stored, the sweep is left unfinished); -k kills it if a kernel still runs 20 s later.
if [ -n "$short_ns" ]; then
  limit=$((sweep_s * 6 / 10)); [ -z "$long_ns" ] && limit=$sweep_s
  step "sweep on $device: flash,hyper n=$short_ns heads=$heads (timeout ${limit}s, tag $tag)"
  timeout -s INT -k 20 $limit $bin sweep --n "$short_ns" --heads $heads "${sweep_opts[@]}" > "$OUT/sweep-short.log" 2>&1
  rc=$?; [ $rc = 124 ] || [ $rc = 137 ] && echo "sweep stopped by its ${limit}s timeout: the cases it did not reach are listed in summary.md" | tee -a "$OUT/sweep-short.log"
  tail -n 8 "$OUT/sweep-short.log"
fi
if [ -n "$long_ns" ]; then
  left=$((sweep_end - SECONDS))
  if [ $left -ge 20 ]; then
    step "sweep on $device: flash,hyper n=$long_ns heads=$long_heads (cut from $heads for time; timeout ${left}s)"
    timeout -s INT -k 20 $left $bin sweep --n "$long_ns" --heads $long_heads "${sweep_opts[@]}" > "$OUT/sweep-long.log" 2>&1
    rc=$?; [ $rc = 124 ] || [ $rc = 137 ] && echo "sweep stopped by its ${left}s timeout: the cases it did not reach are listed in summary.md" | tee -a "$OUT/sweep-long.log"
    tail -n 8 "$OUT/sweep-long.log"
  else
    step "no time left for the sweep of n=$long_ns (${left}s of ${sweep_s}s): not run, listed in summary.md"
  fi
fi
if [ -n "$dtype_ns" ] && [ -n "$dtypes" ] && [ "$dtype_s" -gt 0 ]; then
  # The forward sweep may take up to 60% of the dtype time (all of it without a fwdbwd part); fwdbwd gets what is left.
  dtype_end=$((SECONDS + dtype_s))
  limit=$((dtype_s * 6 / 10)); [ -z "$dtype_bwd_ns" ] && limit=$dtype_s
  dtype_opts=(--heads $heads --kernel flash,hyper --causal both --dtype "$dtypes" --batch 1 --d 64 --device $tc_device --db "$db" --tag "$tag"
              --min-samples $samples --budget $budget --warmup 0 --warmup-time 0)
  step "sweep on $tc_device: flash,hyper fwd at $dtypes, n=$dtype_ns heads=$heads (timeout ${limit}s)"
  timeout -s INT -k 20 $limit $bin sweep --n "$dtype_ns" --pass fwd "${dtype_opts[@]}" > "$OUT/sweep-dtypes.log" 2>&1
  rc=$?; [ $rc = 124 ] || [ $rc = 137 ] && echo "sweep stopped by its ${limit}s timeout: the cases it did not reach are listed in summary.md" | tee -a "$OUT/sweep-dtypes.log"
  tail -n 8 "$OUT/sweep-dtypes.log"
  if [ -n "$dtype_bwd_ns" ]; then
    left=$((dtype_end - SECONDS))
    if [ $left -ge 20 ]; then
      step "sweep on $tc_device: flash,hyper fwdbwd at $dtypes, n=$dtype_bwd_ns heads=$heads (timeout ${left}s)"
      timeout -s INT -k 20 $left $bin sweep --n "$dtype_bwd_ns" --pass fwdbwd "${dtype_opts[@]}" > "$OUT/sweep-dtypes-bwd.log" 2>&1
      rc=$?; [ $rc = 124 ] || [ $rc = 137 ] && echo "sweep stopped by its ${left}s timeout: the cases it did not reach are listed in summary.md" | tee -a "$OUT/sweep-dtypes-bwd.log"
      tail -n 8 "$OUT/sweep-dtypes-bwd.log"
    else
      step "no time left for the fwdbwd dtype sweep of n=$dtype_bwd_ns (${left}s of ${dtype_s}s): not run, listed in summary.md"
    fi
  fi
fi
after=$(list_sweeps)
[ -f "$OUT/.sweeps.json" ] && mv "$OUT/.sweeps.json" "$OUT/sweeps.json"
sweep_files=()
for id in $(comm -13 <(echo "$before" | sort) <(echo "$after" | sort)); do
  $bin results "$id" --db "$db" --format json --out "$OUT/sweep-$id.json" > /dev/null 2>&1 && sweep_files+=(--sweep "$OUT/sweep-$id.json")
  $bin results "$id" --db "$db" --format markdown --out "$OUT/sweep-$id.md" > /dev/null 2>&1
done
step "sweeps exported: ${sweep_files[*]:-none}"

# --- 5. torch SDPA -----------------------------------------------------------------------------------------------------
torch_files=()
if [ -n "$preset" ] && [ $dry = 0 ] && [ "$torch_s" -gt 0 ]; then
  # SDPA at the preset's dtypes (bf16 -> bfloat16, fp32 -> float32), shapes and passes, beside our flash and hyper.
  t_dtypes=$(echo "$p_dtypes" | tr ',' '\n' | sed -e 's/^bf16$/bfloat16/' -e 's/^fp32$/float32/' -e 's/^fp16$/float16/' -e 's/^tf32x3$/float32/' | sort -u | paste -sd, -)
  step "torch SDPA $t_dtypes: n=$p_ns heads=$p_heads, fwd, bwd and fwdbwd (--max-seconds $torch_s)"
  timeout -k 10 $((torch_s + 60)) "$py" infra/gpu/torch_sdpa.py --n "$p_ns" --batch 1 --heads "$p_heads" --d 64 --dtypes "$t_dtypes" \
    --causal both --pass fwd,bwd,fwdbwd --max-seconds "$torch_s" --json "$OUT/torch-preset.json" > "$OUT/torch-preset.log" 2>&1
  tail -n 20 "$OUT/torch-preset.log"
  [ -f "$OUT/torch-preset.json" ] && torch_files+=(--torch "$OUT/torch-preset.json")
elif [ $dry = 0 ] && [ "$torch_s" -gt 0 ]; then
  torch_end=$((SECONDS + torch_s))
  for part in short long; do
    if [ $part = short ]; then part_ns=$short_ns; part_heads=$heads; else part_ns=$long_ns; part_heads=$long_heads; fi
    [ -z "$part_ns" ] && continue
    left=$((torch_end - SECONDS)); [ $part = short ] && [ -n "$long_ns" ] && left=$((torch_s * 4 / 10))
    [ $left -lt 10 ] && { step "torch SDPA n=$part_ns: no time left, not timed"; continue; }
    step "torch SDPA fp32, bf16, fp16: n=$part_ns heads=$part_heads (--max-seconds $left)"
    timeout -k 10 $((left + 60)) "$py" infra/gpu/torch_sdpa.py --n "$part_ns" --batch 1 --heads $part_heads --d 64 --dtypes float32,bfloat16,float16 \
      --causal both --pass fwd,fwdbwd --max-seconds $left --json "$OUT/torch-$part.json" > "$OUT/torch-$part.log" 2>&1
    tail -n 20 "$OUT/torch-$part.log"
    [ -f "$OUT/torch-$part.json" ] && torch_files+=(--torch "$OUT/torch-$part.json")
  done
fi

# --- 6. summary ---------------------------------------------------------------------------------------------------------
step "summary"
if [ -n "$preset" ]; then
  "$py" infra/gpu/report.py "${sweep_files[@]}" "${torch_files[@]}" --sweeps "$OUT/sweeps.json" --env "$OUT/check-bench.json" \
    --preset "$preset" --grid-n "$p_ns" --grid-kernels flash,hyper --grid-causal both --grid-pass fwd,bwd,fwdbwd --heads "$p_heads" \
    --grid-main-dtypes "$p_dtypes" --markdown "$OUT/summary.md" --json "$OUT/summary.json"
else
"$py" infra/gpu/report.py "${sweep_files[@]}" "${torch_files[@]}" --sweeps "$OUT/sweeps.json" --env "$OUT/check-bench.json" \
  --grid-n "$ns" --grid-kernels flash,hyper --grid-causal both --grid-pass fwd,fwdbwd --heads $heads \
  --grid-dtypes "$dtypes" --grid-dtype-n "$dtype_ns" --grid-dtype-bwd-n "$dtype_bwd_ns" \
  --markdown "$OUT/summary.md" --json "$OUT/summary.json"
fi
cat "$OUT/summary.md"
step "done"
