// The LabApi onto the façade, for the doors that carry it (the Electron IPC handler and the browser
// bridge): each payload is validated with the shared schemas, each channel is one Lab method, and
// every failure comes back as a typed error value. Nothing that fails validation reaches the lab.
import { dirname, isAbsolute, resolve } from 'node:path';
import { CHANNELS, ExportIds, type Channel, type Imported, type LabEvent, type LabInfo, type Request, type Responses, type Result } from '../../shared/api.js';
import { formatIssue } from '../../shared/config.js';
import type { CurvatureResponses, RaceSurfaceView } from '../../shared/curvatureApi.js';
import type { MarkerName } from '../../shared/markers.js';
import { errorOf } from './jobs.js';
import type { Lab } from './lab.js';

type Handlers = { [C in Channel]: (payload: never) => Promise<Responses[C]> | Responses[C] };

/** A folder the user typed into the app: a relative one is taken from the database's folder (the app has no working folder). */
function folderOf(lab: Lab, dir: string): string {
  return isAbsolute(dir) ? dir : resolve(dirname(lab.database), dir);
}

function raceSurfaceView(s: Awaited<ReturnType<Lab['raceSurface']>>): RaceSurfaceView {
  const markers: RaceSurfaceView['markers'] = {};
  for (const [name, m] of Object.entries(s.markers)) if (m) markers[name as MarkerName] = { alpha: m.alpha, beta: m.beta, loss: m.loss };
  return { axes: s.axes, axisLabels: s.axisLabels, span: s.span, alphas: s.alphas, betas: s.betas, loss: s.loss, trajectory: s.trajectory, runs: s.runs, markers, ...(s.explained ? { explained: s.explained } : {}) };
}

/** The channel → method map; `changed` marks the calls after which every page reloads its list. */
function handlers(lab: Lab, mode: LabInfo['mode'], changed: <T>(v: T) => T): Handlers {
  return {
    'lab.info': () => lab.info(mode),
    'lab.devices': () => lab.devices({ tfjs: false }),
    'experiments.list': () => lab.list(),
    'experiments.get': (p: Request<'experiments.get'>) => lab.get(p.id, { sweepRun: p.run ?? 0 }),
    'experiments.runs': (p: { id: number; offset: number; limit: number; cell?: number }) => lab.runPage(p.id, p),
    'experiments.cells': (p: Required<Request<'experiments.cells'>>) => lab.cellPage(p.id, p),
    'experiments.rename': (p: Request<'experiments.rename'>) => changed((lab.rename(p.id, p.name), null)),
    'experiments.notes': (p: Request<'experiments.notes'>) => changed((lab.setNotes(p.id, p.notes, p.tags), null)),
    'experiments.delete': (p: Request<'experiments.delete'>) => changed((lab.delete(p.id), null)),
    'experiments.fit': (p: Required<Request<'experiments.fit'>>) => lab.fit(p.id, p),
    'experiments.sweepStats': (p: Required<Request<'experiments.sweepStats'>>) => lab.sweepStatistics(p.id, p),
    'experiments.boundary': (p: Required<Request<'experiments.boundary'>>) => lab.boundary(p.id, p),
    'experiments.exportModel': async (p: Required<Request<'experiments.exportModel'>>) => {
      const files = await lab.modelFiles(p.id, p.run, p.at);
      return { model: `${JSON.stringify(files.model, null, 2)}\n`, weights: files.weights };
    },
    'experiments.shards': (p: Request<'experiments.shards'>) => lab.sweepShards(p.id),
    'experiments.same': (p: Request<'experiments.same'>) => lab.sameExperiments(p.kind, p.config, p.optimizers),
    'data.importCsv': (p: Required<Request<'data.importCsv'>>) => {
      const { x, y, x2 } = lab.csvData(p.text, p.name);
      return { x: Float64Array.from(x), y: Float64Array.from(y), ...(x2 ? { x2: Float64Array.from(x2) } : {}) };
    },
    'data.preview': (p: Request<'data.preview'>) => lab.dataPreview(p.config),
    'jobs.run': (p: Request<'jobs.run'>) => lab.startRun(p),
    'jobs.landscape': (p: Required<Request<'jobs.landscape'>>) => lab.startLandscape(p),
    'jobs.interpolate': (p: Required<Request<'jobs.interpolate'>>) => lab.startInterpolation(p),
    'jobs.sweep': (p: Request<'jobs.sweep'>) => lab.startSweep(p.spec),
    'jobs.resumeSweep': (p: Request<'jobs.resumeSweep'>) => lab.startResumeSweep(p.id),
    'jobs.reproduce': (p: Request<'jobs.reproduce'>) => lab.startReproduce(p.id),
    'jobs.cancel': (p: Request<'jobs.cancel'>) => (lab.cancelJob(p.jobId), null),
    'jobs.list': () => lab.listJobs(),
    'cluster.prepare': (p: Required<Request<'cluster.prepare'>>) => {
      const f = lab.writeSweepFolder(p.spec, folderOf(lab, p.dir), { shards: p.shards, partition: p.partition || undefined, time: p.time || undefined, cpusPerTask: p.cpusPerTask, nodeLocal: p.nodeLocal });
      return { dir: f.dir, files: f.files, db: f.db, shards: f.shards.map(({ index, runFrom, runTo }) => ({ index, runFrom, runTo })), commands: f.commands };
    },
    'cluster.status': async (p: Request<'cluster.status'>) => {
      const s = await lab.clusterStatus(folderOf(lab, p.dir));
      return { dir: s.dir, name: s.manifest.name, runsTotal: s.manifest.runsTotal, db: s.manifest.db, shards: s.shards, failed: s.failed, merge: s.merge };
    },
    // A job (every page lists it, with its progress and Cancel); this answers when it ends.
    'cluster.import': async (p: Request<'cluster.import'>) => changed(await lab.startClusterImport(folderOf(lab, p.dir)).result),
    'basics.neurons': () => lab.neurons(),
    'basics.costs': (p: Request<'basics.costs'>) => lab.costs(p),
    'basics.backprop': (p: Request<'basics.backprop'>) => lab.backprop(p),
    'basics.regions': (p: Request<'basics.regions'>) => lab.regions(p),
    'curvature.hessian': async (p: Required<Request<'curvature.hessian'>>): Promise<CurvatureResponses['curvature.hessian']> => {
      const h = await lab.hessian(p.id, p.at, { run: p.run });
      const symmetries = h.symmetries.map(({ directions: _, ...s }) => s);
      return { at: h.at, layout: [...h.layout], params: h.params, loss: h.loss, hessian: h.hessian, eigenvalues: h.eigenvalues, eigenvectors: h.eigenvectors, trace: h.trace, nearZero: h.nearZero, symmetries };
    },
    'curvature.map': (p: Request<'curvature.map'>) => lab.convexityMap(p.id, p.surfaceId),
    'race.run': async (p: Request<'race.run'>) => {
      const { config } = lab.prepare(p.config);
      return changed({ id: lab.saveRace(config, await lab.race(config, p.optimizers), p.name) });
    },
    'race.surface': async (p: Required<Request<'race.surface'>>) => raceSurfaceView(await lab.raceSurface(p.id, { axes: p.axes, res: p.res, span: 'auto' })),
  };
}

