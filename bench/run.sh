#!/usr/bin/env bash
# Kiln against Keras (TF backend) and PyTorch on the seed MLP, in one run on this machine.
# Usage: bash bench/run.sh [timed epochs per measurement, default 7]
# Makes bench/.venv (tensorflow-cpu, keras, torch, numpy, threadpoolctl from PyPI) on first use.
set -euo pipefail
# TensorFlow at its best on every CPU: oneDNN is on by default only on some (the anchors used it).
export TF_ENABLE_ONEDNN_OPTS=1
here="$(cd "$(dirname "$0")" && pwd)"
epochs="${1:-7}"
mkdir -p "$here/out"
# The pipeline bench shares this venv with other packages: check the imports, not the folder.
if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c "import keras, tensorflow, torch, threadpoolctl" 2>/dev/null; then
  [ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install --progress-bar off -q tensorflow-cpu keras torch numpy threadpoolctl
fi
bash "$here/../.ci/setup"
(cd "$here" && swift build -c release --scratch-path "$here/.build-bench" 2>&1 | tail -n 1)
results="$here/out/results.jsonl"
: > "$results"
# Interleave the frameworks so that drift in the machine's speed hits all of them alike.
"$here/.build-bench/release/kiln-bench" "$epochs" | tee -a "$results"
# One process per anchor: TensorFlow and PyTorch loaded together abort (clashing OpenMP runtimes).
for anchor in peak keras pytorch; do
  TF_CPP_MIN_LOG_LEVEL=3 "$here/.venv/bin/python" "$here/anchors.py" "$epochs" "$anchor" 2>"$here/out/$anchor.stderr" | tee -a "$results" \
    || { echo "bench: anchor $anchor failed; see bench/out/$anchor.stderr" >&2; exit 1; }
done
"$here/.build-bench/release/kiln-bench" "$epochs" | sed 's/"framework": "kiln"/"framework": "kiln (2nd run)"/' | tee -a "$results"
"$here/.venv/bin/python" "$here/report.py" "$results"
