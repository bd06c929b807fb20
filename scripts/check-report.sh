#!/usr/bin/env bash
# Renders the HTML report of a shipped example in a real headless browser and saves a screenshot,
# so a person can look at what `numasim stress --report` shows. Not part of CI (it needs
# Debian's chromium); run it after changing Sources/NumaReports/HTMLReport.swift or SVGChart.swift.
#
#   scripts/check-report.sh [OUT.png]      # default docs/images/report-example.png
#
# Environment: SCRATCH (build folder, default .build), TOPO, WORKLOAD, EXTRA (more stress flags).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images/report-example.png}"
scratch="${SCRATCH:-.build}"
topo="${TOPO:-topologies/nehalem-2s-qemu.yaml}"
workload="${WORKLOAD:-workloads/zone-reclaim.yaml}"

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "check-report: installing Debian's chromium" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
    browser="$(command -v chromium)"
fi

swift build --scratch-path "$scratch" --product numasim >&2
bin="$scratch/debug/numasim"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
"$bin" stress -t "$topo" -w "$workload" --quiet --report "$tmp/report.html" ${EXTRA:-} > "$tmp/stress.txt"

# The report must stand alone: no network references, no scripts.
if grep -Eq '(src|href)="https?://|<script' "$tmp/report.html"; then
    echo "check-report: $tmp/report.html references the network or has a script" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
case "$out" in /*) abs="$out" ;; *) abs="$PWD/$out" ;; esac
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1280,2600 --screenshot="$abs" "file://$tmp/report.html" >/dev/null 2>&1
if [ ! -s "$out" ]; then echo "check-report: $browser wrote no screenshot" >&2; exit 1; fi
echo "check-report: $out ($(stat -c %s "$out") bytes) from $topo + $workload"
