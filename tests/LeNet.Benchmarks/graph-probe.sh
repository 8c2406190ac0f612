#!/bin/sh
# Load-to-first-answer and peak memory of the graph networks, this library beside ONNX Runtime, one process per
# figure (a process's peak resident memory cannot be reset). Usage, from the repository root, after building
# tests/LeNet.Benchmarks in Release:  sh tests/LeNet.Benchmarks/graph-probe.sh [DIR]
set -e
dir=${1:-/tmp/lenet-graph-probe}
run() { dotnet tests/LeNet.Benchmarks/bin/Release/net10.0/LeNet.Benchmarks.dll graph-probe "$@"; }
for net in resnet20 resnet18 mobilenet_v2 squeezenet1_1; do
  run write x "$net" "$dir"
  for engine in ours ort; do
    run load "$engine" "$net" "$dir" 1
    run memory "$engine" "$net" "$dir" 64 2
  done
done
