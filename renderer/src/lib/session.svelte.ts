// The lab's session: what the window shows and the actions that change it. The library's list, the open
// experiment and run, the jobs started for it and their progress, the overlaid experiments, the fit, the
// sweep's statistics, the messages and the panels. Main computes everything; the session asks for it,
// follows main's events, and App.svelte lays it out.
import type { CellPage, DevicesView, ExperimentSummary, ExperimentView, FitView, JobInfo, LabInfo, MenuAction } from '../../../shared/api';
import { MARKERS, type MarkerName } from '../../../shared/markers';
import { presetConfig, presetRace, presetSweep, type Preset } from '../../../shared/presets';
import { STATS_PAGE, type SweepStats } from '../../../shared/sweepStats';
import { batchProgress } from './jobProgress';
import type { TheorySection } from '../components/theory/theoryLink';
import { call, lab, valueOf } from './api';
import { downloadBlob, downloadText } from './download';

type Json = Record<string, unknown>;
type JobKindShown = 'run' | 'sweep' | 'surface' | 'interpolate';
/**
 * The jobs the progress bar follows one by one: what the user trains. The three surfaces are followed
 * together (surfaceProgress, the centre's numbers too); the curve the lab computes after a run is in the
 * job centre only (the bar said "interpolation · done" after every run, a job nobody had started).
 */
const FOLLOWED = new Set<JobKindShown>(['run', 'sweep']);
export type Tab = 'lab' | 'presets' | 'basics';
export interface SurfaceRequest {
  axes: string;
  res: number;
  span: number | 'auto';
}

const DEFAULT_CONFIG = {
  data: { target: { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 500 },
  model: { hidden: [2], activation: 'relu' },
  optimizer: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 },
  batchSize: 3,
  steps: 5000,
  seed: 1,
};
/** Cells per page of a sweep's cell picker. */
export const CELL_PAGE = 100;

/** The surfaces computed after every run: each around its own point (the shared plane is one click away). */
const DEFAULT_SURFACE: SurfaceRequest = { axes: 'local', res: 64, span: 'auto' };

/** What the form gets from an opened experiment: a sweep's base config (its stored config is its first cell's). */
function formConfigOf(view: ExperimentView): Json {
  const base = (view.sweep?.spec as { base?: unknown } | undefined)?.base;
  return structuredClone(view.isSweep && base !== null && typeof base === 'object' ? base : view.config) as Json;
}

/** Inputs per data point of a run of `view`: the fit is drawn for 1, the decision boundary for 2. */
export function inputsOf(view: ExperimentView, runIndex: number): number {
  return (view.runList.find((r) => r.index === runIndex) ?? view.runList[0])?.data.dIn ?? 1;
}

export class Session {
  info = $state<LabInfo | null>(null);
  /** What can compute where main runs (its `devices`): the header's chip. Null until main answers. */
  devices = $state.raw<DevicesView | null>(null);
  experiments = $state<ExperimentSummary[]>([]);
  /** The form's config. */
  config = $state<Json>(structuredClone(DEFAULT_CONFIG));
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  panel = $state<'theory' | 'about' | null>(null);
  theorySection = $state<TheorySection | null>(null);
  libraryOpen = $state(true);
  tab = $state<Tab>('lab');

  /** The open experiment, its run on show, and (for a sweep) its statistics. */
  selected = $state.raw<ExperimentView | null>(null);
  runIndex = $state(0);
  sweepStats = $state.raw<SweepStats | null>(null);
  /** The page of the open sweep's cells its picker lists (a sweep's runs are never listed whole). */
  cells = $state.raw<CellPage | null>(null);
  /** Experiments ticked in the library: their loss curves are drawn with the open one's. */
  overlayIds = $state.raw<number[]>([]);
  overlay = $state.raw<ExperimentView[]>([]);
  fit = $state.raw<FitView | null>(null);
  fitAt = $state<MarkerName>('trained');
  fitLoading = $state(false);

