#!/bin/bash
# The experiment of README.md here: PROCESSES (default 40) processes one after another, one thread each, then the analysis.
# usage: results/cpu/2026-12-01-reference-ratio/run.sh OUTDIR [PROCESSES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: run.sh OUTDIR [PROCESSES]}
count=${2:-40}
mkdir -p "$out"
dotnet build -c Release "$here/ReferenceRatioExperiment.csproj" -o "$out/bin" > "$out/build.log"
uptime > "$out/uptime.txt"
for i in $(seq -w 1 "$count"); do
  DOTNET_PROCESSOR_COUNT=1 "$out/bin/ReferenceRatioExperiment" "$out/p$i.json" 6000
done
uptime >> "$out/uptime.txt"
/usr/bin/python3 "$here/analyse.py" "$out"
