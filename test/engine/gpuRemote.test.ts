// The gpu kernel in another process (main/engine/gpu/remote.ts): main's proxy drives the kernel that
// the app's hidden compute window serves (main/engine/gpu/page/computePage.ts), over a message port.
//
// 1. In Node, both ends in this process on Dawn's device: the protocol alone. The proxy must give the
//    numbers of the kernel called directly, bit for bit (same device, same shaders).
// 2. The real compute page, built by vite as the app builds it, in headless Chromium with WebGPU on
//    SwiftShader (`--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader`; Electron cannot run here):
//    the training loop in Node drives it through the proxy, and its numbers are compared with the Node
//    host's (Dawn's `webgpu`, on the same SwiftShader). The header of each test says what is equal.
//
// Needs the adapter gpu.test.ts needs (LD_LIBRARY_PATH=/usr/lib/chromium
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, as .ci/run sets); fails without one in
// CI, is skipped with that hint otherwise.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../main/engine/data.js';
import { InputError } from '../../shared/errors.js';
import { gpuAdapters, gpuDevice, gpuDeviceOrReason, GpuDeviceLostError, loadGpuKernel, setGpuKernelSource, type GpuKernel } from '../../main/engine/gpu/device.js';
import { createGpuKernel } from '../../main/engine/gpu/gpuKernel.js';
import { remoteGpuSource, serveGpuKernel } from '../../main/engine/gpu/remote.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { layoutOf, type Architecture } from '../../main/engine/model.js';
import { hyperOf } from '../../main/engine/optimizers.js';
import { Rng } from '../../main/engine/prng.js';
import { planePoints } from '../../main/engine/surface.js';
import { trainBatch, type BatchSpec, type RunOutcome } from '../../main/engine/train.js';
import { launchChromium, WEBGPU_ARGS } from '../support/browser.js';
import { nodePorts, pagePort } from '../support/gpuPorts.js';
import { config, randomDataset, singleRunBatch } from '../support/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const found = await gpuDeviceOrReason();
const hasAdapter = 'device' in found;
const required = ['true', '1'].includes(process.env.CI ?? '') || Boolean(process.env.LANDSCAPE_LAB_REQUIRE_GPU);
if (!hasAdapter && !required) console.warn(`test/engine/gpuRemote.test.ts: skipped (${found.reason}); run with the variables .ci/run sets`);
if (!hasAdapter && required) {
  it('has a WebGPU adapter in Node (CI: SwiftShader, with the variables .ci/run sets)', () => {
    throw new Error(`no WebGPU adapter: ${'reason' in found ? found.reason : ''}`);
  });
}

function randomInit(arch: Architecture, rng: Rng, scale = 0.7): Float32Array {
  return Float32Array.from({ length: layoutOf(arch).count }, () => scale * rng.normal());
}

