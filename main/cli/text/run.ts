// What `run`, `optimum`, `landscape` and `interpolate` print for people.
import type { ExperimentConfig } from '../../../shared/config.js';
import { classCount, inputSize, isClassification } from '../../../shared/configRules.js';
import { DIVERGENCE_RULE } from '../../../shared/divergence.js';
import { MARKERS } from '../../../shared/markers.js';
import { finiteExtent, fraction, maxOf, minOf } from '../../../shared/numbers.js';
import type { FitLine, InterpolationResult, LandscapeResult, OptimumResult, RunResult } from '../../lab/lab.js';
import { layerSizes, parameterCount, parameterName } from '../../../shared/parameters.js';
import { num, shownItems, shownLines } from './numbers.js';

export function describeConfig(c: ExperimentConfig): string {
  const t = c.data.target;
  // Given points are listed in the config, not here: their range says enough.
  const target =
    t.kind === 'points'
      ? `x from ${num(c.data.xRange[0])} to ${num(c.data.xRange[1])}`
      : t.kind === 'labeled'
        ? `${c.data.n} points in ${classCount(t)} classes, x1 from ${num(c.data.xRange[0])} to ${num(c.data.xRange[1])}`
        : Object.entries(t)
          .filter(([k]) => k !== 'kind')
          .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : v}`)
          .join(', ');
  const net = `${inputSize(c)}→${[...c.model.hidden, c.model.outputs].join('→')}`;
  const act = typeof c.model.activation === 'string' ? c.model.activation : c.model.activation.join('/');
  const opt = Object.entries(c.optimizer)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${t.kind}(${target}), n=${c.data.n}${c.data.noise > 0 ? (isClassification(c.data.target) ? `, labels flipped ${c.data.noise}` : `, noise σ=${c.data.noise}`) : ''} · ${net} ${act}/${c.model.output} · ${c.loss} · ${c.optimizer.kind} ${opt} · batch ${c.batchSize} · ${c.steps} steps · seed ${c.seed}`;
}

/**
 * Data (·), network output (*) and both (#) on a character grid. Total over any numbers a stored run
 * may hold: values that are not finite are left out, and extremes like ±1e308 still place.
 */
export function asciiFit(r: RunResult, line: FitLine, height = 16): string {
  const { x, y, n } = r.data;
  const width = line.x.length;
  const { lo: xLo, hi: xHi } = finiteExtent(x) ?? { lo: 0, hi: 0 };
  const pred = line.y;
  const parts = [finiteExtent(y), finiteExtent(pred)].filter((e) => e !== null);
  const lo = parts.length ? minOf(parts.map((e) => e.lo)) : 0;
  const hi = parts.length ? maxOf(parts.map((e) => e.hi)) : 0;
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  const row = (v: number) => height - 1 - Math.round(fraction(v, lo, hi) * (height - 1));
  const col = (v: number) => Math.round(fraction(v, xLo, xHi) * (width - 1));
  for (let i = 0; i < n; i++) {
    const rr = row(y[i]);
    const c = col(x[i]);
    if (Number.isInteger(rr) && Number.isInteger(c)) grid[rr][c] = '·';
  }
  for (let c = 0; c < width; c++) {
    const rr = row(pred[c]);
    if (!Number.isInteger(rr)) continue;
    grid[rr][c] = grid[rr][c] === '·' ? '#' : '*';
  }
  const label = (v: number) => num(v, 3).padStart(9);
  const lines = grid.map((cells, i) => `${i === 0 ? label(hi) : i === height - 1 ? label(lo) : ' '.repeat(9)} │${cells.join('')}`);
  lines.push(`${' '.repeat(9)} └${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(11)}${num(xLo, 3).padEnd(width - 8)}${num(xHi, 3).padStart(8)}`);
  lines.push(`${' '.repeat(11)}· data   * network   # both`);
  return lines.join('\n');
}

/** The parameters of a network with these layer sizes, one row each (a long table is cut short). */
export function paramTable(sizes: readonly number[], columns: Record<string, Float32Array | undefined>): string {
  const names = Object.keys(columns).filter((k) => columns[k]);
  const header = ['parameter'.padEnd(12), ...names.map((n) => n.padStart(12))].join('');
  const row = (i: number) => [parameterName(sizes, i).padEnd(12), ...names.map((k) => num((columns[k] as Float32Array)[i], 5).padStart(12))].join('');
  return [header, ...shownLines(parameterCount(sizes), row, 'parameters')].join('\n');
}

function diagnosticsText(r: RunResult): string {
  const d = r.diagnostics.final;
  const dead = d.dead.length ? `dead ReLU units: ${shownItems(d.dead.map((u) => `h${u.layer}[${u.unit}]`))} (no gradient reaches them)` : 'no dead units';
  const sym = d.symmetric.length
    ? `symmetric units: ${shownItems(d.symmetric.map((g) => `h${g.layer}[${shownItems(g.units.map(String), 8).replaceAll(', ', '=')}]`))} (identical units get identical gradients)`
    : 'no symmetric units';
  return `${dead}; ${sym}`;
}

function accuracyText(r: RunResult): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
  return `accuracy: train ${pct(r.accuracy?.train)}, test ${pct(r.accuracy?.test)}${r.testLoss != null ? ` · test loss ${num(r.testLoss)}` : ''}`;
}

