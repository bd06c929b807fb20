#!/usr/bin/env python3
"""Masks host wall-clock fields in numasim output (text and JSON), for before/after comparisons."""
import json, re, sys

TIMING_KEYS = {"seconds", "ops_per_second", "allocations_per_second", "pages_per_second", "ms",
               "percentiles", "latency"}

def scrub(v):
    if isinstance(v, dict):
        return {k: ("<t>" if k in TIMING_KEYS else scrub(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [scrub(x) for x in v]
    return v

text = sys.stdin.read()
body, _, tail = text.rpartition("exit ")
try:
    print(json.dumps(scrub(json.loads(body)), indent=1, sort_keys=False))
    print("exit " + tail, end="")
    sys.exit(0)
except ValueError:
    pass
out = []
header = None
for line in text.splitlines():
    line = re.sub(r"ops in [0-9.]+ s \([0-9.]+ ops/s\)", "ops in <t>", line)
    if line.startswith("Throughput:"):
        line = "Throughput: <t>"
    if line.startswith("zone ") and "<low ms" in line:
        header = line
    elif header and re.match(r"^\d+:\S+\s", line):
        cols = line.split()
        # columns: zone managed free min low high pgalloc <low ops <low ms <min ops <min ms
        if len(cols) == 11:
            cols[8] = "<t>"; cols[10] = "<t>"
            line = " ".join(cols)
    elif header and not line.strip():
        header = None
    out.append(line)
print("\n".join(out))
