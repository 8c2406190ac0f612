#!/usr/bin/env bash
# Cold start (issue #13), every measurement in a fresh process pinned to one CPU (taskset -c $CPU, like a
# 1-vCPU container). Prints Markdown tables:
#  1. LeNet.ColdStart: first call, median of the calls in [0.25 s, 1 s] after it and in [9 s, 10 s], ratio;
#  2. the wall time of `lenet predict` on one picture from process start: JIT (dotnet LeNet.Cli.dll) and
#     a NativeAOT publish of the CLI, median of $CLI_RUNS runs each.
#
#   bash tests/LeNet.ColdStart/run.sh
#
# Environment (all optional):
#   RUNS=3          fresh processes per case (each takes about 11 s plus start-up)
#   CASES="lenet:forward lenet:predictor examples-net:forward"
#                   model:path[:VAR=value], model lenet|examples-net, path forward|predictor; the optional
#                   third field sets an environment variable for that case, e.g. lenet:forward:DOTNET_TieredCompilation=0
#   CPU=0           the CPU to pin to
#   CLI_RUNS=5      runs of `lenet predict` per build;  SKIP_CLI=1 skips part 2;  SKIP_AOT=1 skips the AOT publish
#   OUT=DIR         where the AOT build and logs go (default: a new temporary folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
CASES=${CASES:-"lenet:forward lenet:predictor examples-net:forward"}
CPU=${CPU:-0}
CLI_RUNS=${CLI_RUNS:-5}
OUT=${OUT:-$(mktemp -d -t lenet-coldstart.XXXXXX)}
mkdir -p "$OUT"
log="$OUT/coldstart.log"
: > "$log"

echo "building tests/LeNet.ColdStart (Release)…" >&2
dotnet build tests/LeNet.ColdStart -c Release -nologo -v q > "$OUT/build-coldstart.log" 2>&1 || { cat "$OUT/build-coldstart.log" >&2; exit 1; }
dll=tests/LeNet.ColdStart/bin/Release/net10.0/LeNet.ColdStart.dll

rows=()
for case in $CASES; do
  IFS=: read -r model path setting <<< "$case"
  flags=(--model "$model")
  [[ "$path" == predictor ]] && flags+=(--predictor)
  for ((run = 1; run <= RUNS; run++)); do
    echo "cold start: $case, process $run of $RUNS…" >&2
    if [[ -n "${setting:-}" ]]; then
      out=$(env "$setting" taskset -c "$CPU" dotnet "$dll" "${flags[@]}")
    else
      out=$(taskset -c "$CPU" dotnet "$dll" "${flags[@]}")
    fi
    printf '%s\n' "$out" >> "$log"
    result=$(grep '^RESULT ' <<< "$out")
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result"; }
    rows+=("| $model | $path | ${setting:-} | $run | $(field first_us) | $(field early_us) | $(field late_us) | $(field ratio) | $(field early_mean_us) / $(field late_mean_us) |")
  done
done

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "Cold start, batch 1, pinned to CPU $CPU ($cpu_model), $(date -u +%Y-%m-%d), fresh process per row (µs per call; ratio = early ÷ late median, target ≤ 1.5):"
echo
echo "| model | path | setting | process | first call µs | median [0.25 s, 1 s] µs | median [9 s, 10 s] µs | ratio | means early / late µs |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"

[[ "${SKIP_CLI:-0}" == 1 ]] && { echo; echo "(full output: $log)"; exit 0; }

weights=src/LeNet/Models/Pretrained/lenet-modern.safetensors
picture=tests/LeNet.Tests/Cli/digits/drawn-7.png
echo "building src/LeNet.Cli (Release)…" >&2
dotnet build src/LeNet.Cli -c Release -nologo -v q > "$OUT/build-cli.log" 2>&1 || { cat "$OUT/build-cli.log" >&2; exit 1; }
jit=(dotnet src/LeNet.Cli/bin/Release/net10.0/LeNet.Cli.dll)

aot_note=""
aot=()
if [[ "${SKIP_AOT:-0}" != 1 ]]; then
  echo "publishing src/LeNet.Cli with NativeAOT to $OUT/aot…" >&2
  if dotnet publish src/LeNet.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$OUT/aot" -nologo > "$OUT/publish-aot.log" 2>&1; then
    aot=("$OUT/aot/LeNet.Cli")
    warnings=$(grep -oE 'warning (IL|CS)[0-9]+' "$OUT/publish-aot.log" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $3, $1; sep=", "}' || true)
    aot_note="NativeAOT binary $(du -h "$OUT/aot/LeNet.Cli" | cut -f1), publish warnings: ${warnings:-none} (log: $OUT/publish-aot.log)"
  else
    aot_note="NativeAOT publish FAILED, see $OUT/publish-aot.log"
    tail -20 "$OUT/publish-aot.log" >&2
  fi
fi

# Median (and min, max) wall time in ms of $CLI_RUNS pinned runs of the command.
wall() {
  local times=() start end output
  output=$(taskset -c "$CPU" "$@" predict --weights "$weights" "$picture")   # one run to check it answers 7
  grep -q ': 7 ' <<< "$output" || { echo "unexpected output: $output" >&2; return 1; }
  for ((i = 0; i < CLI_RUNS; i++)); do
    start=$(date +%s%N)
    taskset -c "$CPU" "$@" predict --weights "$weights" "$picture" > /dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%s | %s | %s", a[int((NR + 1) / 2)], a[1], a[NR] }'
}

echo
echo "\`lenet predict --weights $weights $picture\`, wall time from process start, pinned to CPU $CPU, $CLI_RUNS runs each:"
echo
echo "| build | median ms | min ms | max ms |"
echo "|---|---:|---:|---:|"
echo "| JIT (\`dotnet LeNet.Cli.dll\`) | $(wall "${jit[@]}") |"
if (( ${#aot[@]} )); then
  echo "| NativeAOT | $(wall "${aot[@]}") |"
fi
[[ -n "$aot_note" ]] && { echo; echo "$aot_note"; }
echo
echo "(full output: $log)"
