#!/usr/bin/env bash
# The Keras lane: every model of specs/ trains in Kiln and in its generated Keras 3 program
# (generated/keras/) from the same weights on the same data, and compare.py holds them together.
# Makes Tests/Keras/.venv with tensorflow-cpu, keras and safetensors from PyPI on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import keras, tensorflow, safetensors" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --progress-bar off -q tensorflow-cpu keras safetensors
fi
# TensorFlow turns oneDNN on by default only on some CPUs; without it, its CPU kernels refuse a
# transposed convolution with dilation_rate > 1 (RefConvTranspose), so the lane asks for it.
export TF_ENABLE_ONEDNN_OPTS=1
dumps="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "$dumps" "$log"' EXIT
cd "$root"
KILN_KERAS_LANE_DIR="$dumps" swift test --disable-swift-testing --filter KerasLaneDumpTests 2>&1 | grep -E "error|Executed .* tests?" | tail -n 2
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$here/compare.py" "$root" "$dumps" 2> "$log" \
  || { echo "keras lane: failed; the end of its log:" >&2; tail -n 30 "$log" >&2; exit 1; }
# The weights round trip: keras.applications.ResNet50's weights into Kiln's ResNet50 and ResNet50Base.
roundtrip="$dumps/roundtrip"
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$here/roundtrip.py" "$roundtrip" 2> "$log" \
  || { echo "keras lane: roundtrip.py failed; the end of its log:" >&2; tail -n 30 "$log" >&2; exit 1; }
KILN_ROUNDTRIP_DIR="$roundtrip" swift test --disable-swift-testing --filter KerasRoundTripTests > "$log" 2>&1 \
  || { echo "keras lane: weights round trip failed; the end of its log:" >&2; tail -n 30 "$log" >&2; exit 1; }
grep -E "^roundtrip: " "$log" | sed 's/^/keras lane: /'
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$here/distributed.py" "$root" 2> "$log" \
  || { echo "keras lane: distributed failed; the end of its log:" >&2; tail -n 30 "$log" >&2; exit 1; }