export class LabChannels {
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly handlers: Handlers;

  constructor(
    readonly lab: Lab,
    mode: LabInfo['mode'],
  ) {
    // A job's experiment is in the library from the moment the job names it (a sweep while it trains).
    const named = new Set<string>();
    lab.jobs.onUpdate((job) => {
      this.emit({ type: 'job', job });
      const first = job.experimentId !== null && !named.has(job.id);
      if (first) named.add(job.id);
      if (job.state === 'done' || job.state === 'cancelled' || (first && job.state === 'running')) this.emit({ type: 'experiments-changed' });
      if (job.state !== 'running' && job.state !== 'queued') named.delete(job.id);
    });
    const changed = <T>(v: T): T => {
      this.emit({ type: 'experiments-changed' });
      return v;
    };
    this.handlers = handlers(lab, mode, changed);
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LabEvent): void {
    for (const l of this.listeners) l(e);
  }

  /**
   * Imports an export file by its path (the doors' file transport: Electron's picked file, or an upload
   * `serve` streamed to disk). `shown` is how messages name the file, for a temporary one its upload's
   * name. It runs as a job (every page lists it, with its progress and Cancel); this answers when it
   * ends. Never rejects.
   */
  async importFile(path: string, shown = path): Promise<Result<Imported>> {
    try {
      const imported = await this.lab.startImport(path).result;
      this.emit({ type: 'experiments-changed' });
      return { ok: true, value: imported };
    } catch (e) {
      const error = errorOf(e);
      return { ok: false, error: { ...error, message: error.message.split(path).join(shown) } };
    }
  }

  /**
   * Writes the export of experiments to a path (a save dialog's, or a temporary file `serve` sends);
   * `ids` is checked here. It runs as a job, like an import; this answers when it ends. Never rejects.
   */
  async exportFile(ids: unknown, path: string): Promise<Result<null>> {
    const parsed = ExportIds.safeParse(ids);
    if (!parsed.success) {
      const message = formatIssue(parsed.error, ids, 'ids');
      return { ok: false, error: { code: 'invalid', message: message.startsWith('[') ? `ids${message}` : message } };
    }
    try {
      await this.lab.startExport(parsed.data, path).result;
      return { ok: true, value: null };
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
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
