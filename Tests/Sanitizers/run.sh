#!/usr/bin/env bash
# The sanitizer lane: builds the C runtime and every model spec of specs/ and bench/
# (regenerated into a temp dir, so new specs are covered) with ASan + UBSan, runs driver.c on each
# model and runtime.c once, and runtime.c again under TSan.
# Fails on any sanitizer report, failed check or crash. KILN=path/to/kiln skips building the CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/Tests/Sanitizers"
cd "$root"
start=$SECONDS

# The Swift toolchain's clang ships the sanitizer runtimes; otherwise fall back to Debian's clang.
CC=${CC:-clang}
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/t.c"
links() { "$1" "${SAN[@]}" -fuse-ld=lld "$probe/t.c" -o "$probe/t" 2>/dev/null && "$probe/t"; }
if ! links "$CC"; then
  if ! links clang-14; then
    echo "sanitizers: $CC cannot link -fsanitize=address,undefined; installing clang-14 and its runtimes"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang-14 libclang-rt-14-dev lld-14
    export PATH="/usr/lib/llvm-14/bin:$PATH"
  fi
  CC=clang-14
  links "$CC" || { echo "sanitizers: FAILED: no clang that links ASan + UBSan" >&2; exit 1; }
fi

# The lane must be able to fail: an overflow by one and a signed overflow have to be reported.
printf '#include <stdlib.h>\nint main(int c, char **v) { (void)v; int *a = malloc(8); a[c + 1] = 1; free(a); return 0; }\n' >"$probe/asan.c"
printf '#include <limits.h>\nint main(int c, char **v) { (void)v; int x = INT_MAX - 1 + c; return x + 1 > 0; }\n' >"$probe/ubsan.c"
for canary in asan ubsan; do
  "$CC" "${SAN[@]}" -fuse-ld=lld -O1 "$probe/$canary.c" -o "$probe/$canary"
  if "$probe/$canary" >"$probe/$canary.log" 2>&1 || ! grep -qE 'ERROR: AddressSanitizer|runtime error' "$probe/$canary.log"; then
    echo "sanitizers: FAILED: the $canary canary was not reported" >&2; exit 1
  fi
done

if [ -z "${KILN:-}" ]; then
  swift build --product kiln 2>&1 | tail -n 1
  KILN="$(swift build --show-bin-path)/kiln"
fi
work="$probe"
# specs/ first, then the models of bench/ (the same name once).
models=()
for spec in specs/*.model.yaml bench/Sources/*/*.model.yaml; do
  [ -e "$spec" ] || continue
  name=$(basename "$spec")
  [[ " ${models[*]-} " == *"/$name "* ]] || models+=("$spec")
done
"$KILN" generate "${models[@]}" --c-output "$work/c" --swift-output "$work/swift" >/dev/null

