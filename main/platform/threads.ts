// Starting a worker thread on one of our modules, from the built JavaScript or (tests, tsx) from the
// TypeScript sources, which a thread can load only through tsx.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A thread running the module `name` beside the caller (`base` is the caller's import.meta.url): the
 * .js file when the caller is built (tsc's output, or the CLI bundle, whose entries sit beside its
 * chunks), else the .ts file through tsx. `workerData` is what it starts on.
 */
export function startThread(base: string, name: string, options: Pick<WorkerOptions, 'workerData' | 'resourceLimits'> = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, base).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { ...options, eval: true });
}
