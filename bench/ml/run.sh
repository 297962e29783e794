#!/usr/bin/env bash
# Decision trees (maxDepth 5), then 20-tree forests and 20 boosting rounds on the libsvm sample and
# the first 100,000 synthetic rows: Kiln, then scikit-learn and Spark MLlib (local[2]), then Kiln again,
# fit and predict on Spark's sample_libsvm_data.txt and on a synthetic table of ML_ROWS rows (default
# 1,000,000) and 20 features, in one run. Prints a Markdown table; lines in bench/out/ml.jsonl.
# Usage: bash bench/ml/run.sh [REPEATS]   (default 5; medians). Makes bench/.venv as bench/pipelines does
# and adds scikit-learn, pyspark 4.0.1, numpy and pyarrow to it. Java 17 must be on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
repeats="${1:-5}"
rows="${ML_ROWS:-1000000}"
data="$bench/out/ml-data"
results="$bench/out/ml.jsonl"
py="${ML_PYTHON:-$bench/.venv/bin/python}"
mkdir -p "$data"
[ -x "$py" ] || python3 -m venv "$bench/.venv"
"$py" -c "import sklearn, pyspark, numpy, pyarrow" 2>/dev/null || "$(dirname "$py")/pip" install -q "pyspark==4.0.1" scikit-learn numpy pyarrow
cp "$bench/../Tests/KilnDataTests/Fixtures/ml/sample_libsvm_data.txt" "$data/"
if [ ! -f "$data/synthetic.f64" ] || [ "$(cat "$data/rows" 2>/dev/null)" != "$rows" ]; then
  "$py" "$here/gen_data.py" "$data" "$rows" && echo "$rows" > "$data/rows"
fi
(cd "$bench" && swift build -c release --scratch-path .build-bench --product kiln-ml-bench >/dev/null)
kiln="$bench/.build-bench/release/kiln-ml-bench"
: > "$results"
"$kiln" "$data" --repeats "$repeats" | tee -a "$results"
"$py" "$here/anchors.py" "$data" sklearn --repeats "$repeats" | tee -a "$results"
SPARK_LOCAL_IP=127.0.0.1 "$py" "$here/anchors.py" "$data" spark --repeats "$repeats" 2>/dev/null | tee -a "$results"
"$kiln" "$data" --repeats "$repeats" | tee -a "$results"
"$py" "$here/report.py" "$results"
