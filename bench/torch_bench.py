"""PyTorch peer of `npm run bench` (CPU, float32, 2 threads).

Tutorial rows, on a noise-free hinge f(x) = 1.5*max(0, x-0.25) - 0.5*min(0, x-0.25)
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

General rows (issue 10), written as a PyTorch user would: nn.Sequential and
torch.optim for single runs, batched tensors with bmm for many runs or grid points,
Adam with foreach=True (faster than the 1.13 default here):

3. mlp64: one 1->64->64->1 ReLU MLP on the hinge, L2, batch 100 (a shuffled
   epoch, the last partial batch dropped), Adam (0.95, 0.9): steps/s.
4. spiral_train: one 2->16->16->1 tanh MLP, sigmoid output, BCE-with-logits, on
   the spiral's 400 training points at batch 10, same Adam: steps/s.
5. spiral_surface: the loss of that network at the 64x64 grid points
   c + a*d1 + b*d2 (337 parameters), batched over grid points with baddbmm,
   under no_grad, in chunks of 256 points (the fastest chunk here); best of runs.
6. sweep_cell: 1,000 runs of 1->16->1 ReLU on the hinge, batch 3, batched as in 1.
7. optimum: 8 restarts of the spiral network trained together as batched
   tensors, full batch, Adam (lr 0.01, betas (0.9, 0.999)), 5,000 steps, Xavier
   uniform init; wall time, with the loss recorded at the start and the end
   (--quick: timed over 1,000 steps and scaled to 5,000).
8. sgemm: GFLOP/s of a 2048^3 float32 matmul (the BLAS torch was built with).

GPU rows (issue 21; the peer column beside the gpu kernel and simd, on the CPU):

9. surface: the loss of a 2->64->64->1 tanh MLP, sigmoid output, BCE-with-logits,
   on 1,000 random 2-D points, at the first K points of a 512x512 grid
   c + a*d1 + b*d2 (K from --gpu-surface-points, default all), in chunks of 256.
10. sweepCell: 10,000 runs of 1->16->1 ReLU on the hinge, batch 3, batched as in 1.
11. mlp256: one 1->256->256->1 ReLU MLP on the hinge, L2, batch 256, Adam: steps/s.

The spiral data comes from the caller on stdin as JSON {"x": [x0, y0, x1, ...],
"y": [labels]} with --data-stdin (so both sides use the very same points);
without it a spiral is drawn here with the same recipe.

Usage: /usr/bin/python3 bench/torch_bench.py [--quick] [--rows=tutorial,general,gpu] [--data-stdin]
       [--gpu-surface-points=K]
Prints exactly one JSON document on stdout; progress goes to stderr.
Not used by CI.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2
N = 500
LR, BETAS, EPS = 0.01, (0.95, 0.9), 1e-8


def log(text):
    print(text, file=sys.stderr)


def hinge_data():
    x = torch.linspace(-1.0, 1.0, N)
    y = 1.5 * torch.clamp(x - 0.25, min=0) - 0.5 * torch.clamp(x - 0.25, max=0)
    return x, y


def timed(step, target_s, warmup=5, per_call=1):
    """Calls step() until target_s has passed (after a warm-up); returns (calls*per_call, seconds)."""
    for _ in range(warmup):
        step()
    done = 0
    t0 = time.perf_counter()
    while True:
        step()
        done += per_call
        elapsed = time.perf_counter() - t0
        if elapsed >= target_s:
            return done, elapsed


def best_of(fn, repeats):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------- tutorial rows

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

    return timed(step, target_s, warmup)


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
    seconds = best_of(lambda: surface_once(x, y, c, d1, d2, res), repeats)
    assert torch.isfinite(surface_once(x, y, c, d1, d2, res)).all()
    return {"res": res, "n": N, "hidden": 2, "ms": round(seconds * 1000, 3)}


def tutorial_rows(quick):
    x, y = hinge_data()
    target_s = 0.3 if quick else 1.5
    train = []
    for R in (1, 64, 1024):
        for H in (2, 16):
            for B in (N, 3):
                steps, secs = bench_train(x, y, R, H, B, target_s)
                rate = R * steps / secs
                log(f"train R={R} H={H} B={B}: {rate:,.0f} run-steps/s ({steps} steps, {secs:.2f} s)")
                train.append({"runs": R, "hidden": H, "batch": B,
                              "runStepsPerSec": round(rate, 1),
                              "steps": steps, "seconds": round(secs, 4)})
    surface = bench_surface(x, y, repeats=2 if quick else 5)
    log(f"surface 128x128: {surface['ms']:.2f} ms")
    return {"train": train, "surface": surface}


# ----------------------------------------------------------------- general rows

def spiral_data(source):
    """The spiral's training points: from the caller, or drawn here (2 arms, 1 turn, spread 0.05)."""
    if source is not None:
        x = torch.tensor(source["x"], dtype=torch.float32).view(-1, 2)
        y = torch.tensor(source["y"], dtype=torch.float32).view(-1, 1)
        return x, y
    g = torch.Generator().manual_seed(1)
    n = 400
    label = torch.arange(n) % 2
    t = torch.rand(n, generator=g)
    angle = 2 * math.pi * (t + label / 2)
    x = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], 1) + 0.05 * torch.randn(n, 2, generator=g)
    return x, label.float().view(n, 1)


