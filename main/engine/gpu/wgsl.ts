// The gpu kernel's compute shaders, written out in WGSL for one architecture at a time (every size is
// a constant, every layer's loop unrolled into its own block).
//
// Training (`trainShader`): a run's forward pass, backward pass and optimizer update, many steps per
// dispatch, every run of a batch in the same dispatch. A run is computed by a team of invocations:
// - a team of 1 (small networks and minibatches): one invocation per run, 64 runs per workgroup, runs
//   interleaved in memory ([values][runs]) so neighbouring invocations read neighbouring words;
// - a team of a whole workgroup (TEAM_SIZE): one run per workgroup, its samples and units shared out,
//   with a barrier between the phases of a step.
// Either way the sums run in the simd kernel's order (wasm/mlp.c): z = b + Σ_i a_i·W_ij with i
// ascending, ∇W = Σ_s a_s·δ_s over the minibatch in order, so runs agree with simd to float32 rounding.
// The hidden activations are mlp.c's (its exp polynomial, tanh clamped to ±9: SwiftShader's own tanh is
// NaN for |x| ≥ 89), the output layer's δ is mlp.c's float32 lanes code, and the update rules are
// torch.optim's (optimizers.ts), in float32.
//
// Losses (`lossShader`): one parameter vector per workgroup (a surface's grid point, a run's current
// parameters), its invocations sharing out the data points; each keeps its sum, and the workgroup adds
// them in a tree in workgroup memory (a run-per-invocation trainer's runs: one invocation each). WGSL
// has no f64, so a sum is kept as (m − c)·2^k, compensated (float32 m and c, integer k): better than
// float32's precision, with float64's range, so a loss beyond 3.4e38 stays finite as it does on simd.
import { maxOf } from '../../../shared/numbers.js';
import { layoutOf, type Architecture } from '../model.js';

/** Invocations per workgroup: WebGPU's default limit, which every adapter grants. */
export const TEAM_SIZE = 256;
/** Runs per workgroup when a run is one invocation. */
export const RUNS_PER_GROUP = 64;

/** Codes of the optimizer kinds in the training shader's uniform. */
export const OPTIMIZER_CODE = { sgd: 0, momentum: 1, rmsprop: 2, 'momentum-rmsprop': 3, adam: 4 } as const;

/** Words of the training shader's per-run record (struct Run). */
export const RUN_WORDS = 9;
/** Field offsets in struct Run. */
export const RUN_FIELD = { lr: 0, mu: 1, rho: 2, eps: 3, b1: 4, b2: 5, group: 6, data: 7, frozen: 8 } as const;

/** Float32 constant, exactly (its bits). */
function f32(x: number): string {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0];
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

/** Target values per sample: one class index for softmax, else one per output. */
export function targetWidth(arch: Architecture): number {
  return arch.output === 'softmax' ? 1 : arch.sizes[arch.sizes.length - 1];
}

/** The mean's divisor: the samples (softmax), else samples × outputs. */
export function meanDivisor(arch: Architecture, count: number): number {
  return arch.output === 'softmax' ? count : count * arch.sizes[arch.sizes.length - 1];
}

