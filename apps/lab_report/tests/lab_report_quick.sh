#!/usr/bin/env bash
# lab-report --quick end to end: every table cell and figure must be produced.
# Usage: lab_report_quick.sh path/to/lab-report MNIST_DIR
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$1" --quick --out "$out" --data-dir "$2" --require-complete
test -s "$out/README.md"
figures=$(find "$out/figures" -name '*.png' -size +1k | wc -l)
runs=$(find "$out/runs" -name '*.json' | wc -l)
echo "quick report: $runs metrics files, $figures figures"
# 2 modes x (2 parts x 9 + 4 sweeps x 4) runs; a figure per run, per part and per sweep and mode.
[[ $runs -eq 68 ]] || { echo "expected 68 metrics files, got $runs"; exit 1; }
[[ $figures -eq 80 ]] || { echo "expected 80 figures, got $figures"; exit 1; }
if grep -q "—" "$out/README.md"; then echo "a table cell is empty"; exit 1; fi
if grep -q "not run" "$out/README.md"; then echo "a faithful cell was not run"; exit 1; fi
# A second invocation finds every run complete and trains nothing.
again=$("$1" --quick --out "$out" --data-dir "$2")
[[ $again == *"0 to train"* ]] || { echo "the second run trained again: $again"; exit 1; }
