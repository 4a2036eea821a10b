"""The public step against PyTorch's plain loop, in one process.

A loop of ``tr.step()`` (each call returns a Snapshot; with ``--run-steps``, one call of
``tr.run_steps``) against a torch loop with the same network, weights, batches and
optimizer (SGD); the torch loop evaluates both parts at every epoch end, as the
trainer does. Prints the median of several repeats.

    python bench/step_ratio.py [--sizes 2,8,8,1] [--batch 10] [--dtype float64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import nnwidgets as nw


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="2,8,8,1")
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--dtype", default="float64")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--run-steps", action="store_true", help="time tr.run_steps(n) instead")
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    torch.set_num_threads(1)
    if sizes[-1] == 1:
        ds, loss, act = nw.datasets.moons(n_samples=200), "bce", "tanh"
    else:
        ds, loss, act = nw.datasets.digits(), "cross_entropy", "relu"
    tr = nw.Trainer(
        nw.MLP(sizes, activation=act, init="xavier" if act == "tanh" else "he", dtype=a.dtype),
        ds,
        loss=loss,
        optimizer=nw.optim.SGD(lr=0.03),
        batch_size=a.batch,
    )
    tdtype = getattr(torch, a.dtype)
    layers: list = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1], dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(tr.model.params[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(tr.model.params[f"b{i}"].copy()))
        layers += [lin, torch.nn.Tanh() if act == "tanh" else torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(net.parameters(), lr=0.03)
    loss_fn = torch.nn.BCEWithLogitsLoss() if loss == "bce" else torch.nn.CrossEntropyLoss()

    def part(X, y):
        y = torch.from_numpy(np.asarray(y).reshape(-1))
        return torch.from_numpy(np.asarray(X, a.dtype)), (
            y.to(tdtype).reshape(-1, 1) if loss == "bce" else y.long()
        )

    (X, y), test = part(ds.X_train, ds.y_train), part(ds.X_test, ds.y_test)
    rng, batches, pos = np.random.default_rng(0), (), 0

    def torch_loop(n: int) -> None:
        nonlocal batches, pos
        for _ in range(n):
            if pos == len(batches):
                batches, pos = torch.from_numpy(rng.permutation(len(X))).split(a.batch), 0
            idx = batches[pos]
            out = loss_fn(net(X.index_select(0, idx)), y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            out.backward()
            opt.step()
            pos += 1
            if pos == len(batches):
                with torch.no_grad():
                    for Xp, yp in ((X, y), test):
                        loss_fn(net(Xp), yp).item()

    def ours(n: int) -> None:
        if a.run_steps:
            tr.run_steps(n)
            return
        step = tr.step
        for _ in range(n):
            step()

    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for r in range(a.repeats + 1):
        for name, fn in (("ours", ours), ("torch", torch_loop)):
            t0 = time.perf_counter()
            fn(a.steps)
            if r:  # the first round warms up
                times[name].append((time.perf_counter() - t0) / a.steps)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{a.sizes} batch {a.batch} {a.dtype}: {'tr.run_steps' if a.run_steps else 'tr.step()'} "
        f"{med['ours'] * 1e6:.1f} µs, "
        f"torch {med['torch'] * 1e6:.1f} µs, ratio {med['torch'] / med['ours']:.2f}x"
    )


if __name__ == "__main__":
    main()
