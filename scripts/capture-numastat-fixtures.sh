#!/bin/sh
# Captures what the real numastat (numactl 2.0.16, Debian bookworm: apt-get install numactl)
# prints for known node files, into Tests/Fixtures/numastat/CASE/: the node files the tool read
# (nodeN/numastat, nodeN/meminfo) and its output for each option set (numastat[-OPTS].out; w80-…
# with NUMASTAT_WIDTH=80, as on a terminal). NumastatToolTests render the same files with
# numasim's NumastatTool and compare byte for byte.
#
# Cases: `host` — this machine's own node files, snapshotted; the others — node files of numasim
# runs (`stress --json`: numastat and --dump node-meminfo). numastat reads
# /sys/devices/system/node only, so each case's directory is bind-mounted over it in a private
# mount namespace (needs root: unshare -m). Usage: scripts/capture-numastat-fixtures.sh [BIN]
# (default .build/debug/numasim, from the repository root).
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug/numasim}
OUT=Tests/Fixtures/numastat
command -v numastat >/dev/null || { echo "numastat not installed (apt-get install numactl)" >&2; exit 1; }

# capture CASE: runs numastat over $OUT/CASE's node directories.
capture() {
    dir=$OUT/$1
    rm -f "$dir"/*.out
    for opts in "" "-n" "-m" "-c" "-z" "-s" "-c -m" "-z -m" "-s -m" "-m -n" "-c -z" "-c -z -s -m -n"; do
        name=numastat$(printf '%s' "$opts" | tr -d ' ')
        unshare -m sh -c "mount --bind '$PWD/$dir' /sys/devices/system/node && numastat $opts" > "$dir/$name.out"
    done
    for opts in "" "-n" "-c -m"; do
        name=w80-numastat$(printf '%s' "$opts" | tr -d ' ')
        unshare -m sh -c "mount --bind '$PWD/$dir' /sys/devices/system/node && NUMASTAT_WIDTH=80 numastat $opts" > "$dir/$name.out"
    done
}

# from_run CASE STRESS-ARGS...: node files of a numasim run.
from_run() {
    name=$1; shift
    rm -rf "${OUT:?}/$name" && mkdir -p "$OUT/$name"
    "$BIN" stress "$@" --quiet --json --dump node-meminfo | python3 -c '
import json, sys, os, re
r = json.load(sys.stdin)
out = sys.argv[1]
for node, stats in r["numastat"].items():
    os.makedirs(f"{out}/node{node}", exist_ok=True)
    with open(f"{out}/node{node}/numastat", "w") as f:
        for k in ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"]:
            f.write(f"{k} {stats[k]}\n")
for part in re.split(r"^/sys/devices/system/node/(node\d+)/meminfo:\n", r["dumps"]["node-meminfo"], flags=re.M)[1:]:
    if part.startswith("node") and "\n" not in part:
        node = part
    else:
        with open(f"{out}/{node}/meminfo", "w") as f:
            f.write(part)
' "$OUT/$name"
    capture "$name"
}

rm -rf "$OUT/host" && mkdir -p "$OUT/host"
for n in /sys/devices/system/node/node*; do
    mkdir -p "$OUT/host/$(basename "$n")"
    cp "$n/numastat" "$n/meminfo" "$OUT/host/$(basename "$n")/"
done
capture host
from_run nehalem-2s-qemu-page-cache-pressure -t topologies/nehalem-2s-qemu.yaml -w workloads/page-cache-pressure.yaml
from_run epyc-nps4-interleave-and-bind -t topologies/epyc-nps4.yaml -w workloads/interleave-and-bind.yaml
from_run epyc-nps4-first-touch-overflow -t topologies/epyc-nps4.yaml -w workloads/first-touch-overflow.yaml
numastat -V | sed 's/: [A-Z][a-z][a-z] .*//' > "$OUT/numastat-version.txt"
dpkg-query -W numactl >> "$OUT/numastat-version.txt"
