#!/usr/bin/python3
"""Prints the PyTorch reference values stored in test_batch_norm.cpp.

Run offline with Debian's python3-torch (PyTorch 1.13); the tests never run it.
A float64 BatchNorm2d(3, momentum=0.2) with weight (1.5, 0.5, -1) and bias (0.25, -0.5, 1):
three training steps on inputs x_k[n, c, h, w] = sin(1 + 7n + 3c + 1.3h + 0.7w + k) (c + 1) + c
of shape (2, 3, 2, 2), each followed by a backward of sum(y * g) with g[i] = cos(0.37 i);
then an evaluation on x_3. BatchNorm1d(2) (no affine) on (4, 2) rows for one step.
"""
import math

import torch


def inputs(shape, k):
    n_, c_, h_, w_ = shape
    x = torch.empty(shape, dtype=torch.float64)
    for n in range(n_):
        for c in range(c_):
            for h in range(h_):
                for w in range(w_):
                    x[n, c, h, w] = math.sin(1 + 7 * n + 3 * c + 1.3 * h + 0.7 * w + k) * (c + 1) + c
    return x


def seed(shape):
    count = math.prod(shape)
    return torch.tensor([math.cos(0.37 * i) for i in range(count)], dtype=torch.float64).reshape(shape)


def fmt(t):
    return "{" + ", ".join(repr(float(v)) for v in t.detach().reshape(-1)) + "}"


bn = torch.nn.BatchNorm2d(3, momentum=0.2).double()
with torch.no_grad():
    bn.weight.copy_(torch.tensor([1.5, 0.5, -1.0]))
    bn.bias.copy_(torch.tensor([0.25, -0.5, 1.0]))
shape = (2, 3, 2, 2)
print(f"// torch {torch.__version__}")
for k in range(3):
    x = inputs(shape, k).requires_grad_()
    bn.zero_grad()
    y = bn(x)
    (y * seed(shape)).sum().backward()
    if k == 2:
        print("output", fmt(y))
        print("grad_input", fmt(x.grad))
        print("grad_weight", fmt(bn.weight.grad))
        print("grad_bias", fmt(bn.bias.grad))
print("running_mean", fmt(bn.running_mean))
print("running_var", fmt(bn.running_var))
bn.eval()
x = inputs(shape, 3).requires_grad_()
y = bn(x)
(y * seed(shape)).sum().backward()
print("eval_output", fmt(y))
print("eval_grad_input", fmt(x.grad))

bn1 = torch.nn.BatchNorm1d(2, affine=False).double()
rows = inputs((4, 2, 1, 1), 0).reshape(4, 2).requires_grad_()
y = bn1(rows)
(y * seed((4, 2))).sum().backward()
print("bn1d_output", fmt(y))
print("bn1d_grad_input", fmt(rows.grad))
print("bn1d_running_var", fmt(bn1.running_var))
