#!/usr/bin/python3
"""Weights between mnist-train and PyTorch, both ways (Debian python3-torch; run by
scripts/pytorch-round-trip, not in CI).

    pytorch_round_trip.py MNIST_TRAIN MNIST_DIR OUT_DIR

1. mnist-train trains the default 784-128-10 ReLU MLP for 2 epochs and saves its weights as
   safetensors (PyTorch's layout); torch.nn.Sequential(Linear, ReLU, Linear).load_state_dict
   takes them as they are (strict) and evaluates the test images: the same accuracy and logits.
2. PyTorch trains the same Sequential for one epoch (its own initialisation and shuffle) and
   saves its state_dict as .npz; mnist-train --epochs 0 --load-weights evaluates it to the
   accuracy PyTorch measured.
"""
import os
import re
import subprocess
import sys

import numpy as np
import torch

from numpy_weights import read_weights, test_images


def run(command):
    print("$ " + " ".join(command), flush=True)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return output


def sequential():
    return torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))


def reported_accuracy(output):
    match = re.search(r"test accuracy (?:of \S+ )?([0-9.]+)", output)
    return float(match.group(1))


def main(mnist_train, mnist_dir, out):
    os.makedirs(out, exist_ok=True)
    images = torch.from_numpy(test_images(mnist_dir)).float()
    with open(mnist_dir + "/t10k-labels-idx1-ubyte", "rb") as f:
        labels = torch.from_numpy(np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64))

    # 1. xtgrad -> PyTorch
    weights = out + "/xtgrad.safetensors"
    output = run([mnist_train, "--data-dir", mnist_dir, "--epochs", "2", "--threads", "1",
                  "--save-weights", weights, "--logits-out", out + "/xtgrad-logits.npy"])
    xtgrad_accuracy = reported_accuracy(output)
    model = sequential()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in read_weights(weights).items()})
    with torch.no_grad():
        logits = model(images)
    torch_accuracy = (logits.argmax(1) == labels).double().mean().item()
    difference = np.max(np.abs(logits.numpy() - np.load(out + "/xtgrad-logits.npy")))
    print("xtgrad -> PyTorch: test accuracy %.4f in mnist-train, %.4f in PyTorch; largest logit "
          "difference %.3g" % (xtgrad_accuracy, torch_accuracy, difference))
    assert abs(torch_accuracy - xtgrad_accuracy) < 1e-4 and difference < 1e-4

    # 2. PyTorch -> xtgrad
    with open(mnist_dir + "/train-images-idx3-ubyte", "rb") as f:
        train_images = torch.from_numpy(
            np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 784) / 255.0).float()
    with open(mnist_dir + "/train-labels-idx1-ubyte", "rb") as f:
        train_labels = torch.from_numpy(np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64))
    torch.manual_seed(0)
    model = sequential()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for batch in torch.randperm(len(train_images)).split(100):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(train_images[batch]), train_labels[batch]).backward()
        optimizer.step()
    with torch.no_grad():
        torch_accuracy = (model(images).argmax(1) == labels).double().mean().item()
    np.savez(out + "/pytorch.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
    output = run([mnist_train, "--data-dir", mnist_dir, "--epochs", "0", "--threads", "1",
                  "--load-weights", out + "/pytorch.npz"])
    xtgrad_accuracy = reported_accuracy(output)
    print("PyTorch -> xtgrad: test accuracy %.4f in PyTorch, %.4f in mnist-train"
          % (torch_accuracy, xtgrad_accuracy))
    assert abs(torch_accuracy - xtgrad_accuracy) < 1e-4


if __name__ == "__main__":
    main(*sys.argv[1:4])
