// `--rows=choice`: the measurements behind `auto` (main/engine/kernels.ts). Each workload trains on
// every kernel, timed in CPU time per run-step (less sensitive to other processes than wall time), and
// the table says whether the kernel auto picks is the fastest, or within 15% of it.
import { parseConfig, type ExperimentConfigInput } from '../shared/config.js';
import { makeDataset } from '../main/engine/data.js';
import { initialParams } from '../main/engine/init.js';
import { jsKernel } from '../main/engine/jsKernel.js';
import type { Kernel } from '../main/engine/kernel.js';
import { autoKernelName, selectKernel } from '../main/engine/kernelChoice.js';
import { architectureOf } from '../main/engine/model.js';
import { hyperOf } from '../main/engine/optimizers.js';
import { Rng } from '../main/engine/prng.js';
import { simdKernel } from '../main/engine/simdKernel.js';
import { loadTfjsKernel } from '../main/engine/tfjsKernel.js';
import { trainBatch, type BatchSpec } from '../main/engine/train.js';
import { printTable } from './table.js';

const HINGE = { target: { kind: 'hinge' as const }, n: 500 };

interface Case {
  label: string;
  config: ExperimentConfigInput;
  runs: number;
  /** tfjs-wasm too (its per-op cost makes it hopeless on small layers, so only on large ones). */
  tfjs?: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const H of [2, 16, 64]) {
    for (const b of [3, 10, 100]) {
      for (const runs of [1, 1000]) out.push({ label: `1→${H}→1 relu, b${b}`, config: { data: HINGE, model: { hidden: [H] }, batchSize: b }, runs });
    }
  }
  out.push({ label: '1→64→64→1 relu, b100', config: { data: HINGE, model: { hidden: [64, 64] }, batchSize: 100 }, runs: 1, tfjs: true });
  out.push({ label: '2→16→16→1 tanh nll spiral, b10', config: { data: { target: { kind: 'spiral' } }, model: { hidden: [16, 16], activation: 'tanh', output: 'sigmoid' }, loss: 'nll', batchSize: 10 }, runs: 1 });
  out.push({ label: '1→8→8→1 tanh, b3', config: { data: HINGE, model: { hidden: [8, 8], activation: 'tanh' }, batchSize: 3 }, runs: 64 });
  out.push({ label: '1→256→256→1 relu, full batch', config: { data: HINGE, model: { hidden: [256, 256] }, batchSize: 500 }, runs: 1, tfjs: true });
  return out;
}

function batchOf(c: Case): BatchSpec {
  const config = parseConfig(c.config);
  const data = makeDataset(config);
  const arch = architectureOf(config, data.dIn);
  const runs = Array.from({ length: c.runs }, (_, r) => ({ seed: r + 1, data, init: initialParams(arch, config.init, r + 1, data), hyper: hyperOf(config.optimizer) }));
  return { arch, batchSize: config.batchSize, steps: 1, recordEvery: 1, snapshots: 2, runs };
}