/** Math every shader shares: mlp.c's float32 exp, tanh and sigmoid; log and log1p; the m·2^k sums. */
const MATH = /* wgsl */ `
// exp(x) = 2^k·e^r, k = round(x/ln 2), degree-7 Taylor in r (mlp.c's vexp, operation for operation).
fn exp_(x0: f32) -> f32 {
  let x = min(max(x0, -87.3), 88.3);
  let k = round(x * 1.44269504);
  var r = x - k * 0.693359375;
  r = r - k * -2.12194440e-4;
  var p = 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * bitcast<f32>(u32(i32(k) + 127) << 23u);
}
// tanh(±9) is ±1 in float32; clamping also keeps e^2z finite.
fn tanh_(v: f32) -> f32 {
  let c = clamp(v, -9.0, 9.0);
  let e = exp_(c + c);
  return (e - 1.0) / (e + 1.0);
}
fn sigmoid_(v: f32) -> f32 { return 1.0 / (1.0 + exp_(-v)); }
fn relu_(v: f32) -> f32 { return select(0.0, v, v > 0.0); }
// log x for finite x > 0: x = m·2^e, m in [√½, √2), log m = 2·atanh t, t = (m − 1)/(m + 1).
fn log_(x: f32) -> f32 {
  let f = frexp(x);
  var m = f.fract * 2.0;
  var e = f.exp - 1;
  if (m > 1.41421356) { m = m * 0.5; e = e + 1; }
  let t = (m - 1.0) / (m + 1.0);
  let t2 = t * t;
  let s = 1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 * (1.0 / 11.0)))));
  return f32(e) * 0.693147181 + 2.0 * t * s;
}
// log(1 + y) for y ≥ 0, accurate where 1 + y rounds (mlp.c's dlog1p).
fn log1p_(y: f32) -> f32 {
  let u = 1.0 + y;
  if (u == 1.0) { return y; }
  return log_(u) * (y / (u - 1.0));
}

// A sum kept as (m − c)·2^k, compensated (Kahan: c is what m's additions rounded off, negated);
// bad: 1 once a NaN was added, 2 once an infinity.
struct Acc { m: f32, c: f32, k: i32, bad: u32 }
fn acc_put(a: Acc, v: f32, k: i32) -> Acc {
  if (v == 0.0) { return a; }
  if (a.m == 0.0 && a.c == 0.0) { return Acc(v, 0.0, k, a.bad); }
  var m = a.m;
  var c = a.c;
  var e = a.k;
  var x = v;
  if (k > e) {
    m = ldexp(m, max(e - k, -300));
    c = ldexp(c, max(e - k, -300));
    e = k;
  } else {
    x = ldexp(v, max(k - e, -300));
  }
  let y = x - c;
  let t = m + y;
  return Acc(t, (t - m) - y, e, a.bad);
}
fn acc_flag(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  if ((bits & 0x7f800000u) != 0x7f800000u) { return 0u; }
  return select(2u, 1u, (bits & 0x7fffffu) != 0u);
}
fn acc_add(a: Acc, x: f32) -> Acc {
  let bad = acc_flag(x);
  if (bad != 0u) { return Acc(a.m, a.c, a.k, a.bad | bad); }
  let f = frexp(x);
  return acc_put(a, f.fract, f.exp);
}
fn acc_add_square(a: Acc, e: f32) -> Acc {
  let bad = acc_flag(e);
  if (bad != 0u) { return Acc(a.m, a.c, a.k, a.bad | bad); }
  let f = frexp(e);
  return acc_put(a, f.fract * f.fract, 2 * f.exp);
}
fn acc_merge(a: Acc, b: Acc) -> Acc {
  return acc_put(acc_put(Acc(a.m, a.c, a.k, a.bad | b.bad), b.m, b.k), -b.c, b.k);
}
`;

function activation(kind: string, v: string): string {
  switch (kind) {
    case 'relu':
      return `relu_(${v})`;
    case 'tanh':
      return `tanh_(${v})`;
    case 'sigmoid':
      return `sigmoid_(${v})`;
    default:
      return v;
  }
}

/** `d` times g'(z) written through a = g(z) (mlp.c's activation_slope; ReLU'(0) = 1). */
function slope(kind: string, d: string, z: string, a: string): string {
  switch (kind) {
    case 'relu':
      return `select(${d}, 0.0, ${z} < 0.0)`;
    case 'tanh':
      return `${d} * (1.0 - ${a} * ${a})`;
    case 'sigmoid':
      return `${d} * (${a} * (1.0 - ${a}))`;
    default:
      return d;
  }
}

