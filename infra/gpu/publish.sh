#!/usr/bin/env bash
# Builds the self-contained linux-x64 bundle the GPU machine runs (it has no .NET). Run here, then carry .bundle.
# Not trimmed: trimming breaks ILGPU (it finds Math methods by reflection). NativeAOT cannot work (ILGPU emits code at run time).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.bundle}"
dotnet publish client/HyperBench.Cli -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:DebugType=None -p:DebugSymbols=false -o "$out" >/dev/null
size=$(stat -c %s "$out/hyperbench")
echo "bundle: $out/hyperbench, $((size / 1048576)) MiB"
if [ "$size" -gt $((60 * 1048576)) ]; then echo "bundle over 60 MiB" >&2; exit 1; fi
