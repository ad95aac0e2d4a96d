"""torch.autograd.functional.hessian in float64 for the cases scripts/hessian-torch.mts sends on stdin;
prints each case's worst error relative to the largest |H| entry, and exits 1 if any exceeds 1e-6."""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
ACT = {'relu': torch.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'linear': lambda z: z}


def loss_fn(case):
    sizes = case['sizes']
    x = torch.tensor(case['x']).reshape(-1, sizes[0])
    y = torch.tensor(case['y'], dtype=torch.float64)

    def J(theta):
        a, at = x, 0
        for l in range(1, len(sizes)):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            W = theta[at:at + fan_in * fan_out].reshape(fan_in, fan_out)  # the lab's layout: [fan_in][fan_out]
            at += fan_in * fan_out
            b = theta[at:at + fan_out]
            at += fan_out
            z = a @ W + b
            a = ACT[case['activations'][l - 1]](z) if l < len(sizes) - 1 else z
        z = a
        if case['output'] == 'softmax':
            return torch.nn.functional.cross_entropy(z, y.long())
        z = z.reshape(-1)
        if case['loss'] == 'nll':
            return torch.nn.functional.binary_cross_entropy_with_logits(z, y)
        out = torch.sigmoid(z) if case['output'] == 'sigmoid' else z
        return ((out - y) ** 2).mean() if case['loss'] == 'l2' else (out - y).abs().mean()

    return J


worst = 0.0
for case in json.load(sys.stdin):
    theta = torch.tensor(case['params'])
    J = loss_fn(case)
    H = torch.autograd.functional.hessian(J, theta)
    ours = torch.tensor(case['hessian']).reshape(H.shape)
    rel = ((H - ours).abs().max() / H.abs().max()).item()
    dJ = abs(J(theta).item() - case['J'])
    worst = max(worst, rel)
    print(f"{case['name']:<28} P={theta.numel():<4} max|ΔH|/max|H| = {rel:.2e}   |ΔJ| = {dJ:.1e}")
print(f'worst: {worst:.2e} (limit 1e-6)')
sys.exit(0 if worst <= 1e-6 else 1)
