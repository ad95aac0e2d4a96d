// What can compute here, and the gpu kernel through the command line: `devices` names what there is,
// `--kernel gpu` gives the simd kernel's numbers to float32 rounding on the adapter there is, and is
// refused in one line, storing nothing, where there is none. The adapter is SwiftShader's in CI (.ci/run
// sets its two variables); without one, the tests that need it skip locally and fail in CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
const example = join(root, 'examples', 'hinge-adam.json');
const required = ['true', '1'].includes(process.env.CI ?? '') || Boolean(process.env.LANDSCAPE_LAB_REQUIRE_GPU);
let dir: string;

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data'), ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Devices {
  cores: number;
  simd: { available: boolean };
  tfjs: { backend: string; available: boolean }[];
  webgpu: { adapters: { name: string; isFallbackAdapter: boolean; limits: { maxComputeInvocationsPerWorkgroup: number } }[] } | { reason: string };
}

let devices: Devices;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-devices-'));
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  const r = cli(['devices', '--json']);
  expect(r.code, r.err).toBe(0);
  devices = JSON.parse(r.out) as Devices;
});

const adapters = () => ('adapters' in devices.webgpu ? devices.webgpu.adapters : []);

describe('landscape-lab devices', () => {
  it('lists the cores, the simd kernel and the tfjs backends that load', () => {
    expect(devices.cores).toBe(availableParallelism());
    expect(devices.simd.available).toBe(true);
    expect(devices.tfjs.map((t) => t.backend)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(devices.tfjs.find((t) => t.backend === 'cpu')?.available).toBe(true);
  });

  it('names each WebGPU adapter, a software one as such, or says why there is none', () => {
    const text = cli(['devices']);
    expect(text.code).toBe(0);
    if (!('adapters' in devices.webgpu)) {
      expect(required, `no adapter: ${devices.webgpu.reason}`).toBe(false);
      expect(text.out).toMatch(/^webgpu +no adapter \(.+\)$/m);
      return;
    }
    expect(adapters().length).toBeGreaterThan(0);
    for (const a of adapters()) {
      expect(a.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(64);
      expect(text.out).toContain(a.name);
      if (a.isFallbackAdapter) expect(a.name).toMatch(/\(software\)$/);
    }
  });

  it('hides every adapter when told to, and the gpu kernel is then refused in one line with nothing stored', () => {
    const env = { LANDSCAPE_LAB_WEBGPU: 'off' };
    const listed = JSON.parse(cli(['devices', '--json'], env).out) as Devices;
    expect(listed.webgpu).toEqual({ reason: 'LANDSCAPE_LAB_WEBGPU=off hides the adapters' });
    const db = join(dir, 'refused.sqlite');
    const r = cli(['run', example, '--kernel', 'gpu', '--db', db], env);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toEqual([expect.stringMatching(/^landscape-lab: kernel gpu: LANDSCAPE_LAB_WEBGPU=off hides the adapters; .+/)]);
    expect(r.out).toBe('');
    expect(existsSync(db)).toBe(false);
  });
});

describe('run --kernel gpu', () => {
  it('gives the simd kernel\'s numbers to float32 rounding on the adapter there is, and says which adapter ran', (ctx) => {
    if (adapters().length === 0) {
      expect(required).toBe(false);
      return ctx.skip();
    }
    const gpu = cli(['run', example, '--kernel', 'gpu', '--json', '--no-save']);
    expect(gpu.code, gpu.err).toBe(0);
    const simd = cli(['run', example, '--kernel', 'simd', '--json', '--no-save']);
    const [a, b] = [JSON.parse(gpu.out), JSON.parse(simd.out)];
    expect(a.kernel).toBe('gpu');
    expect(a.backend).toMatch(/^webgpu: /);
    expect(adapters().some((ad) => a.backend === `webgpu: ${ad.name}`)).toBe(true);
    expect(a.status).toBe(b.status);
    expect(a.loss.steps).toEqual(b.loss.steps);
    for (const key of ['init', 'final'] as const) {
      a.params[key].forEach((v: number, i: number) => expect(Math.abs(v - b.params[key][i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    }
    // Full-data losses are float32 sums (of 500 squared residuals): relative 1e-4, as simd's own bound against js.
    a.loss.values.forEach((v: number, k: number) => expect(Math.abs(v - b.loss.values[k])).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(v), 1e-6)));
  });
});
