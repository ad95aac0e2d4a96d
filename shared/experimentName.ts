// What an experiment is called and what a search finds it by, both read from its config alone.
import { inputSize, type ExperimentConfig } from './config.js';

/**
 * The automatic name: every choice a user varies between runs, so two runs of one problem differ in
 * name where they differ in config — target, network and activation, initializer, optimizer and
 * learning rate, batch size and seed: `hinge · 1→2→1 relu · symmetric · adam 0.003 · b3 · s1`.
 */
export function defaultName(c: ExperimentConfig): string {
  const net = `${inputSize(c)}→${[...c.model.hidden, c.model.outputs].join('→')}`;
  const activation = typeof c.model.activation === 'string' ? c.model.activation : c.model.activation.join(',');
  return `${c.data.target.kind} · ${net} ${activation} · ${c.init.kind} · ${c.optimizer.kind} ${c.optimizer.lr} · b${c.batchSize} · s${c.seed}`;
}

/** Lists longer than this are data (a CSV's points, explicit parameters), not settings to search by. */
const MAX_SEARCHED_LIST = 16;

/**
 * Every setting of a config as lowercase words ("hinge 0.25 … tanh symmetric adam 0.003 3 5000 1"),
 * for finding an experiment by any value it was run with.
 */
export function configSearchText(config: unknown): string {
  const words: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') words.push(String(v).toLowerCase());
    else if (Array.isArray(v)) {
      if (v.length <= MAX_SEARCHED_LIST) v.forEach(walk);
    } else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(config);
  return words.join(' ');
}
