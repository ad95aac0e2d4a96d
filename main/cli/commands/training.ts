// Commands that train: run, optimum, race, and reproduce.
import { presetConfig, presetRace } from '../../../shared/presets.js';
import { LIMITS } from '../../../shared/configRules.js';
import { parseOptimizerList, RACE_OPTIMIZERS, SEARCH_BUDGET } from '../../lab/lab.js';
import type { Context } from '../context.js';
import { configFile, fromPreset } from '../inputs.js';
import { optimumToJson, raceToJson, runToJson } from '../json.js';
import { experimentId, integer, stepsOption } from '../options.js';
import { reproductionText } from '../text/library.js';
import { raceText } from '../text/curvature.js';
import { optimumText, runText } from '../text/run.js';

export async function run(ctx: Context): Promise<void> {
  const lab = ctx.lab();
  const preset = fromPreset(ctx, 'run', 'config file');
  const steps = stepsOption(ctx.values.steps);
  const p = preset ? lab.prepare(presetConfig(preset), { steps }) : configFile(ctx, ctx.args[0], { steps });
  // The kernel and the database the run is saved into are checked before it trains, not after.
  if (!ctx.values['no-save']) await lab.readyToSave(p.config, ctx.call);
  const r = await lab.train(p, ctx.call);
  let id: number | undefined;
  if (!ctx.values['no-save']) {
    id = lab.saveRun(r, ctx.values.name ?? preset?.title);
    ctx.clearProgress();
    ctx.note(`saved as experiment ${id} in ${ctx.database}`);
  }
  ctx.emit(() => ({ ...runToJson(r), ...(id ? { experimentId: id } : {}) }), () => runText(r, lab.fitLine(r)));
}

export async function optimum(ctx: Context): Promise<void> {
  const restarts = integer('restarts', ctx.values.restarts, SEARCH_BUDGET.restarts, 1, 256);
  const searchSteps = integer('search-steps', ctx.values['search-steps'], SEARCH_BUDGET.steps, 1, LIMITS.steps);
  const o = await ctx.lab().optimum(configFile(ctx, ctx.args[0]), { ...ctx.call, restarts, searchSteps });
  ctx.emit(() => optimumToJson(o), () => optimumText(o));
}

export async function race(ctx: Context): Promise<number> {
  const lab = ctx.lab();
  const preset = fromPreset(ctx, 'race', 'config file');
  const raced = preset ? presetRace(preset) : null;
  const steps = stepsOption(ctx.values.steps);
  const { config } = raced ? lab.prepare(raced.config, { steps }) : configFile(ctx, ctx.args[0], { steps });
  const kinds = ctx.values.optimizers !== undefined ? parseOptimizerList(ctx.values.optimizers) : (raced?.optimizers ?? RACE_OPTIMIZERS);
  if (!ctx.values['no-save']) await lab.readyToSave(config, ctx.call);
  const runs = await lab.race(config, kinds, ctx.call);
  let id: number | undefined;
  if (!ctx.values['no-save']) {
    id = lab.saveRace(config, runs, ctx.values.name ?? preset?.title);
    ctx.clearProgress();
    ctx.note(`saved as experiment ${id} in ${ctx.database}`);
  }
  ctx.emit(() => raceToJson(runs, id), () => raceText(runs));
  return ctx.call.signal?.aborted ? 130 : 0;
}

export async function reproduce(ctx: Context): Promise<number> {
  const r = await ctx.lab().reproduce(experimentId('reproduce', ctx.args[0]), ctx.call);
  ctx.emit(() => r, () => reproductionText(r));
  return r.matches ? 0 : 3;
}