  /** Every job main has (running, queued, the last ended), from any page: the job centre's list. */
  jobs = $state.raw<JobInfo[]>([]);
  readonly activeJobs = $derived(this.jobs.filter((j) => j.state === 'running' || j.state === 'queued'));
  /** The run or sweep training now, whichever page started it: what the centre shows with nothing open. */
  readonly liveJob = $derived(this.jobs.find((j) => j.state === 'running' && (j.kind === 'run' || j.kind === 'sweep')) ?? null);
  /** The run or sweep the progress bar follows (see FOLLOWED). */
  job = $state<JobInfo | null>(null);
  /** Jobs started for the open experiment, not finished yet. */
  pending = $state<Record<string, JobKindShown>>({});
  /** The loss of the run training now, as its job reports it. */
  live = $state.raw<{ steps: number[]; values: number[] }>({ steps: [], values: [] });
  /** The latest info of each job of the surfaces being computed together, and when they began. */
  surfaceJobs = $state.raw<Record<string, JobInfo>>({});
  private surfacesStarted = 0;
  now = $state(performance.now());
  /** Surface requests on their way (after a run, before main has queued them): the views say computing, not "no surface yet". */
  surfacesRequested = $state(0);
  /** A race trains in one request, without a job. */
  racing = $state(false);

  readonly busy = $derived(Object.keys(this.pending).length > 0);
  readonly training = $derived(Object.values(this.pending).some((k) => k === 'run' || k === 'sweep'));
  readonly computingSurfaces = $derived(Object.values(this.pending).includes('surface') || this.surfacesRequested > 0);
  readonly computingCurve = $derived(Object.values(this.pending).includes('interpolate'));
  readonly fraction = $derived(this.job && this.job.steps > 0 ? this.job.step / this.job.steps : 0);
  readonly surfaceProgress = $derived(
    this.computingSurfaces ? batchProgress(Object.values(this.surfaceJobs), MARKERS.length, (this.now - this.surfacesStarted) / 1000) : null,
  );
  /** The open run as its experiment lists it (status, final loss). */
  readonly listed = $derived(this.selected?.runListing.find((r) => r.index === this.runIndex) ?? null);
  /** Inputs per data point of the open run. */
  readonly inputs = $derived(this.selected ? inputsOf(this.selected, this.runIndex) : 1);
  readonly lossSeries = $derived.by(() => this.lossCurves());
  /** The WebGPU adapter the gpu kernel runs on (the first listed: WebGPU's high-performance one), if any. */
  readonly gpuAdapter = $derived(this.devices && 'adapters' in this.devices.webgpu ? (this.devices.webgpu.adapters[0] ?? null) : null);
  /** Whether the form's next run computes on the GPU: its kernel is `gpu`, the user's explicit choice. */
  readonly onGpu = $derived(this.config.kernel === 'gpu');

  /**
   * The kernel for a stored run's surfaces and curves, as the header's toggle says: the GPU, else the
   * run's own kernel (auto's CPU choice where the run trained on the GPU).
   */
  private lossKernel(): { kernel?: 'gpu' | 'auto' } {
    if (this.onGpu) return { kernel: 'gpu' };
    return this.selected?.kernel === 'gpu' ? { kernel: 'auto' } : {};
  }

  /** Sends new compute to the GPU (kernel gpu) or back to the CPU (kernel auto, which never trains on a GPU). */
  useGpu(on: boolean): void {
    this.config = { ...this.config, kernel: on ? 'gpu' : 'auto' };
  }