export interface TrainShape {
  arch: Architecture;
  batch: number;
  /** Full-batch steps: a step's rows are 0…batch−1, no minibatch indices. */
  full: boolean;
  /** Invocations per run: 1, or TEAM_SIZE. */
  team: number;
}

/** Where each quantity of a run sits in its scratch (in values), and how many values a run needs. */
export function scratchLayout(arch: Architecture, batch: number) {
  const { sizes } = arch;
  const L = sizes.length - 1;
  let at = 0;
  const a: number[] = [];
  const z: number[] = [];
  for (let l = 0; l < L; l++) {
    a[l] = at;
    at += batch * sizes[l];
  }
  for (let l = 1; l <= L; l++) {
    z[l] = at;
    at += batch * sizes[l];
  }
  const t = at;
  at += batch * targetWidth(arch);
  const widest = maxOf(sizes.slice(1));
  const d = [at, at + batch * widest];
  at += 2 * batch * widest;
  const g = at;
  at += layoutOf(arch).count;
  return { a, z, t, d, g, size: at };
}

/** torch.optim's rule for parameter `pi` from its gradient `g`, in float32 (wasm/mlp.c's update). */
const APPLY = /* wgsl */ `
fn apply(pi: u32, g: f32, h: Run, at: u32) {
  let p = params[pi];
  let si = u.runs * NP + pi;
  switch (u.kind) {
    case 1u: {
      let b = h.mu * moments[pi] + g;
      moments[pi] = b;
      params[pi] = p - h.lr * b;
    }
    case 2u, 3u: {
      let v = h.rho * moments[si] + (1.0 - h.rho) * (g * g);
      moments[si] = v;
      var change = g / (sqrt(v) + h.eps);
      if (u.kind == 3u) { change = h.mu * moments[pi] + change; moments[pi] = change; }
      params[pi] = p - h.lr * change;
    }
    case 4u: {
      let c = (at * u.groups + h.group) * 2u;
      let m = h.b1 * moments[pi] + (1.0 - h.b1) * g;
      let v = h.b2 * moments[si] + (1.0 - h.b2) * (g * g);
      moments[pi] = m;
      moments[si] = v;
      params[pi] = p - corr[c] * (m / (sqrt(v) / corr[c + 1u] + h.eps));
    }
    default: {
      params[pi] = p - h.lr * g;
    }
  }
}
`;

/**
 * Steps u.stepFrom…u.stepFrom+u.stepCount−1 of a chunk for every run. Bindings: 0 the uniforms,
 * 1 parameters, 2 optimizer moments (first, then second), 3 scratch (a workgroup per run only),
 * 4 data (every dataset's x, then every dataset's y), 5 the runs' records, 6 Adam's bias corrections
 * per step and group, 7 the chunk's minibatch rows [steps][runs][batch] (not with full batches).
 *
 * A run per invocation keeps its activations in private memory and applies each layer's update as
 * soon as its gradient is summed (after δ of the layer below has used the old weights): the same
 * numbers as summing the whole gradient first, without storing it. A workgroup per run shares its
 * activations and gradient in scratch, with a barrier between the phases.
 */
