// Cross-checks the engine's exact Hessian against torch.autograd.functional.hessian in float64, on
// random points of tanh, sigmoid and ReLU networks under L2, L1 (away from its kink) and NLL. Needs
// /usr/bin/python3 with torch (Debian's python3-torch); not part of the test suite.
//   npx tsx scripts/hessian-torch.mts        → one line per case and the worst relative error
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HiddenActivation, LossKind, OutputKind } from '../shared/config.js';
import { HessianNet } from '../main/engine/hessian.js';
import { layoutOf, type Architecture } from '../main/engine/model.js';
import { Rng } from '../main/engine/prng.js';

const HEADS: [OutputKind, LossKind, number][] = [
  ['linear', 'l2', 1],
  ['linear', 'l1', 1],
  ['sigmoid', 'nll', 1],
  ['softmax', 'nll', 3],
];
const cases = [];
for (const activation of ['tanh', 'sigmoid', 'relu'] as HiddenActivation[]) {
  for (const [output, loss, dOut] of HEADS) {
    const rng = new Rng(2, `${activation}/${output}/${loss}`);
    const arch: Architecture = { sizes: [2, 5, 4, dOut], activations: [activation, activation], output, loss };
    const n = 200;
    const x = Float32Array.from({ length: n * 2 }, () => rng.uniform(-1.5, 1.5));
    const y = output === 'softmax' ? Float32Array.from({ length: n }, () => rng.int(dOut)) : Float32Array.from({ length: n }, () => (output === 'sigmoid' ? rng.int(2) : rng.uniform(-2, 2)));
    const params = Float64Array.from({ length: layoutOf(arch).count }, () => rng.normal() * 0.8);
    const { hessian, loss: J } = new HessianNet(arch).hessian(params, { x, y, n, dIn: 2 });
    cases.push({ name: `${activation}/${output}/${loss}`, ...arch, x: [...x], y: [...y], params: [...params], J, hessian: [...hessian] });
  }
}
const script = fileURLToPath(new URL('./hessian_torch.py', import.meta.url));
const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26 });
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.exitCode = r.status ?? 1;
