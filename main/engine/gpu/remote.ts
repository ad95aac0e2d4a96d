// The gpu kernel in another process, behind the same kernel contract: the app's hidden compute window
// (Chromium's WebGPU) serves it over a message port, and main holds a proxy that forwards each call.
// Main stays the owner: the training loop (minibatch order, recording, snapshots, divergence, cancel)
// runs in main against the proxy; the window only computes what it is asked, one request at a time.
//
// The protocol is plain data that structured clone carries (typed arrays are copied): requests
// { id, op, … } and answers { id, ok, value | error }. Datasets are sent once per request, each run
// naming its dataset by index (a batch's runs often share one; the kernel packs the distinct ones).
// Nothing here is Electron's or a page's: serveGpuKernel runs in the window (computePage.ts) and in
// tests, the proxy in main and in tests, over any GpuPort.
import type { Dataset } from '../data.js';
import type { Plane, Trainer, TrainerBatch } from '../kernel.js';
import { layoutOf, type Architecture } from '../model.js';
import type { Hyper } from '../optimizers.js';
import { describeAdapter, GpuDeviceLostError, type GpuAdapterInfo, type GpuKernel, type GpuKernelSource, type NoAdapter } from './handle.js';

/** One end of a message channel: Electron's MessagePortMain, a page's MessagePort, Node's, or a test's bridge. */
export interface GpuPort {
  post(message: unknown): void;
  /** Calls `listener` with each message that arrives, in order. */
  listen(listener: (message: unknown) => void): void;
  /** Calls `listener` once the other end is gone (the window closed or crashed). */
  onClose(listener: () => void): void;
  close(): void;
}

/** A batch as it crosses: the distinct datasets, and the index of each run's. */
interface WireBatch {
  arch: Architecture;
  data: Dataset[];
  dataOf: number[];
  params: Float32Array;
  hypers: Hyper[];
  batchSize: number;
}

export type GpuRequest =
  | { id: number; op: 'open' }
  | { id: number; op: 'adapters' }
  | { id: number; op: 'trainer'; batch: WireBatch }
  | { id: number; op: 'run'; trainer: number; steps: number; indices: Int32Array | null }
  | { id: number; op: 'fullLosses'; trainer: number }
  | { id: number; op: 'params'; trainer: number }
  | { id: number; op: 'freeze'; trainer: number; run: number }
  | { id: number; op: 'dispose'; trainer: number }
  | { id: number; op: 'lossesAt'; arch: Architecture; data: Dataset; points: Float32Array; count: number }
  | { id: number; op: 'lossesOnPlane'; arch: Architecture; data: Dataset; plane: Plane; alpha: Float64Array; beta: Float64Array };

export type GpuAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

/** What `open` answers: the adapter of the window's device, or why there is none. */
export type OpenAnswer = { adapter: GpuAdapterInfo } | NoAdapter;

/** Plain data only: a Dataset may carry more than its arrays (a class, cached fields). */
function wireData(d: Dataset): Dataset {
  return { x: d.x, y: d.y, n: d.n, dIn: d.dIn };
}

function toWire(batch: TrainerBatch): WireBatch {
  const distinct = [...new Set(batch.datasets)];
  const index = new Map(distinct.map((d, k) => [d, k]));
  return {
    arch: batch.arch,
    data: distinct.map(wireData),
    dataOf: batch.datasets.map((d) => index.get(d)!),
    params: batch.params,
    hypers: [...batch.hypers],
    batchSize: batch.batchSize,
  };
}

function fromWire(w: WireBatch): TrainerBatch {
  return { arch: w.arch, datasets: w.dataOf.map((k) => w.data[k]), params: w.params, hypers: w.hypers, batchSize: w.batchSize };
}

// ---- the window's side ----

/**
 * Answers requests arriving on `port` with the gpu kernel `load` gives (opened on the first `open`,
 * and again after it failed). Requests are handled one at a time, in the order they arrive.
 */
export function serveGpuKernel(port: GpuPort, load: () => Promise<GpuKernel | NoAdapter>, adapters: () => Promise<GpuAdapterInfo[] | NoAdapter>): void {
  let kernel: GpuKernel | null = null;
  const trainers = new Map<number, Trainer>();
  let nextTrainer = 1;
  let queue: Promise<void> = Promise.resolve();

  const need = async (): Promise<GpuKernel> => {
    if (kernel) return kernel;
    const k = await load();
    if (!('lossesAt' in k)) throw new Error(k.reason);
    return (kernel = k);
  };
  const trainer = (id: number): Trainer => {
    const t = trainers.get(id);
    if (!t) throw new Error(`the compute window has no trainer ${id}`);
    return t;
  };

  const perform = async (r: GpuRequest): Promise<unknown> => {
    switch (r.op) {
      case 'open': {
        const k = kernel ?? (await load());
        if (!('lossesAt' in k)) return k satisfies NoAdapter;
        kernel = k;
        return { adapter: k.adapter } satisfies OpenAnswer;
      }
      case 'adapters':
        return adapters();
      case 'trainer': {
        const t = await (await need()).trainer(fromWire(r.batch));
        trainers.set(nextTrainer, t);
        return nextTrainer++;
      }
      case 'run':
        await trainer(r.trainer).run(r.steps, r.indices);
        return null;
      case 'fullLosses':
        return trainer(r.trainer).fullLosses();
      case 'params':
        return trainer(r.trainer).params();
      case 'freeze':
        trainer(r.trainer).freeze(r.run);
        return null;
      case 'dispose':
        trainers.get(r.trainer)?.dispose();
        trainers.delete(r.trainer);
        return null;
      case 'lossesAt':
        return (await need()).lossesAt(r.arch, r.data, r.points, r.count);
      case 'lossesOnPlane': {
        const k = await need();
        if (!k.lossesOnPlane) throw new Error('the gpu kernel builds no plane points');
        return k.lossesOnPlane(r.arch, r.data, r.plane, r.alpha, r.beta);
      }
    }
  };

  port.listen((message) => {
    const r = message as GpuRequest;
    queue = queue.then(async () => {
      let answer: GpuAnswer;
      try {
        answer = { id: r.id, ok: true, value: await perform(r) };
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        // A lost device is opened anew on the next request (the kernel asks its keeper each time).
        answer = { id: r.id, ok: false, error: { name: error.name, message: error.message } };
      }
      port.post(answer);
    });
  });
}

