#!/usr/bin/env bash
# Screenshot an HTML report in headless Chromium, to look at what `--format html` draws.
#
#   scripts/render-html-screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]
#
# Needs `chromium` (Debian: apt-get install -y chromium). Offline: the page is self-contained
# and Chromium is told not to reach the network for its own services.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
  exit 2
fi
report=$1
out=$2
size=${3:-1200x1600}
if [[ ! -f $report ]]; then
  echo "$0: no such file: $report" >&2
  exit 2
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z $browser ]]; then
  echo "$0: chromium not found (apt-get install -y chromium)" >&2
  exit 2
fi

report_abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --screenshot="$out_abs" --window-size="${size/x/,}" \
  "file://$report_abs" 2>/dev/null
[[ -s $out_abs ]] || { echo "$0: no screenshot written" >&2; exit 1; }
echo "$out_abs"
