// What the CLI prints for people (as opposed to --json): summaries, an ASCII plot of the fit, an
// ASCII map of a cost surface, and the progress bar.
import { BACKENDS, classCount, inputSize, isClassification, KERNELS, LIMITS, type ExperimentConfig } from '../../shared/config.js';
import { DIVERGENCE_RULE } from '../../shared/divergence.js';
import { finiteExtent, fraction, maxOf, minOf } from '../../shared/numbers.js';
import type { Preset } from '../../shared/presets.js';
import { formatSweepValue, type SweepStats } from '../../shared/sweepStats.js';
import { AXES_HELP } from '../engine/directions.js';
import { MARKERS } from '../../shared/markers.js';
import { JsNet } from '../engine/jsNet.js';
import { architectureOf } from '../engine/model.js';
import type { Reproduction } from '../lab/experiments.js';
import type { InterpolationResult, LandscapeResult, OptimumResult, RunResult } from '../engine/results.js';
import type { SweepOutcome } from '../lab/sweep.js';
import type { ExperimentSummary, StoredExperiment } from '../store/experiments.js';
import { defaultDatabasePath } from '../store/index.js';
import { APP_VERSION } from '../platform/version.js';

export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return String(v ?? '—');
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 2);
}

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
export function asciiFit(r: RunResult, width = 64, height = 16): string {
  const net = new JsNet(architectureOf(r.config, r.data.dIn));
  const { x, y, n } = r.data;
  const { lo: xLo, hi: xHi } = finiteExtent(x) ?? { lo: 0, hi: 0 };
  // lo·(1−t) + hi·t, not lo + (hi − lo)·t: the difference of two extremes can overflow.
  const xs = Float32Array.from({ length: width }, (_, i) => xLo * (1 - i / (width - 1)) + xHi * (i / (width - 1)));
  const pred = r.params.final.every(Number.isFinite) ? net.predict(r.params.final, 0, xs, width) : new Float64Array(width).fill(NaN);
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

export function paramTable(layout: readonly string[], columns: Record<string, Float32Array | undefined>): string {
  const names = Object.keys(columns).filter((k) => columns[k]);
  const header = ['parameter'.padEnd(12), ...names.map((n) => n.padStart(12))].join('');
  const rows = layout.map((name, i) => [name.padEnd(12), ...names.map((k) => num((columns[k] as Float32Array)[i], 5).padStart(12))].join(''));
  return [header, ...rows].join('\n');
}

function diagnosticsText(r: RunResult): string {
  const d = r.diagnostics.final;
  const dead = d.dead.length ? `dead ReLU units: ${d.dead.map((u) => `h${u.layer}[${u.unit}]`).join(', ')} (no gradient reaches them)` : 'no dead units';
  const sym = d.symmetric.length
    ? `symmetric units: ${d.symmetric.map((g) => `h${g.layer}[${g.units.join('=')}]`).join(', ')} (identical units get identical gradients)`
    : 'no symmetric units';
  return `${dead}; ${sym}`;
}

function accuracyText(r: RunResult): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
  return `accuracy: train ${pct(r.accuracy?.train)}, test ${pct(r.accuracy?.test)}${r.testLoss != null ? ` · test loss ${num(r.testLoss)}` : ''}`;
}

export function runText(r: RunResult): string {
  const first = r.loss.values[0];
  const lastStep = r.loss.steps[r.loss.steps.length - 1];
  const lines = [
    describeConfig(r.config),
    `kernel ${r.kernel} (${r.backend}) · ${r.seconds.toFixed(2)} s · status ${r.status}${r.status !== 'done' ? ` after ${r.stepsDone} steps` : ''}`,
    `loss ${num(first)} at step 0 → ${num(r.finalLoss)} at step ${lastStep}${r.optimum ? ` · global optimum (exact): ${num(r.optimum.loss)}` : ''}`,
    '',
    r.data.dIn === 1 ? asciiFit(r) : accuracyText(r),
    '',
    paramTable(r.layout, { init: r.params.init, final: r.params.final, optimum: r.params.optimum }),
    '',
    diagnosticsText(r),
  ];
  if (r.status === 'diverged') lines.push(`The run diverged (${DIVERGENCE_RULE}): try a smaller learning rate.`);
  return lines.join('\n');
}

