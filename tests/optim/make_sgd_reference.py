#!/usr/bin/python3
"""Prints the PyTorch reference values stored in test_sgd.cpp.

Run offline with Debian's python3-torch (PyTorch 1.13); the tests never run it. Each case
starts from the same two float64 parameters and takes four steps of torch.optim.SGD with
gradients g = 0.5 p^2 - 0.3 p + 0.1 (k + 1) at step k.
"""
import torch

CASES = [
    ("plain", dict(lr=0.1), None),
    ("momentum", dict(lr=0.1, momentum=0.9), None),
    ("momentum_weight_decay", dict(lr=0.1, momentum=0.9, weight_decay=0.01), None),
    ("dampening", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01), None),
    ("nesterov", dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), None),
    ("lr_schedule", dict(lr=0.1, momentum=0.5, weight_decay=0.001), [0.1, 0.1, 0.05, 0.05]),
]


def initial():
    w = torch.tensor([[0.5, -1.25, 2.0], [0.75, -0.1, 1.5]], dtype=torch.float64)
    b = torch.tensor([0.2, -0.4, 0.05], dtype=torch.float64)
    return [w.requires_grad_(), b.requires_grad_()]


def fmt(t):
    return "{" + ", ".join(repr(float(v)) for v in t.detach().flatten()) + "}"


print(f"// torch {torch.__version__}")
for name, options, schedule in CASES:
    params = initial()
    opt = torch.optim.SGD(params, **options)
    for k in range(4):
        if schedule:
            for group in opt.param_groups:
                group["lr"] = schedule[k]
        opt.zero_grad()
        for p in params:
            p.grad = 0.5 * p.detach() ** 2 - 0.3 * p.detach() + 0.1 * (k + 1)
        opt.step()
    velocity = [opt.state[p].get("momentum_buffer") for p in params]
    print(f'{{"{name}", {fmt(params[0])}, {fmt(params[1])},')
    print(f'  {fmt(velocity[0]) if velocity[0] is not None else "{}"}, '
          f'{fmt(velocity[1]) if velocity[1] is not None else "{}"}}},')
