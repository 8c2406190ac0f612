#!/usr/bin/env bash
# Load to first answer with NativeAOT (issue 24): the `lenet` CLI published with NativeAOT for this CPU
# (IlcInstructionSet=native, so the AVX2/AVX-512 kernels), timed as a whole process from exec to exit
# (`lenet predict --model torchvision:NET --weights NET.pth PICTURE`: start-up, building the network under
# Module.SkipInit, reading and loading the .pth, decoding and preprocessing the picture, the first forward,
# printing), interleaved with `graph-probe load ort` (ONNX Runtime's session creation + first run, timed inside an
# already started process) and `graph-probe load ours` (the same as ours under the JIT, inside a started process).
# ResNet-20 is not a torchvision model, so the CLI cannot load it and it is not in this table.
#
#   bash tests/LeNet.Benchmarks/load-aot.sh [DIR]       (DIR: graph-probe's files, written if missing)
#
# Environment (optional): RUNS=3 interleaved runs per network; OUT=DIR for the AOT build (default: a new
# temporary folder); NETWORKS="resnet18 mobilenet_v2 squeezenet1_1".
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/lenet-graph-probe}
runs=${RUNS:-3}
networks=${NETWORKS:-"resnet18 mobilenet_v2 squeezenet1_1"}
out=${OUT:-$(mktemp -d -t lenet-load-aot.XXXXXX)}
picture=tests/LeNet.Tests/Cli/digits/drawn-7.png
mkdir -p "$dir" "$out"

echo "building tests/LeNet.Benchmarks (Release)…" >&2
dotnet build tests/LeNet.Benchmarks -c Release -nologo -v q > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
echo "publishing src/LeNet.Cli with NativeAOT (IlcInstructionSet=native) to $out/aot…" >&2
dotnet publish src/LeNet.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=native -o "$out/aot" -nologo > "$out/publish.log" 2>&1 || { tail -20 "$out/publish.log" >&2; exit 1; }
probe() { dotnet tests/LeNet.Benchmarks/bin/Release/net10.0/LeNet.Benchmarks.dll graph-probe "$@"; }
ms() { sed -n 's/.*: \([0-9.]*\) ms.*/\1/p'; }

echo
echo "Load to first answer, batch 1, one thread, ms, $(date -u '+%Y-%m-%d %H:%M') UTC, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo
echo "| network | run | ours, NativeAOT, whole process | ONNX Runtime, in a started process | ours, JIT, in a started process |"
echo "|---|---:|---:|---:|---:|"
for net in $networks; do
  [[ -f "$dir/$net.pth" && -f "$dir/$net-1.onnx" ]] || probe write x "$net" "$dir" > /dev/null
  "$out/aot/LeNet.Cli" predict --model "torchvision:$net" --weights "$dir/$net.pth" "$picture" > /dev/null   # warms the page cache like the others' files
  for ((run = 1; run <= runs; run++)); do
    start=$(date +%s%N)
    "$out/aot/LeNet.Cli" predict --model "torchvision:$net" --weights "$dir/$net.pth" "$picture" > /dev/null
    end=$(date +%s%N)
    ort=$(probe load ort "$net" "$dir" 1 | ms)
    ours=$(probe load ours "$net" "$dir" 1 | ms)
    echo "| $net | $run | $(( (end - start) / 1000000 )) | $ort | $ours |"
  done
done
