// The store's front door: open a lab database (safely; see db.ts) as an experiments repository.
import { openDatabase, type OpenOptions } from './db.js';
import { ExperimentStore } from './experiments.js';

export { SCHEMA_VERSION } from './migrations.js';
export type { ExperimentStatus, ExperimentSummary, StoredExperiment, StoredRun, StoredSurface, StoredInterpolation } from './experiments.js';
export { ExperimentStore };

export function openStore(file: string, options: OpenOptions = {}): ExperimentStore {
  return new ExperimentStore(openDatabase(file, options), file);
}