/** CPU ns per run-step over about `seconds`, after a warm-up; recording only at the ends. */
async function cost(kernel: Kernel, spec: BatchSpec, seconds: number): Promise<number> {
  const once = async (steps: number) => {
    const c0 = process.cpuUsage();
    await trainBatch(kernel, { ...spec, steps, recordEvery: steps });
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  let steps = 2;
  while ((await once(steps)) < seconds / 4 && steps < 1 << 22) steps *= 2;
  const s = Math.min(await once(steps), await once(steps));
  return (s * 1e9) / (steps * spec.runs.length);
}

export async function kernelChoiceRows(quick: boolean): Promise<void> {
  const wasm = await loadTfjsKernel('wasm');
  const seconds = quick ? 0.1 : 0.4;
  const rows: string[][] = [];
  let misses = 0;
  for (const c of cases()) {
    const spec = batchOf(c);
    const kernels: [string, Kernel][] = [['js', jsKernel], ['simd', simdKernel], ...(c.tfjs ? [['tfjs/wasm', wasm] as [string, Kernel]] : [])];
    const costs = new Map<string, number>();
    for (const [name, kernel] of kernels) costs.set(name, await cost(kernel, spec, seconds));
    const auto = await selectKernel('auto', 'auto', { arch: spec.arch, runs: c.runs, batchSize: spec.batchSize, n: spec.runs[0].data.n });
    const fastest = Math.min(...costs.values());
    const chosen = costs.get(auto.name)!;
    const ok = chosen <= fastest * 1.15;
    if (!ok) misses++;
    const cell = (name: string) => (costs.has(name) ? Math.round(costs.get(name)!).toLocaleString('en-US') : '—');
    rows.push([c.label, String(c.runs), cell('js'), cell('simd'), cell('tfjs/wasm'), auto.name, `${(chosen / fastest).toFixed(2)}×`, ok ? 'OK' : 'SLOWER']);
  }
  console.log('Kernel choice: CPU ns per run-step on each kernel, the one auto picks, and its cost over the fastest');
  printTable(['workload', 'runs', 'js', 'simd', 'tfjs/wasm', 'auto', 'vs best', ''], rows, 2);
  console.log(`auto within 15% of the fastest kernel in ${rows.length - misses} of ${rows.length} workloads`);
  evaluationChoice(seconds);
}

/** Surfaces: CPU ns per grid point of a 64² plane on each kernel, and the kernel auto picks for losses alone. */
function evaluationChoice(seconds: number): void {
  const rows: string[][] = [];
  let misses = 0;
  for (const c of cases().filter((c) => c.runs === 1 && (!c.label.startsWith('1→') || c.label.endsWith('b3') || c.label.includes('→64→64')))) {
    const spec = batchOf(c);
    const { arch } = spec;
    const data = spec.runs[0].data;
    const center = spec.runs[0].init;
    const rng = new Rng(1, 'choice');
    const plane = { center, d1: Float64Array.from(center, () => rng.normal()), d2: Float64Array.from(center, () => rng.normal()) };
    const res = 64;
    const alpha = Float64Array.from({ length: res * res }, (_, g) => -1 + (2 * (g % res)) / (res - 1));
    const beta = Float64Array.from({ length: res * res }, (_, g) => -1 + (2 * Math.floor(g / res)) / (res - 1));
    const costs = new Map<string, number>();
    for (const [name, kernel] of [['js', jsKernel], ['simd', simdKernel]] as const) {
      let calls = 0;
      const c0 = process.cpuUsage();
      let used = 0;
      while (used < seconds) {
        kernel.planeLosses!(arch, data, plane, alpha, beta);
        calls++;
        const u = process.cpuUsage(c0);
        used = (u.user + u.system) / 1e6;
      }
      costs.set(name, (used * 1e9) / (calls * alpha.length));
    }
    const auto = autoKernelName({ arch, runs: alpha.length, batchSize: data.n, n: data.n, lossesOnly: true });
    const fastest = Math.min(...costs.values());
    const chosen = costs.get(auto)!;
    const ok = chosen <= fastest * 1.15;
    if (!ok) misses++;
    rows.push([c.label.replace(/, b\d+$/, ''), `n ${data.n}`, Math.round(costs.get('js')!).toLocaleString('en-US'), Math.round(costs.get('simd')!).toLocaleString('en-US'), auto, `${(chosen / fastest).toFixed(2)}×`, ok ? 'OK' : 'SLOWER']);
  }
  console.log('');
  console.log('Kernel choice for losses alone (cost surfaces): CPU ns per grid point of a 64² plane');
  printTable(['network', 'data', 'js', 'simd', 'auto', 'vs best', ''], rows, 2);
  console.log(`auto within 15% of the fastest kernel in ${rows.length - misses} of ${rows.length} networks`);
}
