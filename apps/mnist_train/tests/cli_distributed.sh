#!/usr/bin/env bash
# mnist-train --distributed under mpirun with 2 processes on this machine:
# - 2 processes x 50 samples give the metrics of 1 process x 100 to 1e-12 relative (float64;
#   the reduction only reorders sums), for the MLP and for the CNN with augmentation;
# - the same launch twice gives the same bits;
# - SIGTERM to mpirun mid-run saves a checkpoint, and --resume ends with the uninterrupted
#   distributed run's metrics, digit for digit;
# - SIGKILL to one process ends the launch with an error instead of a hang, and a resume
#   continues from the last checkpoint;
# - bad uses (a batch the processes do not divide, dropout) get clear errors.
# Usage: cli_distributed.sh path/to/mnist-train MNIST_DIR [MPIRUN]
set -uo pipefail
train="$1"
data="$2"
mpirun="${3:-mpirun}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# CI runs as root, which OpenMPI refuses unless told; --oversubscribe lets 2 processes start
# on a machine that reports fewer slots.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory without cross-process reads (process_vm_readv), which containers often forbid.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=("$mpirun" --oversubscribe -np 2)
# Under AddressSanitizer (scripts/test-sanitizers), Open MPI's allocations kept until exit are not
# leaks of ours: tests/sanitizers/openmpi.supp names its libraries.
if [[ -n ${ASAN_OPTIONS:-} ]]; then
    export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
    export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/../../.." && pwd)/tests/sanitizers/openmpi.supp"
fi
common=(--data-dir "$data" --threads 1 --dtype float64 --disp-freq 1000)
epochs_of() { grep -E '"(epoch|train_loss|train_acc|test_loss|test_acc)"' "$1"; }
final_of() { sed -n '/"final"/,/}/p' "$1" | grep -E '"test_(loss|acc)"'; }
# Largest relative difference between two lists of '"key": value' lines.
worst_difference() {
    paste "$1" "$2" | tr -d ',"' | awk '
        { a = $2; b = $4; d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a;
          r = m > 0 ? d / m : d; if (r > worst) worst = r; n++ }
        END { if (n == 0) print "none"; else printf "%.3g\n", worst }'
}
within() { awk -v x="$1" -v limit="$2" 'BEGIN { exit !(x != "none" && x <= limit) }'; }

# 1 process x batch 100 against 2 x 50: the MLP (whose last batch of one image leaves a process
# without samples), then the CNN with shifted images.
for model in "--epochs 3 --limit-train 3001" \
             "--epochs 1 --limit-train 600 --model cnn --optimizer adam --augment-shift 2"; do
    read -ra flags <<<"$model"
    "$train" "${common[@]}" "${flags[@]}" --metrics-out "$work/one.json" >"$work/one.log" ||
        fail "1 process: $(tail -n 3 "$work/one.log")"
    "${mpi[@]}" "$train" "${common[@]}" "${flags[@]}" --distributed \
        --metrics-out "$work/two.json" >"$work/two.log" 2>&1 ||
        fail "2 processes: $(tail -n 5 "$work/two.log")"
    worst=$(worst_difference <(epochs_of "$work/one.json") <(epochs_of "$work/two.json"))
    within "$worst" 1e-12 || fail "$model: 2 x 50 differ from 1 x 100 by $worst relative"
    echo "ok: $model: 2 processes x 50 = 1 x 100 to $worst relative"
done
grep -q "data-parallel over 2 processes: gradient allreduce" "$work/two.log" ||
    fail "no allreduce report: $(tail -n 3 "$work/two.log")"
# Batch norm: each process normalises its own shard in training and takes process 0's running
# statistics before every step and before evaluation, so the sharded evaluation is that of the
# weights process 0 saves, evaluated by one process.
bn=(--model cnn --batch-norm --limit-train 600)
"${mpi[@]}" "$train" "${common[@]}" "${bn[@]}" --epochs 1 --distributed \
    --save-weights "$work/bn.safetensors" --metrics-out "$work/bn.json" >"$work/bn.log" 2>&1 ||
    fail "the CNN with batch norm over 2 processes: $(tail -n 5 "$work/bn.log")"
"$train" "${common[@]}" "${bn[@]}" --epochs 0 --load-weights "$work/bn.safetensors" \
    --metrics-out "$work/bn-eval.json" >"$work/bn-eval.log" 2>&1 ||
    fail "evaluating the batch-norm CNN's weights: $(tail -n 5 "$work/bn-eval.log")"
worst=$(worst_difference <(final_of "$work/bn.json") <(final_of "$work/bn-eval.json"))
within "$worst" 1e-12 ||
    fail "batch norm: the distributed evaluation differs from process 0's weights' by $worst"
