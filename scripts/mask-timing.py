#!/usr/bin/env python3
"""Masks host wall-clock fields in numasim output (text and JSON), for before/after comparisons."""
import json, re, sys

# Host wall-clock numbers only: simulated times (simulated_time_ns, timeline ms, latency) are
# deterministic and stay.
TIMING_KEYS = {"seconds", "ops_per_second", "allocations_per_second", "pages_per_second"}

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
    line = re.sub(r"simulated \([0-9.]+ s on this host, [0-9.]+ ops/s\)", "simulated (<t>)", line)
    if line.startswith("Throughput:"):
        line = "Throughput: <t>"
    if line.startswith("zone ") and "<low ms" in line:
        header = line
    elif header and not line.strip():
        header = None
    out.append(line)
print("\n".join(out))