/** The run as text; `fit` is the network's output over the data (lab.fitLine), drawn for one input. */
export function runText(r: RunResult, fit: FitLine): string {
  const first = r.loss.values[0];
  const lastStep = r.loss.steps[r.loss.steps.length - 1];
  const lines = [
    describeConfig(r.config),
    `kernel ${r.kernel} (${r.backend}) · ${r.seconds.toFixed(2)} s · status ${r.status}${r.status !== 'done' ? ` after ${r.stepsDone} steps` : ''}`,
    `loss ${num(first)} at step 0 → ${num(r.finalLoss)} at step ${lastStep}${r.optimum ? ` · global optimum (exact): ${num(r.optimum.loss)}` : ''}`,
    '',
    r.data.dIn === 1 ? asciiFit(r, fit) : accuracyText(r),
    '',
    paramTable(layerSizes(r.config, r.data.dIn), { init: r.params.init, final: r.params.final, optimum: r.params.optimum }),
    '',
    diagnosticsText(r),
  ];
  if (r.status === 'diverged') lines.push(`The run diverged (${DIVERGENCE_RULE}): try a smaller learning rate.`);
  return lines.join('\n');
}

export function optimumText(o: OptimumResult): string {
  return [`global optimum (${o.kind}): loss ${num(o.loss)} · kernel ${o.kernel} (${o.backend})`, o.method, '', paramTable(o.sizes, { optimum: o.params })].join('\n');
}

const SHADES = ' .:-=+*%@';

/** One pass over a surface's losses: the finite extent and count, and whether any is −Infinity. */
function lossFacts(values: ArrayLike<number>): { extent: { lo: number; hi: number } | null; finite: number; minusInfinity: boolean } {
  // Plain locals and one comparison per value: a 512² surface is scanned once, before V8 has warmed up.
  let lo = Infinity;
  let hi = -Infinity;
  let finite = 0;
  let minusInfinity = false;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // v − v is 0 exactly when v is finite.
    if (v - v === 0) {
      finite++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    } else if (v === -Infinity) minusInfinity = true;
  }
  return { extent: finite ? { lo, hi } : null, finite, minusInfinity };
}

/** The surface as characters, dark (low J) to dense (high J), on a log scale; markers I, T, O. */
export function landscapeText(l: LandscapeResult, cols = 48): string {
  const res = l.alphas.length;
  const rows = Math.max(2, Math.round(cols / 2));
  // Shades on a log scale, from 1e-12 (where −Infinity lands too); the scale is monotone, so its ends are the ends' shades.
  const shadeOf = (v: number) => Math.log10(Math.max(v, 1e-12));
  const { extent: J, finite, minusInfinity } = lossFacts(l.loss);
  const lo = minusInfinity ? shadeOf(-Infinity) : J ? shadeOf(J.lo) : 0;
  const hi = J ? shadeOf(J.hi) : minusInfinity ? shadeOf(-Infinity) : 0;
  const grid: string[][] = [];
  for (let r = 0; r < rows; r++) {
    const bi = Math.round(((rows - 1 - r) / (rows - 1)) * (res - 1));
    grid.push(
      Array.from({ length: cols }, (_, c) => {
        const ai = Math.round((c / (cols - 1)) * (res - 1));
        const v = shadeOf(l.loss[bi * res + ai]);
        return Number.isFinite(v) ? SHADES[Math.round(fraction(v, lo, hi) * (SHADES.length - 1))] : '?';
      }),
    );
  }
  const span = l.span;
  for (const [name, mark] of [['init', 'I'], ['trained', 'T'], ['optimum', 'O']] as const) {
    const m = l.markers[name];
    // Written so a marker with a NaN coordinate (a diverged run's) is skipped, not placed at row NaN.
    if (!m || !(Math.abs(m.alpha) <= span && Math.abs(m.beta) <= span)) continue;
    const c = Math.round(((m.alpha + span) / (2 * span)) * (cols - 1));
    const r = rows - 1 - Math.round(((m.beta + span) / (2 * span)) * (rows - 1));
    grid[r][c] = mark;
  }
  const notFinite = l.loss.length - finite;
  const markerLines = MARKERS.map((name) => {
    const m = l.markers[name];
    return m ? `  ${name.padEnd(8)} α=${num(m.alpha)} β=${num(m.beta)} J=${num(m.loss)}${m.offPlane > 1e-6 ? ` (off the plane by ${num(m.offPlane)})` : ''}` : '';
  });
  return [
    `cost surface around ${l.center} · axes ${l.axisLabels[0]} × ${l.axisLabels[1]} · ${res}×${res} over ±${num(span)} · kernel ${l.kernel} (${l.backend}) · optimum ${l.optimumKind}`,
    `${J ? `J from ${num(J.lo)} to ${num(J.hi)}` : 'J is not finite anywhere'}${notFinite ? ` (${notFinite} of ${l.loss.length} points not finite: ?)` : ''} (shades ${JSON.stringify(SHADES)} on a log scale; I init, T trained, O optimum)`,
    '',
    ...grid.map((g) => `  │${g.join('')}│`),
    '',
    ...markerLines.filter(Boolean),
  ].join('\n');
}

export function interpolationText(i: InterpolationResult): string {
  const k = i.t.length;
  const pick = Array.from(new Set(Array.from({ length: 11 }, (_, j) => Math.round((j * (k - 1)) / 10))));
  return [
    `J((1−t)·${i.from} + t·${i.to}) · optimum ${i.optimumKind}`,
    ...pick.map((j) => `  t=${num(i.t[j], 3).padEnd(6)} J=${num(i.loss[j])}`),
  ].join('\n');
}
