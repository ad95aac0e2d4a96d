// The LabApi handlers of curvature and races (shared/curvatureApi.ts), for the service to spread into
// its handler map: each validates what the schema cannot and calls the façade.
import { InputError, parseConfig } from '../../shared/config.js';
import type { CurvatureMapView, CurvatureResponses, HessianView, RaceSurfaceView } from '../../shared/curvatureApi.js';
import { architectureOf } from '../engine/model.js';
import type { MarkerName } from '../../shared/markers.js';
import type { WorkerPool } from '../workers/pool.js';
import type { ExperimentStore } from '../store/experiments.js';
import { experimentHessian } from './curvature.js';
import { runOf } from './experiments.js';
import { surfaceCurvature } from './hessian.js';
import { race, RACE_OPTIMIZERS, RACE_TAG, raceSurface, saveRace } from './race.js';

export function curvatureHandlers(store: ExperimentStore, pool: WorkerPool, changed: <T>(v: T) => T) {
  return {
    'curvature.hessian': async (p: { id: number; run: number; at: MarkerName }): Promise<HessianView> => {
      const h = await experimentHessian(store, p.id, p.at, { pool, runIndex: p.run });
      return {
        at: h.at,
        layout: [...h.layout],
        params: h.params,
        loss: h.loss,
        hessian: h.hessian,
        eigenvalues: h.eigenvalues,
        eigenvectors: h.eigenvectors,
        trace: h.trace,
        nearZero: h.nearZero,
        symmetries: h.symmetries.map(({ directions: _, ...s }) => s),
      };
    },
    'curvature.map': async (p: { id: number; surfaceId: number }): Promise<CurvatureMapView> => {
      const surface = store.surfaces(p.id).find((s) => s.id === p.surfaceId);
      if (!surface) throw new InputError(`surfaceId: experiment ${p.id} has no surface ${p.surfaceId}`);
      const run = runOf(store, p.id, surface.runIndex);
      return surfaceCurvature(architectureOf(run.config, run.data.dIn), run.data, surface, { pool });
    },
    'race.run': async (p: { config: unknown; optimizers?: CurvatureRaceKinds; name?: string }): Promise<CurvatureResponses['race.run']> => {
      const config = parseConfig(p.config);
      const runs = await race(config, p.optimizers ?? RACE_OPTIMIZERS, { pool });
      return changed({ id: saveRace(store, config, runs, p.name) });
    },
    'race.surface': async (p: { id: number; axes: 'plane' | 'pca'; res: number }): Promise<RaceSurfaceView> => {
      const summary = store.summary(p.id);
      if (!summary.tags.includes(RACE_TAG)) throw new InputError(`id: experiment ${p.id} is not a race`);
      const s = await raceSurface(store.runs(p.id), { axes: p.axes, res: p.res, span: 'auto' }, { pool });
      const markers: RaceSurfaceView['markers'] = {};
      for (const [name, m] of Object.entries(s.markers)) if (m) markers[name as MarkerName] = { alpha: m.alpha, beta: m.beta, loss: m.loss };
      return { axes: s.axes, axisLabels: s.axisLabels, span: s.span, alphas: s.alphas, betas: s.betas, loss: s.loss, trajectory: s.trajectory, runs: s.runs, markers, ...(s.explained ? { explained: s.explained } : {}) };
    },
  };
}

type CurvatureRaceKinds = ('sgd' | 'momentum' | 'rmsprop' | 'momentum-rmsprop' | 'adam')[];
