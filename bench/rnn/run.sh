#!/usr/bin/env bash
# Kiln against TensorFlow/Keras 3 and PyTorch (CPU, 2 threads each) on recurrent layers: LSTM(64) and
# GRU(64) on 50x8 sequences -> Dense(1), train steps at batch 64, LSTM inference at batch 64 and 1
# and GRU inference at batch 1; ConvLSTM2D(16) -> Conv3D(1) on 10 frames of 32x32x1, a train step
# and inference at batch 8; in one run on this machine, with the sgemm peak measured in the same run.
# Usage: bash bench/rnn/run.sh [repeats, default 5] [workload ...]
#   workloads: lstm_train lstm_predict_64 lstm_predict_1 gru_train gru_predict_1 convlstm_train
#              convlstm_predict_8 (default: all)
#   RNN_BENCH_STEPS=n: calls per timed repeat (default: 50; lstm_predict_1 and gru_predict_1: 200;
#                      convlstm_train: 10; convlstm_predict_8: 20)
# Uses bench/.venv (made here on first use: tensorflow-cpu, keras, torch, numpy, threadpoolctl).
set -euo pipefail
# TensorFlow at its best on every CPU: oneDNN is on by default only on some (the anchors used it).
export TF_ENABLE_ONEDNN_OPTS=1
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(cd "$here/.." && pwd)"
repeats="${1:-5}"; shift || true
# The pipeline bench shares this venv with other packages: check the imports, not the folder.
if [ ! -x "$bench/.venv/bin/python" ] || ! "$bench/.venv/bin/python" -c "import keras, tensorflow, torch, threadpoolctl" 2>/dev/null; then
  [ -x "$bench/.venv/bin/python" ] || python3 -m venv "$bench/.venv"
  "$bench/.venv/bin/pip" install --progress-bar off -q tensorflow-cpu keras torch numpy threadpoolctl
fi
bash "$bench/../.ci/setup"
(cd "$bench" && swift build -c release --scratch-path "$bench/.build-bench" --product kiln-rnn-bench 2>&1 | tail -n 1)
mkdir -p "$bench/out"
results="$bench/out/rnn.jsonl"
: > "$results"
TF_CPP_MIN_LOG_LEVEL=3 "$bench/.venv/bin/python" "$bench/anchors.py" 1 peak | tee -a "$results"
# Kiln before and after the anchors, so that drift in the machine's speed shows.
"$bench/.build-bench/release/kiln-rnn-bench" "$repeats" "$@" | tee -a "$results"
# One process per anchor: TensorFlow and PyTorch loaded together abort (clashing OpenMP runtimes).
for anchor in tensorflow pytorch; do
  TF_CPP_MIN_LOG_LEVEL=3 "$bench/.venv/bin/python" "$here/anchors.py" "$repeats" "$anchor" "$@" 2>"$bench/out/rnn-$anchor.stderr" | tee -a "$results" \
    || { echo "bench/rnn: anchor $anchor failed; see bench/out/rnn-$anchor.stderr" >&2; exit 1; }
done
"$bench/.build-bench/release/kiln-rnn-bench" "$repeats" "$@" | sed 's/"framework":"kiln"/"framework":"kiln (2nd run)"/' | tee -a "$results"
"$bench/.venv/bin/python" "$here/report.py" "$results"
