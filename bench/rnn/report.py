"""Markdown tables of bench/out/rnn.jsonl. The first, per workload, in its unit (train: seconds per
step; lstm_predict_64 and convlstm_predict_8: samples/s; lstm_predict_1 and gru_predict_1: latency
in ms): Kiln's two runs (before and after
the anchors), TensorFlow/Keras and PyTorch, Kiln's speed over each (> 1: Kiln faster; Kiln's value is
the median of its runs), and Kiln's GFLOP/s with its fraction of the sgemm peak measured in the same
run. The second, every line: GFLOP/s, fraction of peak, the spread of the repeats and peak RSS."""
import json
import statistics
import sys

WORKLOADS = ("lstm_train", "lstm_predict_64", "lstm_predict_1", "gru_train", "gru_predict_1",
             "convlstm_train", "convlstm_predict_8")
BATCH = {"lstm_train": 64, "gru_train": 64, "lstm_predict_64": 64, "lstm_predict_1": 1, "gru_predict_1": 1,
         "convlstm_train": 8, "convlstm_predict_8": 8}
UNITS = {"lstm_train": "s/step", "gru_train": "s/step", "lstm_predict_64": "samples/s", "lstm_predict_1": "ms",
         "gru_predict_1": "ms", "convlstm_train": "s/step", "convlstm_predict_8": "samples/s"}

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
peak = next((l["gflops"] for l in lines if l.get("workload") == "sgemm_2048"), None)
runs = [l for l in lines if l.get("workload") in WORKLOADS]


def kind(line):
    f = line["framework"]
    return "kiln2" if f.startswith("kiln (2nd") else "kiln" if f.startswith("kiln") else "tf" if f.startswith("tensorflow") else "torch"


def shown(workload, seconds):
    if seconds is None:
        return "–"
    unit = UNITS[workload]
    if unit == "samples/s":
        return f"{BATCH[workload] / seconds:,.0f}"
    if unit == "ms":
        return f"{1000 * seconds:.3f}"
    return f"{seconds:.4f}"


def share(gflops):
    return f"{100 * gflops / peak:.1f}%" if peak else ""


versions = sorted({l["framework"] for l in runs if kind(l) in ("tf", "torch")})
print(f"sgemm peak in this run (numpy float32 2048^3, 2 threads): {peak} GFLOP/s")
if versions:
    print("anchors: " + "; ".join(versions))
print("\n| workload | unit | Kiln | Kiln (2nd run) | TF/Keras | PyTorch | Kiln / TF | Kiln / PyTorch | Kiln GFLOP/s | Kiln of peak |")
print("|---|---|---|---|---|---|---|---|---|---|")
for workload in WORKLOADS:
    by = {kind(l): l for l in runs if l["workload"] == workload}
    if not by:
        continue
    seconds = {k: by[k]["seconds"] if k in by else None for k in ("kiln", "kiln2", "tf", "torch")}
    kiln_runs = [s for s in (seconds["kiln"], seconds["kiln2"]) if s is not None]
    kiln = statistics.median(kiln_runs) if kiln_runs else None
    ratio = lambda other: f"{other / kiln:.2f}x" if kiln and other else "–"  # noqa: E731  (their time / Kiln's = speed ratio)
    flops = next((l["gflops"] * l["seconds"] for l in by.values()), None)  # GFLOP per call, the same in every line
    gflops = f"{flops / kiln:.2f} | {share(flops / kiln)}" if kiln else "– | –"
    print(f"| {workload} | {UNITS[workload]} | {shown(workload, seconds['kiln'])} | {shown(workload, seconds['kiln2'])} | "
          f"{shown(workload, seconds['tf'])} | {shown(workload, seconds['torch'])} | {ratio(seconds['tf'])} | {ratio(seconds['torch'])} | "
          f"{gflops} |")
print("\n| workload | framework | batch | s per call (median) | min–max of repeats | calls x repeats | GFLOP/s | of peak | peak RSS (MB) |")
print("|---|---|---|---|---|---|---|---|---|")
for line in sorted(runs, key=lambda l: (WORKLOADS.index(l["workload"]), l["framework"])):
    print(f"| {line['workload']} | {line['framework']} | {line['batch']} | {line['seconds']:.6f} | "
          f"{min(line['runs']):.6f}–{max(line['runs']):.6f} | {line['steps']} x {len(line['runs'])} | {line['gflops']:.2f} | "
          f"{share(line['gflops'])} | {line['peak_rss_mb']:.0f} |")
