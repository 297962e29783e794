"""Markdown table from bench/out/results.jsonl: samples/s, Kiln's ratio to each anchor, and the
GFLOP/s as a fraction of the measured sgemm peak (numpy/OpenBLAS, same run)."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
peak = next((r["gflops"] for r in rows if r.get("workload") == "sgemm_2048"), None)
train = [r for r in rows if r.get("workload") == "seed_mlp_train"]
print(f"\nmeasured sgemm peak (numpy/OpenBLAS, 2 threads): {peak} GFLOP/s")
for r in rows:
    if r.get("workload") == "sgemm_1024":
        print(f"Kiln's own sgemm 1024^3: {r['gflops']} GFLOP/s ({r['gflops'] / peak:.0%} of peak)" if peak else "")
print("\n| framework | batch | samples/s (median) | Kiln / this | GFLOP/s | of sgemm peak |")
print("|---|---|---|---|---|---|")
for batch in (32, 256):
    kiln = [r["samples_per_s"] for r in train if r["framework"].startswith("kiln") and r["batch"] == batch]
    kiln_rate = statistics.median(kiln) if kiln else None  # Kiln's runs before and after the anchors
    for r in (r for r in train if r["batch"] == batch):
        ratio = f"{kiln_rate / r['samples_per_s']:.1f}x" if kiln_rate else ""
        share = f"{r['gflops'] / peak:.1%}" if peak else ""
        print(f"| {r['framework']} | {batch} | {r['samples_per_s']:,} | {ratio} | {r['gflops']} | {share} |")
