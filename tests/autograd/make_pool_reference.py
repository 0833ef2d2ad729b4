#!/usr/bin/python3
"""Prints the PyTorch reference values stored in test_conv.cpp (pooling in ceil mode).

Run offline with Debian's python3-torch (PyTorch 1.13); the tests never run it.
x[n, c, h, w] = sin(0.9 + 1.7 n + 2.3 c + 0.61 h + 0.37 w) of shape (1, 2, 5, 6), float64.
"""
import math

import torch
import torch.nn.functional as F

x = torch.empty((1, 2, 5, 6), dtype=torch.float64)
for c in range(2):
    for h in range(5):
        for w in range(6):
            x[0, c, h, w] = math.sin(0.9 + 2.3 * c + 0.61 * h + 0.37 * w)

CASES = [
    ("max k2 s2", "max", 2, 2, 0),
    ("max k3 s2 p1", "max", 3, 2, 1),
    ("avg k2 s2", "avg", 2, 2, 0),
    ("avg k3 s2 p1", "avg", 3, 2, 1),
    ("avg k2 s3", "avg", 2, 3, 0),
]
print(f"// torch {torch.__version__}")
for label, kind, k, s, p in CASES:
    if kind == "max":
        y = F.max_pool2d(x, k, s, p, ceil_mode=True)
    else:
        y = F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=True)
    values = ", ".join(repr(float(v)) for v in y.reshape(-1))
    print(f'{{"{label}", {kind == "max"}, {k}, {s}, {p}, {{{y.shape[2]}, {y.shape[3]}}}, {{{values}}}}},'.replace("True", "true").replace("False", "false"))
