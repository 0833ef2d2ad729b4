#!/usr/bin/python3
"""A layer-by-layer numpy MLP in the style of the 2022 lab (hand-written forward and backward
per layer, SGD with momentum and weight decay), timed per epoch, as the numpy reference point of
the benchmark table. Prints one JSON line like the other bench programs.

    numpy_mlp.py [--hidden 128|256,128] [--dtype float32|float64] [--epochs 3]
                 [--data-dir DIR | --synthetic]

Threads: set OPENBLAS_NUM_THREADS before starting (bench/run does).
"""
import argparse
import json
import os
import statistics
import struct
import time

import numpy as np


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    zero, kind, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 8:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


class Linear:
    def __init__(self, n_in, n_out, rng, dtype):
        self.W = (rng.standard_normal((n_in, n_out)) * 0.01).astype(dtype)
        self.b = np.zeros(n_out, dtype=dtype)
        self.vW = np.zeros_like(self.W)
        self.vb = np.zeros_like(self.b)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, g):
        self.gW = self.x.T @ g
        self.gb = g.sum(axis=0)
        return g @ self.W.T

    def step(self, lr, momentum, wd):
        self.vW = momentum * self.vW + (self.gW + wd * self.W)
        self.W -= lr * self.vW
        self.vb = momentum * self.vb + (self.gb + wd * self.b)
        self.b -= lr * self.vb


class ReLU:
    def forward(self, u):
        self.u = u
        return np.maximum(u, 0)

    def backward(self, g):
        return g * (self.u > 0)


def softmax_cross_entropy(x, labels):
    shifted = x - x.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.log(p[np.arange(n), labels]).mean()
    p[np.arange(n), labels] -= 1
    return loss, p / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", default="128")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--data-dir", default="data/mnist")
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    rng = np.random.RandomState(42)
    if args.synthetic:
        pixels = rng.randint(0, 256, size=(60000, 784)).astype(np.uint8)
        labels = rng.randint(0, 10, size=60000)
    else:
        pixels = read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte")).reshape(60000, 784)
        labels = read_idx(os.path.join(args.data_dir, "train-labels-idx1-ubyte")).astype(np.int64)
    x_all = ((pixels.astype(np.float64) - 128) / 255).astype(dtype)

    sizes = [784] + [int(h) for h in args.hidden.split(",")] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(Linear(sizes[i], sizes[i + 1], rng, dtype))
        if i + 2 < len(sizes):
            layers.append(ReLU())
    linears = [layer for layer in layers if isinstance(layer, Linear)]

    seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = np.arange(60000)
        rng.shuffle(order)
        for first in range(0, 60000, args.batch_size):
            batch = order[first:first + args.batch_size]
            h = x_all[batch]
            for layer in layers:
                h = layer.forward(h)
            _, g = softmax_cross_entropy(h, labels[batch])
            for layer in reversed(layers):
                g = layer.backward(g)
            for layer in linears:
                layer.step(0.1, 0.9, 2e-4)
        seconds.append(time.perf_counter() - start)
    typical = statistics.median(seconds[1:] if len(seconds) > 1 else seconds)
    print(json.dumps({"impl": "numpy", "hidden": sizes[1:-1], "dtype": args.dtype,
                      "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0")),
                      "batch_size": args.batch_size, "epoch_seconds": seconds,
                      "median_epoch_seconds_after_first": typical, "numpy": np.__version__,
                      "data": "synthetic" if args.synthetic else "mnist"}))


if __name__ == "__main__":
    main()