// ---- main's side ----

/** Requests over a port, each answered once; every pending one fails if the port closes. */
class Requests {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  closed: string | null = null;

  constructor(private readonly port: GpuPort) {
    port.listen((message) => {
      const a = message as GpuAnswer;
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (a.ok) p.resolve(a.value);
      else p.reject(remoteError(a.error));
    });
    port.onClose(() => this.fail('the compute window closed'));
  }

  /** Fails every pending request (and every later one) with a lost-device error. */
  fail(why: string): void {
    this.closed ??= why;
    for (const p of this.pending.values()) p.reject(lostWindow(why));
    this.pending.clear();
  }

  ask<T>(request: DistributiveOmit<GpuRequest, 'id'>): Promise<T> {
    if (this.closed) return Promise.reject(lostWindow(this.closed));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.post({ ...request, id });
    });
  }

  /** A request whose answer nobody waits for (freeze, dispose): its failure shows on the next read. */
  tell(request: DistributiveOmit<GpuRequest, 'id'>): void {
    this.ask(request).catch(() => undefined);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function lostWindow(why: string): GpuDeviceLostError {
  return new GpuDeviceLostError(`the GPU device was lost (${why}); this job stopped, the next one opens a new device`);
}

/** The window's error as this side's: a lost device stays a GpuDeviceLostError (the job fails, it is not cancelled). */
function remoteError(e: { name: string; message: string }): Error {
  const error = e.name === 'GpuDeviceLostError' ? new GpuDeviceLostError(e.message) : new Error(e.message);
  if (e.name !== 'GpuDeviceLostError' && e.name !== 'Error') error.name = e.name;
  return error;
}

class RemoteTrainer implements Trainer {
  constructor(
    private readonly requests: Requests,
    private readonly id: number,
  ) {}

  run(steps: number, indices: Int32Array | null): Promise<void> | void {
    if (steps <= 0) return;
    // Structured clone copies a view's whole buffer: send only the steps' rows.
    return this.requests.ask<null>({ op: 'run', trainer: this.id, steps, indices: indices ? indices.slice() : null }).then(() => undefined);
  }

  fullLosses(): Promise<Float64Array> {
    return this.requests.ask<Float64Array>({ op: 'fullLosses', trainer: this.id });
  }

  async params(out?: Float32Array): Promise<Float32Array> {
    const values = await this.requests.ask<Float32Array>({ op: 'params', trainer: this.id });
    if (!out) return values;
    out.set(values);
    return out;
  }

  freeze(run: number): void {
    this.requests.tell({ op: 'freeze', trainer: this.id, run });
  }

  dispose(): void {
    if (!this.requests.closed) this.requests.tell({ op: 'dispose', trainer: this.id });
  }
}

/** The proxy for the gpu kernel served on `port` (serveGpuKernel), on the adapter `open` named. */
function remoteKernel(requests: Requests, adapter: GpuAdapterInfo): GpuKernel {
  return {
    name: 'gpu',
    backend: `webgpu: ${describeAdapter(adapter)}`,
    adapter,
    trainer: async (batch) => new RemoteTrainer(requests, await requests.ask<number>({ op: 'trainer', batch: toWire(batch) })),
    lossesAt: (arch, data, points, count) => requests.ask<Float64Array>({ op: 'lossesAt', arch, data: wireData(data), points: points.slice(0, count * layoutOf(arch).count), count }),
    lossesOnPlane: (arch, data, plane, alpha, beta) =>
      requests.ask<Float64Array>({ op: 'lossesOnPlane', arch, data: wireData(data), plane: { center: plane.center, d1: plane.d1, d2: plane.d2 }, alpha, beta }),
  };
}

/**
 * The gpu kernel of another process, reached through the ports `connect` opens (a new one after the
 * last closed: the window is started again).
 */
export function remoteGpuSource(name: string, connect: () => Promise<GpuPort>): GpuKernelSource {
  let current: Promise<Requests> | null = null;
  const requests = (): Promise<Requests> => {
    const open = current;
    if (open) {
      return open.then((r) => {
        if (!r.closed) return r;
        if (current === open) current = null;
        return requests();
      });
    }
    const started = connect().then((port) => new Requests(port));
    current = started;
    started.catch(() => {
      if (current === started) current = null;
    });
    return started;
  };
  return {
    name,
    async kernel(): Promise<GpuKernel | NoAdapter> {
      const r = await requests();
      const answer = await r.ask<OpenAnswer>({ op: 'open' });
      if (!('adapter' in answer)) return answer;
      return remoteKernel(r, answer.adapter);
    },
    async adapters(): Promise<GpuAdapterInfo[] | NoAdapter> {
      return (await requests()).ask<GpuAdapterInfo[] | NoAdapter>({ op: 'adapters' });
    },
  };
}