CFLAGS=(-std=c11 -O1 -g -Wall -Werror "${SAN[@]}" -I Sources/CKilnRuntime/include -I "$work/c/include")
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The runtime once, with the sanitizers, then a driver per model.
mkdir -p "$work/o"
pids=()
for f in Sources/CKilnRuntime/*.c; do
  "$CC" "${CFLAGS[@]}" -c "$f" -o "$work/o/$(basename "$f" .c).o" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || { echo "sanitizers: FAILED: the runtime does not compile" >&2; exit 1; }; done
runtime=("$work"/o/*.o)

status=0
skipped=0
report() {  # name, log, exit status: fail on a non-zero status or any sanitizer line
  if [ "$3" -ne 0 ] || grep -qE 'Sanitizer|runtime error' "$2"; then
    echo "sanitizers: FAILED: $1 (exit $3)" >&2
    cat "$2" >&2
    status=1
  else
    cat "$2"
  fi
}

"$CC" "${CFLAGS[@]}" "$here/runtime.c" "${runtime[@]}" -fuse-ld=lld -lm -lpthread -o "$work/runtime"
rc=0; "$work/runtime" >"$work/runtime.log" 2>&1 || rc=$?
report runtime "$work/runtime.log" "$rc"

# The thread pool under TSan too (the Swift toolchain's TSan runtime also wants libdispatch).
dispatch="$(dirname "$(command -v swift 2>/dev/null || echo /usr/bin/swift)")/../lib/swift/linux"
tsan=(-std=c11 -O1 -g -fsanitize=thread -fuse-ld=lld -I Sources/CKilnRuntime/include "$here/runtime.c" Sources/CKilnRuntime/*.c -lm -lpthread)
if "$CC" "${tsan[@]}" -o "$work/runtime-tsan" 2>/dev/null ||
   "$CC" "${tsan[@]}" -L"$dispatch" -ldispatch -lBlocksRuntime -Wl,-rpath,"$dispatch" -o "$work/runtime-tsan"; then
  rc=0; TSAN_OPTIONS=halt_on_error=1 "$work/runtime-tsan" >"$work/runtime-tsan.log" 2>&1 || rc=$?
  sed -i 's/^sanitizers: runtime ok/sanitizers: runtime under TSan ok/' "$work/runtime-tsan.log"
  report "runtime under TSan" "$work/runtime-tsan.log" "$rc"
else
  echo "sanitizers: FAILED: cannot link the runtime with -fsanitize=thread" >&2; status=1
fi

for spec in "${models[@]}"; do
  name=$(basename "$spec" .model.yaml)
  header="$work/c/include/$name.h"
  km=$(sed -n 's/^void \([A-Za-z0-9_]*\)_forward(kiln_state .*/\1/p' "$header")
  ku=$(sed -n 's/^#define \([A-Za-z0-9_]*\)_BATCH .*/\1/p' "$header")
  swift_file="$work/swift/$name.swift"
  case "$(grep -m1 -E '^ +loss: \.' "$swift_file")" in
    *binaryCrossentropy*) kloss=1 ;;
    *sparseCategoricalCrossentropy*) kloss=3 ;;
    *categoricalCrossentropy*) kloss=2 ;;
    *) kloss=0 ;;
  esac
  # Several outputs: y packs each output's targets; 0/1 values are valid for every loss.
  target=()
  packed=$(sed -n 's/^#define [A-Za-z0-9_]*_TARGET_SIZE \([0-9]*\).*/\1/p' "$header")
  if [ -n "$packed" ]; then kloss=1; target=(-DKTARGET="$packed"); fi
  opt=$(grep -m1 -E '^ +optimizer: OptimizerConfig\(' "$swift_file")
  field() { sed -E "s/.*[(, ]$1: ([^,)]*).*/\1/" <<<"$opt"; }
  nesterov=0; [ "$(field nesterov)" = true ] && nesterov=1
  [ -n "$km" ] && [ -n "$ku" ] && [ -n "$opt" ] || { echo "sanitizers: FAILED: cannot read the API of $name" >&2; status=1; continue; }
  # Models with more than 2M floats of activations (the seed CNN) would take minutes under ASan;
  # their layer kinds run here in the small Ref* specs.
  acts=$(sed -n 's/^#define [A-Za-z0-9_]*_ACTS \([0-9]*\).*/\1/p' "$header")
  if [ "${acts:-0}" -gt 2000000 ]; then
    echo "sanitizers: $name skipped ($acts floats of activations; its layer kinds run in the small specs)"
    skipped=$((skipped + 1))
    continue
  fi
  f() { echo "((float)($(field "$1")))"; }
  if ! "$CC" "${CFLAGS[@]}" -DKM="$km" -DKU="$ku" -DKH="\"$name.h\"" -DKNAME="\"$name\"" -DKLOSS=$kloss "${target[@]}" \
      -DLR="$(f learningRate)" -DBETA1="$(f beta1)" -DBETA2="$(f beta2)" -DEPS="$(f epsilon)" \
      -DMOMENTUM="$(f momentum)" -DRHO="$(f rho)" -DNESTEROV=$nesterov \
      "$here/driver.c" "$work/c/$name.c" "${runtime[@]}" -fuse-ld=lld -lm -lpthread -o "$work/$name"; then
    echo "sanitizers: FAILED: $name does not compile" >&2; status=1; continue
  fi
  rc=0; "$work/$name" >"$work/$name.log" 2>&1 || rc=$?
  report "$name" "$work/$name.log" "$rc"
done

if [ $status -ne 0 ]; then
  echo "sanitizers: FAILED ($((SECONDS - start)) s)" >&2
  exit 1
fi
echo "sanitizers: $((${#models[@]} - skipped)) models and the runtime clean under ASan + UBSan, the runtime under TSan ($((SECONDS - start)) s)"
