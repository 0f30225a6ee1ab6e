#!/usr/bin/env bash
# Renders the sample HTML report in headless Chromium and saves a screenshot, to check by eye that the page (inline
# SVG curves, PNG data: URIs, badges) displays as intended. Not part of CI: it needs a browser.
#   tools/render-report.sh [OUTPUT.png]        (install the browser with: apt-get install -y chromium)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/sample-report.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "render-report: no chromium found; skipping (apt-get install -y chromium)"
  exit 0
fi
dotnet test "$root/tests/AdvScan.Reporting.Tests" --filter "FullyQualifiedName~Sample_page_written_to_a_file" --nologo -v q
page="$(find "$root/tests/AdvScan.Reporting.Tests/bin" -name sample-report.html -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)"
mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 --screenshot="$out" "file://$page" 2>/dev/null
echo "render-report: $page -> $out"
