// A config with everything each computation derives from it, derived once: its network, the
// parameter layout and its data. The façade prepares a config when it enters, and every layer below
// takes the prepared object instead of deriving the same things again.
import type { ExperimentConfig } from '../../shared/config.js';
import { splitDataset, type Dataset, type Split } from './data.js';
import { InputError } from '../../shared/errors.js';
import { dataRecordBytes, recordProblem } from './memory.js';
import { architectureOf, layoutOf, type Architecture, type Layout } from './model.js';
import { recordCapacity, recordingOf } from './train.js';

export interface PreparedConfig {
  readonly config: ExperimentConfig;
  readonly arch: Architecture;
  readonly layout: Layout;
  /** The training split: what a run trains on and stores, and what every view is drawn over. */
  readonly data: Dataset;
}

export interface PreparedSplit extends PreparedConfig {
  readonly test: Dataset;
  readonly split: Split;
}

/** Derives the config's network, checks that its runs can be stored, then makes its data (both splits). */
export function prepareConfig(config: ExperimentConfig): PreparedSplit {
  const arch = architectureOf(config);
  const layout = layoutOf(arch);
  checkRecordSize(config, layout);
  const split = splitDataset(config);
  return { config, arch, layout, data: split.train, test: split.test, split };
}

/**
 * Refuses, before any work, a config whose runs or surfaces would not fit in one stored record
 * (main/engine/memory.ts). From the config alone, so a sweep checks its cells before it starts.
 */
export function checkRecordSize(config: ExperimentConfig, layout: Layout = layoutOf(architectureOf(config))): void {
  const recorded = recordCapacity({ steps: config.steps, ...recordingOf(config) });
  const problem = recordProblem(layout.count, recorded, dataRecordBytes({ n: config.data.n, dIn: layout.sizes[0] }));
  if (problem) throw new InputError(`${problem.field}: ${problem.message}`);
}

/** A stored run's config over the training data it stored: nothing is generated again. */
export function prepareStored(config: ExperimentConfig, data: Dataset): PreparedConfig {
  const arch = architectureOf(config, data.dIn);
  return { config, arch, layout: layoutOf(arch), data };
}
