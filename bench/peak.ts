// The machine's FLOP/s peaks the surface rows are measured against: the rate of independent f32x4
// multiply-add chains in WebAssembly SIMD (what a compiled wasm kernel can reach; measured here on one
// thread, times the cores), and the CPU's AVX2 FMA peak as stated by its clock (2 FMA units × 8
// lanes × 2 FLOP per cycle per core).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import wabtInit from 'wabt';

export interface Peaks {
  cores: number;
  /** FLOP/s, or null where it could not be measured. */
  wasmSimd: number | null;
  avx2Fma: number | null;
  ghz: number | null;
}

const CHAINS = 12;
const FLOP_PER_ITERATION = CHAINS * 4 * 2;

/** A loop of CHAINS independent acc = acc·m + c chains on f32x4 (a multiply and an add: 2 FLOP per lane). */
function peakModuleText(): string {
  const acc = Array.from({ length: CHAINS }, (_, i) => `$a${i}`);
  const body = acc.map((a) => `(local.set ${a} (f32x4.add (f32x4.mul (local.get ${a}) (local.get $m)) (local.get $c)))`).join('\n');
  const sum = acc.slice(1).reduce((s, a) => `(f32x4.add ${s} (local.get ${a}))`, `(local.get ${acc[0]})`);
  return `(module (func (export "run") (param $n i32) (result f32)
    ${[...acc, '$m', '$c'].map((a) => `(local ${a} v128)`).join(' ')}
    (local.set $m (f32x4.splat (f32.const 0.999)))
    (local.set $c (f32x4.splat (f32.const 0.001)))
    (loop $l ${body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (f32x4.extract_lane 0 ${sum})))`;
}

async function wasmSimdPerCore(seconds: number): Promise<number> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('peak.wat', peakModuleText(), { simd: true });
  const { buffer } = module.toBinary({});
  module.destroy();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(buffer)), {});
  const run = instance.exports.run as (n: number) => number;
  let n = 1 << 16;
  let best = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    run(n);
    const ms = performance.now() - t0;
    best = Math.max(best, (n * FLOP_PER_ITERATION) / (ms / 1000));
    if (ms < 20) n *= 2;
  }
  return best;
}

function clockGhz(): number | null {
  try {
    const mhz = readFileSync('/proc/cpuinfo', 'utf8').match(/^cpu MHz\s*:\s*([\d.]+)/m);
    return mhz ? Number(mhz[1]) / 1000 : null;
  } catch {
    return null;
  }
}

export async function measurePeaks(seconds: number): Promise<Peaks> {
  const cores = availableParallelism();
  const ghz = clockGhz();
  let perCore: number | null = null;
  try {
    perCore = await wasmSimdPerCore(seconds);
  } catch {
    // wabt (a devDependency) missing: the stated peak still stands.
  }
  return { cores, ghz, wasmSimd: perCore === null ? null : perCore * cores, avx2Fma: ghz === null ? null : cores * ghz * 1e9 * 32 };
}

/** "x GFLOP/s, y% of the wasm SIMD peak, z% of the AVX2 FMA peak". */
export function flopShare(flops: number, seconds: number | null, peaks: Peaks): string {
  if (!seconds) return '—';
  const rate = flops / seconds;
  const share = (peak: number | null) => (peak ? `${((100 * rate) / peak).toFixed(1)}%` : '—');
  return `${(rate / 1e9).toFixed(2)} GFLOP/s = ${share(peaks.wasmSimd)} of the wasm SIMD peak, ${share(peaks.avx2Fma)} of the AVX2 FMA peak`;
}

export function describePeaks(p: Peaks): string {
  const g = (v: number | null) => (v === null ? '—' : `${(v / 1e9).toFixed(1)} GFLOP/s`);
  return `peaks: wasm SIMD ${g(p.wasmSimd)} (f32x4 mul+add chains, measured on one thread × ${p.cores} cores); AVX2 FMA ${g(p.avx2Fma)} (${p.cores} cores × ${p.ghz?.toFixed(2) ?? '?'} GHz × 32 FLOP/cycle)`;
}