  /** The curves of the loss chart: the run training now, the open experiment's runs, the overlaid ones. */
  private lossCurves() {
    const series: { label: string; steps: ArrayLike<number>; values: ArrayLike<number> }[] = [];
    const { selected, live } = this;
    if (this.training && live.steps.length) series.push({ label: 'training…', steps: live.steps, values: live.values });
    if (selected) {
      // A sweep's curves are many: show the run picked from its cells.
      const runs = selected.isSweep ? selected.runList.filter((r) => r.index === this.runIndex) : selected.runList.slice(0, 24);
      for (const r of runs) {
        series.push({ label: selected.runs > 1 ? `#${selected.id} ${r.label}` : `#${selected.id}`, steps: r.loss.steps, values: r.loss.values });
      }
    }
    for (const e of this.overlay) {
      if (e.id === selected?.id || !e.runList[0]) continue;
      series.push({ label: `#${e.id} ${e.name}`, steps: e.runList[0].loss.steps, values: e.runList[0].loss.values });
    }
    return series;
  }

  /** Shows an error as a toast. */
  readonly fail = (e: unknown): void => {
    this.error = e instanceof Error ? e.message : String(e);
  };

  /** Asks for the lab's info and the library, and follows main's events; returns the stop. */
  connect(onMenu: (action: MenuAction) => void): () => void {
    call('lab.info', {}).then((i) => (this.info = i), this.fail);
    // The chip only informs: if main cannot say, it shows the kernel alone, without an error.
    call('lab.devices', {}).then(
      (d) => (this.devices = d),
      () => undefined,
    );
    this.refresh().catch(this.fail);
    // Jobs started before this page opened (another page, a reload) are main's: listed, and cancellable here.
    call('jobs.list', {}).then((list) => (this.jobs = list), this.fail);
    return lab().onEvent((event) => {
      if (event.type === 'job') {
        this.noteJob(event.job);
        this.onJob(event.job);
      }
      if (event.type === 'experiments-changed') this.refresh().catch(this.fail);
      if (event.type === 'menu') onMenu(event.action);
    });
  }

  async refresh(): Promise<void> {
    this.experiments = await call('experiments.list', {});
    // The open experiment changed elsewhere (shards merged into it, another process): show it as stored now.
    const open = this.selected;
    const stored = open && this.experiments.find((e) => e.id === open.id);
    if (open && stored && stored.updatedAt !== open.updatedAt) {
      const view = await call('experiments.get', { id: open.id, run: this.runIndex });
      const stats = view.isSweep ? await call('experiments.sweepStats', { id: open.id, offset: this.sweepStats?.offset ?? 0, limit: STATS_PAGE }) : null;
      const cells = view.isSweep ? await call('experiments.cells', { id: open.id, offset: this.cells?.offset ?? 0, limit: CELL_PAGE }) : null;
      if (this.selected?.id === view.id) [this.selected, this.sweepStats, this.cells] = [view, stats, cells];
    }
  }

  async loadFit(id: number, at: MarkerName): Promise<void> {
    this.fitLoading = true;
    try {
      this.fit = await call('experiments.fit', { id, run: this.runIndex, at });
    } catch (e) {
      this.fit = null;
      this.fail(e);
    } finally {
      this.fitLoading = false;
    }
  }

  /** The fit at another of the three points. */
  showFitAt(at: MarkerName): void {
    this.fitAt = at;
    if (this.selected) this.loadFit(this.selected.id, at);
  }

