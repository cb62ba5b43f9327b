#!/bin/sh
# Render a report.html to a PNG with headless Chromium, to look at the layout.
# Usage: reports/screenshot.sh OUTDIR/report.html [out.png] [height]
# Needs `chromium` (apt-get install -y chromium fonts-dejavu-core). Offline:
# the report has no external resources, and networking features are disabled.
set -eu
html=${1:?usage: screenshot.sh REPORT.html [OUT.png] [HEIGHT]}
out=${2:-${html%.html}.png}
height=${3:-4000}
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$out" --window-size=1240,"$height" "file://$abs" >/dev/null 2>&1
echo "$out"
