#!/usr/bin/env bash
# Runs numasim's libFuzzer targets (docs/fuzzing.md), each for SECONDS, and prints the inputs
# each ran and the total. Exit status 1 when any target found a crash, a hang (> 10 s) or an
# input using more than the memory limit; the reproducer is left in Fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default 60 s, every target
#   make fuzz FUZZ_SECONDS=30                  # the same, through make
#
# Pre-release: `make fuzz FUZZ_SECONDS=30` (about 5 minutes for the 9 targets, plus the build).
# Environment: FUZZ_JOBS (parallel targets, default 1), FUZZ_NICE (default 19), SWIFT.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-60}
shift || true
ALL="topology workload sysfs numactl hwloc zoneinfo pagetypeinfo buddyinfo vmstat trace"
TARGETS=${*:-$ALL}
SWIFT=${SWIFT:-swift}
NICE=${FUZZ_NICE:-19}
KS=Tests/Fixtures/kernel-samples

echo "building the fuzz targets (Fuzz/, -sanitize=fuzzer,address)…" >&2
(cd Fuzz && nice -n "$NICE" "$SWIFT" build -c release -Xswiftc -sanitize=fuzzer,address >&2)
BIN="$ROOT/Fuzz/.build/release/NumasimFuzz"

# Seeds: the shipped and sample files of each format, regenerated every run (Fuzz/.seeds/T), plus
# the hand-written ones in Fuzz/seeds/T. What the fuzzer finds goes to Fuzz/.corpus/T and is kept.
seed() {  # seed TARGET FILE...
    local dir="Fuzz/.seeds/$1"; shift
    mkdir -p "$dir"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
    return 0
}
# A sysfs tree as records PATH\0CONTENT\0 (Fuzz/Sources/NumasimFuzz/Sysfs.swift).
pack_sysfs() {  # pack_sysfs NODEDIR OUT
    local nodedir=$1 out=$2
    : > "$out"
    for f in "$nodedir"/node*/{cpulist,cpumap,meminfo,distance}; do
        [ -f "$f" ] || continue
        printf '%s\0' "${f#"$nodedir"/}" >> "$out"; cat "$f" >> "$out"; printf '\0' >> "$out"
    done
}
pack_kernel_sample() {  # nodes/nodeN.FILE.txt → nodeN/FILE
    local nodes=$1 out=$2
    : > "$out"
    for f in "$nodes"/node*.{cpulist,distance,meminfo}.txt; do
        [ -f "$f" ] || continue
        local b; b=$(basename "$f" .txt)
        printf '%s/%s\0' "${b%%.*}" "${b#*.}" >> "$out"; cat "$f" >> "$out"; printf '\0' >> "$out"
    done
}
rm -rf Fuzz/.seeds
seed topology topologies/*.yaml
seed workload workloads/*.yaml
seed numactl Tests/Fixtures/numactl/*.txt
seed hwloc Tests/Fixtures/hwloc/*.xml
seed zoneinfo $KS/*/proc_zoneinfo.txt $KS/*/final_zoneinfo.txt $KS/nehalem-2s/workloads/wl1_*.zoneinfo_after.txt
seed pagetypeinfo $KS/*/proc_pagetypeinfo.txt
seed buddyinfo $KS/*/proc_buddyinfo.txt $KS/nehalem-2s/workloads/wl1_*.buddyinfo_after.txt
seed vmstat $KS/*/proc_vmstat.txt $KS/*/final_vmstat.txt
seed trace Tests/Fixtures/traces/*.txt
mkdir -p Fuzz/.seeds/sysfs
for s in Tests/Fixtures/sysfs-samples/*/sys/devices/system/node; do
    pack_sysfs "$s" "Fuzz/.seeds/sysfs/$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$s")")")")").bin"
done
for k in $KS/*/nodes; do pack_kernel_sample "$k" "Fuzz/.seeds/sysfs/kernel-$(basename "$(dirname "$k")").bin"; done

mkdir -p Fuzz/artifacts Fuzz/logs
total=0
failed=""
for t in $TARGETS; do
    mkdir -p "Fuzz/.corpus/$t"
    extra=()
    [ -d "Fuzz/seeds/$t" ] && extra+=("Fuzz/seeds/$t")
    log="Fuzz/logs/$t.log"
    set +e
    SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$t nice -n "$NICE" "$BIN" "Fuzz/.corpus/$t" "Fuzz/.seeds/$t" "${extra[@]}" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=$([ "$t" = sysfs ] && echo 262144 || echo 65536) \
        -print_final_stats=1 -artifact_prefix="Fuzz/artifacts/$t-" > "$log" 2>&1
    rc=$?
    set -e
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
    n=${n:-0}
    total=$((total + n))
    if [ $rc -ne 0 ]; then
        failed="$failed $t"
        printf '%-13s %10s inputs  FAILED (exit %d): see %s and Fuzz/artifacts/%s-*\n' "$t" "$n" "$rc" "$log" "$t"
        grep -m3 -E 'Fatal error|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY' "$log" | sed 's/^/    /' || true
    else
        printf '%-13s %10s inputs  ok\n' "$t" "$n"
    fi
done
printf '%-13s %10s inputs in %s s per target\n' total "$total" "$SECONDS_EACH"
[ -z "$failed" ] || { echo "crashes in:$failed" >&2; exit 1; }
