#!/usr/bin/env bash
# Builds and runs the AdvScan engine benchmark (Release). Extra arguments go to the benchmark, e.g.
#   bench/run.sh --threads 2 --reps 21
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dotnet run -c Release --project "$here/AdvScan.Bench/AdvScan.Bench.csproj" -- "$@"
