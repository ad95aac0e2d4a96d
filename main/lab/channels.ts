// The service behind every door that carries the LabApi (Electron IPC, the browser bridge): it
// validates each payload with the shared schemas, calls the façade, and turns every failure into a
// typed error value. Nothing that fails validation reaches the façade.
import { CHANNELS, type Channel, type LabEvent, type LabInfo, type MarkerName, type Responses, type Result } from '../../shared/api.js';
import { formatIssue, parseConfig } from '../../shared/config.js';
import { splitDataset } from '../engine/data.js';
import { experimentBoundary } from './boundary.js';
import { clusterStatusView, importCluster, prepareCluster, sweepShards } from './cluster/app.js';
import { parseCsvData } from './csvData.js';
import { paramsAt, runOf } from './experiments.js';
import { curvatureHandlers } from './curvatureService.js';
import { experimentFit } from './fit.js';
import { layersModelFiles } from './modelExport.js';
import { backprop } from './basics/backprop.js';
import { costs } from './basics/costs.js';
import { neurons } from './basics/neurons.js';
import { regions } from './basics/regions.js';
import { cachedSweepStatistics } from './sweepStats.js';
import { errorOf, JobManager } from './jobs.js';
import type { WorkerPool } from '../workers/pool.js';
import { APP_READER, exportExperiments, parseExport } from '../store/exchange.js';
import type { ExperimentStore } from '../store/experiments.js';
import { APP_VERSION } from '../platform/version.js';

type Handlers = { [C in Channel]: (payload: never) => Promise<Responses[C]> | Responses[C] };

export class LabService {
  readonly jobs: JobManager;
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly handlers: Handlers;

  constructor(
    private readonly store: ExperimentStore,
    private readonly pool: WorkerPool,
    private readonly info: Omit<LabInfo, 'version' | 'workers'>,
  ) {
    this.jobs = new JobManager(pool, store);
    this.jobs.onUpdate((job) => {
      this.emit({ type: 'job', job });
      if (job.state === 'done' || job.state === 'cancelled') this.emit({ type: 'experiments-changed' });
    });
    const changed = <T>(v: T): T => {
      this.emit({ type: 'experiments-changed' });
      return v;
    };
    this.handlers = {
      'lab.info': () => ({ ...this.info, version: APP_VERSION, workers: this.pool.size }),
      'experiments.list': () => store.list(),
      'experiments.get': (p: { id: number; run?: number }) => store.get(p.id, { sweepRun: p.run ?? 0 }),
      'experiments.rename': (p: { id: number; name: string }) => changed((store.rename(p.id, p.name), null)),
      'experiments.notes': (p: { id: number; notes: string; tags?: string[] }) => changed((store.setNotes(p.id, p.notes, p.tags), null)),
      'experiments.delete': (p: { id: number }) => changed((store.delete(p.id), null)),
      'experiments.export': (p: { ids: number[] }) => exportExperiments(store, p.ids, APP_READER),
      'experiments.import': (p: { text: string }) => changed(store.importExperiments(parseExport(p.text, 'import'))),
      // An optimum they must search for is searched on the pool, off main's thread.
      'experiments.fit': (p: { id: number; run: number; at: MarkerName; points: number }) => experimentFit(store, p.id, p, { pool }),
      'experiments.sweepStats': (p: { id: number }) => cachedSweepStatistics(store, p.id),
      'experiments.boundary': (p: { id: number; run: number; at: MarkerName; res: number }) => experimentBoundary(store, p.id, p, { pool }),
      'data.importCsv': (p: { text: string; name: string }) => {
        const { x, y, x2 } = parseCsvData(p.text, p.name);
        return { x: Float64Array.from(x), y: Float64Array.from(y), ...(x2 ? { x2: Float64Array.from(x2) } : {}) };
      },
      'experiments.exportModel': async (p: { id: number; run: number; at: MarkerName }) => {
        const run = runOf(store, p.id, p.run);
        const files = layersModelFiles(run.config, await paramsAt(run, p.at, { store, id: p.id }, { pool }));
        return { model: `${JSON.stringify(files.model, null, 2)}\n`, weights: files.weights };
      },
      'data.preview': (p: { config: unknown }) => {
        const { all, isTest } = splitDataset(parseConfig(p.config));
        return { x: all.x, y: all.y, dIn: all.dIn, test: isTest };
      },
      'jobs.run': (p) => this.jobs.start('run', p),
      'jobs.landscape': (p) => this.jobs.start('landscape', p),
      'jobs.interpolate': (p) => this.jobs.start('interpolate', p),
      'jobs.sweep': (p) => this.jobs.start('sweep', p),
      'jobs.resumeSweep': (p) => this.jobs.start('sweep', p),
      'cluster.prepare': (p) => prepareCluster(store, p),
      'cluster.status': (p: { dir: string }) => clusterStatusView(store, p.dir),
      'cluster.import': (p: { dir: string }) => changed(importCluster(store, p.dir)),
      'experiments.shards': (p: { id: number }) => sweepShards(store, p.id),
      'jobs.reproduce': (p) => this.jobs.start('reproduce', p),
      'jobs.cancel': (p: { jobId: string }) => (this.jobs.cancel(p.jobId), null),
      'jobs.list': () => this.jobs.list(),
      'basics.neurons': () => neurons(),
      'basics.costs': (p) => costs(p),
      'basics.backprop': (p) => backprop(p),
      'basics.regions': (p) => regions(p),
      ...curvatureHandlers(store, pool, changed),
    };
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LabEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Validates and handles one call. Never throws: every outcome is a Result. */
  async call(channel: string, payload: unknown): Promise<Result<unknown>> {
    if (!Object.hasOwn(CHANNELS, channel)) return { ok: false, error: { code: 'invalid', message: `channel: no such channel "${String(channel).slice(0, 60)}"` } };
    const name = channel as Channel;
    const parsed = CHANNELS[name].safeParse(payload ?? {});
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: formatIssue(parsed.error, payload, name) } };
    try {
      const handler = this.handlers[name] as (p: unknown) => unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
  }
}