def spiral_net():
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))


def train_single(model, loss_fn, x, y, batch, target_s):
    """One model, shuffled epochs of `batch` rows (last partial batch dropped); returns steps/s."""
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS, foreach=True)
    n = x.shape[0]
    per_epoch = n // batch

    def epoch():
        perm = torch.randperm(n)
        for k in range(per_epoch):
            idx = perm[k * batch:(k + 1) * batch]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    steps, secs = timed(epoch, target_s, warmup=2, per_call=per_epoch)
    return {"stepsPerSec": round(steps / secs, 1), "steps": steps, "seconds": round(secs, 4)}


def spiral_layers(P):
    """Views of flat parameters [M, 337] in the lab's layout (W row-major [fan_in][fan_out], then b)."""
    M = P.shape[0]
    return (P[:, 0:32].view(M, 2, 16), P[:, 32:48].view(M, 1, 16),
            P[:, 48:304].view(M, 16, 16), P[:, 304:320].view(M, 1, 16),
            P[:, 320:336].view(M, 16, 1), P[:, 336:337].view(M, 1, 1))


def spiral_losses(P, x, y):
    """Mean BCE of each parameter vector's network on all points: [M]."""
    W1, b1, W2, b2, W3, b3 = spiral_layers(P)
    M, n = P.shape[0], x.shape[0]
    h = torch.tanh(torch.baddbmm(b1, x.expand(M, n, 2), W1))
    h = torch.tanh(torch.baddbmm(b2, h, W2))
    z = torch.baddbmm(b3, h, W3)
    return F.binary_cross_entropy_with_logits(z, y.expand(M, n, 1), reduction="none").mean(dim=(1, 2))


SPIRAL_P = 337
SPIRAL_MACS = 2 * 16 + 16 * 16 + 16 * 1  # multiply-adds per point, forward


def bench_spiral_surface(x, y, repeats, res=64, chunk=256):
    g = torch.Generator().manual_seed(1)
    c, d1, d2 = (0.3 * torch.randn(SPIRAL_P, generator=g) for _ in range(3))

    def surface():
        with torch.no_grad():
            a = torch.linspace(-1.0, 1.0, res)
            grid = (c + a.view(res, 1, 1) * d1 + a.view(1, res, 1) * d2).view(res * res, SPIRAL_P)
            return torch.cat([spiral_losses(grid[s:s + chunk], x, y) for s in range(0, res * res, chunk)])

    seconds = best_of(surface, repeats)
    assert torch.isfinite(surface()).all()
    return {"res": res, "points": x.shape[0], "ms": round(seconds * 1000, 3)}


def bench_optimum(x, y, restarts=8, steps=5000, timed_steps=5000):
    """Wall time of `steps` steps; with timed_steps < steps, timed over those and scaled (steps cost alike)."""
    def xavier(fan_in, fan_out):
        a = math.sqrt(6.0 / (fan_in + fan_out))
        return torch.empty(restarts, fan_in, fan_out).uniform_(-a, a).requires_grad_()

    params = [xavier(2, 16), torch.zeros(restarts, 1, 16, requires_grad=True),
              xavier(16, 16), torch.zeros(restarts, 1, 16, requires_grad=True),
              xavier(16, 1), torch.zeros(restarts, 1, 1, requires_grad=True)]
    opt = torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    n = x.shape[0]
    xb, yb = x.expand(restarts, n, 2), y.expand(restarts, n, 1)

    def per_run_loss():
        W1, b1, W2, b2, W3, b3 = params
        h = torch.tanh(torch.baddbmm(b1, xb, W1))
        h = torch.tanh(torch.baddbmm(b2, h, W2))
        z = torch.baddbmm(b3, h, W3)
        return F.binary_cross_entropy_with_logits(z, yb, reduction="none").mean(dim=(1, 2))

    t0 = time.perf_counter()
    with torch.no_grad():
        per_run_loss()
    for _ in range(timed_steps):
        loss = per_run_loss().sum()  # runs are independent: the sum's gradient is each run's own
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = per_run_loss()
    seconds = (time.perf_counter() - t0) * steps / timed_steps
    return {"seconds": round(seconds, 4), "restarts": restarts, "steps": steps, "timedSteps": timed_steps,
            "bestLoss": float(final.min())}


def bench_sgemm(repeats, size=2048):
    a, b = torch.randn(size, size), torch.randn(size, size)
    seconds = best_of(lambda: a @ b, repeats)
    return {"size": size, "gflops": round(2 * size ** 3 / seconds / 1e9, 2)}


