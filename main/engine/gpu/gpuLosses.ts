// The gpu kernel's losses at many points (surfaces, interpolations, a run's full-data loss): one
// point per workgroup, uploaded compact or built on a plane in the shader.
import type { Dataset } from '../data.js';
import type { Plane } from '../kernel.js';
import { layoutOf, type Architecture } from '../model.js';
import { lossShader, lossThreads, meanDivisor, RESULT_WORDS } from './wgsl.js';
import { COPY_SRC, UNIFORM, STORAGE, DISPATCH_WORK, macsOf, type DeviceOf, Gpu, packData, decodeAll } from './gpuContext.js';

/** Full-data loss at `count` points: uploaded compact, or built on the plane in the shader. */
async function evaluate(device: DeviceOf, arch: Architecture, data: Dataset, count: number, source: 'points' | 'plane', points: Float32Array | null, plane: { values: Float32Array; coords: Float32Array } | null): Promise<Float64Array> {
  const out = new Float64Array(count);
  if (count === 0) return out;
  const gpu = await Gpu.current(device);
  const P = layoutOf(arch).count;
  const pipeline = await gpu.pipeline(lossShader(arch, source, lossThreads(data.n)));
  const packed = packData([data], arch);
  gpu.fits(packed.values.byteLength, 'the data');
  const perDispatch = Math.max(1, Math.floor(DISPATCH_WORK / Math.max(1, data.n * macsOf(arch))));
  // Points (or built points) held at once: within one binding, and no more than 4,096.
  const held = Math.max(1, Math.min(4096, count, Math.floor(gpu.maxBinding / (P * 4))));
  const divisor = meanDivisor(arch, data.n);
  const owned: GPUBuffer[] = [];
  try {
    const { uniform, dataBuf } = await gpu.scoped('a loss evaluation', () => ({
      uniform: gpu.buffer(32, UNIFORM),
      dataBuf: gpu.buffer(packed.values.byteLength, STORAGE, packed.values),
    }));
    owned.push(uniform, dataBuf);
    for (let start = 0; start < count; start += held) {
      const m = Math.min(held, count - start);
      const buffers = await gpu.scoped(`${m} points`, () => {
        const result = gpu.buffer(m * 4 * RESULT_WORDS, STORAGE | COPY_SRC);
        if (source === 'points') return [gpu.buffer(m * P * 4, STORAGE, points!.subarray(start * P, (start + m) * P)), result];
        const coords = plane!.coords.subarray(2 * start, 2 * (start + m));
        return [gpu.buffer(plane!.values.byteLength, STORAGE, plane!.values), result, gpu.buffer(coords.byteLength, STORAGE, coords), gpu.buffer(Math.min(perDispatch, m) * P * 4, STORAGE)];
      });
      owned.push(...buffers);
      const [pts, result, ...rest] = buffers;
      const bindGroup = gpu.bindGroup(pipeline, [uniform, pts, dataBuf, result, ...rest]);
      for (let first = 0; first < m; first += perDispatch) {
        const slice = Math.min(perDispatch, m - first);
        const grid = gpu.grid(slice);
        gpu.write(uniform, 0, Uint32Array.of(slice, first, 0, grid[0], data.n, packed.yBase, 0, 0));
        gpu.dispatch(pipeline, bindGroup, grid);
      }
      decodeAll(await gpu.read(result, m * 4 * RESULT_WORDS), m, divisor, out, start);
      for (const b of buffers) b.destroy();
      owned.length = 2;
    }
  } finally {
    for (const b of owned) b.destroy();
  }
  return out;
}

export function lossesAt(device: DeviceOf, arch: Architecture, data: Dataset, points: Float32Array, count: number): Promise<Float64Array> {
  return evaluate(device, arch, data, count, 'points', points, null);
}

/** The plane's points are built in float32 on the device: c + α·d1 + β·d2, α, β, d1 and d2 rounded to float32. */
export function lossesOnPlane(device: DeviceOf, arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Promise<Float64Array> {
  const P = plane.center.length;
  const values = new Float32Array(3 * P);
  values.set(plane.center);
  values.set(plane.d1, P);
  values.set(plane.d2, 2 * P);
  const coords = new Float32Array(2 * alpha.length);
  for (let k = 0; k < alpha.length; k++) {
    coords[2 * k] = alpha[k];
    coords[2 * k + 1] = beta[k];
  }
  return evaluate(device, arch, data, alpha.length, 'plane', null, { values, coords });
}
