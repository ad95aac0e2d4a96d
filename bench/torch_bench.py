"""PyTorch peer of `npm run bench` (CPU, float32, 2 threads).

Measures, on a noise-free hinge f(x) = 1.5*max(0, x-0.25) - 0.5*min(0, x-0.25)
sampled at N = 500 points x = linspace(-1, 1, 500):

1. Training throughput (run-steps/s) of R independent 1->H->1 MLPs (ReLU hidden,
   linear output, per-run mean squared error) trained together as batched
   tensors with one torch.optim.Adam (lr 0.01, betas (0.95, 0.9), eps 1e-8),
   for R in {1, 64, 1024} x H in {2, 16} x batch B in {500 (full), 3}.
   With B = 3 every run draws its own random rows each step (timed too).
2. Cost surface: the loss at each point of a 128x128 grid of parameter vectors
   c + a*d1 + b*d2 of the 1->2->1 network (7 parameters), evaluated in one
   batched pass under no_grad; best of 5 timings (2 with --quick), grid
   construction included.

Usage: /usr/bin/python3 bench/torch_bench.py [--quick]
Prints exactly one JSON document on stdout; progress goes to stderr.
Not used by CI.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

THREADS = 2
N = 500
LR, BETAS, EPS = 0.01, (0.95, 0.9), 1e-8


def hinge_data():
    x = torch.linspace(-1.0, 1.0, N)
    y = 1.5 * torch.clamp(x - 0.25, min=0) - 0.5 * torch.clamp(x - 0.25, max=0)
    return x, y


def bench_train(x, y, runs, hidden, batch, target_s, warmup=5):
    """Train `runs` MLPs at once; return (steps, seconds) of the timed part."""
    R, H, B = runs, hidden, batch
    W1 = (torch.randn(R, 1, H) * (2.0 / 1) ** 0.5).requires_grad_()  # He-normal, fan_in 1
    b1 = torch.zeros(R, 1, H, requires_grad=True)
    W2 = (torch.randn(R, H, 1) * (2.0 / H) ** 0.5).requires_grad_()  # He-normal, fan_in H
    b2 = torch.zeros(R, 1, 1, requires_grad=True)
    opt = torch.optim.Adam([W1, b1, W2, b2], lr=LR, betas=BETAS, eps=EPS)
    x_full = x.view(1, N, 1)
    y_full = y.view(1, N, 1).expand(R, N, 1)

    def step():
        if B == N:  # full batch: all rows, shared by every run
            xb, yb = x_full, y_full
        else:  # each run gets its own random rows
            idx = torch.randint(0, N, (R, B))
            xb, yb = x[idx].unsqueeze(-1), y[idx].unsqueeze(-1)
        h = torch.relu(xb * W1 + b1)  # [R,B,1]*[R,1,H] -> [R,B,H] (fan-in 1)
        pred = torch.baddbmm(b2, h, W2)  # [R,B,1]
        # Sum over runs of each run's mean squared error (MSELoss mean per run).
        loss = F.mse_loss(pred, yb, reduction="sum") / B
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    steps = 0
    t0 = time.perf_counter()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= target_s:
            return steps, elapsed


def surface_once(x, y, c, d1, d2, res):
    with torch.no_grad():
        a = torch.linspace(-1.0, 1.0, res)
        P = c + a.view(res, 1, 1) * d1 + a.view(1, res, 1) * d2  # [res,res,7]
        P = P.reshape(res * res, 7)
        M = P.shape[0]
        W1 = P[:, 0:2].reshape(M, 1, 2)
        b1 = P[:, 2:4].reshape(M, 1, 2)
        W2 = P[:, 4:6].reshape(M, 2, 1)
        b2 = P[:, 6:7].reshape(M, 1, 1)
        h = torch.relu(x.view(1, N, 1) * W1 + b1)  # [M,N,2]
        pred = torch.baddbmm(b2, h, W2)  # [M,N,1]
        return (pred - y.view(1, N, 1)).pow(2).mean(dim=(1, 2)).view(res, res)


def bench_surface(x, y, repeats, res=128):
    g = torch.Generator().manual_seed(1)
    c = torch.tensor([1.0, -1.0, -0.25, 0.25, 1.5, 0.5, 0.0])
    d1 = torch.randn(7, generator=g)
    d2 = torch.randn(7, generator=g)
    surface_once(x, y, c, d1, d2, res)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        J = surface_once(x, y, c, d1, d2, res)
        best = min(best, time.perf_counter() - t0)
    assert J.shape == (res, res) and torch.isfinite(J).all()
    return {"res": res, "n": N, "hidden": 2, "ms": round(best * 1000, 3)}


def main():
    quick = "--quick" in sys.argv[1:]
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x, y = hinge_data()
    target_s = 0.3 if quick else 1.5

    train = []
    for R in (1, 64, 1024):
        for H in (2, 16):
            for B in (N, 3):
                steps, secs = bench_train(x, y, R, H, B, target_s)
                rate = R * steps / secs
                print(f"train R={R} H={H} B={B}: {rate:,.0f} run-steps/s "
                      f"({steps} steps, {secs:.2f} s)", file=sys.stderr)
                train.append({"runs": R, "hidden": H, "batch": B,
                              "runStepsPerSec": round(rate, 1),
                              "steps": steps, "seconds": round(secs, 4)})

    surface = bench_surface(x, y, repeats=2 if quick else 5)
    print(f"surface 128x128: {surface['ms']:.2f} ms", file=sys.stderr)

    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
               "train": train, "surface": surface}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
