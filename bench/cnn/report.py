"""Markdown table of bench/out/cnn.jsonl: per workload, each framework's median step, images/s,
GFLOP/s and its fraction of the sgemm peak measured in the same run, and peak RSS."""
import json
import sys

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
peak = next((l["gflops"] for l in lines if l.get("workload") == "sgemm_2048"), None)
print(f"sgemm peak in this run: {peak} GFLOP/s\n")
print("| workload | framework | batch | step (s) | images/s | GFLOP/s | of peak | peak RSS (MB) |")
print("|---|---|---|---|---|---|---|---|")
for line in sorted((l for l in lines if l.get("workload") != "sgemm_2048"), key=lambda l: l["workload"]):
    share = f"{100 * line['gflops'] / peak:.0f}%" if peak else ""
    print(f"| {line['workload']} | {line['framework']} | {line['batch']} | {line['seconds']:.4f} | {line['images_per_s']:.1f} | "
          f"{line['gflops']:.1f} | {share} | {line['peak_rss_mb']:.0f} |")
