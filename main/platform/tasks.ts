// Work that runs in a thread of its own so that main's thread, which serves every page, never waits on
// it (imports, exports, a cluster folder's merge and status). Main starts the thread with its task and a
// cancel flag, relays its progress, and gets its result or its refusal, as the same InputError the
// thread threw. The thread reads the flag between two steps of its work; it never waits for a message.
import { parentPort, workerData, type ResourceLimits, type Worker } from 'node:worker_threads';
import { InputError } from '../../shared/errors.js';
import { startThread } from './threads.js';

/** What a task thread sends main besides its own requests. */
type FromTask<P> =
  | { type: 'progress'; pass: P; done: number; total: number }
  | { type: 'done'; value: unknown }
  | { type: 'error'; name: string; message: string };

export interface TaskOptions<P> {
  signal?: AbortSignal;
  onProgress?: (pass: P, done: number, total: number) => void;
  /** The JavaScript heap the thread may hold, and what running out of it means to the user. */
  heap?: { limits: ResourceLimits; outOfMemory: () => Error };
  /** Answers a request of the thread's own (any other message type): `reply` posts back, `fail` ends the task. */
  onRequest?: (message: { type: string }, reply: (answer: unknown) => void, fail: (e: unknown) => void) => void;
}

function errorOf(m: { name: string; message: string }): Error {
  if (m.name === 'InputError') return new InputError(m.message);
  return Object.assign(new Error(m.message), { name: m.name });
}

const cancelled = () => Object.assign(new Error('cancelled'), { name: 'AbortError' });

/** Runs `task` in a thread on the module `name` beside `base` (see startThread); its result. */
export function runTask<T, P = string>(base: string, name: string, task: unknown, o: TaskOptions<P> = {}): Promise<T> {
  if (o.signal?.aborted) return Promise.reject(cancelled());
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = startThread(base, name, { workerData: { task, cancel }, ...(o.heap ? { resourceLimits: o.heap.limits } : {}) });
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => Atomics.store(cancel, 0, 1);
    o.signal?.addEventListener('abort', stop, { once: true });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', stop);
      f();
      void worker.terminate();
    };
    const fail = (e: unknown) => settle(() => reject(e));
    worker.on('message', (m: FromTask<P> | { type: string }) => {
      if (m.type === 'progress') {
        const p = m as Extract<FromTask<P>, { type: 'progress' }>;
        o.onProgress?.(p.pass, p.done, p.total);
      } else if (m.type === 'done') settle(() => resolve((m as { value: T }).value));
      else if (m.type === 'error') fail(errorOf(m as { name: string; message: string }));
      else o.onRequest?.(m, (answer) => worker.postMessage(answer), fail);
    });
    worker.on('error', (e) => fail(o.heap && (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? o.heap.outOfMemory() : e));
    worker.on('exit', (code) => fail(new Error(`the ${name} thread stopped (exit code ${code})`)));
  });
}

/** Progress messages at most this often (ms): the job queue throttles its events further. */
const REPORT_MS = 50;

/**
 * The thread's side: performs the task it was started with and posts its result or its refusal.
 * `watch` reports progress (a few times a second at most) and throws, between two steps of the work,
 * once main has raised the cancel flag.
 */
export function serveTask<Task, P>(perform: (task: Task, watch: (pass: P, done: number, total: number) => void, port: NonNullable<typeof parentPort>) => Promise<unknown> | unknown): void {
  if (!parentPort) throw new Error('a task runs only in a worker thread');
  const port = parentPort;
  const { task, cancel } = workerData as { task: Task; cancel: Int32Array };
  let reported = 0;
  const watch = (pass: P, done: number, total: number) => {
    // An Error named AbortError, not a DOMException: the store reads an error's `code` as SQLite's (a string).
    if (Atomics.load(cancel, 0) !== 0) throw cancelled();
    const now = performance.now();
    if (now - reported < REPORT_MS && done < total) return;
    reported = now;
    port.postMessage({ type: 'progress', pass, done, total } satisfies FromTask<P>);
  };
  Promise.resolve()
    .then(() => perform(task, watch, port))
    .then(
      (value) => port.postMessage({ type: 'done', value } satisfies FromTask<P>),
      (e: unknown) => {
        const error = e instanceof Error ? e : new Error(String(e));
        port.postMessage({ type: 'error', name: error.name, message: error.message } satisfies FromTask<P>);
      },
    );
}
