// Linear regions: how many linear pieces trained 1-D ReLU networks have, against width and depth,
// beside the (n + 1)^k bound.
import type { RegionsView } from '../../../shared/api.js';
import { parseConfig } from '../../../shared/config.js';
import { targetFunction, type Dataset } from '../../engine/data.js';
import { JsNet } from '../../engine/jsNet.js';
import { architectureOf, type Architecture } from '../../engine/model.js';
import { linspace } from '../../engine/surface.js';
import { kinksOf } from '../fit.js';
import { runConfigs } from '../../engine/runs.js';

export interface RegionsRequest {
  widths?: number[];
  depths?: number[];
  steps?: number;
  seed?: number;
}

/** Grid for finding where ReLUs switch: two switches of one unit closer than its spacing would merge. */
const KINK_GRID = 4001;
const REGIONS_POINTS = 401;
/** Two full periods of a sine over [−1, 1]: a target with many bends. */
const REGIONS_TARGET = { kind: 'sine' as const, amplitude: 1, frequency: 1, phase: 0 };

/**
 * The linear pieces of a 1-D ReLU network over [lo, hi]: 1 + the number of distinct inputs where any
 * ReLU of any layer switches (its activation pattern changes there). Switches closer than a millionth
 * of the range count as one: several units switching at one input make one new piece.
 */
export function linearPieces(arch: Architecture, params: Float32Array, lo: number, hi: number): { pieces: number; kinks: Float64Array } {
  const net = new JsNet(arch);
  const kinks = kinksOf(net, arch, params, Float32Array.from(linspace(lo, hi, KINK_GRID))).x.slice().sort();
  const distinct: number[] = [];
  for (const k of kinks) if (distinct.length === 0 || k - distinct[distinct.length - 1] > 1e-6 * (hi - lo)) distinct.push(k);
  return { pieces: distinct.length + 1, kinks: Float64Array.from(distinct) };
}

/**
 * Trains a 1→n→…→n→1 ReLU network (k hidden layers of n) for each width × depth on a sine and counts
 * its linear pieces over the data range. For one input the count is at most (n + 1)^k — each layer's
 * units can switch at most once within each piece of the layer below — so it can grow like nᵏ with
 * depth but only like n + 1 with width for one layer (Montufar et al., 2014).
 */
export async function regions(req: RegionsRequest): Promise<RegionsView> {
  const started = performance.now();
  const widths = req.widths ?? [2, 4, 8, 16];
  const depths = req.depths ?? [1, 2, 3];
  const steps = req.steps ?? 400;
  const seed = req.seed ?? 1;
  const n = 200;
  const x = linspace(-1, 1, REGIONS_POINTS);
  const cells = depths.length * widths.length;
  const pieces = new Int32Array(cells);
  const loss = new Float64Array(cells);
  const bound = new Float64Array(cells);
  const growth = new Float64Array(cells);
  const fits = new Float64Array(cells * x.length);
  const kinkX: number[] = [];
  const kinkCell: number[] = [];
  let data: Dataset | null = null;
  for (let d = 0; d < depths.length; d++) {
    for (let w = 0; w < widths.length; w++) {
      const cell = d * widths.length + w;
      const width = widths[w];
      const depth = depths[d];
      const config = parseConfig({
        seed,
        data: { target: REGIONS_TARGET, n },
        model: { hidden: new Array<number>(depth).fill(width), activation: 'relu' },
        init: { kind: 'he' },
        optimizer: { kind: 'adam', lr: 0.01 },
        batchSize: n,
        steps,
        kernel: 'js',
      });
      const [result] = await runConfigs([config], { kernel: 'js' });
      data = result.data;
      const arch = architectureOf(config, 1);
      const found = linearPieces(arch, result.params.final, -1, 1);
      pieces[cell] = found.pieces;
      loss[cell] = result.finalLoss ?? NaN;
      bound[cell] = (width + 1) ** depth;
      growth[cell] = width ** depth;
      fits.set(new JsNet(arch).predict(result.params.final, 0, Float32Array.from(x), x.length), cell * x.length);
      for (const k of found.kinks) {
        kinkX.push(k);
        kinkCell.push(cell);
      }
    }
  }
  const f = targetFunction(REGIONS_TARGET);
  return {
    widths,
    depths,
    steps,
    seed,
    pieces,
    loss,
    bound,
    growth,
    data: { x: data?.x ?? new Float32Array(0), y: data?.y ?? new Float32Array(0) },
    x,
    target: Float64Array.from(x, f),
    fits,
    kinks: { x: Float64Array.from(kinkX), cell: Int32Array.from(kinkCell) },
    seconds: (performance.now() - started) / 1000,
  };
}
