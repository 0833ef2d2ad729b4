#!/usr/bin/env bash
# mnist-train under signals and divergence:
# - SIGINT mid-run saves a checkpoint and exits 130; --resume then ends with the same metrics,
#   to the last digit, as a run that was never stopped; SIGTERM saves one and exits 143;
# - a diverging run stops with a message and exit code 3 instead of printing NaN;
# - --detect-anomaly names the op that produced the first NaN/Inf.
# Usage: cli_resume.sh path/to/mnist-train MNIST_DIR
set -uo pipefail
train="$1"
data="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
common=(--data-dir "$data" --limit-train 3000 --epochs 12 --threads 1 --disp-freq 1000)

"$train" "${common[@]}" --checkpoint "$work/a.ckpt" --metrics-out "$work/a.json" >"$work/a.log" ||
    fail "the uninterrupted run failed: $(tail -n 3 "$work/a.log")"

"$train" "${common[@]}" --checkpoint "$work/b.ckpt" --metrics-out "$work/b.json" >"$work/b.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [[ -e $work/b.ckpt ]] && break; sleep 0.01; done
sleep 0.15
kill -INT "$pid"
wait "$pid"
status=$?
[[ $status -eq 130 ]] || fail "interrupted run exited $status, expected 130: $(tail -n 2 "$work/b.log")"
grep -q "checkpoint saved to $work/b.ckpt (continue with --resume)" "$work/b.log" || fail "no checkpoint message"
echo "ok: $(grep 'stopped by signal' "$work/b.log")"

# SIGTERM (what a scheduler or `kill` sends) stops the same way, with exit code 128 + 15.
"$train" "${common[@]}" --checkpoint "$work/t.ckpt" >"$work/t.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [[ -e $work/t.ckpt ]] && break; sleep 0.01; done
kill -TERM "$pid"
wait "$pid"
status=$?
[[ $status -eq 143 ]] || fail "run stopped by SIGTERM exited $status, expected 143: $(tail -n 2 "$work/t.log")"
grep -q "stopped by signal 15" "$work/t.log" || fail "no stop message for SIGTERM: $(tail -n 2 "$work/t.log")"
grep -q "checkpoint saved to $work/t.ckpt" "$work/t.log" || fail "no checkpoint message after SIGTERM"
echo "ok: SIGTERM saved a checkpoint and exited 143"

"$train" "${common[@]}" --checkpoint "$work/b.ckpt" --metrics-out "$work/b.json" --resume >"$work/c.log" ||
    fail "resume failed: $(tail -n 3 "$work/c.log")"
epochs_of() { grep -E '"(epoch|train_loss|train_acc|test_loss|test_acc)"' "$1"; }
diff <(epochs_of "$work/a.json") <(epochs_of "$work/b.json") >/dev/null ||
    fail "resumed metrics differ from the uninterrupted run"
[[ $(epochs_of "$work/a.json" | grep -c '"epoch"') -eq 12 ]] || fail "expected 12 epochs"
cmp -s "$work/a.ckpt" "$work/b.ckpt" && fail "checkpoints should differ at least in their config paths"
echo "ok: interrupted + resumed metrics equal the uninterrupted run's, digit for digit"

output=$("$train" --data-dir "$data" --limit-train 2000 --epochs 3 --loss euclidean --lr 20 2>&1)
status=$?
[[ $status -eq 3 ]] || fail "diverging run exited $status, expected 3"
[[ $output == *"training diverged at epoch"* ]] || fail "no divergence message: $output"
[[ $output != *"nan  |"* ]] || fail "printed NaN metrics"
echo "ok: $(grep 'diverged' <<<"$output")"

output=$("$train" --data-dir "$data" --limit-train 2000 --epochs 3 --loss euclidean --lr 20 --detect-anomaly 2>&1)
status=$?
[[ $status -eq 3 ]] || fail "anomaly run exited $status, expected 3"
# The message must name the op (a lower-case op name followed by its node number).
[[ $output =~ anomaly:\ (NaN|Inf)\ at\ flat\ index\ [0-9]+\ of\ the\ (output\ of|gradient\ of\ input\ [0-9]+\ computed\ by)\ [a-z_]+\ \(#[0-9]+ ]] ||
    fail "no anomaly message naming the op: $output"
echo "ok: $(grep 'anomaly' <<<"$output")"
