#!/usr/bin/env bash
# Pipeline workloads (word count, CSV load/filter/groupBy/sort/join) in PySpark local[2], Polars,
# DuckDB, chDB, DataFusion, pandas, `sort | uniq -c` and a Python Counter, and in Kiln when
# KILN_PIPELINE_BENCH names its executable, on the same data in one run. Prints a Markdown table per
# workload.
# Usage: bash bench/pipelines/run.sh [DATA_DIR]        (default bench/out/pipelines-data)
# Env: PIPELINES_TEXT_MB (default 200), PIPELINES_ROWS (10000000): data size, regenerated on change;
#      PIPELINES_REPEATS, PIPELINES_WARMUP: passed to every run (default: anchors.py's);
#      KILN_PIPELINE_BENCH: Kiln's executable (see README.md here), run before and after the anchors;
#      PIPELINES_FRAMEWORKS: the anchors to run, space- or comma-separated (default all: pyspark polars
#      duckdb chdb datafusion pandas uniq python); each runs the workloads it has.
# Makes bench/.venv on first use and installs into it (PyPI) what the chosen anchors need when any of it
# is missing: pyspark 4.0.1, polars, duckdb, chdb, datafusion, pandas, pyarrow, and always psutil and
# numpy. PySpark needs Java 17 on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
mkdir -p "$bench/out/pipelines"
data="$(mkdir -p "${1:-$bench/out/pipelines-data}" && cd "${1:-$bench/out/pipelines-data}" && pwd)"
text_mb="${PIPELINES_TEXT_MB:-200}"
rows="${PIPELINES_ROWS:-10000000}"
py="$bench/.venv/bin/python"
logs="$bench/out/pipelines"
results="$bench/out/pipelines.jsonl"
export SPARK_LOCAL_IP=127.0.0.1

all_anchors="pyspark polars duckdb chdb datafusion pandas uniq python"
chosen="${PIPELINES_FRAMEWORKS:-$all_anchors}"
chosen="${chosen//,/ }"
for framework in $chosen; do
  case " $all_anchors " in
    *" $framework "*) ;;
    *) echo "pipelines: unknown framework '$framework' in PIPELINES_FRAMEWORKS (one of: $all_anchors)" >&2; exit 2 ;;
  esac
done
chosen_has() { case " $chosen " in *" $1 "*) return 0 ;; esac; return 1; }

# The pip requirements of the chosen anchors (PyPI names; pyspark pinned, the others the newest).
packages="psutil numpy"
for framework in $chosen; do
  case "$framework" in
    pyspark) packages+=" pyspark==4.0.1" ;;
    polars | duckdb | chdb | datafusion) packages+=" $framework" ;;
    pandas) packages+=" pandas pyarrow" ;;
  esac
done
if [ ! -x "$py" ]; then
  python3 -m venv "$bench/.venv"
fi
# shellcheck disable=SC2086  # $packages: one word per package
if ! "$py" - $packages 2>/dev/null <<'EOF'
import importlib.metadata as m, sys
for requirement in sys.argv[1:]:
    name, _, pinned = requirement.partition("==")
    assert m.version(name) == pinned if pinned else m.version(name)
EOF
then
  # shellcheck disable=SC2086
  "$bench/.venv/bin/pip" install --progress-bar off -q $packages
fi
if chosen_has pyspark; then
  command -v java >/dev/null || echo "pipelines: no java on PATH; the PySpark runs will fail" >&2
fi

# (Re)make the data when it is missing or of another size.
if ! "$py" - "$data" "$text_mb" "$rows" 2>/dev/null <<'EOF'
import json, sys
m = json.load(open(f"{sys.argv[1]}/manifest.json"))
sys.exit(0 if float(m["text_mb"]) == float(sys.argv[2]) and int(m["rows"]) == int(sys.argv[3]) else 1)
EOF
then
  "$py" "$here/gen_data.py" --out "$data" --text-mb "$text_mb" --rows "$rows"
fi

opts=()
if [ -n "${PIPELINES_REPEATS:-}" ]; then opts+=(--repeats "$PIPELINES_REPEATS"); fi
if [ -n "${PIPELINES_WARMUP:-}" ]; then opts+=(--warmup "$PIPELINES_WARMUP"); fi

# run WORKLOAD FRAMEWORK [LABEL]: one process, its JSON lines appended to $results (framework renamed
# to LABEL when given), its stderr (Spark's log included) in bench/out/pipelines/. A failure is
# recorded as an "error" line and the run goes on.
run() {
  local workload="$1" framework="$2" label="${3:-$2}"
  local name="$label-$workload"
  local log="$logs/${name//[^A-Za-z0-9_.-]/_}.log"
  echo "pipelines: $label $workload ..." >&2
  if ! "$py" "$here/anchors.py" "$data" "$workload" "$framework" "${opts[@]}" 2>"$log" \
      | sed "s/\"framework\": \"$framework\"/\"framework\": \"$label\"/" | tee -a "$results"; then
    echo "{\"framework\": \"$label\", \"workload\": \"$workload\", \"error\": \"failed, see ${log#"$bench"/}\"}" \
      | tee -a "$results"
  fi
}

: > "$results"
for workload in wordcount csv; do
  if [ "$workload" = wordcount ]; then anchors="pyspark polars duckdb chdb datafusion uniq python"
  else anchors="pyspark pandas polars duckdb chdb datafusion"; fi
  # Kiln before and after the anchors: the machine is shared and drifts.
  if [ -n "${KILN_PIPELINE_BENCH:-}" ]; then run "$workload" kiln; fi
  for framework in $anchors; do
    if chosen_has "$framework"; then run "$workload" "$framework"; fi
  done
  if [ -n "${KILN_PIPELINE_BENCH:-}" ]; then run "$workload" kiln "kiln (2nd run)"; fi
done
"$py" "$here/report.py" "$results"