export function trainShader({ arch, batch: B, full, team }: TrainShape): string {
  const layout = layoutOf(arch);
  const { sizes } = arch;
  const L = sizes.length - 1;
  const P = layout.count;
  const dIn = sizes[0];
  const dOut = sizes[L];
  const yw = targetWidth(arch);
  const s = scratchLayout(arch, B);
  const one = team === 1;
  const threads = one ? RUNS_PER_GROUP : team;
  // A run's value e (private for a team of one, else its slice of scratch) and parameter k
  // (interleaved across runs for a team of one, so neighbouring invocations read neighbouring words).
  const V = (e: string) => (one ? `v[${e}]` : `scratch[run * ${s.size}u + (${e})]`);
  const PI = (k: string) => (one ? `(${k}) * u.runs + run` : `run * ${P}u + (${k})`);
  const bar = one ? '' : 'storageBarrier();';
  const par = (count: number | string, body: string) => `for (var q = tid; q < ${count}u; q += ${one ? 1 : team}u) {\n${body}\n}`;
  const row = full ? 'smp' : `u32(rows[(at * u.runs + run) * ${B}u + smp])`;

  const forward: string[] = [];
  for (let l = 0; l < L; l++) {
    const { fanIn: fi, fanOut: fo, w, b } = layout.layers[l];
    const hidden = l + 1 < L;
    forward.push(`  // layer ${l + 1}: ${fi} → ${fo}
  ${par(B * fo, `    let smp = q / ${fo}u; let j = q % ${fo}u;
    var acc = params[${PI(`${b}u + j`)}];
    for (var i = 0u; i < ${fi}u; i++) { acc = acc + ${V(`${s.a[l]}u + smp * ${fi}u + i`)} * params[${PI(`${w}u + i * ${fo}u + j`)}]; }
    ${V(`${s.z[l + 1]}u + q`)} = acc;${hidden ? `\n    ${V(`${s.a[l + 1]}u + q`)} = ${activation(arch.activations[l], 'acc')};` : ''}`)}
  ${bar}`);
  }

  const zOut = (k: string) => V(`${s.z[L]}u + smp * ${dOut}u + ${k}`);
  const d0 = (k: string) => V(`${s.d[0]}u + smp * ${dOut}u + ${k}`);
  const scale = f32(1 / Math.fround(meanDivisor(arch, B)));
  let delta: string;
  if (arch.output === 'softmax') {
    delta = `    var mx = ${zOut('0u')};
    for (var k = 1u; k < ${dOut}u; k++) { mx = max(mx, ${zOut('k')}); }
    var sum = 0.0;
    for (var k = 0u; k < ${dOut}u; k++) { let e = exp_(${zOut('k')} - mx); ${d0('k')} = e; sum = sum + e; }
    let label = u32(${V(`${s.t}u + smp`)});
    for (var k = 0u; k < ${dOut}u; k++) { ${d0('k')} = (${d0('k')} / sum - select(0.0, 1.0, k == label)) * ${scale}; }`;
  } else {
    let dk: string;
    if (arch.loss === 'nll') dk = `(sigmoid_(z) - t) * ${scale}`;
    else if (arch.output === 'linear' && arch.loss === 'l2') dk = `(e + e) * ${scale}`;
    else {
      const grad = arch.loss === 'l2' ? 'e + e' : 'sign(e)';
      dk = arch.output === 'sigmoid' ? `((${grad}) * (o * (1.0 - o))) * ${scale}` : `(${grad}) * ${scale}`;
    }
    const o = arch.output === 'sigmoid' && arch.loss !== 'nll' ? 'sigmoid_(z)' : 'z';
    delta = `    for (var k = 0u; k < ${dOut}u; k++) {
      let z = ${zOut('k')}; let t = ${V(`${s.t}u + smp * ${yw}u + k`)};
      let o = ${o}; let e = o - t;
      ${d0('k')} = ${dk};
    }`;
  }

  const backward: string[] = [];
  for (let l = L - 1; l >= 0; l--) {
    const { fanIn: fi, fanOut: fo, w, b } = layout.layers[l];
    const dHere = s.d[(L - 1 - l) % 2];
    const dBelow = s.d[(L - l) % 2];
    // ∇W_ij = Σ_s a_si·δ_sj and ∇b_j = Σ_s δ_sj, in sample order: applied at once (a run per
    // invocation) or kept in scratch for the update phase.
    const gradient = par(fi * fo + fo, `    var g = 0.0;
    if (q < ${fi * fo}u) {
      let i = q / ${fo}u; let j = q % ${fo}u;
      for (var smp = 0u; smp < ${B}u; smp++) { g = g + ${V(`${s.a[l]}u + smp * ${fi}u + i`)} * ${V(`${dHere}u + smp * ${fo}u + j`)}; }
    } else {
      let j = q - ${fi * fo}u;
      for (var smp = 0u; smp < ${B}u; smp++) { g = g + ${V(`${dHere}u + smp * ${fo}u + j`)}; }
    }
    ${one ? `apply(${PI(`${w}u + q`)}, g, h, at);` : `${V(`${s.g + w}u + q`)} = g;`}`);
    const below =
      l > 0
        ? par(B * fi, `    let smp = q / ${fi}u; let i = q % ${fi}u;
    var acc = 0.0;
    for (var j = 0u; j < ${fo}u; j++) { acc = acc + params[${PI(`${w}u + i * ${fo}u + j`)}] * ${V(`${dHere}u + smp * ${fo}u + j`)}; }
    let zv = ${V(`${s.z[l]}u + q`)}; let av = ${V(`${s.a[l]}u + q`)};
    ${V(`${dBelow}u + q`)} = ${slope(arch.activations[l - 1], 'acc', 'zv', 'av')};`)
        : '';
    // b_l sits right after W_l (layout order), so W and b are one range of parameters from w.
    if (b !== w + fi * fo) throw new Error('trainShader: b_l must follow W_l in the layout');
    backward.push(`  // layer ${l + 1}: ${l > 0 ? 'δ of the layer below (with the old weights), then ' : ''}the gradient of W and b
  ${one ? `${below}\n  ${gradient}` : `${gradient}\n  ${below}`}
  ${bar}`);
  }

  const update = one
    ? ''
    : `    // the update, torch.optim's rule for every parameter
    ${par(P, `    apply(${PI('q')}, ${V(`${s.g}u + q`)}, h, at);`)}
    ${bar}`;

  return /* wgsl */ `${MATH}
const NP = ${P}u;
struct U { stepFrom: u32, stepCount: u32, runs: u32, groups: u32, yBase: u32, wgx: u32, kind: u32, n: u32 }
struct Run { lr: f32, mu: f32, rho: f32, eps: f32, b1: f32, b2: f32, group: u32, data: u32, frozen: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
${one ? '' : '@group(0) @binding(3) var<storage, read_write> scratch: array<f32>;'}
@group(0) @binding(4) var<storage, read> data: array<f32>;
@group(0) @binding(5) var<storage, read> runs: array<Run>;
@group(0) @binding(6) var<storage, read> corr: array<f32>;
${full ? '' : '@group(0) @binding(7) var<storage, read> rows: array<i32>;'}
${APPLY}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * u.wgx;
  let run = ${one ? `wg * ${threads}u + lid` : 'wg'};
  let tid = ${one ? '0u' : 'lid'};
  if (run >= u.runs) { return; }
  let h = runs[run];
  if (h.frozen != 0u) { return; }
  let xBase = h.data * u.n * ${dIn}u;
  let yBase = u.yBase + h.data * u.n * ${yw}u;
  ${one ? `var v: array<f32, ${s.g}>;` : ''}
  for (var st = 0u; st < u.stepCount; st++) {
    let at = u.stepFrom + st;
    // the step's rows: inputs into a[0], targets into t
    ${par(B * dIn, `    let smp = q / ${dIn}u; let i = q % ${dIn}u;
    ${V(`${s.a[0]}u + q`)} = data[xBase + ${row} * ${dIn}u + i];`)}
    ${par(B * yw, `    let smp = q / ${yw}u; let k = q % ${yw}u;
    ${V(`${s.t}u + q`)} = data[yBase + ${row} * ${yw}u + k];`)}
    ${bar}
${forward.join('\n')}
    // δ of the output layer (mlp.c's lanes_output_delta)
    ${par(B, `    let smp = q;\n${delta}`)}
    ${bar}
${backward.join('\n')}
${update}
  }
}
`;
}

