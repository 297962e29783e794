"""Markdown tables from bench/out/pipelines.jsonl, one per workload, and the cross-framework checks.

    python report.py bench/out/pipelines.jsonl

Ratio column: this framework's median time divided by Kiln's (2.0x: it took twice as long as Kiln;
Kiln's time is the median of its runs before and after the anchors). Without Kiln lines, the same
ratio is taken against the fastest framework of the workload. Checks: every framework's "check" must
equal the one most anchors agree on (integers and strings exactly, floats to a relative 1e-9); each
difference prints a MISMATCH line, and the exit status is then 1, as it is for failed runs.
"""
import json
import math
import statistics
import sys
from collections import Counter

WORKLOADS = {
    "wordcount": "word count (lowercase, count every whitespace-separated word)",
    "csv_load": "CSV load (parse cities.csv and locations.csv into an in-memory table)",
    "csv_filter_count": "filter state == 'CA', count",
    "csv_groupby_agg": "group by location: sum(rating), avg(price), count",
    "csv_sort_top10": "sort by price descending, take the top 10 rows",
    "csv_right_join_count": "cities RIGHT JOIN locations ON location, count rows",
}


def is_kiln(row):
    return row["framework"].startswith("kiln")


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def differences(check, reference):
    fields = sorted(set(check) | set(reference))
    return [f"{f}: {json.dumps(check.get(f))} != {json.dumps(reference.get(f))}"
            for f in fields if not same(check.get(f), reference.get(f))]


def checks(workload, rows):
    """Prints the agreed check or MISMATCH lines; returns the number of mismatches."""
    anchors = [r for r in rows if not is_kiln(r)] or rows
    votes = Counter(json.dumps(r["check"], sort_keys=True) for r in anchors)
    reference = json.loads(votes.most_common(1)[0][0])
    agreeing = [r["framework"] for r in anchors if same(r["check"], reference)]
    bad = 0
    for r in rows:
        diff = differences(r["check"], reference)
        if diff:
            bad += 1
            print(f"MISMATCH {workload}: {r['framework']} disagrees with {', '.join(agreeing)}: {'; '.join(diff)}")
    if not bad:
        print(f"check {workload}: all {len(rows)} agree: {json.dumps(reference)}")
    return bad


def table(workload, rows):
    kiln = [r["seconds"] for r in rows if is_kiln(r)]
    if kiln:
        base, label = statistics.median(kiln), "this / Kiln"
    else:
        fastest = min(rows, key=lambda r: r["seconds"])
        base, label = fastest["seconds"], f"this / fastest ({fastest['framework']})"
    print(f"\n### {workload}: {WORKLOADS.get(workload, '')}\n")
    print(f"| framework | median s | runs (s) | {label} | peak RSS MB | others' CPU % | notes |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: r["seconds"]):
        runs = ", ".join(f"{s:.3g}" for s in r["runs"])
        notes = "; ".join(n for n in (r.get("note"), r.get("version")) if n)
        ratio = f"{r['seconds'] / base:.2f}x" if base > 0 else ""
        others = r.get("others_cpu_pct")
        cells = [r["framework"], f"{r['seconds']:.3f}", runs, ratio, str(r.get("peak_rss_mb", "")),
                 "" if others is None else f"{others:.0f}", notes]
        print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
    failed = [r for r in rows if "error" in r]
    rows = [r for r in rows if "error" not in r and "seconds" in r]
    bad = 0
    order = list(WORKLOADS) + sorted({r["workload"] for r in rows} - set(WORKLOADS))
    present = [w for w in order if any(r["workload"] == w for r in rows)]
    for workload in present:
        bad += checks(workload, [r for r in rows if r["workload"] == workload])
    for workload in present:
        table(workload, [r for r in rows if r["workload"] == workload])
    startups = {}  # one start-up per process: the word count's and the CSV one's
    for r in rows:
        if "startup_s" in r:
            process = "wordcount" if r["workload"] == "wordcount" else "csv"
            startups.setdefault(r["framework"], {})[process] = r["startup_s"]
    for name, seen in sorted(startups.items()):
        each = ", ".join(f"{s:.1f} s ({p} process)" for p, s in seen.items())
        print(f"\n{name}: JVM start-up (SparkSession.getOrCreate): {each}; not in the times above.")
    for r in failed:
        print(f"FAILED {r['framework']} {r['workload']}: {r['error']}")
    print("\nPeak RSS: the process tree's (JVM and Python workers included) during the warm-up and timed runs "
          "of that row; CSV rows after csv_load include the loaded table. Others' CPU %: the share of the "
          "machine's cores that other processes kept busy meanwhile (noise).")
    noisy = [r for r in rows if (r.get("others_cpu_pct") or 0) > 20]
    if noisy:
        print(f"NOISY: {len(noisy)} of {len(rows)} rows ran while other processes used more than 20% of the machine.")
    sys.exit(1 if bad or failed else 0)


if __name__ == "__main__":
    main()
