#!/bin/sh
# Runs every README example and every shipped workload (deterministic engine, text and --json)
# and writes each output (stdout and stderr, then "exit N") to DIR/NAME.out, so that two builds
# can be compared byte for byte: scripts/golden-outputs.sh BIN DIR. Nothing is masked: without
# --timing no output holds host time, so two runs of one build give the same bytes.
# Defaults: BIN .build/release/numasim (a relative BIN is taken from the repository root), DIR /tmp/golden.
set -u
BIN=${1:-.build/release/numasim}
DIR=${2:-/tmp/golden}
mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd) || exit 1
cd "$(dirname "$0")/.."
run() {
    name=$1; shift
    "$BIN" "$@" > "$DIR/$name.out" 2>&1
    echo "exit $?" >> "$DIR/$name.out"
}
start=$(date +%s)
for t in topologies/*.yaml; do
    b=$(basename "$t" .yaml)
    run "show-$b" topology show -t "$t"
    run "show-json-$b" topology show -t "$t" --json
    run "zonelist-$b" zonelist -t "$t" --zones
    run "zoneinfo-$b" zoneinfo -t "$t"
done
run translate translate 0xffff888012345678
for w in workloads/*.yaml; do
    b=$(basename "$w" .yaml)
    t=$(grep -o 'topologies/[a-z0-9-]*\.yaml' "$w" | head -1)
    [ -n "$t" ] || t=topologies/nehalem-2s-qemu.yaml
    run "stress-$b" stress --quiet -t "$t" -w "$w"
    run "stress-json-$b" stress --quiet -t "$t" -w "$w" --json
done
run stress-zone-reclaim-dumps stress --quiet -t topologies/nehalem-2s-qemu.yaml -w workloads/zone-reclaim.yaml --dump zoneinfo,buddyinfo,pagetypeinfo,vmstat
run numastat-m-n-interleave-and-bind numastat -m -n -t topologies/nehalem-2s-qemu.yaml -w workloads/interleave-and-bind.yaml
run stress-interleave-and-bind-node-dumps stress --quiet -t topologies/nehalem-2s-qemu.yaml -w workloads/interleave-and-bind.yaml --dump numastat,node-meminfo,node-vmstat
run stress-trace-perf stress --quiet -t Tests/Fixtures/traces/vm-host.yaml --trace Tests/Fixtures/traces/perf-script-kmem.txt --json
run stress-ftouch-seed7 stress --quiet -t topologies/nehalem-2s-qemu.yaml -w workloads/first-touch-overflow.yaml --seed 7 --json --latency
run sweep sweep -t topologies/nehalem-2s-qemu.yaml -w workloads/first-touch-overflow.yaml --param vm.watermark_scale_factor=10,100,1000 --json
run generate topology generate --nodes 6 --cpus-per-node 2 --memory-per-node 1GiB
