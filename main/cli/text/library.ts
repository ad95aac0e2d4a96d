// What the library's commands print for people: the list, one experiment, a reproduction, the presets.
import type { Preset } from '../../../shared/presets.js';
import { printable } from '../../../shared/printable.js';
import type { DeviceReport, ExperimentSummary, FitLine, Reproduction, StoredExperiment } from '../../lab/lab.js';
import type { RunPage } from '../../../shared/api.js';
import { num, shownLines, table } from './numbers.js';
import { runText } from './run.js';

export function listText(list: ExperimentSummary[]): string {
  if (list.length === 0) return 'No experiments yet. Run one: landscape-lab run examples/hinge-adam.json';
  const rows = list.map((e) => [
    String(e.id).padStart(4),
    e.status.padEnd(11),
    String(e.runs).padStart(5),
    num(e.bestLoss).padStart(10),
    e.createdAt.slice(0, 16).replace('T', ' '),
    printable(e.name),
  ].join('  '));
  return [`${'id'.padStart(4)}  ${'status'.padEnd(11)}  ${'runs'.padStart(5)}  ${'best loss'.padStart(10)}  ${'created (UTC)'.padEnd(16)}  name`, ...rows].join('\n');
}

/** One experiment as text; `fit` draws a single run's network (lab.fitLine); `runs`: its first runs as listed, and how many it has. */
export function experimentText(e: StoredExperiment, fit: FitLine | null, runs: RunPage): string {
  const head = [
    `experiment ${e.id}: ${printable(e.name)}`,
    `status ${e.status} · ${e.runs} run${e.runs === 1 ? '' : 's'} · created ${e.createdAt} · kernel ${e.kernel} (${e.backend}) · app ${e.appVersion}${e.tags.length ? ` · tags ${e.tags.map(printable).join(', ')}` : ''}`,
    ...(e.notes ? [`notes: ${printable(e.notes)}`] : []),
    ...e.surfaces.map((s) => `surface ${s.id}: around ${s.center} · ${s.axisLabels.join(' × ')} · ${s.alphas.length}×${s.alphas.length} over ±${num(s.span)}`),
    ...e.interpolations.map((i) => `interpolation ${i.id}: ${i.from} → ${i.to}, ${i.t.length} points`),
  ];
  if (!e.sweep && e.runList.length === 1 && fit) return [...head, '', runText(e.runList[0], fit)].join('\n');
  const lines = shownLines(runs.total, (i) => {
    const r = runs.runs[i];
    return `  ${String(r.index).padStart(5)}  ${r.status.padEnd(9)}  ${num(r.finalLoss).padStart(10)}  ${printable(r.label)}`;
  }, 'runs');
  return [...head, e.sweep ? `sweep: ${e.sweep.cells} cells × ${e.sweep.seeds} seeds` : '', '  run    status     final loss  label', ...lines].join('\n');
}

export function reproductionText(r: Reproduction): string {
  // The runs that differ first: they are what the reader looks for.
  const runs = [...r.runs.filter((run) => !run.matches), ...r.runs.filter((run) => run.matches)];
  const lines = shownLines(runs.length, (i) => {
    const run = runs[i];
    return `  run ${run.index} (${printable(run.label)}): ${run.matches ? 'every number matches' : `differs: ${run.difference}`}`;
  }, 'runs');
  return [`experiment ${r.id} on ${r.kernel} (${r.backend}): ${r.matches ? 'reproduced exactly' : 'does NOT reproduce'}`, ...lines].join('\n');
}

export function presetsText(presets: readonly Preset[]): string {
  const rows = presets.map((p) => [p.name, p.kind, p.title]);
  return [table(['name', 'kind', 'title'], rows, () => false), '', 'Run one: landscape-lab run --preset NAME, or landscape-lab sweep --preset NAME for a sweep (presets --json adds each one\'s question).'].join('\n');
}

const MiB = 2 ** 20;

/** What `devices` prints: a line per way to compute, and each WebGPU adapter with its limits. */
export function devicesText(d: DeviceReport): string {
  const yes = (ok: boolean, reason?: string) => (ok ? 'yes' : `no (${reason ?? 'unavailable'})`);
  const lines = [
    `cores            ${d.cores} (the worker pool's size, and js's)`,
    `simd             ${yes(d.simd.available, d.simd.reason)} (WebAssembly SIMD, kernel simd)`,
    ...d.tfjs.map((t) => `tfjs ${t.backend.padEnd(11)} ${yes(t.available, t.reason)}`),
  ];
  if ('reason' in d.webgpu) lines.push(`webgpu           no adapter (${d.webgpu.reason})`);
  else {
    for (const a of d.webgpu.adapters) {
      const l = a.limits;
      lines.push(`webgpu           ${a.name}${a.description ? ` — ${a.description}` : ''}${a.isFallbackAdapter ? ': for checking only, never auto\'s choice' : ''}`);
      lines.push(`                 buffers ≤ ${Math.round(l.maxStorageBufferBindingSize / MiB)} MiB bound, ${Math.round(l.maxBufferSize / MiB)} MiB each; ${l.maxComputeInvocationsPerWorkgroup} invocations and ${Math.round(l.maxComputeWorkgroupStorageSize / 1024)} KiB shared per workgroup`);
    }
  }
  return lines.join('\n');
}
