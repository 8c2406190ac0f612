#!/usr/bin/env bash
# The load run: builds the web app and the load tool (Release), starts the app on 127.0.0.1, POSTs JSON
# pixels from several concurrent clients for 30 s, prints requests/s, p50/p99 latency and errors, and
# stops the app. Loopback only; nothing is left running.
#   bash tests/LeNet.Web.Load/run.sh [--clients 8] [--seconds 30] [--model modern]
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${LENET_LOAD_PORT:-5190}
out=artifacts/load
mkdir -p "$out"

dotnet build src/LeNet.Web -c Release -nologo -v q >/dev/null
dotnet build tests/LeNet.Web.Load -c Release -nologo -v q >/dev/null

# The app as a user runs it (its default logging: one line per request, here into a file).
dotnet src/LeNet.Web/bin/Release/net10.0/LeNet.Web.dll --urls "http://127.0.0.1:$port" --contentRoot "$PWD/src/LeNet.Web" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$out/server.log"; exit 1; }
  sleep 0.2
done

dotnet tests/LeNet.Web.Load/bin/Release/net10.0/LeNet.Web.Load.dll --url "http://127.0.0.1:$port" "$@" | tee "$out/load.txt"
