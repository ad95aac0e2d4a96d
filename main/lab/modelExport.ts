// A network as a TensorFlow.js LayersModel: model.json (a Keras Sequential of Dense layers and the
// weights manifest) beside weights.bin, loadable with tf.loadLayersModel and convertible to Keras.
// Our parameter layout — per layer W_l row-major [fan_in][fan_out], then b_l — is Keras's Dense
// kernel [fan_in, fan_out] then bias, in that order, so weights.bin is the parameter vector's bytes.
import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type ExperimentConfig, type HiddenActivation, type OutputKind } from '../../shared/config.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import { APP_VERSION } from '../platform/version.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Keras activation names; ours already are, the table says so once. */
const KERAS_ACTIVATION: Record<HiddenActivation | OutputKind, string> = {
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  linear: 'linear',
  softmax: 'softmax',
};

interface DenseLayer {
  class_name: 'Dense';
  config: {
    name: string;
    units: number;
    activation: string;
    use_bias: true;
    trainable: true;
    batch_input_shape?: [null, number];
    dtype?: 'float32';
  };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: DenseLayer[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** model.json for a config's network (the weights go in weights.bin, in manifest order). */
export function layersModelJson(config: ExperimentConfig): LayersModelJson {
  const arch = architectureOf(config);
  const layers: DenseLayer[] = [];
  const weights: WeightSpec[] = [];
  layoutOf(arch).layers.forEach(({ fanIn, fanOut }, l) => {
    const name = `dense_${l + 1}`;
    const activation = l < arch.activations.length ? arch.activations[l] : arch.output;
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        units: fanOut,
        activation: KERAS_ACTIVATION[activation],
        use_bias: true,
        trainable: true,
        ...(l === 0 ? { batch_input_shape: [null, fanIn] as [null, number], dtype: 'float32' as const } : {}),
      },
    });
    weights.push({ name: `${name}/kernel`, shape: [fanIn, fanOut], dtype: 'float32' }, { name: `${name}/bias`, shape: [fanOut], dtype: 'float32' });
  });
  return {
    format: 'layers-model',
    generatedBy: `Landscape Lab ${APP_VERSION}`,
    convertedBy: null,
    // keras_version and backend as tfjs-layers 4.22 (our tfjs) writes them: the format this file follows.
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights }],
  };
}

/** Writes beside the target, then renames: a crash never leaves a half-written file under its name. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Refuses a folder that is a file or already holds an export: nothing is ever overwritten. */
export function checkExportFolder(dir: string): { model: string; weights: string } {
  if (dir === '') throw new InputError('--out: must name a folder (got "")');
  let link = false;
  try {
    link = lstatSync(dir).isSymbolicLink();
  } catch {
    // Nothing there: the folder is made.
  }
  if (link && !existsSync(dir)) throw new InputError(`${dir} is a symbolic link that leads nowhere; give a folder (it is made if it does not exist)`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`${dir} is a file, not a folder`);
  const paths = { model: join(dir, MODEL_FILE), weights: join(dir, WEIGHTS_FILE) };
  for (const path of Object.values(paths)) {
    let there = existsSync(path);
    try {
      there ||= lstatSync(path) !== undefined;
    } catch {
      // Not there, not even as a link.
    }
    if (there) throw new InputError(`${path} already exists; choose another folder`);
  }
  return paths;
}

/**
 * Writes `dir`/model.json and `dir`/weights.bin for `params` (creating `dir` if needed). Refuses to
 * overwrite either file, and parameters that are not finite (a diverged run). Returns the two paths.
 */
/** The two files of a LayersModel: model.json (with the weights manifest) and weights.bin. */
export function layersModelFiles(config: ExperimentConfig, params: Float32Array): { model: LayersModelJson; weights: Uint8Array } {
  const count = layoutOf(architectureOf(config)).count;
  if (params.length !== count) throw new InputError(`params: this network has ${count} parameters, got ${params.length}`);
  if (!params.every(Number.isFinite)) throw new InputError('params: not all finite (the run diverged); there is no network to export');
  // Float32Array bytes are little-endian on every platform Node and tfjs run on, as weights.bin wants.
  return { model: layersModelJson(config), weights: new Uint8Array(params.buffer.slice(params.byteOffset, params.byteOffset + params.byteLength)) };
}

export function exportLayersModel(config: ExperimentConfig, params: Float32Array, dir: string): { model: string; weights: string } {
  const files = layersModelFiles(config, params);
  const paths = checkExportFolder(dir);
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomically(paths.weights, files.weights);
    writeAtomically(paths.model, `${JSON.stringify(files.model, null, 2)}\n`);
  } catch (e) {
    throw new InputError(`${dir}: cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
  }
  return paths;
}