/** Where the loss shader finds a point's parameters. */
export type PointSource =
  /** Points uploaded compact, [count][P]. */
  | 'points'
  /** A workgroup per run's trainer: its parameters [runs][P], each run on its own dataset. */
  | 'runs'
  /** A run-per-invocation trainer's parameters [P][runs], a workgroup per run (much data, large networks). */
  | 'runs-interleaved'
  /** The same parameters, each invocation summing its run's loss alone. */
  | 'runs-serial'
  /** Built in the shader: c + α·d1 + β·d2 (float32) into scratch, one slot per workgroup. */
  | 'plane';

/** Invocations per workgroup of the loss shader for n data points: a power of two, 64…256 (a run each for 'runs-serial'). */
export function lossThreads(n: number, source: PointSource = 'points'): number {
  if (source === 'runs-serial') return RUNS_PER_GROUP;
  return n >= 256 ? 256 : n >= 128 ? 128 : 64;
}

/** Words per point in the loss shader's result: m, c, k, flags. */
export const RESULT_WORDS = 4;

/**
 * The full-data loss of points u.first…u.first+u.count−1, as (m − c)·2^k per point ([count][4]: m,
 * c, k, flags) in binding 3. One point per workgroup, its invocations sharing out the data points and
 * adding their sums in a tree; or, for 'runs-serial', one per invocation, its sum compensated.
 * Bindings: 0 uniforms, 1 the parameters (or the plane: c, d1, d2), 2 data, 3 out; 'runs…': 4 the
 * runs' records; 'plane': 4 the points' α and β, 5 scratch.
 */
