#!/usr/bin/env bash
# Builds the user package of README.md's "Using Kiln in your package" from the README's own
# files (extract_readme.py), exactly as a user would: Kiln beside it as ../kiln, the build
# plugin on their targets. Runs the app (Iris test accuracy must reach the bar, the pipeline must
# print its table), the CLI as `swift run kiln`, then rebuilds a C target of several specs
# from clean plugin outputs a few times: every build must succeed (no command ordering races).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/.build-readme"
bar=0.9
rm -rf "$work/MyApp/Sources" "$work/MyApp/Package.swift"
mkdir -p "$work/MyApp"
ln -sfn "$root" "$work/kiln"
python3 "$here/extract_readme.py" "$root/README.md" "$work/MyApp"
cp "$root/Sources/kiln-demo/data/iris.csv" "$work/MyApp/"
cd "$work/MyApp"
rm -rf .build/plugins/outputs
swift build -c release 2>&1 | tail -n 3
out="$(swift run -c release my-app 2>&1)"
echo "$out" | tail -n 14
accuracy="$(sed -n 's/^test accuracy: //p' <<<"$out")"
python3 -c "import sys; a = float('$accuracy'); sys.exit(0 if a >= $bar else 'end-to-end: accuracy %s is under the bar $bar' % a)"
fed="$(sed -n 's/^pipeline-fed test accuracy: //p' <<<"$out")"
python3 -c "import sys; a = float('$fed'); sys.exit(0 if a >= $bar else 'end-to-end: the pipeline-fed accuracy %s is under the bar $bar' % a)"
grep -q '^|state| *mean| *n|$' <<<"$out" || { echo "end-to-end: the pipeline's show() table is missing" >&2; exit 1; }
grep -q '^WA 3.0 1$' <<<"$out" || { echo "end-to-end: the pipeline's rows are wrong" >&2; exit 1; }
grep -q '<polyline' history.svg || { echo "end-to-end: the app's history.svg has no curve" >&2; exit 1; }
picture="$(swift run -c release kiln graph --format svg Sources/MyKernels/IrisNet.model.yaml)"
grep -q '(Dense)</text>' <<<"$picture" || { echo "end-to-end: kiln graph --format svg drew no layer" >&2; exit 1; }
swift run -c release kiln check Sources/MyKernels/IrisNet.model.yaml
# Several specs in one C target, built from clean plugin outputs: the umbrella source includes
# every model's header, so a build that ordered its commands by luck fails here (the plugin that
# ran one command per spec failed 2 of 6 such rebuilds).
for name in IrisNetB IrisNetC IrisNetD; do
  sed "s/^model: IrisNet$/model: $name/" Sources/MyKernels/IrisNet.model.yaml > "Sources/MyKernels/$name.model.yaml"
done
for attempt in 1 2 3; do
  rm -rf .build/plugins/outputs
  swift build -c release --product my-app 2>&1 | tail -n 1
done
rm -f Sources/MyKernels/IrisNet[BCD].model.yaml
echo "end-to-end: README package built and run; accuracy $accuracy (bar $bar); 3 clean plugin rebuilds of 4 specs passed"