export function optimumText(o: OptimumResult): string {
  return [`global optimum (${o.kind}): loss ${num(o.loss)} · kernel ${o.kernel} (${o.backend})`, o.method, '', paramTable(o.layout, { optimum: o.params })].join('\n');
}

const SHADES = ' .:-=+*%@';

function countFinite(values: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) k++;
  return k;
}

/** The surface as characters, dark (low J) to dense (high J), on a log scale; markers I, T, O. */
export function landscapeText(l: LandscapeResult, cols = 48): string {
  const res = l.alphas.length;
  const rows = Math.max(2, Math.round(cols / 2));
  const logs = Array.from(l.loss, (v) => Math.log10(Math.max(v, 1e-12)));
  const { lo, hi } = finiteExtent(logs) ?? { lo: 0, hi: 0 };
  const grid: string[][] = [];
  for (let r = 0; r < rows; r++) {
    const bi = Math.round(((rows - 1 - r) / (rows - 1)) * (res - 1));
    grid.push(
      Array.from({ length: cols }, (_, c) => {
        const ai = Math.round((c / (cols - 1)) * (res - 1));
        const v = logs[bi * res + ai];
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
  const J = finiteExtent(l.loss);
  const notFinite = l.loss.length - countFinite(l.loss);
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

/** A one-line progress bar for a terminal, rewritten in place. */
export function progressLine(phase: string, step: number, steps: number, elapsedMs: number, bestLoss: number | null, width = 28): string {
  const f = steps > 0 ? step / steps : 1;
  const fill = Math.round(f * width);
  const eta = f > 0 ? ((elapsedMs / f) * (1 - f)) / 1000 : NaN;
  const loss = bestLoss !== null ? ` loss ${num(bestLoss, 3)}` : '';
  return `${phase.padEnd(8)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${step}/${steps}${loss}${Number.isFinite(eta) ? ` ETA ${eta.toFixed(1)} s` : ''}`;
}

export function listText(list: ExperimentSummary[]): string {
  if (list.length === 0) return 'No experiments yet. Run one: landscape-lab run examples/hinge-adam.json';
  const rows = list.map((e) => [
    String(e.id).padStart(4),
    e.status.padEnd(11),
    String(e.runs).padStart(5),
    num(e.bestLoss).padStart(10),
    e.createdAt.slice(0, 16).replace('T', ' '),
    e.name,
  ].join('  '));
  return [`${'id'.padStart(4)}  ${'status'.padEnd(11)}  ${'runs'.padStart(5)}  ${'best loss'.padStart(10)}  ${'created (UTC)'.padEnd(16)}  name`, ...rows].join('\n');
}

export function experimentText(e: StoredExperiment): string {
  const head = [
    `experiment ${e.id}: ${e.name}`,
    `status ${e.status} · ${e.runs} run${e.runs === 1 ? '' : 's'} · created ${e.createdAt} · kernel ${e.kernel} (${e.backend}) · app ${e.appVersion}${e.tags.length ? ` · tags ${e.tags.join(', ')}` : ''}`,
    ...(e.notes ? [`notes: ${e.notes}`] : []),
    ...e.surfaces.map((s) => `surface ${s.id}: around ${s.center} · ${s.axisLabels.join(' × ')} · ${s.alphas.length}×${s.alphas.length} over ±${num(s.span)}`),
    ...e.interpolations.map((i) => `interpolation ${i.id}: ${i.from} → ${i.to}, ${i.t.length} points`),
  ];
  if (!e.sweep && e.runList.length === 1) return [...head, '', runText(e.runList[0])].join('\n');
  const runs = e.runListing.map((r) => `  ${String(r.index).padStart(5)}  ${r.status.padEnd(9)}  ${num(r.finalLoss).padStart(10)}  ${r.label}`);
  return [...head, e.sweep ? `sweep: ${e.sweep.cells} cells × ${e.sweep.seeds} seeds` : '', '  run    status     final loss  label', ...runs].join('\n');
}

export function reproductionText(r: Reproduction): string {
  const lines = r.runs.map((run) => `  run ${run.index} (${run.label}): ${run.matches ? 'every number matches' : `differs: ${run.difference}`}`);
  return [`experiment ${r.id} on ${r.kernel} (${r.backend}): ${r.matches ? 'reproduced exactly' : 'does NOT reproduce'}`, ...lines].join('\n');
}

export function sweepText(s: SweepOutcome): string {
  return `sweep stored as experiment ${s.experimentId}: ${s.status}, ${s.runsDone} of ${s.runsTotal} runs (${s.runsNew} trained now)`;
}

/** Columns as wide as their widest cell. */
function table(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = header.map((h, c) => Math.max(h.length, maxOf(rows.map((r) => r[c].length))));
  const line = (cells: string[]) => cells.map((v, c) => (rightAligned(c) ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Per cell: swept values, median final loss and its interquartile range, success rate, steps to the threshold, divergences. */
export function sweepStatsText(s: SweepStats): string {
  const header = [...s.fields, 'runs', 'median loss', 'IQR (q1–q3)', 'success', 'steps to thr.', 'diverged'];
  const rows = s.cells.map((c) => [
    ...s.fields.map((f) => formatSweepValue(c.values[f])),
    String(c.runs),
    num(c.finalLoss.median, 3),
    c.finalLoss.q1 === null || c.finalLoss.q3 === null ? '—' : `${num(c.finalLoss.q1, 3)}–${num(c.finalLoss.q3, 3)}`,
    c.successRate === null ? '—' : `${Math.round(c.successRate * 100)}%`,
    num(c.stepsToThreshold.median),
    String(c.diverged),
  ]);
  const fields = s.fields.length;
  return [`threshold ${num(s.threshold)}: success = final loss below it; steps = first recorded step below it (median over the runs that got there)`, table(header, rows, (c) => c >= fields)].join('\n');
}

export function presetsText(presets: readonly Preset[]): string {
  const rows = presets.map((p) => [p.name, p.kind, p.title]);
  return [table(['name', 'kind', 'title'], rows, () => false), '', 'Run one: landscape-lab run --preset NAME, or landscape-lab sweep --preset NAME for a sweep (presets --json adds each one\'s question).'].join('\n');
}

/** `landscape-lab --help`. */
export function helpText(): string {
  return `landscape-lab ${APP_VERSION} — train small networks and explore their cost surfaces (headless)

Usage:
  landscape-lab run <config.json> [--json] [--out FILE] [--kernel K] [--backend B] [--name N] [--no-save]
  landscape-lab run --preset NAME [--steps N] [--json] [...]   one of the tutorial's experiments
  landscape-lab landscape (<config.json> | --experiment ID) [--center C] [--axes SPEC] [--res N] [--span S] [--curvature] [--json]
  landscape-lab optimum <config.json> [--restarts N] [--json]
  landscape-lab interpolate (<config.json> | --experiment ID) [--from C] [--to C] [--points N] [--json]
  landscape-lab hessian (<config.json> | --experiment ID [--run N]) [--at C] [--json]   exact Hessian, spectrum, zeros
  landscape-lab race (<config.json> | --preset NAME) [--optimizers LIST] [--steps N] [--json]   optimizers from one init
  landscape-lab sweep <spec.json> [--resume [--wait]] [--json]
  landscape-lab sweep --preset NAME [--steps N] [--resume [--wait]] [--json]   per cell: median loss, IQR, success
  landscape-lab sweep <spec.json> --shard K/N --db FILE [--resume]   train shard K of N (from 0) into its own database
  landscape-lab sweep <spec.json> --slurm --dir DIR [--shards N] [--partition P] [--time T] [--cpus-per-task C]
                    [--node-local] [--submit] [--db FILE] [--k8s]   a SLURM job array + afterok merge (--k8s: an Indexed Job)
  landscape-lab sweep --status DIR [--json]   runs done per shard, failed shards, whether the merge ran
  landscape-lab merge SHARD.sqlite... [--into FILE] [--json]   fold shards into one sweep (default: --db's default)
  landscape-lab presets [--json]              the tutorial's experiments, ready to run or sweep
  landscape-lab list [--json]                 landscape-lab show ID [--json]
  landscape-lab rename ID NAME                landscape-lab delete ID [--yes]
  landscape-lab export ID... --out FILE       landscape-lab import FILE
  landscape-lab reproduce ID
  landscape-lab import-data FILE.csv [--out CONFIG.json] [--json]   a config that trains on a CSV's x, y
  landscape-lab export-model ID --out DIR [--run N] [--at C]         the network as a TensorFlow.js model
  landscape-lab serve [--port N] [--open] [--init]   the UI and the LabApi on 127.0.0.1, for a browser
  landscape-lab upgrade [--db FILE]           bring a database of an older version to this one's schema

Options:
  --db FILE         the lab database (default ${defaultDatabasePath()})
  --init            make an existing empty file (0 bytes, or SQLite without tables) the lab database;
                    without it such a file is refused and left as it was
  --json            print the result as JSON on stdout
  --out FILE        write the JSON result (export: the .lab.json file; import-data: the config) to FILE;
                    never overwrites unless --force (export-model: the folder for model.json and weights.bin)
  --kernel K        ${KERNELS.join(' | ')} (default: the config's kernel, auto)
  --backend B       tfjs backend: ${BACKENDS.join(' | ')} (default auto: tensorflow, else wasm, else cpu)
  --no-save         run without storing the experiment
  --preset NAME     run or sweep one of the tutorial's experiments instead of a file (see presets)
  --steps N         train N steps instead of the config's (a sweep: in every cell), 1..${LIMITS.steps}
  --experiment ID   use a stored experiment's trained run (and store the result with it); given a
                    config instead, landscape and interpolate store its run and optimum, and reuse them
                    for the same config and seed
  --center C        ${MARKERS.join(' | ')} (default trained)
  --axes SPEC       ${AXES_HELP} (default plane)
  --res N           grid points per side, 2..${LIMITS.surfaceRes} (default 65)
  --span S          half-width of the grid, or auto to fit the markers (default auto; 1 for random)
  --curvature       landscape: the convexity map too — the extreme eigenvalues of the full Hessian and of the
                    surface's own 2×2 Hessian at each grid point (at most 33×33; a finer grid is sampled coarser)
  --from/--to C     interpolation end points (default init → trained)
  --points N        interpolation points (default 101)
  --restarts N      restarts when the optimum has no closed form (default 8)
  --resume          continue the unfinished sweep of this spec from the runs already stored
  --wait            with --resume: if another process is resuming that sweep, wait for it to finish
                    (without it: exit 2 saying which pid has it)
  --shards N        how many shards (array tasks) a --slurm/--k8s sweep is split into, by estimated cost (default 8)
  --node-local      --slurm: shards train on each node's local disk ($SLURM_TMPDIR or $TMPDIR) and are copied
                    into DIR/shards when they end (default: straight into DIR/shards, one file per shard)
  --submit          --slurm: submit the array and the merge with sbatch and print their job ids
  --into FILE       merge: the database the shards are merged into (default ${defaultDatabasePath()})
  --yes             delete without asking
  --run N           export-model, hessian: which run of the experiment (default 0; a race's optimizers in order)
  --at C            export-model, hessian: init | trained | optimum (the exact optimum, else the best of 8 restarts; default trained)
  --optimizers LIST race: two or more of sgd,momentum,rmsprop,momentum-rmsprop,adam (default all five; the config's
                    own optimizer keeps its settings, the others take the tutorial's learning rates)
  --port N          serve: the loopback port (default: a free one);  --open: open the browser too
  -h, --help        this help;  -v, --version  the version

The config is one JSON document; every field but data.target has a default. See README.md.
Exit codes: 0 ok, 1 internal error, 2 bad input, 3 reproduce found a difference, 130 interrupted.`;
}
