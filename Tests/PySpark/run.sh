#!/usr/bin/env bash
# The PySpark lane: every pipeline of specs/ runs in Kiln and in real PySpark (local[2]) on the
# inputs of cases.json, and the results must be identical. Makes Tests/PySpark/.venv with
# pyspark and numpy (which pyspark.ml needs) from PyPI on first use; Java 17 must be on the machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyspark, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --progress-bar off -q "pyspark==4.0.1" numpy
fi
command -v java >/dev/null || { echo "pyspark lane: java is not on PATH (Spark needs Java 17)" >&2; exit 1; }
dumps="$(mktemp -d)"
trap 'rm -rf "$dumps"' EXIT
cd "$root"
KILN_DUMP_DIR="$dumps" swift test --disable-swift-testing --filter PipelineCasesTests 2>&1 | grep -E "error|Executed .* tests?" | tail -n 2
SPARK_LOCAL_IP=127.0.0.1 "$venv/bin/python" "$here/spark_dump.py" "$root" "$dumps" 2>"$dumps/spark.log" \
  || { echo "pyspark lane: Spark failed; its log:" >&2; tail -n 40 "$dumps/spark.log" >&2; exit 1; }
"$venv/bin/python" "$here/compare.py" "$root" "$dumps"
# Again with every aggregation's rows held back in its staging ring (large tables' path).
staged="$dumps/staged"
mkdir -p "$staged"
KILN_STAGING_FROM=0 KILN_DUMP_DIR="$staged" swift test --disable-swift-testing --filter PipelineCasesTests 2>&1 | grep -E "error|Executed .* tests?" | tail -n 2
cp "$dumps"/*.spark.json "$staged"/
echo "pyspark lane: again with KILN_STAGING_FROM=0 (rows staged before every hash aggregation)"
"$venv/bin/python" "$here/compare.py" "$root" "$staged"