def general_rows(quick, spiral_source):
    target_s = 0.5 if quick else 2.0
    repeats = 2 if quick else 5
    hx, hy = hinge_data()
    sx, sy = spiral_data(spiral_source)
    out = {}
    torch.manual_seed(0)
    mlp64 = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    out["mlp64"] = train_single(mlp64, F.mse_loss, hx.view(N, 1), hy.view(N, 1), 100, target_s)
    log(f"mlp64 b100: {out['mlp64']['stepsPerSec']:,.0f} steps/s")
    out["spiralTrain"] = train_single(spiral_net(), nn.BCEWithLogitsLoss(), sx, sy, 10, target_s)
    log(f"spiral b10: {out['spiralTrain']['stepsPerSec']:,.0f} steps/s")
    out["spiralSurface"] = bench_spiral_surface(sx, sy, repeats)
    log(f"spiral surface 64x64: {out['spiralSurface']['ms']:.1f} ms")
    steps, secs = bench_train(hx, hy, 1000, 16, 3, target_s)
    out["sweepCell"] = {"runStepsPerSec": round(1000 * steps / secs, 1), "steps": steps, "seconds": round(secs, 4)}
    log(f"1,000 runs 1->16->1 b3: {out['sweepCell']['runStepsPerSec']:,.0f} run-steps/s")
    out["optimum"] = bench_optimum(sx, sy, timed_steps=1000 if quick else 5000)
    log(f"optimum, 8 restarts x 5,000 steps: {out['optimum']['seconds']:.2f} s "
        f"(timed over {out['optimum']['timedSteps']:,} steps)")
    out["sgemm"] = bench_sgemm(repeats)
    log(f"sgemm 2048: {out['sgemm']['gflops']} GFLOP/s")
    return out


# --------------------------------------------------------------------- gpu rows

GPU_RES = 512
GPU_WIDTH = 64
GPU_P = 2 * GPU_WIDTH + GPU_WIDTH + GPU_WIDTH * GPU_WIDTH + GPU_WIDTH + GPU_WIDTH + 1


def gpu_surface_losses(P, x, y):
    """Mean BCE of each parameter vector's 2->64->64->1 network on all points: [M]."""
    M, n, H = P.shape[0], x.shape[0], GPU_WIDTH
    at = 0

    def take(rows, cols):
        nonlocal at
        view = P[:, at:at + rows * cols].view(M, rows, cols)
        at += rows * cols
        return view

    W1, b1, W2, b2, W3, b3 = take(2, H), take(1, H), take(H, H), take(1, H), take(H, 1), take(1, 1)
    h = torch.tanh(torch.baddbmm(b1, x.expand(M, n, 2), W1))
    h = torch.tanh(torch.baddbmm(b2, h, W2))
    z = torch.baddbmm(b3, h, W3)
    return F.binary_cross_entropy_with_logits(z, y.expand(M, n, 1), reduction="none").mean(dim=(1, 2))


def gpu_rows(quick, points):
    target_s = 0.5 if quick else 2.0
    g = torch.Generator().manual_seed(3)
    out = {}
    x = torch.rand(1000, 2, generator=g) * 2 - 1
    y = (x[:, :1] * x[:, 1:] > 0).float()
    c, d1, d2 = (0.3 * torch.randn(GPU_P, generator=g) for _ in range(3))
    points = min(points, GPU_RES * GPU_RES)

    def surface():
        with torch.no_grad():
            a = torch.linspace(-1.0, 1.0, GPU_RES)
            k = torch.arange(points)
            grid = c + a[k % GPU_RES].view(-1, 1) * d1 + a[k // GPU_RES].view(-1, 1) * d2
            return torch.cat([gpu_surface_losses(grid[s:s + 256], x, y) for s in range(0, points, 256)])

    seconds = best_of(surface, 1 if quick else 2)
    out["surface"] = {"points": points, "ms": round(seconds * 1000, 3)}
    log(f"gpu rows: surface, {points:,} points: {seconds:.2f} s")
    hx, hy = hinge_data()
    steps, secs = bench_train(hx, hy, 10000, 16, 3, target_s, warmup=2)
    out["sweepCell"] = {"runStepsPerSec": round(10000 * steps / secs, 1), "steps": steps, "seconds": round(secs, 4)}
    log(f"gpu rows: 10,000 runs 1->16->1 b3: {out['sweepCell']['runStepsPerSec']:,.0f} run-steps/s")
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(1, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    out["mlp256"] = train_single(mlp, F.mse_loss, hx.view(N, 1), hy.view(N, 1), 256, target_s)
    log(f"gpu rows: 1->256->256->1 b256: {out['mlp256']['stepsPerSec']:,.0f} steps/s")
    return out


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    rows = next((a.split("=", 1)[1] for a in args if a.startswith("--rows=")), "tutorial,general").split(",")
    spiral_source = json.load(sys.stdin) if "--data-stdin" in args else None
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if "tutorial" in rows:
        result.update(tutorial_rows(quick))
    if "general" in rows:
        result["general"] = general_rows(quick, spiral_source)
    if "gpu" in rows:
        points = int(next((a.split("=", 1)[1] for a in args if a.startswith("--gpu-surface-points=")), GPU_RES * GPU_RES))
        result["gpu"] = gpu_rows(quick, points)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
