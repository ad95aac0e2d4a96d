// Curvature rows (issue 14): the exact Hessian of the tutorial's 7-parameter network with its
// spectrum, and the convexity map of a 33² grid of it, against absolute targets (≤ 1 ms, ≤ 1 s).
// Each is the median of repeated timings after a warm-up, on the product's paths (the map on the pool).
import { parseConfig } from '../shared/config.js';
import { makeDataset } from '../main/engine/data.js';
import { architectureOf } from '../main/engine/model.js';
import { exactOptimum } from '../main/engine/optimum.js';
import { hessianAnalysis } from '../main/engine/spectrum.js';
import { linspace } from '../main/engine/surface.js';
import type { WorkerPool } from '../main/workers/pool.js';
import { surfaceCurvature } from '../main/lab/convexityMap.js';

import { fmt, printTable } from './table.js';

export interface CurvatureRow {
  work: string;
  unit: string;
  ours: number;
  target: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(repeats: number, once: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function curvatureRows(ctx: { quick: boolean; pool: WorkerPool }): Promise<CurvatureRow[]> {
  const config = parseConfig({ data: { target: { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 500 } });
  const data = makeDataset(config);
  const arch = architectureOf(config, data.dIn);
  const optimum = exactOptimum(config, arch)!;
  const init = Float32Array.from([0.36, -1.57, 0, 0, 0.21, -0.41, 0]);

  // The Hessian with its spectrum and symmetries: what `hessian` and the Curvature panel compute.
  const reps = ctx.quick ? 200 : 2000;
  for (let k = 0; k < 200; k++) hessianAnalysis(arch, init, data);
  const hessianMs = await timed(reps, () => hessianAnalysis(arch, init, data));

  // The map of a 33² surface around the optimum, in the plane of two parameters.
  const d1 = Float64Array.from([1, 0, 0, 0, 0, 0, 0]);
  const d2 = Float64Array.from([0, 0, 0, 0, 0, 0, 1]);
  const grid = linspace(-1, 1, 33);
  const surface = { centerParams: optimum, d1, d2, alphas: grid, betas: grid };
  await surfaceCurvature(arch, data, surface, { pool: ctx.pool });
  const mapMs = await timed(ctx.quick ? 3 : 7, () => surfaceCurvature(arch, data, surface, { pool: ctx.pool }));

  const rows: CurvatureRow[] = [
    { work: 'curvature: Hessian + spectrum, 7 parameters (1→2→1, n 500)', unit: 'ms', ours: hessianMs, target: 1 },
    { work: 'curvature: convexity map 33², 1→2→1 (pool)', unit: 's', ours: mapMs / 1000, target: 1 },
  ];
  console.log('Curvature (issue 14): medians, targets are absolute');
  printTable(
    ['work', 'ours', 'target', ''],
    rows.map((r) => [r.work, `${fmt(r.ours)} ${r.unit}`, `≤ ${r.target} ${r.unit}`, r.ours <= r.target ? 'PASS' : 'MISS']),
    1,
  );
  return rows;
}
