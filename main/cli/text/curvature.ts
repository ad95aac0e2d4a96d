// What `landscape-lab hessian` and `landscape-lab race` print for people.
import { symmetryWords } from '../../../shared/symmetryWords.js';
import type { HessianResult, RunResult, SurfaceCurvature } from '../../lab/lab.js';
import { num } from './numbers.js';

function vectorLine(layout: readonly string[], v: ArrayLike<number>): string {
  // The components that matter, largest first.
  const order = Array.from(layout.keys()).sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]));
  return order
    .slice(0, 8)
    .filter((i) => Math.abs(v[i]) >= 1e-3)
    .map((i) => `${layout[i]} ${num(v[i], 3)}`)
    .join(', ');
}

export function hessianText(r: HessianResult): string {
  const P = r.layout.length;
  let gradNorm = 0;
  for (const g of r.gradient) gradNorm += g * g;
  const lines = [
    `Hessian of the full-data loss at the ${r.at} point: ${P} parameters, loss ${num(r.loss)}, |∇J| ${num(Math.sqrt(gradNorm))}`,
    `trace ${num(r.trace)} · ${r.nearZero.count} of ${P} eigenvalues near zero (|λ| ≤ ${num(r.nearZero.tolerance, 2)}, 1e-6 × the largest |λ|)`,
    `eigenvalues (ascending): ${Array.from(r.eigenvalues.subarray(0, Math.min(P, 12)), (v) => num(v, 3)).join(' ')}${P > 12 ? ` … ${num(r.eigenvalues[P - 1], 3)}` : ''}`,
    `top eigenvector (λ ${num(r.eigenvalues[P - 1], 3)}): ${vectorLine(r.layout, r.eigenvectors.subarray((P - 1) * P))}`,
    `bottom eigenvector (λ ${num(r.eigenvalues[0], 3)}): ${vectorLine(r.layout, r.eigenvectors.subarray(0, P))}`,
  ];
  if (r.symmetries.length === 0) lines.push('no symmetry the lab can name (ReLU rescaling, dead unit, identical units)');
  for (const s of r.symmetries) lines.push(symmetryWords(s, r.nearZero.tolerance, num));
  const explained = r.symmetries.reduce((n, s) => n + s.zeros, 0);
  if (r.nearZero.count > explained) lines.push(`${r.nearZero.count - explained} near-zero eigenvalue${r.nearZero.count - explained === 1 ? '' : 's'} no named symmetry explains`);
  return lines.join('\n');
}

/** A table of the race: each optimizer's settings, its loss at the start and end, and its status. */
export function raceText(runs: readonly RunResult[]): string {
  const rows = runs.map((r) => {
    const { kind, lr, ...rest } = r.config.optimizer;
    const settings = Object.entries(rest)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const v = r.loss.values;
    return [kind, String(lr), settings, num(v[0]), num(r.finalLoss), r.status];
  });
  const header = ['optimizer', 'lr', 'settings', 'loss at 0', `loss at ${runs[0].config.steps}`, 'status'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padEnd(widths[c])).join('  ').trimEnd();
  return [`${runs.length} optimizers from one init and one minibatch order (seed ${runs[0].config.seed}):`, line(header), ...rows.map(line)].join('\n');
}

/** One paragraph on a convexity map: where the Hessian, and the drawn surface, bend down. */
export function curvatureText(c: SurfaceCurvature): string {
  const res = c.alphas.length;
  const share = (v: Float64Array) => {
    const finite = Array.from(v).filter(Number.isFinite);
    return finite.length ? `${Math.round((100 * finite.filter((x) => x < 0).length) / finite.length)}%` : '—';
  };
  let worst = 0;
  for (let k = 0; k < c.lambdaMin.length; k++) {
    const r = Math.abs(c.lambdaMin[k] / c.lambdaMax[k]);
    if (c.lambdaMin[k] < 0 && Number.isFinite(r)) worst = Math.max(worst, r);
  }
  return [
    `convexity map on ${res}×${res} points: the full Hessian has a negative eigenvalue at ${share(c.lambdaMin)} of them (largest |λmin/λmax| ${num(worst, 3)}),`,
    `the surface as drawn (its 2×2 Hessian in α, β) at ${share(c.planeMin)}`,
  ].join('\n');
}
