#!/usr/bin/env bash
# Kiln against TensorFlow/Keras (oneDNN) on the seed CNN and ResNet50, in one run on this machine,
# with the sgemm peak measured in the same run. Usage: bash bench/cnn/run.sh [repeats] [workload ...]
# Uses bench/.venv (bench/run.sh makes it; tensorflow-cpu, keras and numpy are what this needs).
set -euo pipefail
# TensorFlow at its best on every CPU: oneDNN is on by default only on some (the anchors used it).
export TF_ENABLE_ONEDNN_OPTS=1
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(cd "$here/.." && pwd)"
repeats="${1:-5}"; shift || true
if [ ! -x "$bench/.venv/bin/python" ] || ! "$bench/.venv/bin/python" -c "import keras, tensorflow, threadpoolctl" 2>/dev/null; then
  [ -x "$bench/.venv/bin/python" ] || python3 -m venv "$bench/.venv"
  "$bench/.venv/bin/pip" install --progress-bar off -q tensorflow-cpu keras numpy threadpoolctl
fi
bash "$bench/../.ci/setup"
(cd "$bench" && swift build -c release --scratch-path "$bench/.build-bench" --product kiln-cnn-bench 2>&1 | tail -n 1)
mkdir -p "$bench/out"
results="$bench/out/cnn.jsonl"
: > "$results"
TF_CPP_MIN_LOG_LEVEL=3 "$bench/.venv/bin/python" "$bench/anchors.py" 1 peak | tee -a "$results"
"$bench/.build-bench/release/kiln-cnn-bench" "$repeats" "$@" | tee -a "$results"
"$bench/.venv/bin/python" "$here/anchors.py" "$repeats" "$@" 2>"$bench/out/cnn-tf.stderr" | tee -a "$results"
"$bench/.build-bench/release/kiln-cnn-bench" "$repeats" "$@" | sed 's/"framework":"kiln"/"framework":"kiln (2nd run)"/' | tee -a "$results"
"$bench/.venv/bin/python" "$here/report.py" "$results"
