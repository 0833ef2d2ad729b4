#!/usr/bin/env bash
# Weights that numpy reads and writes: mnist-train saves .npz and .safetensors in PyTorch's
# layout, numpy_weights.py (numpy only) recomputes the test logits from them and matches
# mnist-train's --logits-out; numpy writes the network back with its hidden units permuted and
# no metadata, and mnist-train --epochs 0 evaluates it to the same accuracy and logits. Skipped
# (exit 77, shown by ctest) without Debian's python3-numpy.
# Usage: cli_weights.sh path/to/mnist-train MNIST_DIR
set -uo pipefail
train="$1"
mnist="$2"
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3  # Debian's interpreter, where python3-numpy is installed
fail() { echo "FAIL: $*"; exit 1; }
if ! "$python" -c "import numpy" 2>/dev/null; then
    echo "SKIPPED: numpy is not installed for $python (apt-get install python3-numpy)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--data-dir "$mnist" --limit-train 2000 --epochs 2 --threads 1 --disp-freq 1000)
numpy() { "$python" "$here/numpy_weights.py" "$@" || fail "numpy_weights.py $*"; }
accuracy() { sed -n 's/^\(final \)\{0,1\}test accuracy \(of [^ ]* \)\{0,1\}\([0-9.]*\).*/\3/p' <<<"$1"; }

# float32 (relu, .npz) and float64 (gelu, two hidden layers, .safetensors): logits to 1e-6 and
# 1e-12 of the largest logit.
for case in "npz float32 relu 128 0.01 1e-6" "safetensors float64 gelu 64,32 0.1 1e-12"; do
    read -r ext dtype act hidden std tolerance <<<"$case"
    log=$("$train" "${common[@]}" --dtype "$dtype" --act "$act" --hidden "$hidden" --init-std "$std" \
        --save-weights "$dir/w.$ext" --logits-out "$dir/logits.npy" 2>&1) || fail "training: $log"
    trained=$(accuracy "$log")
    numpy check "$dir/w.$ext" "$dir/logits.npy" "$mnist" "$act" "$tolerance"
    numpy permute "$dir/w.$ext" "$dir/numpy.$ext"
    log=$("$train" --data-dir "$mnist" --epochs 0 --threads 1 --dtype "$dtype" --act "$act" \
        --hidden "$hidden" --load-weights "$dir/numpy.$ext" --logits-out "$dir/again.npy" 2>&1) ||
        fail "evaluating numpy's file: $log"
    evaluated=$(accuracy "$log")
    [[ -n $trained && $trained == "$evaluated" ]] ||
        fail "$dtype: trained to accuracy '$trained', numpy's permuted file evaluates to '$evaluated'"
    awk -v a="$trained" 'BEGIN { exit !(a > 0.7) }' || fail "$dtype: test accuracy $trained (expected > 0.7)"
    numpy check "$dir/numpy.$ext" "$dir/again.npy" "$mnist" "$act" "$tolerance"
    echo "ok: $dtype .$ext: accuracy $trained after training and from numpy's file"
done

# A file of another network is refused naming the tensor; nothing is written on failure.
log=$("$train" --data-dir "$mnist" --epochs 0 --hidden 64 --load-weights "$dir/numpy.npz" \
    --logits-out "$dir/never.npy" 2>&1) && fail "a mismatched file was accepted"
grep -q "tensor '0.weight' has shape (128, 784) (pytorch layout); the model's 'fc1.weight' is (784, 64)" <<<"$log" ||
    fail "the message does not name the tensor: $log"
[[ ! -e $dir/never.npy ]] || fail "logits were written after a refused load"
echo "ok: $log"