/** The training cases: each of the kernel's ways to train (a run per invocation, a workgroup per run, full batches). */
function trainingCases(): [string, BatchSpec][] {
  const rng = new Rng(21, 'remote');
  const arch: Architecture = { sizes: [2, 6, 5, 1], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' };
  const datasets = [randomDataset(arch, 80, rng), randomDataset(arch, 80, rng)];
  const inits = Array.from({ length: 4 }, () => randomInit(arch, rng));
  const adam = [0.01, 0.03, 0.002, 0.02].map((lr) => hyperOf(config({ optimizer: { kind: 'adam', lr } }).optimizer));
  const runs = inits.map((init, r) => ({ seed: 100 + r, data: datasets[r % 2], init, hyper: adam[r] }));
  const batch = (batchSize: number): BatchSpec => ({ arch, batchSize, steps: 40, recordEvery: 5, snapshots: 4, runs });
  const tutorial = singleRunBatch({ model: { hidden: [16] }, optimizer: { kind: 'momentum', lr: 0.01 }, steps: 60, data: { target: { kind: 'hinge' }, n: 100, noise: 0.05 } }, 10, 3);
  return [
    ['4 Adam runs, a run per invocation, batch 10 of 80', batch(10)],
    ['4 Adam runs, a workgroup per run, batch 60 of 80', batch(60)],
    ['the tutorial network, momentum, batch 3', tutorial],
  ];
}

/** A plane of the 2→5→3→1 net and a 12² grid on it. */
function surfaceCase() {
  const rng = new Rng(22, 'remote surface');
  const arch: Architecture = { sizes: [2, 5, 3, 1], activations: ['tanh', 'relu'], output: 'linear', loss: 'l2' };
  const data: Dataset = randomDataset(arch, 150, rng);
  const P = layoutOf(arch).count;
  const plane = { center: randomInit(arch, rng, 1), d1: Float64Array.from({ length: P }, () => rng.normal()), d2: Float64Array.from({ length: P }, () => rng.normal()) };
  const res = 12;
  const alpha = Float64Array.from({ length: res * res }, (_, g) => -0.8 + (1.6 * (g % res)) / (res - 1));
  const beta = Float64Array.from({ length: res * res }, (_, g) => -0.8 + (1.6 * Math.floor(g / res)) / (res - 1));
  return { arch, data, plane, alpha, beta };
}

function expectIdentical(a: RunOutcome, b: RunOutcome): void {
  expect(b.status).toBe(a.status);
  expect(Array.from(b.loss.steps)).toEqual(Array.from(a.loss.steps));
  expect(Array.from(b.loss.values)).toEqual(Array.from(a.loss.values));
  expect(Array.from(b.final)).toEqual(Array.from(a.final));
  expect(Array.from(b.snapshots.params)).toEqual(Array.from(a.snapshots.params));
}

describe.runIf(hasAdapter)('the gpu kernel through its port protocol, both ends in Node (Dawn)', () => {
  let local: GpuKernel;
  let remote: GpuKernel;
  beforeAll(async () => {
    local = await loadGpuKernel();
    const [mainEnd, windowEnd] = nodePorts();
    serveGpuKernel(windowEnd, loadGpuKernel, async () => [local.adapter]);
    const k = await remoteGpuSource('node test', async () => mainEnd).kernel();
    if (!('lossesAt' in k)) throw new Error(k.reason);
    remote = k;
  });

  it('names the served adapter, as the kernel called directly does', () => {
    expect(remote.name).toBe('gpu');
    expect(remote.backend).toBe(local.backend);
    expect(remote.adapter).toEqual(local.adapter);
  });

  it('trains every case bit for bit as the kernel called directly (losses, final parameters, snapshots)', async () => {
    for (const [, spec] of trainingCases()) {
      const direct = await trainBatch(local, spec);
      const proxied = await trainBatch(remote, spec);
      expect(proxied.length).toBe(direct.length);
      direct.forEach((run, r) => expectIdentical(run, proxied[r]));
    }
  });

  it('computes a surface and losses at points bit for bit as the kernel called directly', async () => {
    const { arch, data, plane, alpha, beta } = surfaceCase();
    const direct = await local.lossesOnPlane!(arch, data, plane, alpha, beta);
    const proxied = await remote.lossesOnPlane!(arch, data, plane, alpha, beta);
    expect(proxied).toBeInstanceOf(Float64Array);
    expect(Array.from(proxied)).toEqual(Array.from(direct));
    const points = planePoints(plane, alpha, beta);
    expect(Array.from(await remote.lossesAt(arch, data, points, 20))).toEqual(Array.from(await local.lossesAt(arch, data, points, 20)));
  });

  it("the window's errors come back as errors; a closed port fails what waits as a lost device, and the source connects anew", async () => {
    const arch: Architecture = { sizes: [1, 2, 1], activations: ['relu'], output: 'linear', loss: 'l2' };
    const data = randomDataset(arch, 10, new Rng(1));
    const [mainEnd, windowEnd] = nodePorts();
    let connections = 0;
    const source = remoteGpuSource('node test', async () => {
      connections++;
      if (connections === 1) return mainEnd;
      const [m, w] = nodePorts();
      serveGpuKernel(w, loadGpuKernel, async () => []);
      return m;
    });
    // The first window answers `open` and nothing else: it is closed while a request waits.
    windowEnd.listen((message) => {
      const r = message as { id: number; op: string };
      if (r.op === 'open') windowEnd.post({ id: r.id, ok: true, value: { adapter: local.adapter } });
      else windowEnd.close();
    });
    const k = (await source.kernel()) as GpuKernel;
    const error = await k.lossesAt(arch, data, new Float32Array(7), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuDeviceLostError);
    expect((error as Error).message).toBe('the GPU device was lost (the compute window closed); this job stopped, the next one opens a new device');
    const again = (await source.kernel()) as GpuKernel;
    expect(connections).toBe(2);
    const expected = jsKernel.losses(arch, data, Float32Array.of(1, -1, 0, 0, 1, 1, 0), 1);
    const got = await again.lossesAt(arch, data, Float32Array.of(1, -1, 0, 0, 1, 1, 0), 1);
    expect(Math.abs(got[0] - expected[0])).toBeLessThan(1e-6 * expected[0]);
    // A request the window cannot do comes back as its error.
    const trainer = await again.trainer({ arch, datasets: [data], params: new Float32Array(7), hypers: [hyperOf(config({ optimizer: { kind: 'sgd', lr: 0.1 } }).optimizer)], batchSize: 10 });
    await expect(Promise.resolve(trainer.run(1, Int32Array.of(0)))).rejects.toThrow(/takes no minibatch rows/);
    trainer.dispose();
  });
});

describe.runIf(hasAdapter)('the kernel source the app sets (lab/gpuHost.ts in Electron)', () => {
  it('takes loadGpuKernel and gpuAdapters to the window; a window that does not start is refused in one line', async () => {
    const local = await loadGpuKernel();
    const [mainEnd, windowEnd] = nodePorts();
    // The window's own kernel is on its own device (here Dawn's), never the source being tested.
    serveGpuKernel(windowEnd, () => createGpuKernel(gpuDevice), async () => [{ ...local.adapter, source: 'test window' }]);
    setGpuKernelSource(remoteGpuSource('test window', async () => mainEnd));
    try {
      const k = await loadGpuKernel();
      expect(k).not.toBe(local);
      expect(k.backend).toBe(local.backend);
      expect(await gpuAdapters()).toEqual([{ ...local.adapter, source: 'test window' }]);
      const arch: Architecture = { sizes: [1, 2, 1], activations: ['relu'], output: 'linear', loss: 'l2' };
      const data = randomDataset(arch, 10, new Rng(2));
      const point = Float32Array.of(1, -1, 0, 0, 1, 1, 0);
      expect(Array.from(await k.lossesAt(arch, data, point, 1))).toEqual(Array.from(await local.lossesAt(arch, data, point, 1)));

      setGpuKernelSource({ name: 'broken', kernel: () => Promise.reject(new Error('ERR_FILE_NOT_FOUND (-6) loading dist/compute/compute.html')), adapters: async () => [] });
      const refused = await loadGpuKernel().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as Error).message).toBe('kernel gpu: the compute window did not start (ERR_FILE_NOT_FOUND (-6) loading dist/compute/compute.html); use kernel simd');
    } finally {
      setGpuKernelSource(null);
    }
    expect((await loadGpuKernel()).adapter.source).toBe('dawn');
  });
});

