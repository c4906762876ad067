"""The README's reliability table from the fault suite's records (tests/faults.py).

    python3 scripts/fault_table.py [/tmp/rstream-fault-results.jsonl]

One row per fault, the last record of each (a rerun replaces the earlier figures).
"""

from __future__ import annotations

import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/rstream-fault-results.jsonl"
rows: dict[str, dict[str, object]] = {}
with open(path) as records:
    for line in records:
        if line.strip():
            record = json.loads(line)
            rows[record["fault"]] = record

print("| fault | messages | lost | duplicated | out of order | recovery p50 | recovery max |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for fault, r in rows.items():
    events = f" ({r['events']} events)" if int(r["events"]) > 1 else ""  # type: ignore[call-overload]
    print(f"| {fault}{events} | {r['messages']:,} | {r['lost']} | {r['duplicated']} | "
          f"{r['inversions']} | {r['recovery_p50_s']} s | {r['recovery_max_s']} s |")
