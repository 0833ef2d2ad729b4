"""The lab report's time against the summed dgemm bound of its grid (bench/lab-bound runs it).

For every run's metrics file (lab-report's runs/ folder) it takes the element type, the layer
sizes, the batch size, the epochs and the training images, times gemm-bound once for each
distinct shape (the products of one step on every backend, the fastest kept, and the forward
products of the evaluation), and sums, over the grid, the epochs times the bound of one epoch
(its training steps and its evaluation). Per shape it compares the runs' training seconds (what
the metrics record) with the training steps' bound; in all, the report's wall time with the
whole bound: the report trains `workers` runs at a time on as many cores, one thread each, so
its floor is the summed bound divided by the workers.

    python3 bench/lab_bound.py RUNS_DIR GEMM_BOUND WALL_SECONDS WORKERS

Prints a Markdown table and a JSON line with the totals.
"""

import json
import pathlib
import subprocess
import sys

TRAIN_SAMPLES = 60000


def shape_of(config):
    return (config["dtype"], tuple(config["hidden"]), config["batch-size"])


def epoch_bound(gemm_bound, shape):
    """Seconds of one full epoch's products (training steps, evaluation) at their fastest."""
    dtype, hidden, batch = shape
    out = subprocess.run(
        [gemm_bound, "--dtype", dtype, "--hidden", ",".join(map(str, hidden)),
         "--batch-size", str(batch), "--threads", "1"],
        check=True, capture_output=True, text=True).stdout
    measured = json.loads(out)
    return measured["epoch_seconds"], measured["eval_seconds"]


def main():
    runs_dir, gemm_bound, wall, workers = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    groups = {}
    for path in sorted(pathlib.Path(runs_dir).glob("*.json")):
        metrics = json.loads(path.read_text())
        config = metrics["config"]
        train = config.get("limit-train") or TRAIN_SAMPLES
        group = groups.setdefault(shape_of(config), {"runs": 0, "epochs": 0, "seconds": 0.0,
                                                      "train_fraction_epochs": 0.0})
        group["runs"] += 1
        group["epochs"] += len(metrics["epochs"])
        group["seconds"] += sum(epoch["seconds"] for epoch in metrics["epochs"])
        group["train_fraction_epochs"] += len(metrics["epochs"]) * min(train, TRAIN_SAMPLES) / TRAIN_SAMPLES
    if not groups:
        sys.exit(f"lab_bound: no metrics files in {runs_dir}")

    print("| dtype | layers | batch | runs | epochs | training s | its dgemm bound, s | ratio "
          "| evaluation bound, s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    total_seconds = total_bound = 0.0
    for shape, group in sorted(groups.items()):
        train_bound, eval_bound = epoch_bound(gemm_bound, shape)
        training = group["train_fraction_epochs"] * train_bound
        evaluation = group["epochs"] * eval_bound
        total_seconds += group["seconds"]
        total_bound += training + evaluation
        dtype, hidden, batch = shape
        layers = "-".join(["784", *map(str, hidden), "10"])
        print(f"| {dtype} | {layers} | {batch} | {group['runs']} | {group['epochs']} | "
              f"{group['seconds']:.1f} | {training:.1f} | {group['seconds'] / training:.2f} | "
              f"{evaluation:.1f} |")
    floor = total_bound / workers
    print(f"\ntraining {total_seconds:.1f} s in all; summed dgemm bound (training and evaluation) "
          f"{total_bound:.1f} s; wall {wall:.1f} s with {workers} runs at a time, against a floor "
          f"of {floor:.1f} s: {wall / floor:.2f}x")
    print(json.dumps({"bench": "lab-bound", "training_seconds": total_seconds,
                      "summed_bound_seconds": total_bound, "workers": workers,
                      "wall_seconds": wall, "wall_over_bound": wall / floor}))


if __name__ == "__main__":
    main()
