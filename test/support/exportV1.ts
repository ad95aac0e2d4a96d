// The version 1 export (one JSON document), as earlier versions of the app wrote it: files of it exist,
// and the import still reads them, so the tests make them with this copy of the old writer.
import type { ExperimentStore, StoredExperiment } from '../../main/store/experiments.js';
import { toBlob, type TypedArray } from '../../main/store/blobs.js';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';

const enc = (dtype: string, a: TypedArray) => ({ dtype, base64: toBlob(a).toString('base64') });

function experimentToFile(e: StoredExperiment) {
  return {
    uid: e.uid,
    name: e.name,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    status: e.status,
    notes: e.notes,
    tags: e.tags,
    kernel: e.kernel,
    backend: e.backend,
    appVersion: e.appVersion,
    config: e.config,
    // Stored as the parsed spec of the sweep that ran.
    sweep: e.sweep && { ...e.sweep, spec: e.sweep.spec },
    runs: e.runList.map((r) => ({
      index: r.index,
      label: r.label,
      hyper: r.hyper,
      cell: r.cell,
      seedIndex: r.seedIndex,
      config: r.config,
      status: r.status,
      stepsDone: r.stepsDone,
      finalLoss: r.finalLoss,
      seconds: r.seconds,
      kernel: r.kernel,
      backend: r.backend,
      optimum: r.optimum ?? null,
      diagnostics: r.diagnostics,
      arrays: {
        lossSteps: enc('u32', r.loss.steps),
        lossValues: enc('f64', r.loss.values),
        snapshotSteps: enc('u32', r.snapshots.steps),
        snapshots: enc('f32', r.snapshots.params),
        init: enc('f32', r.params.init),
        final: enc('f32', r.params.final),
        optimum: r.params.optimum ? enc('f32', r.params.optimum) : null,
        dataX: enc('f32', r.data.x),
        dataY: enc('f32', r.data.y),
      },
    })),
    surfaces: e.surfaces.map((s) => ({
      runIndex: s.runIndex,
      center: s.center,
      axes: s.axes,
      axisLabels: s.axisLabels,
      res: s.alphas.length,
      span: s.span,
      kernel: s.kernel,
      backend: s.backend,
      optimumKind: s.optimumKind,
      markers: s.markers as Record<string, { alpha: number; beta: number; loss: number; offPlane: number }>,
      explained: s.explained ?? null,
      arrays: {
        centerParams: enc('f32', s.centerParams),
        d1: enc('f64', s.d1),
        d2: enc('f64', s.d2),
        loss: enc('f64', s.loss),
        trajAlpha: enc('f64', s.trajectory.alpha),
        trajBeta: enc('f64', s.trajectory.beta),
        trajLoss: enc('f64', s.trajectory.loss),
      },
    })),
    interpolations: e.interpolations.map((i) => ({
      runIndex: i.runIndex,
      from: i.from,
      to: i.to,
      optimumKind: i.optimumKind,
      arrays: { t: enc('f64', i.t), loss: enc('f64', i.loss) },
    })),
  };
}


/** The v1 document of the given experiments, as text (ASCII, as the old writer made it). */
export function exportV1(store: ExperimentStore, ids: number[]): string {
  const doc = { format: 'landscape-lab', version: 1, appVersion: '0.1.0', schema: SCHEMA_VERSION, exportedAt: new Date().toISOString(), experiments: ids.map((id) => experimentToFile(store.get(id))) };
  return JSON.stringify(doc).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
