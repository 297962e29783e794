#!/usr/bin/env bash
# The fuzz smoke test: replays Tests/Fuzz/corpus, then runs seeded mutants of specs/ and the error
# tables through `kiln check` and `kiln generate`; fails on a crash, a hang or an unlocated error.
# Usage: Tests/Fuzz/run.sh [KILN_BINARY] [fuzz.py options]   (default: .build/debug/kiln)
set -euo pipefail
cd "$(dirname "$0")/../.."
kiln=${1:-.build/debug/kiln}
shift || true
exec python3 Tests/Fuzz/fuzz.py "$kiln" --mutants "${KILN_FUZZ_MUTANTS:-3000}" --jobs "${KILN_FUZZ_JOBS:-2}" "$@"
