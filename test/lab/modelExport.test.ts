// A trained network out as a TensorFlow.js LayersModel: loaded back by tfjs itself from the files on
// disk, it predicts what the engine predicts.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, type ExperimentConfigInput } from '../../shared/config.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { architectureOf } from '../../main/engine/model.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { saveRun } from '../../main/lab/experiments.js';
import type { RunResult } from '../../main/engine/results.js';
import { exportLayersModel, type LayersModelJson } from '../../main/lab/modelExport.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore } from '../../main/store/index.js';
import { APP_VERSION } from '../../main/platform/version.js';
import { config, train } from '../support/helpers.js';

let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lab-model-'));
  await tf.setBackend('cpu');
});

async function trained(over: Partial<ExperimentConfigInput>): Promise<RunResult> {
  return train(config({ steps: 300, kernel: 'js', ...over }));
}

/** A file's bytes as an ArrayBuffer of its own (a Buffer may be a view into a larger pool). */
function fileBytes(path: string): ArrayBuffer {
  const bin = readFileSync(path);
  return bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
}

/** tfjs's own loader, fed the two files as they are on disk. */
async function load(dir: string): Promise<{ json: LayersModelJson; model: tf.LayersModel }> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as LayersModelJson;
  const weightData = fileBytes(join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs: json.weightsManifest[0].weights, weightData }),
  );
  return { json, model };
}

/** Largest difference between tfjs's and the engine's outputs on the data, relative to the outputs' scale. */
function relativeGap(r: RunResult, model: tf.LayersModel): number {
  const { x, n } = r.data;
  const ours = new JsNet(architectureOf(r.config)).predict(r.params.final, 0, x, n);
  const theirs = tf.tidy(() => (model.predict(tf.tensor2d(x, [n, 1])) as tf.Tensor).dataSync());
  expect(theirs.length).toBe(ours.length);
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < ours.length; i++) {
    gap = Math.max(gap, Math.abs(theirs[i] - ours[i]));
    scale = Math.max(scale, Math.abs(ours[i]));
  }
  return gap / scale;
}

describe('exportLayersModel', () => {
  it("writes the tutorial's trained 1→2→1 ReLU network as a Keras Sequential tfjs loads and agrees with", async () => {
    const r = await trained({});
    const dir = join(root, 'relu');
    expect(exportLayersModel(r.config, r.params.final, dir)).toEqual({ model: join(dir, 'model.json'), weights: join(dir, 'weights.bin') });
    const { json, model } = await load(dir);
    expect([json.format, json.generatedBy, json.convertedBy]).toEqual(['layers-model', `Landscape Lab ${APP_VERSION}`, null]);
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.config.layers.map((l) => [l.class_name, l.config.name, l.config.units, l.config.activation, l.config.use_bias])).toEqual([
      ['Dense', 'dense_1', 2, 'relu', true],
      ['Dense', 'dense_2', 1, 'linear', true],
    ]);
    expect(json.modelTopology.config.layers[0].config.batch_input_shape).toEqual([null, 1]);
    expect(json.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'dense_1/kernel', shape: [1, 2], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
          { name: 'dense_2/kernel', shape: [2, 1], dtype: 'float32' },
          { name: 'dense_2/bias', shape: [1], dtype: 'float32' },
        ],
      },
    ]);
    expect(new Float32Array(fileBytes(join(dir, 'weights.bin')))).toEqual(r.params.final);
    expect(model.layers.map((l) => l.getWeights().map((w) => w.shape))).toEqual([[[1, 2], [2]], [[2, 1], [1]]]);
    expect(relativeGap(r, model)).toBeLessThan(1e-6);
  });

  it('a 2-hidden-layer tanh network: kernels [fan_in, fan_out] in our row-major layout', async () => {
    const r = await trained({ data: { target: { kind: 'sine' }, n: 64 }, model: { hidden: [5, 3], activation: 'tanh' }, init: { kind: 'xavier' } });
    const dir = join(root, 'tanh');
    exportLayersModel(r.config, r.params.final, dir);
    const { json, model } = await load(dir);
    expect(json.modelTopology.config.layers.map((l) => [l.config.units, l.config.activation])).toEqual([[5, 'tanh'], [3, 'tanh'], [1, 'linear']]);
    expect(json.weightsManifest[0].weights.map((w) => w.shape)).toEqual([[1, 5], [5], [5, 3], [3], [3, 1], [1]]);
    expect(relativeGap(r, model)).toBeLessThan(1e-6);
  });

  it('a softmax classifier on given points: the output layer maps to a Keras softmax over 3 units', async () => {
    const x = Array.from({ length: 30 }, (_, i) => i / 10 - 1.5);
    const points = { kind: 'points' as const, x, y: x.map((v) => (v < -0.5 ? 0 : v < 0.5 ? 1 : 2)) };
    const r = await trained({ data: { target: points }, model: { hidden: [4], activation: 'sigmoid', output: 'softmax', outputs: 3 }, loss: 'nll', init: { kind: 'xavier' } });
    const dir = join(root, 'softmax');
    exportLayersModel(r.config, r.params.final, dir);
    const { json, model } = await load(dir);
    expect(json.modelTopology.config.layers.map((l) => [l.config.units, l.config.activation])).toEqual([[4, 'sigmoid'], [3, 'softmax']]);
    expect(relativeGap(r, model)).toBeLessThan(1e-6);
  });

  it('refuses to overwrite, a file for a folder, the wrong parameter count and a diverged run', async () => {
    const c = config();
    const params = Float32Array.from([1, -1, 0, 0.5, 1, 1, 0]);
    const dir = join(root, 'taken');
    exportLayersModel(c, params, dir);
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    expect(() => exportLayersModel(c, params, dir)).toThrow(new InputError(`${join(dir, 'model.json')} already exists; choose another folder`));
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(before);
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => exportLayersModel(c, params, file)).toThrow(new InputError(`${file} is a file, not a folder`));
    expect(() => exportLayersModel(c, params.subarray(1), join(root, 'short'))).toThrow(new InputError('params: this network has 7 parameters, got 6'));
    expect(() => exportLayersModel(c, Float32Array.from([NaN, 0, 0, 0, 0, 0, 0]), join(root, 'nan'))).toThrow(
      new InputError('params: not all finite (the run diverged); there is no network to export'),
    );
  });
});