  /** Opens a stored experiment: restores the form and every view from storage, computing nothing. */
  async open(id: number): Promise<void> {
    this.error = null;
    try {
      const view = await call('experiments.get', { id });
      this.runIndex = view.runListing[0]?.index ?? 0;
      this.selected = view;
      this.config = formConfigOf(view);
      this.cells = null;
      if (view.sweep) await this.showCellOf(this.runIndex);
      this.sweepStats = view.isSweep ? await call('experiments.sweepStats', { id, offset: 0, limit: STATS_PAGE }) : null;
      if (view.runList.length > 0 && inputsOf(view, this.runIndex) === 1) await this.loadFit(id, this.fitAt);
      else this.fit = null;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Closes the open experiment (the form keeps its config). */
  close(): void {
    this.selected = null;
    this.fit = null;
  }

  /** Lists the page of the open sweep's cells that holds run `index`'s cell (runs are numbered cell·seeds + seed). */
  async showCellOf(index: number): Promise<void> {
    const open = this.selected;
    if (!open?.sweep) return;
    const offset = Math.floor(Math.floor(index / open.sweep.seeds) / CELL_PAGE) * CELL_PAGE;
    if (this.cells?.offset !== offset) await this.showCells(offset);
  }

  /** Lists the open sweep's cells from `offset` (a page of CELL_PAGE). */
  async showCells(offset: number): Promise<void> {
    const id = this.selected?.id;
    if (id === undefined) return;
    try {
      const page = await call('experiments.cells', { id, offset, limit: CELL_PAGE });
      if (this.selected?.id === id) this.cells = page;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Shows the statistics of the open sweep's cells from `offset` (a page of STATS_PAGE). */
  async showSweepPage(offset: number): Promise<void> {
    const id = this.selected?.id;
    if (id === undefined) return;
    try {
      const stats = await call('experiments.sweepStats', { id, offset, limit: STATS_PAGE });
      if (this.selected?.id === id) this.sweepStats = stats;
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * A sweep cell's run, with its surfaces: the stored ones, else computed now. A sweep sends one run
   * whole at a time, so another is fetched first; for a run not stored (an unfinished sweep's), main
   * sends the sweep's first stored run, and that is said.
   */
  async openRun(index: number): Promise<void> {
    this.runIndex = index;
    if (!this.selected) return;
    const id = this.selected.id;
    if (!this.selected.runList.some((r) => r.index === index)) {
      try {
        const view = await call('experiments.get', { id, run: index });
        if (this.selected?.id !== id || this.runIndex !== index) return;
        this.selected = view;
        const sent = view.runList[0]?.index;
        if (sent !== undefined && sent !== index) {
          this.notice = `run ${index} is not stored: showing run ${sent}, the sweep's first`;
          this.runIndex = index = sent;
        }
      } catch (e) {
        this.fail(e);
        return;
      }
    }
    this.showCellOf(index);
    if (inputsOf(this.selected, index) === 1) this.loadFit(id, this.fitAt);
    const computed = this.selected.surfaces.some((s) => s.runIndex === index);
    if (!computed && !this.computingSurfaces && this.listed?.status === 'done') this.computeSurfaces(id, DEFAULT_SURFACE);
  }

  /** The form's config as edited. */
  edit(config: Json): void {
    this.config = config;
    this.error = null;
  }

  async setOverlay(ids: number[]): Promise<void> {
    this.overlayIds = ids;
    try {
      const views = await Promise.all(ids.map((id) => call('experiments.get', { id })));
      if (ids === this.overlayIds) this.overlay = views;
    } catch (e) {
      this.fail(e);
    }
  }

  /** A deleted experiment leaves the views and the overlay. */
  deleted(id: number): void {
    if (this.selected?.id === id) this.close();
    this.setOverlay(this.overlayIds.filter((o) => o !== id));
  }

  private async track(started: Promise<JobInfo>, kind: JobKindShown): Promise<JobInfo> {
    const info = await started;
    this.pending = { ...this.pending, [info.id]: kind };
    if (FOLLOWED.has(kind)) this.job = info;
    return info;
  }

  async run(name?: string): Promise<void> {
    if (this.training) return;
    this.error = null;
    this.notice = null;
    this.live = { steps: [], values: [] };
    try {
      await this.track(call('jobs.run', name ? { config: this.config, name } : { config: this.config }), 'run');
    } catch (e) {
      this.fail(e);
    }
  }

  async runPreset(preset: Preset): Promise<void> {
    const config = structuredClone(presetConfig(preset)) as unknown as Json;
    const earlier = await this.same('run', config);
    this.config = config;
    this.tab = 'lab';
    this.run(preset.title);
    this.sayAgain(preset.title, earlier);
  }

  /** The stored experiments that trained what this would (asked before it starts, so it is not among them). */
  private async same(kind: 'run' | 'race' | 'sweep', config: unknown, optimizers?: Preset['race']): Promise<number[]> {
    try {
      return await call('experiments.same', { kind, config, ...(optimizers ? { optimizers } : {}) });
    } catch {
      // Only the notice depends on it: the preset runs either way.
      return [];
    }
  }

  /**
   * A preset started again stores another copy (the same config gives the same result): said, not
   * silent, with the experiments already in the library that trained that config, whatever their names.
   */
  private sayAgain(title: string, earlier: number[]): void {
    const ids = earlier.map((id) => `#${id}`);
    if (ids.length) this.notice = `“${title}” trains a config already in the library as ${ids.join(', ')}: this stores another copy with the same result. Open ${ids[0]} to see it without training.`;
  }

  /** Trains a race of `base` (its runs are short; no job) and opens it in the race view. */
  async race(base: unknown, optimizers?: Preset['race'], name?: string): Promise<void> {
    if (this.racing) return;
    this.tab = 'lab';
    this.error = null;
    this.racing = true;
    const training = `Training the race: ${optimizers?.length ?? 5} optimizers from one init…`;
    this.notice = training;
    try {
      await this.open((await call('race.run', { config: base, ...(optimizers ? { optimizers } : {}), ...(name ? { name } : {}) })).id);
      await this.refresh();
      if (this.notice === training) this.notice = null;
    } catch (e) {
      if (this.notice === training) this.notice = null;
      this.fail(e);
    } finally {
      this.racing = false;
    }
  }

  async racePreset(preset: Preset): Promise<void> {
    const { config: base, optimizers } = presetRace(preset);
    const earlier = await this.same('race', base, optimizers);
    this.race(base, optimizers, preset.title);
    this.sayAgain(preset.title, earlier);
  }

  async sweepPreset(preset: Preset): Promise<void> {
    const spec = { name: preset.title, ...presetSweep(preset) };
    const earlier = await this.same('sweep', spec);
    this.tab = 'lab';
    this.sweep(spec);
    this.sayAgain(preset.title, earlier);
  }

  /** Starts a sweep from its spec, or resumes a stored one (`{ id }`). */
  async sweep(spec: Json | { id: number }): Promise<void> {
    if (this.training) return;
    this.error = null;
    this.live = { steps: [], values: [] };
    if (!('id' in spec)) [this.selected, this.fit, this.sweepStats, this.cells] = [null, null, null, null];
    try {
      await this.track('id' in spec ? call('jobs.resumeSweep', { id: spec.id as number }) : call('jobs.sweep', { spec }), 'sweep');
    } catch (e) {
      this.fail(e);
    }
  }

  computeSurfaces(experimentId: number, req: SurfaceRequest): void {
    this.error = null;
    this.surfaceJobs = {};
    this.surfacesStarted = this.now = performance.now();
    for (const center of MARKERS) {
      this.surfacesRequested++;
      this.track(call('jobs.landscape', { experimentId, run: this.runIndex, center, ...req, ...this.lossKernel() }), 'surface')
        .then((started) => {
          if (!this.surfaceJobs[started.id]) this.surfaceJobs = { ...this.surfaceJobs, [started.id]: started };
        })
        .catch(this.fail)
        .finally(() => this.surfacesRequested--);
    }
  }

  computeCurve(from: MarkerName, to: MarkerName): void {
    if (!this.selected) return;
    this.track(call('jobs.interpolate', { experimentId: this.selected.id, run: this.runIndex, from, to, points: 201, ...this.lossKernel() }), 'interpolate').catch(this.fail);
  }

  async cancel(): Promise<void> {
    for (const id of Object.keys(this.pending)) await call('jobs.cancel', { jobId: id }).catch(() => undefined);
  }

  /** Cancels one job of the job centre, whichever page started it. */
  cancelJob(id: string): void {
    call('jobs.cancel', { jobId: id }).catch(this.fail);
  }

  /** A job's latest info, in the job centre's list (in the order they were started). */
  private noteJob(update: JobInfo): void {
    const at = this.jobs.findIndex((j) => j.id === update.id);
    this.jobs = at < 0 ? [...this.jobs, update] : this.jobs.with(at, update);
  }

  /** A job's news: progress while it runs; when it ends, what it made is opened or shown. */
  private async onJob(update: JobInfo): Promise<void> {
    const kind = this.pending[update.id];
    if (!kind) return;
    if (FOLLOWED.has(kind)) this.job = update;
    if (kind === 'surface') {
      this.surfaceJobs = { ...this.surfaceJobs, [update.id]: update };
      this.now = performance.now();
    }
    if (kind === 'run' && update.bestLoss !== null && update.state === 'running') {
      this.live = { steps: [...this.live.steps, update.step], values: [...this.live.values, update.bestLoss] };
    }
    if (update.state === 'running' || update.state === 'queued') return;
    const { [update.id]: _, ...rest } = this.pending;
    this.pending = rest;
    if (update.error && update.state === 'failed') this.error = update.error.message;
    const id = update.experimentId;
    if (id === null) return;
    if (kind === 'sweep') await this.open(id);
    else if (kind === 'run') await this.trained(id, update.state === 'done');
    else if (this.selected?.id === id) await this.reload(id, kind === 'surface');
  }

  /** A run ended: open it and, when it finished, compute its surfaces and the line to the optimum. */
  private async trained(id: number, done: boolean): Promise<void> {
    if (done) [this.surfacesRequested, this.surfaceJobs] = [this.surfacesRequested + 1, {}];
    try {
      await this.open(id);
      if (done && this.selected?.id === id) {
        this.computeSurfaces(id, DEFAULT_SURFACE);
        this.computeCurve('trained', 'optimum');
      }
    } finally {
      if (done) this.surfacesRequested--;
    }
  }

  /**
   * A new surface or curve: only the view changes (the form may have been edited meanwhile). A surface
   * counts as computing until the view holding it arrives.
   */
  private async reload(id: number, surface: boolean): Promise<void> {
    if (surface) this.surfacesRequested++;
    try {
      const view = await call('experiments.get', { id, run: this.runIndex });
      if (this.selected?.id === id) this.selected = view;
    } catch (e) {
      this.fail(e);
    } finally {
      if (surface) this.surfacesRequested--;
    }
  }

  /** The open run's trained network as a TensorFlow.js LayersModel: model.json beside weights.bin. */
  async exportModel(): Promise<void> {
    if (!this.selected) return;
    try {
      const files = await call('experiments.exportModel', { id: this.selected.id, run: this.runIndex, at: 'trained' });
      downloadText('model.json', files.model, 'application/json');
      downloadBlob('weights.bin', new Blob([files.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      this.notice = 'saved model.json and weights.bin: keep them in one folder for tf.loadLayersModel';
    } catch (e) {
      this.fail(e);
    }
  }

  exportConfig(): void {
    const name = this.selected ? `experiment-${this.selected.id}.config.json` : 'config.json';
    downloadText(name, `${JSON.stringify(this.config, null, 2)}\n`, 'application/json');
  }

  /** The open experiment as a .lab.json file. */
  exportExperiment(): void {
    const open = this.selected;
    if (open) lab().exportFile([open.id], `experiment-${open.id}.lab.json`).then(valueOf).catch(this.fail);
    else this.error = 'export: open an experiment in the library first';
  }

  /** The menu's actions, as far as they change the session (focus and dialogs are the page's). */
  menu(action: MenuAction): void {
    this.error = null;
    if (action === 'new-experiment') {
      this.config = structuredClone(DEFAULT_CONFIG);
      this.close();
    } else if (action === 'open') this.libraryOpen = true;
    else if (action === 'export') this.exportExperiment();
    else if (action === 'theory' || action === 'about') this.panel = action;
  }

  showTheory(section: TheorySection | null): void {
    this.theorySection = section;
    this.panel = 'theory';
  }
}
