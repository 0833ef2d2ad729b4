#!/usr/bin/python3
"""PyTorch's test accuracy for `mnist-train --optimizer adam --lr 1e-3` (every other setting
mnist-train's default): 784-128-10 ReLU, weights N(0, 0.01), zero biases, inputs p / 255, batch
100, Adam lr 1e-3 with weight decay 2e-4 (then 0), 10 epochs, softmax cross-entropy; five seeds
each, the final and the best epoch's test accuracy. About 15 minutes on 2 cores:

    /usr/bin/python3 bench/adam_accuracy.py data/mnist
"""
import struct
import sys
import numpy as np
import torch

def idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    dims = [n] + [struct.unpack(">I", data[8 + 4 * i:12 + 4 * i])[0]
                  for i in range((magic & 0xFF) - 1)]
    return np.frombuffer(data, np.uint8, offset=8 + 4 * (len(dims) - 1)).reshape(dims)

root = sys.argv[1] if len(sys.argv) > 1 else "data/mnist"
xtr = torch.tensor(idx(f"{root}/train-images-idx3-ubyte").reshape(60000, 784) / 255.0, dtype=torch.float32)
ytr = torch.tensor(idx(f"{root}/train-labels-idx1-ubyte").astype(np.int64))
xte = torch.tensor(idx(f"{root}/t10k-images-idx3-ubyte").reshape(10000, 784) / 255.0, dtype=torch.float32)
yte = torch.tensor(idx(f"{root}/t10k-labels-idx1-ubyte").astype(np.int64))
torch.set_num_threads(2)
for wd in (2e-4, 0.0):
    for seed in range(5):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        for m in model:
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, 0, 0.01); torch.nn.init.zeros_(m.bias)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=wd)
        accs = []
        for epoch in range(10):
            perm = torch.randperm(60000)
            for i in range(0, 60000, 100):
                b = perm[i:i + 100]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(xtr[b]), ytr[b]).backward()
                opt.step()
            with torch.no_grad():
                accs.append((model(xte).argmax(1) == yte).float().mean().item())
        print(f"weight_decay {wd:g} seed {seed}: final {accs[-1]:.4f} best {max(accs):.4f} (epoch {accs.index(max(accs)) + 1})", flush=True)
