#!/usr/bin/env bash
# mnist-train on Fashion-MNIST from Debian's dataset-fashion-mnist package: it trains on those
# files (not MNIST's), and learns. Skipped (exit 77, shown by ctest) where the package is absent.
# Usage: cli_datasets.sh path/to/mnist-train MNIST_DIR
set -uo pipefail
train="$1"
mnist="$2"
fashion=/usr/share/datasets/fashion-mnist
fail() { echo "FAIL: $*"; exit 1; }
if [[ ! -e $fashion/train-images-idx3-ubyte.gz ]]; then
    echo "SKIPPED: Fashion-MNIST is not installed ($fashion; apt-get install dataset-fashion-mnist)"
    exit 77
fi
common=(--limit-train 3000 --epochs 2 --threads 1 --disp-freq 1000)
fashion_log=$("$train" "${common[@]}" --dataset fashion-mnist 2>&1) || fail "fashion-mnist run failed: $fashion_log"
mnist_log=$("$train" "${common[@]}" --data-dir "$mnist" 2>&1) || fail "mnist run failed: $mnist_log"
accuracy() { sed -n 's/^final test accuracy \([0-9.]*\).*/\1/p' <<<"$1"; }
a=$(accuracy "$fashion_log")
b=$(accuracy "$mnist_log")
[[ -n $a && -n $b ]] || fail "no final accuracy: $fashion_log"
[[ $a != "$b" ]] || fail "Fashion-MNIST and MNIST gave the same accuracy $a: the same files?"
awk -v a="$a" 'BEGIN { exit !(a > 0.5) }' || fail "Fashion-MNIST test accuracy $a after 2 epochs (expected > 0.5)"
echo "ok: Fashion-MNIST from $fashion, test accuracy $a (MNIST $b)"