describe('landscape-lab export-model (the built command)', () => {
  const bin = fileURLToPath(new URL('../../bin/landscape-lab.js', import.meta.url));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('exports a stored run that tfjs loads and that predicts what the stored parameters predict', async () => {
    if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) throw new Error('build first: npm run build (npm test does)');
    writeFileSync(join(root, 'cfg.json'), JSON.stringify({ data: { target: { kind: 'hinge' }, n: 50 }, steps: 200, kernel: 'js' }));
    const ran = cli('run', 'cfg.json', '--db', 'lab.db', '--json');
    expect(ran.code).toBe(0);
    const stored = JSON.parse(ran.out) as { experimentId: number; params: { init: number[]; final: number[] } };
    const exported = cli('export-model', String(stored.experimentId), '--db', 'lab.db', '--out', 'cli-model');
    expect(exported).toEqual({
      code: 0,
      out: `exported the trained network of experiment ${stored.experimentId} run 0 to cli-model/model.json and cli-model/weights.bin\n`,
      err: '',
    });
    expect(new Float32Array(fileBytes(join(root, 'cli-model', 'weights.bin')))).toEqual(Float32Array.from(stored.params.final));
    const { model } = await load(join(root, 'cli-model'));
    const x = tf.tensor2d([-1, 0, 0.25, 1], [4, 1]);
    const ours = new JsNet(architectureOf(config())).predict(Float32Array.from(stored.params.final), 0, Float32Array.from([-1, 0, 0.25, 1]), 4);
    const theirs = (model.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < 4; i++) expect(theirs[i]).toBeCloseTo(ours[i], 5);

    expect(cli('export-model', String(stored.experimentId), '--db', 'lab.db', '--out', 'init-model', '--at', 'init').code).toBe(0);
    expect(new Float32Array(fileBytes(join(root, 'init-model', 'weights.bin')))).toEqual(Float32Array.from(stored.params.init));
    const again = cli('export-model', String(stored.experimentId), '--db', 'lab.db', '--out', 'cli-model');
    expect([again.code, again.err]).toEqual([2, `landscape-lab: --out: ${join('cli-model', 'model.json')} already exists; choose another folder\n`]);
  });
});

describe('over the LabApi', () => {
  it('exports a stored run as the two files tfjs loads, and turns a CSV into points', async () => {
    const store = openStore(join(root, 'api.sqlite'));
    const pool = new WorkerPool(1);
    try {
      const service = new LabChannels(new Lab({ database: 'test', store, pool }), 'browser');
      const r = await trained({ model: { hidden: [3] } });
      const id = saveRun(store, r);
      const out = await service.call('experiments.exportModel', { id });
      if (!out.ok) throw new Error(out.error.message);
      const files = out.value as { model: string; weights: Uint8Array };
      expect(files.weights.byteLength).toBe(r.params.final.byteLength);
      const dir = join(root, 'api-model');
      exportLayersModel(r.config, r.params.final, dir);
      expect(files.model).toBe(readFileSync(join(dir, 'model.json'), 'utf8'));
      writeFileSync(join(dir, 'weights.bin'), files.weights);
      const { model } = await load(dir);
      expect(relativeGap(r, model)).toBeLessThan(1e-6);

      const csv = await service.call('data.importCsv', { text: 'x,y\n0,1\n0.5,2\n', name: 'two.csv' });
      expect(csv.ok && [...(csv.value as { x: Float64Array }).x]).toEqual([0, 0.5]);
      const bad = await service.call('data.importCsv', { text: 'x,y\n0,1\n0.5,abc\n', name: 'bad.csv' });
      expect(bad).toEqual({ ok: false, error: { code: 'invalid', message: 'bad.csv line 3: y is not a number ("abc")' } });
    } finally {
      await pool.close();
      store.db.close();
    }
  });
});