/** Serves `dir` on 127.0.0.1 (WebGPU needs a secure context: a loopback page is one). */
async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}/compute.html` };
}

describe.runIf(hasAdapter)("the compute page in headless Chromium (WebGPU on SwiftShader) against the Node host (Dawn)", () => {
  let out = '';
  let server: Server | null = null;
  let browser: Browser | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  let local: GpuKernel;
  let remote: GpuKernel;

  beforeAll(async () => {
    local = await loadGpuKernel();
    // The page as the app builds it (vite.compute.config.ts), into a folder of this test's own.
    out = mkdtempSync(join(tmpdir(), 'lab-compute-'));
    const { build } = await import('vite');
    await build({ configFile: join(root, 'vite.compute.config.ts'), root: join(root, 'main/engine/gpu/page'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    const served = await serve(out);
    server = served.server;
    browser = await launchChromium(WEBGPU_ARGS);
    page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(served.url);
    const port = await pagePort(page);
    const k = await remoteGpuSource('chromium page', async () => port).kernel();
    if (!('lossesAt' in k)) throw new Error(`the page found no adapter: ${k.reason}`);
    remote = k;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("opens Chromium's own WebGPU: a SwiftShader adapter named by the chromium source, software", () => {
    expect(remote.adapter.source).toBe('chromium');
    expect(remote.adapter.architecture).toBe('swiftshader');
    expect(remote.adapter.isFallbackAdapter).toBe(true);
    expect(remote.backend).toBe('webgpu: google swiftshader (software)');
    expect(remote.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(pageErrors).toEqual([]);
  });

  it('trains every case to the same numbers as the Node host, bit for bit: recorded losses, final parameters, snapshots', async () => {
    for (const [, spec] of trainingCases()) {
      const node = await trainBatch(local, spec);
      const chromium = await trainBatch(remote, spec);
      expect(chromium.length).toBe(node.length);
      node.forEach((run, r) => {
        expect(run.loss.values[run.loss.values.length - 1]).not.toBe(run.loss.values[0]);
        expectIdentical(run, chromium[r]);
      });
    }
  }, 120_000);

  it('computes a 12² surface and losses at points to the same numbers as the Node host, bit for bit', async () => {
    const { arch, data, plane, alpha, beta } = surfaceCase();
    const node = await local.lossesOnPlane!(arch, data, plane, alpha, beta);
    const chromium = await remote.lossesOnPlane!(arch, data, plane, alpha, beta);
    expect(chromium).toHaveLength(144);
    expect(Math.min(...chromium)).toBeGreaterThan(1e-3);
    expect(Array.from(chromium)).toEqual(Array.from(node));
    // And both are float64's surface to 1e-5 relative (gpu.test.ts's bound).
    const expected = jsKernel.losses(arch, data, planePoints(plane, alpha, beta), alpha.length);
    chromium.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-5 * expected[k]));
    const points = planePoints(plane, alpha, beta);
    expect(Array.from(await remote.lossesAt(arch, data, points, 30))).toEqual(Array.from(await local.lossesAt(arch, data, points, 30)));
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
