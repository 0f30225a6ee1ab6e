#!/usr/bin/env bash
# What the AdvScan gate adds to a `dotnet build` where nothing changed (issue target: < 1 s).
# Packs AdvScan.MSBuild into a temporary feed, copies examples/mnist-gate beside the fixtures it scans, builds once
# (the scan runs), then alternates no-change builds with the gate on and off (-p:AdvScanEnabled=false) so machine noise
# hits both sides alike, and prints the medians and their difference.
#   bench/msbuild-incremental.sh [REPS]      (default 7 of each)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-7}"
work="$(mktemp -d -t advscan-incremental-XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack "$root/msbuild/AdvScan.MSBuild" -c Release -o "$work/feed" -nologo -v:q >/dev/null
dotnet pack "$root/src/AdvScan.Cli" -c Release -o "$work/feed" -nologo -v:q >/dev/null   # the tool, this OS's RID
mkdir -p "$work/tests/fixtures" "$work/examples/gate"
cp "$root"/tests/fixtures/mnist-cnn.onnx "$root"/tests/fixtures/mnist-test-*-ubyte "$work/tests/fixtures/"
cp "$root"/examples/Directory.* "$work/examples/"
find "$root/examples/mnist-gate" -maxdepth 1 -type f ! -name nuget.config -exec cp {} "$work/examples/gate/" \;
cp -r "$root/examples/mnist-gate/.config" "$work/examples/gate/"   # the tool manifest the first build restores from
cat > "$work/examples/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="bench" value="$work/feed" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
</configuration>
XML
export NUGET_PACKAGES="$work/packages"
build() { dotnet build "$work/examples/gate" -nologo -tl:off -v:q "$@" >/dev/null; }
build    # restore (packages and the tool), compile, scan

seconds() { local t0 t1; t0=$(date +%s.%N); build "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'; }
# The first build after the scanning one: before the scan moved ahead of CoreCompile, this one recompiled (the analyzers'
# SARIF input was newer than the assembly); now it must be a no-change build like the rest.
first_after="$(seconds)"
on=(); off=()
for _ in $(seq "$reps"); do
  on+=("$(seconds)")
  off+=("$(seconds -p:AdvScanEnabled=false)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
echo "first build after the scan: ${first_after}s"
echo "no-change build, gate on : median ${m_on}s  (${on[*]})"
echo "no-change build, gate off: median ${m_off}s  (${off[*]})"
echo "added by the gate        : $(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.2f", a - b }')s"