export function lossShader(arch: Architecture, source: PointSource, threads: number): string {
  const layout = layoutOf(arch);
  const { sizes } = arch;
  const L = sizes.length - 1;
  const P = layout.count;
  const dIn = sizes[0];
  const dOut = sizes[L];
  const yw = targetWidth(arch);
  const widest = maxOf(sizes.slice(1));
  const serial = source === 'runs-serial';
  const param = (k: string) => {
    switch (source) {
      case 'points':
      case 'runs':
        return `pts[g * ${P}u + ${k}]`;
      case 'runs-interleaved':
      case 'runs-serial':
        return `pts[(${k}) * u.stride + g]`;
      case 'plane':
        return `built[slot * ${P}u + ${k}]`;
    }
  };
  const layers: string[] = [];
  for (let l = 0; l < L; l++) {
    const { fanIn: fi, fanOut: fo, w, b } = layout.layers[l];
    const input = l === 0 ? (i: string) => `data[xBase + smp * ${dIn}u + ${i}]` : (i: string) => `h${(l - 1) % 2}[${i}]`;
    const value = l + 1 < L ? activation(arch.activations[l], 'acc') : 'acc';
    layers.push(`    for (var j = 0u; j < ${fo}u; j++) {
      var acc = ${param(`${b}u + j`)};
      for (var i = 0u; i < ${fi}u; i++) { acc = acc + ${input('i')} * ${param(`${w}u + i * ${fo}u + j`)}; }
      h${l % 2}[j] = ${value};
    }`);
  }
  const out = `h${(L - 1) % 2}`;
  let loss: string;
  if (arch.output === 'softmax') {
    loss = `    var mx = ${out}[0];
    for (var k = 1u; k < ${dOut}u; k++) { mx = max(mx, ${out}[k]); }
    var sum = 0.0;
    for (var k = 0u; k < ${dOut}u; k++) { sum = sum + exp_(${out}[k] - mx); }
    let label = u32(data[yBase + smp]);
    total = acc_add(total, mx + log_(sum) - ${out}[label]);`;
  } else {
    let term: string;
    if (arch.loss === 'nll') term = 'total = acc_add(total, relu_(z) - t * z + log1p_(exp_(-abs(z))));';
    else {
      const o = arch.output === 'sigmoid' ? 'sigmoid_(z)' : 'z';
      term = arch.loss === 'l2' ? `total = acc_add_square(total, ${o} - t);` : `total = acc_add(total, abs(${o} - t));`;
    }
    loss = `    for (var k = 0u; k < ${dOut}u; k++) {
      let z = ${out}[k]; let t = data[yBase + smp * ${yw}u + k];
      ${term}
    }`;
  }
  const runs = source === 'runs' || source === 'runs-interleaved' || serial;
  const write = (acc: string) => `result[4u * g] = bitcast<u32>(${acc}.m);
    result[4u * g + 1u] = bitcast<u32>(${acc}.c);
    result[4u * g + 2u] = bitcast<u32>(${acc}.k);
    result[4u * g + 3u] = ${acc}.bad;`;
  const reduce = serial
    ? `  ${write('total')}`
    : `  redM[lid] = total.m;
  redC[lid] = total.c;
  redK[lid] = total.k;
  redB[lid] = total.bad;
  for (var half = ${threads / 2}u; half > 0u; half = half >> 1u) {
    workgroupBarrier();
    if (lid < half) {
      let merged = acc_merge(Acc(redM[lid], redC[lid], redK[lid], redB[lid]), Acc(redM[lid + half], redC[lid + half], redK[lid + half], redB[lid + half]));
      redM[lid] = merged.m;
      redC[lid] = merged.c;
      redK[lid] = merged.k;
      redB[lid] = merged.bad;
    }
  }
  if (lid == 0u) {
    let sum = Acc(redM[0], redC[0], redK[0], redB[0]);
    ${write('sum')}
  }`;
  return /* wgsl */ `${MATH}
struct U { count: u32, first: u32, stride: u32, wgx: u32, n: u32, yBase: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read> data: array<f32>;
@group(0) @binding(3) var<storage, read_write> result: array<u32>;
${runs ? 'struct Run { lr: f32, mu: f32, rho: f32, eps: f32, b1: f32, b2: f32, group: u32, data: u32, frozen: u32 }\n@group(0) @binding(4) var<storage, read> runs: array<Run>;' : ''}
${source === 'plane' ? '@group(0) @binding(4) var<storage, read> coords: array<f32>;\n@group(0) @binding(5) var<storage, read_write> built: array<f32>;' : ''}
${serial ? '' : `var<workgroup> redM: array<f32, ${threads}>;\nvar<workgroup> redC: array<f32, ${threads}>;\nvar<workgroup> redK: array<i32, ${threads}>;\nvar<workgroup> redB: array<u32, ${threads}>;`}

@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let slot = ${serial ? `(wid.x + wid.y * u.wgx) * ${threads}u + lid` : 'wid.x + wid.y * u.wgx'};
  if (slot >= u.count) { return; }
  let g = u.first + slot;
${
  source === 'plane'
    ? `  let al = coords[2u * g];
  let be = coords[2u * g + 1u];
  for (var k = lid; k < ${P}u; k += ${threads}u) { built[slot * ${P}u + k] = (pts[k] + al * pts[${P}u + k]) + be * pts[${2 * P}u + k]; }
  storageBarrier();`
    : ''
}
  let xBase = ${runs ? `runs[g].data * u.n * ${dIn}u` : '0u'};
  let yBase = u.yBase + ${runs ? `runs[g].data * u.n * ${yw}u` : '0u'};
  var total = Acc(0.0, 0.0, 0, 0u);
  var h0: array<f32, ${widest}>;
  var h1: array<f32, ${widest}>;
  for (var smp = ${serial ? '0u' : 'lid'}; smp < u.n; smp += ${serial ? 1 : threads}u) {
${layers.join('\n')}
${loss}
  }
${reduce}
}
`;
}

/** A point's loss from the shader's m, c, k and flags, divided into the mean. */
export function decodeLoss(m: number, c: number, k: number, bad: number, divisor: number): number {
  if (bad & 1) return NaN;
  if (bad & 2) return Infinity;
  return ((m - c) * 2 ** k) / divisor;
}
