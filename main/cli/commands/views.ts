// Commands that look at a trained run: its cost surface, the cost along a line, and its Hessian. Each
// takes a stored experiment (--experiment ID) or a config, whose run is trained and stored once and
// found again by the config's hash the next time.
import { LIMITS } from '../../../shared/configRules.js';
import { InputError } from '../../../shared/errors.js';
import { MARKERS, type MarkerName } from '../../../shared/markers.js';
import { MAX_SWEEP_RUNS } from '../../../shared/sweep.js';
import type { LandscapeRequest, PreparedSplit } from '../../lab/lab.js';
import type { Context } from '../context.js';
import { configFile } from '../inputs.js';
import { curvatureToJson, hessianToJson, interpolationToJson, landscapeToJson } from '../json.js';
import { choice, experimentId, integer, spanOption } from '../options.js';
import { curvatureText, hessianText } from '../text/curvature.js';
import { interpolationText, landscapeText } from '../text/run.js';

/** The experiment a view belongs to: --experiment ID, or the stored run of the config file (trained and stored now if new). */
async function experimentFor(ctx: Context, command: string, check: (p: PreparedSplit) => void): Promise<number> {
  const { values, args } = ctx;
  if (values.experiment !== undefined) {
    if (args.length) throw new InputError(`${command}: give a config file or --experiment ID, not both`);
    return experimentId('--experiment', values.experiment);
  }
  if (!args[0]) throw new InputError(`${command}: needs a config file, or --experiment ID`);
  // The config as it trains, --kernel/--backend included: that is what its stored run is found by.
  const p = configFile(ctx, args[0], { kernel: ctx.call.kernel, backend: ctx.call.backend });
  check(p);
  const { id, reused } = await ctx.lab().experimentFor(p, ctx.call);
  ctx.clearProgress();
  ctx.note(reused ? `using experiment ${id}: this config and seed were trained before` : `saved the run as experiment ${id} in ${ctx.database}`);
  return id;
}

export async function landscape(ctx: Context): Promise<void> {
  const { values } = ctx;
  const lab = ctx.lab();
  const span = spanOption(values.span);
  const axes = values.axes ?? 'plane';
  const req: LandscapeRequest = {
    center: choice('center', values.center, MARKERS) ?? 'trained',
    axes,
    res: integer('res', values.res, 65, 2, LIMITS.surfaceRes),
    span: span === 'auto' && axes.trim() === 'random' ? 1 : span,
  };
  const id = await experimentFor(ctx, 'landscape', (p) => {
    lab.checkLandscape(p, req);
    if (values.curvature) lab.checkHessian(p);
  });
  const l = await lab.landscape(id, req, ctx.call);
  ctx.clearProgress();
  ctx.note(`stored the surface with experiment ${id}`);
  if (!values.curvature) return ctx.emit(() => landscapeToJson(l), () => landscapeText(l));
  const c = await lab.surfaceCurvature(id, l, ctx.call);
  ctx.emit(() => ({ ...landscapeToJson(l), curvature: curvatureToJson(c) }), () => `${landscapeText(l)}\n${curvatureText(c)}`);
}

export async function interpolate(ctx: Context): Promise<void> {
  const { values } = ctx;
  const lab = ctx.lab();
  const from: MarkerName = choice('from', values.from, MARKERS) ?? 'init';
  const to: MarkerName = choice('to', values.to, MARKERS) ?? 'trained';
  const req = { from, to, points: integer('points', values.points, 101, 2, 10_000) };
  const id = await experimentFor(ctx, 'interpolate', () => lab.checkInterpolation(req));
  const i = await lab.interpolate(id, req, ctx.call);
  ctx.clearProgress();
  ctx.note(`stored the curve with experiment ${id}`);
  ctx.emit(() => interpolationToJson(i), () => interpolationText(i));
}

export async function hessian(ctx: Context): Promise<void> {
  const lab = ctx.lab();
  const at: MarkerName = choice('at', ctx.values.at, MARKERS) ?? 'trained';
  const run = integer('run', ctx.values.run, 0, 0, MAX_SWEEP_RUNS - 1);
  const id = await experimentFor(ctx, 'hessian', (p) => lab.checkHessian(p));
  const h = await lab.hessian(id, at, { ...ctx.call, run });
  ctx.emit(() => hessianToJson(h), () => hessianText(h));
}
