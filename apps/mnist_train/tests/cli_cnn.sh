#!/usr/bin/env bash
# mnist-train --model cnn --batch-norm --dropout --augment-shift: it learns, and a run stopped
# after one epoch and resumed from its checkpoint ends with the metrics of the run that was
# never stopped (convolution weights, batch norm's running statistics, Adam's state and the
# dropout and shift draws through checkpoints), and its weights (running statistics included)
# load back for evaluation.
# Usage: cli_cnn.sh path/to/mnist-train MNIST_DIR
set -uo pipefail
train="$1"
data="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# The CNN's own defaults (Adam, cosine schedule: its period is fixed at the full run's 2 epochs,
# or the 1-epoch half would end its schedule); augmentation draws from the run's engine too.
common=(--data-dir "$data" --model cnn --batch-norm --dropout 0.25 --augment-shift 2
        --lr-period 2 --limit-train 2000 --batch-size 50 --threads 1 --disp-freq 1000)

"$train" "${common[@]}" --epochs 2 --metrics-out "$work/a.json" --save-weights "$work/a.npz" \
    >"$work/a.log" || fail "the CNN run failed: $(tail -n 3 "$work/a.log")"
grep -q "Conv2d(1, 16, kernel (5, 5), padding (2, 2)), bn1: BatchNorm2d(16" "$work/a.log" ||
    fail "the architecture is not printed: $(head -n 5 "$work/a.log")"
accuracy=$(grep -E '^epoch 2/2' "$work/a.log" | sed -E 's/.*test loss [0-9.]+ acc ([0-9.]+).*/\1/')
awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.85) }' || fail "test accuracy $accuracy after 2 epochs on 2000 images"
echo "ok: the CNN learns (test accuracy $accuracy after 2 epochs on 2000 images)"

"$train" "${common[@]}" --epochs 1 --checkpoint "$work/b.ckpt" >"$work/b.log" ||
    fail "the first half failed: $(tail -n 3 "$work/b.log")"
"$train" "${common[@]}" --epochs 2 --checkpoint "$work/b.ckpt" --resume --metrics-out "$work/b.json" \
    >"$work/c.log" || fail "resume failed: $(tail -n 3 "$work/c.log")"
epochs_of() { grep -E '"(epoch|train_loss|train_acc|test_loss|test_acc)"' "$1"; }
diff <(epochs_of "$work/a.json") <(epochs_of "$work/b.json") >/dev/null ||
    fail "resumed metrics differ from the uninterrupted run"
echo "ok: one epoch + resume equals two epochs, digit for digit"

"$train" --data-dir "$data" --model cnn --batch-norm --dropout 0.25 --epochs 0 --load-weights "$work/a.npz" --threads 1 \
    >"$work/e.log" || fail "evaluating the saved weights failed: $(tail -n 3 "$work/e.log")"
grep -q "$accuracy (loss" "$work/e.log" || fail "the saved weights evaluate differently: $(tail -n 2 "$work/e.log")"
echo "ok: the saved CNN weights evaluate to the same test accuracy"
