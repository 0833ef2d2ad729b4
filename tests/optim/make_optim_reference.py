#!/usr/bin/python3
"""Prints the PyTorch reference values stored in test_adaptive.cpp and test_schedules.cpp.

Run offline with Debian's python3-torch (PyTorch 1.13); the tests never run it.
Optimizers: the same two float64 parameters as make_sgd_reference.py, six steps with gradients
g = 0.5 p^2 - 0.3 p + 0.5 cos(1.3 k) at step k (their magnitude rises and falls, so amsgrad's
maximum and the bias corrections matter). Schedules: the learning rate after each of 12 epochs.
"""
import math

import torch

OPTIMIZERS = [
    ("adam", "Adam", dict(lr=0.05)),
    ("adam_wd_amsgrad", "Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("rmsprop", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered_momentum", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.05, momentum=0.8, centered=True)),
    ("adagrad", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay", "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8)),
    ("adam_groups", "Adam", dict(lr=0.05, weight_decay=0.1)),  # bias group: lr 0.01, no decay
]


def initial():
    w = torch.tensor([[0.5, -1.25, 2.0], [0.75, -0.1, 1.5]], dtype=torch.float64)
    b = torch.tensor([0.2, -0.4, 0.05], dtype=torch.float64)
    return [w.requires_grad_(), b.requires_grad_()]


def fmt(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


print(f"// torch {torch.__version__}: optimizers")
for name, kind, options in OPTIMIZERS:
    w, b = initial()
    if name == "adam_groups":
        groups = [{"params": [w]}, {"params": [b], "lr": 0.01, "weight_decay": 0.0}]
    else:
        groups = [w, b]
    opt = getattr(torch.optim, kind)(groups, **options)
    for k in range(6):
        opt.zero_grad()
        for p in (w, b):
            p.grad = 0.5 * p.detach() ** 2 - 0.3 * p.detach() + 0.5 * math.cos(1.3 * k)
        opt.step()
    print(f'{{"{name}", {fmt(w.detach().flatten())}, {fmt(b.detach().flatten())}}},')

print(f"// torch {torch.__version__}: schedules (lr after epochs 1..12, base 1)")


def run(name, make, metrics=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    lrs = []
    for epoch in range(12):
        opt.step()
        if metrics:
            sched.step(metrics[epoch])
        else:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    print(f'{{"{name}", {fmt(lrs)}}},')


S = torch.optim.lr_scheduler
run("step", lambda o: S.StepLR(o, step_size=3, gamma=0.5))
run("multistep", lambda o: S.MultiStepLR(o, milestones=[2, 5, 6], gamma=0.3))
run("exponential", lambda o: S.ExponentialLR(o, gamma=0.8))
run("cosine", lambda o: S.CosineAnnealingLR(o, T_max=6, eta_min=0.01))
run("warmup_cosine", lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.25, total_iters=3),
                                                   S.CosineAnnealingLR(o, T_max=8)]))
run("warmup_step", lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.5, total_iters=4),
                                                 S.StepLR(o, step_size=5, gamma=0.1)]))
METRIC = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99]  # the cooldown matters
run("plateau", lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, threshold=0.01), METRIC)
run("plateau_max_abs", lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.2, patience=1,
                                                     threshold=0.05, threshold_mode="abs", min_lr=0.05), METRIC)

print(f"// torch {torch.__version__}: clip_grad_norm_ (total norm, then the clipped gradients)")
for name, norm_type, max_norm in [("l2", 2.0, 1.0), ("l1", 1.0, 2.0), ("inf", math.inf, 0.5), ("unclipped", 2.0, 100.0)]:
    w, b = initial()
    w.grad = torch.tensor([[0.3, -1.2, 2.5], [0.0, 0.7, -0.4]], dtype=torch.float64)
    b.grad = torch.tensor([1.5, -0.25, 0.125], dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_([w, b], max_norm, norm_type=norm_type)
    print(f'{{"{name}", {norm_type if norm_type != math.inf else "kInf"}, {max_norm}, {float(total)!r}, '
          f'{fmt(w.grad.flatten())}, {fmt(b.grad.flatten())}}},')
