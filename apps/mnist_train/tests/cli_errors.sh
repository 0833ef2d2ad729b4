#!/usr/bin/env bash
# Bad flags and config values: a message naming the problem, exit code 2, nothing written.
# Usage: cli_errors.sh path/to/mnist-train
set -uo pipefail
train="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect_rejected() {  # expected message fragment, then the arguments
    local fragment="$1"
    shift
    local output status
    output=$("$train" "$@" --metrics-out "$work/metrics.json" 2>&1)
    status=$?
    if [[ $status -ne 2 ]]; then
        echo "FAIL: mnist-train $* exited $status, expected 2"; failures=$((failures + 1))
    elif [[ $output != *"$fragment"* ]]; then
        echo "FAIL: mnist-train $*: message lacks '$fragment':"; echo "$output"; failures=$((failures + 1))
    elif [[ -e $work/metrics.json ]]; then
        echo "FAIL: mnist-train $* wrote metrics"; failures=$((failures + 1))
    else
        echo "ok: $* -> $(head -n 1 <<<"$output")"
    fi
}

expect_rejected "lr must be positive" --lr -0.1
expect_rejected "batch-size must be positive" --batch-size 0
expect_rejected "hidden layer sizes must be positive" --hidden 128,0
expect_rejected "act must be one of" --act tanh
expect_rejected "loss must be one of" --loss mse
expect_rejected "momentum must be in [0, 1)" --momentum 1.5
expect_rejected "dtype must be one of" --dtype float16
expect_rejected "dataset must be one of" --dataset cifar
expect_rejected "not expected: 0.1 --learning-rate" --learning-rate 0.1
expect_rejected "--batch-size: must not be negative" --batch-size -5
expect_rejected "Could not convert: --epochs = many" --epochs many
echo '{"lr": 0.1,' >"$work/broken.json"
expect_rejected "broken.json: invalid JSON" --config "$work/broken.json"
echo '{"lrr": 0.1}' >"$work/typo.json"
expect_rejected "unknown key 'lrr'" --config "$work/typo.json"
echo '{"lr": -3}' >"$work/negative.json"
expect_rejected "lr must be positive" --config "$work/negative.json"
# Flags override the file: a valid file with a bad flag fails on the flag.
echo '{"lr": 0.05}' >"$work/good.json"
expect_rejected "batch-size must be positive" --config "$work/good.json" --batch-size 0
echo '{"batch_size": 10}' >"$work/old.json"
expect_rejected "unknown key 'batch_size' (it is now 'batch-size')" --config "$work/old.json"

# Missing data: the library names the folder, the program adds how to get it (exit 1).
output=$("$train" --data-dir "$work/no-mnist" --epochs 1 2>&1)
status=$?
if [[ $status -ne 1 || $output != *"no-mnist: no such data directory; run scripts/get-mnist or pass --data-dir"* ]]; then
    echo "FAIL: missing data dir exited $status: $output"; failures=$((failures + 1))
else
    echo "ok: missing data dir -> $output"
fi

exit $((failures > 0))
