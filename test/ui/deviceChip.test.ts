/// <reference lib="dom" />
// The header's device chip and its GPU/CPU toggle (issue 21, point 3), in Debian's Chromium against
// the bridge: the chip says where the form's next run computes, from main's `lab.devices`; the toggle
// sets the kernel, and the run stored next records it. The bridge runs in plain Node, so its GPU is
// Dawn's (in CI SwiftShader, with the variables .ci/run sets); without an adapter this file fails in
// CI and is skipped otherwise, like test/engine/gpu.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevicesView, ExperimentView, JobInfo, Result } from '../../shared/api.js';
import { gpuDeviceOrReason } from '../../main/engine/gpu/device.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const found = await gpuDeviceOrReason();
const hasAdapter = 'device' in found;
const required = ['true', '1'].includes(process.env.CI ?? '') || Boolean(process.env.LANDSCAPE_LAB_REQUIRE_GPU);
if (!hasAdapter && !required) console.warn(`test/ui/deviceChip.test.ts: skipped (${found.reason}); run with the variables .ci/run sets`);
if (!hasAdapter && required) {
  it('has a WebGPU adapter in the bridge (CI: SwiftShader, with the variables .ci/run sets)', () => {
    throw new Error(`no WebGPU adapter: ${'reason' in found ? found.reason : ''}`);
  });
}

describe.runIf(hasAdapter)('the device chip', () => {
  let lab: BrowserLab;
  let adapterName = '';
  beforeAll(async () => {
    lab = await openBrowserLab('device-chip', 1);
    const devices = (await lab.service.call('lab.devices', {})) as Result<DevicesView>;
    if (!devices.ok || !('adapters' in devices.value.webgpu)) throw new Error('lab.devices lists no adapter');
    // The app's main thread does not load tfjs to list its backends (half a second blocked).
    expect(devices.value.tfjs).toEqual([]);
    adapterName = devices.value.webgpu.adapters[0].name;
  }, 60_000);
  afterAll(() => lab?.close());

  /** The experiment the next run job stores, once it is done. */
  async function nextRun(before: number): Promise<ExperimentView> {
    await expect.poll(() => lab.updates.filter((u) => u.kind === 'run' && u.state === 'done').length, { timeout: 120_000 }).toBe(before + 1);
    const job = lab.updates.filter((u: JobInfo) => u.kind === 'run' && u.state === 'done').pop()!;
    const view = (await lab.service.call('experiments.get', { id: job.experimentId as number })) as Result<ExperimentView>;
    if (!view.ok) throw new Error(view.error.message);
    return view.value;
  }

  it('shows the CPU, toggles to the GPU the bridge found, and the next run records the kernel chosen', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1500, height: 950 } });
    const chip = page.getByTestId('device-chip');
    const toggle = page.getByTestId('device-toggle');
    // auto on the CPU: the simd kernel loads here.
    await expect.poll(() => chip.textContent(), { timeout: 30_000 }).toBe('CPU · simd');
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    expect(await toggle.textContent()).toBe('Use GPU');

    await page.getByLabel('steps', { exact: true }).fill('300');
    await toggle.click();
    expect(await chip.textContent()).toBe(`GPU · ${adapterName}`);
    expect(await toggle.textContent()).toBe('Use CPU');
    expect(await page.getByLabel('kernel', { exact: true }).inputValue()).toBe('gpu');
    await page.getByTestId('run').click();
    const onGpu = await nextRun(0);
    expect(onGpu.kernel).toBe('gpu');
    expect(onGpu.backend).toBe(`webgpu: ${adapterName}`);
    expect((onGpu.config as { kernel: string }).kernel).toBe('gpu');
    await expect.poll(() => page.getByTestId('experiment-detail').textContent(), { timeout: 60_000 }).toContain(`kernel gpu (webgpu: ${adapterName})`);

    // Back to the CPU: auto, which never trains on a GPU.
    await toggle.click();
    expect(await chip.textContent()).toBe('CPU · simd');
    expect(await page.getByLabel('kernel', { exact: true }).inputValue()).toBe('auto');
    await page.getByTestId('run').click();
    const onCpu = await nextRun(1);
    expect(['js', 'simd']).toContain(onCpu.kernel);
    expect((onCpu.config as { kernel: string }).kernel).toBe('auto');

    // The surfaces the app computes after each run follow the toggle too (their kernel is stored with them).
    const surfaceKernels = async (id: number) => {
      const view = (await lab.service.call('experiments.get', { id })) as Result<ExperimentView>;
      return view.ok ? view.value.surfaces.map((s) => s.kernel) : [];
    };
    await expect.poll(() => surfaceKernels(onCpu.id), { timeout: 120_000 }).toHaveLength(3);
    expect(await surfaceKernels(onGpu.id)).toEqual(['gpu', 'gpu', 'gpu']);
    expect((await surfaceKernels(onCpu.id)).filter((k) => k === 'gpu')).toEqual([]);
    expect(errors).toEqual([]);
  }, 300_000);

  it("computes a stored CPU run's surface on the GPU when asked to (jobs.landscape's kernel, what the toggle sends)", async () => {
    const list = (await lab.service.call('experiments.list', {})) as Result<{ id: number; kernel: string }[]>;
    const cpu = list.ok ? list.value.find((e) => e.kernel !== 'gpu') : undefined;
    if (!cpu) throw new Error('no CPU experiment stored by the test before');
    const started = (await lab.service.call('jobs.landscape', { experimentId: cpu.id, center: 'trained', axes: 'random', res: 8, span: 1, kernel: 'gpu' })) as Result<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    expect((await lab.finished(started.value.id)).state).toBe('done');
    const view = (await lab.service.call('experiments.get', { id: cpu.id })) as Result<ExperimentView>;
    const last = view.ok ? view.value.surfaces.at(-1) : undefined;
    expect([last?.kernel, last?.backend]).toEqual(['gpu', `webgpu: ${adapterName}`]);
  }, 120_000);

  it('offers no GPU where main finds no adapter, and says why', async () => {
    process.env.LANDSCAPE_LAB_WEBGPU = 'off';
    try {
      const { page, errors } = await lab.open();
      const toggle = page.getByTestId('device-toggle');
      await expect.poll(() => toggle.getAttribute('title'), { timeout: 30_000 }).toBe('No GPU: LANDSCAPE_LAB_WEBGPU=off hides the adapters');
      expect(await toggle.isDisabled()).toBe(true);
      expect(await page.getByTestId('device-chip').textContent()).toBe('CPU · simd');
      expect(errors).toEqual([]);
    } finally {
      delete process.env.LANDSCAPE_LAB_WEBGPU;
    }
  }, 60_000);
});
