#!/usr/bin/env bash
# Builds Tests/EndToEnd exactly as a user would (Kiln as a path dependency, the build plugin on
# their targets), trains on Iris, and fails unless test accuracy reaches the stated bar.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
swift build -c release --scratch-path "$here/.build-e2e" 2>&1 | tail -n 5
"$here/.build-e2e/release/train-iris" "$here/../../Sources/kiln-demo/data/iris.csv" 0.9