echo "ok: the CNN with batch norm over 2 processes evaluates process 0's weights (to $worst)"
# --load-weights under --distributed: process 0 reads the file and broadcasts the weights and
# running statistics; the sharded evaluation is the single process's.
"${mpi[@]}" "$train" "${common[@]}" "${bn[@]}" --epochs 0 --load-weights "$work/bn.safetensors" \
    --distributed --metrics-out "$work/bn-eval2.json" >"$work/bn-eval2.log" 2>&1 ||
    fail "evaluating the weights over 2 processes: $(tail -n 5 "$work/bn-eval2.log")"
worst=$(worst_difference <(final_of "$work/bn-eval.json") <(final_of "$work/bn-eval2.json"))
within "$worst" 1e-12 || fail "the distributed evaluation of saved weights differs by $worst"
echo "ok: 2 processes evaluate loaded weights as one does (to $worst)"

# Resume: an uninterrupted distributed run, then one stopped by SIGTERM and resumed.
long=("${common[@]}" --limit-train 6000 --epochs 8 --hidden 256,128 --distributed)
"${mpi[@]}" "$train" "${long[@]}" --checkpoint "$work/a.ckpt" --metrics-out "$work/a.json" \
    >"$work/a.log" 2>&1 || fail "uninterrupted distributed run: $(tail -n 5 "$work/a.log")"
"${mpi[@]}" "$train" "${long[@]}" --metrics-out "$work/a2.json" >"$work/a2.log" 2>&1 ||
    fail "second distributed run: $(tail -n 5 "$work/a2.log")"
diff <(epochs_of "$work/a.json") <(epochs_of "$work/a2.json") >/dev/null ||
    fail "two launches with the same seed differ"
echo "ok: the same launch twice gives the same bits"

# Starts the long run NAME in the background (pid in $pid, log NAME.log) and waits for its first
# checkpoint. resume NAME continues it and compares it with the uninterrupted run a.
start_until_checkpoint() {
    "${mpi[@]}" "$train" "${long[@]}" --checkpoint "$work/$1.ckpt" --metrics-out "$work/$1.json" \
        >"$work/$1.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 1000); do [[ -e $work/$1.ckpt ]] && break; sleep 0.01; done
}
resume() {
    "${mpi[@]}" "$train" "${long[@]}" --checkpoint "$work/$1.ckpt" --metrics-out "$work/$1.json" \
        --resume >"$work/$1-resumed.log" 2>&1 || fail "resuming $1: $(tail -n 5 "$work/$1-resumed.log")"
    diff <(epochs_of "$work/a.json") <(epochs_of "$work/$1.json") >/dev/null ||
        fail "$1: the resumed metrics differ from the uninterrupted run"
}

start_until_checkpoint b
kill -TERM "$pid"
wait "$pid"
grep -q "stopped by signal 15 in epoch .*checkpoint saved to $work/b.ckpt" "$work/b.log" ||
    fail "SIGTERM did not stop the launch with a checkpoint: $(tail -n 3 "$work/b.log")"
echo "ok: $(grep -o 'stopped by signal.*batches' "$work/b.log")"
resume b
echo "ok: stopped + resumed distributed metrics equal the uninterrupted run's, digit for digit"

# SIGKILL to one process: the launch must end (not hang) with an error naming the failure.
start_until_checkpoint k
victim=$(pgrep -f -n -- "--checkpoint $work/k.ckpt") || fail "no training process to kill"
kill -KILL "$victim"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "the launch hung after a process died"; }
wait "$pid" && fail "the launch succeeded although a process was killed"
grep -qi "signal 9\|killed" "$work/k.log" || fail "no error naming the dead process: $(tail -n 5 "$work/k.log")"
echo "ok: a killed process ends the launch: $(grep -i -m1 'signal 9\|killed' "$work/k.log")"
resume k
echo "ok: after a killed process, --resume continues from the last checkpoint to the same end"

# Only process 0 reads the checkpoint (the others get its bytes): a missing one is the same clear
# error on every process, and the launch ends.
output=$(timeout 60 "${mpi[@]}" "$train" "${long[@]}" --checkpoint "$work/missing.ckpt" --resume 2>&1) &&
    fail "resuming from a missing checkpoint succeeded"
[[ $(grep -c "missing.ckpt: no such file" <<<"$output") -ge 1 ]] ||
    fail "no clear error for a missing checkpoint: $output"
echo "ok: $(grep -m1 'missing.ckpt: no such file' <<<"$output")"

# Bad uses.
output=$("${mpi[@]}" "$train" "${common[@]}" --limit-train 600 --epochs 1 --batch-size 101 \
    --distributed 2>&1) && fail "an odd batch over 2 processes was accepted"
[[ $output == *"batch-size 101 does not divide among the 2 processes"* ]] ||
    fail "no clear error for an odd batch: $output"
echo "ok: $(grep -m1 -o 'batch-size 101 does not divide.*launch' <<<"$output")"
output=$("$train" "${common[@]}" --model cnn --dropout 0.5 --distributed 2>&1) &&
    fail "dropout with --distributed was accepted"
[[ $output == *"dropout: not supported with --distributed"* ]] || fail "no dropout error: $output"
echo "ok: dropout with --distributed is refused"
