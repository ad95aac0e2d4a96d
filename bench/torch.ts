// The PyTorch peer: bench/torch_bench.py under Debian's python3-torch (2 threads), run before our rows
// so the two never compete for the cores. Whatever fails here leaves the peer's cells "—".
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../main/engine/data.js';
import type { TorchGpu } from './gpu.js';

export interface TorchTutorial {
  train: { runs: number; hidden: number; batch: number; runStepsPerSec: number }[];
  surface: { ms: number };
}

export interface TorchGeneral {
  mlp64: { stepsPerSec: number };
  spiralTrain: { stepsPerSec: number };
  spiralSurface: { ms: number; res: number; points: number };
  sweepCell: { runStepsPerSec: number };
  optimum: { seconds: number; steps: number; timedSteps: number; bestLoss: number };
  sgemm: { gflops: number; size: number };
}

export interface TorchResult extends Partial<TorchTutorial> {
  torch: string;
  threads: number;
  general?: TorchGeneral;
  gpu?: TorchGpu;
}

const PYTHON = '/usr/bin/python3';

/**
 * The peer's numbers, or why there are none. `spiral` goes to the script so both sides use the same
 * points; `extra` are more of the script's options (the gpu rows' slice).
 */
export function runTorch(rows: readonly string[], quick: boolean, spiral: Dataset, extra: readonly string[] = []): TorchResult | string {
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const script = fileURLToPath(new URL('../../bench/torch_bench.py', import.meta.url));
  const args = [script, `--rows=${rows.join(',')}`, '--data-stdin', ...(quick ? ['--quick'] : []), ...extra];
  const input = JSON.stringify({ x: Array.from(spiral.x), y: Array.from(spiral.y) });
  const r = spawnSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) return r.error.message;
  if (r.status !== 0) return (r.stderr || 'torch benchmark failed').trim().split('\n').pop() ?? 'failed';
  try {
    return JSON.parse(r.stdout) as TorchResult;
  } catch {
    return 'torch benchmark printed no JSON';
  }
}
