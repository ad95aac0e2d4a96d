// Commands for the library of stored experiments, and for the data and models that go in and out.
import { existsSync } from 'node:fs';
import { InputError } from '../../../shared/errors.js';
import { quoted } from '../../../shared/printable.js';
import { MARKERS, type MarkerName } from '../../../shared/markers.js';
import { PRESETS, presetDescription } from '../../../shared/presets.js';
import { MAX_SWEEP_RUNS } from '../../../shared/sweep.js';
import type { Context } from '../context.js';
import { checkOut } from '../context.js';
import { fromFile, readText } from '../inputs.js';
import { experimentToJson, stringify } from '../json.js';
import { choice, experimentId, integer } from '../options.js';
import { devicesText, experimentText, listText, presetsText } from '../text/library.js';
import { SHOWN_LINES } from '../text/numbers.js';

export async function presets(ctx: Context): Promise<void> {
  ctx.emit(() => PRESETS.map((p) => ({ name: p.name, title: p.title, description: presetDescription(p), kind: p.kind })), () => presetsText(PRESETS));
}

export async function list(ctx: Context): Promise<void> {
  const experiments = ctx.lab().list();
  ctx.emit(() => ({ experiments }), () => listText(experiments));
}

export async function show(ctx: Context): Promise<void> {
  const id = experimentId('show', ctx.args[0]);
  const lab = ctx.lab();
  // The text reads the runs it prints (a page of their listing); only the JSON holds every run's arrays.
  const e = ctx.values.json || ctx.values.out !== undefined ? lab.get(id) : lab.get(id, { sweepRun: 0 });
  const single = !e.sweep && e.runList.length === 1 ? e.runList[0] : null;
  ctx.emit(() => experimentToJson(e), () => experimentText(e, single && lab.fitLine(single), lab.runPage(id, { offset: 0, limit: SHOWN_LINES })));
}

export async function upgrade(ctx: Context): Promise<void> {
  if (!existsSync(ctx.database)) throw new InputError(`upgrade: ${ctx.database} does not exist; nothing to upgrade`);
  // Opening for writing migrates; the read-only commands refuse an older schema instead of changing the file.
  ctx.out(`${ctx.database}: schema ${ctx.lab().upgrade()}, this version's`);
}

export async function rename(ctx: Context): Promise<void> {
  const id = experimentId('rename', ctx.args[0]);
  if (ctx.args.length < 2) throw new InputError('rename: needs a new name, e.g. landscape-lab rename 3 "Adam at lr 0.01"');
  ctx.lab().rename(id, ctx.args.slice(1).join(' '));
  ctx.out(`renamed experiment ${id}`);
}

export async function deleteExperiment(ctx: Context): Promise<void> {
  const id = experimentId('delete', ctx.args[0]);
  const lab = ctx.lab();
  const e = lab.summary(id);
  if (!ctx.values.yes) {
    if (!process.stdin.isTTY) throw new InputError(`delete: experiment ${id} ${quoted(e.name)} would be deleted; add --yes to confirm`);
    if (!(await ctx.confirm(`Delete experiment ${id} ${quoted(e.name)} (${e.runs} run${e.runs === 1 ? '' : 's'})?`))) {
      ctx.out('kept it');
      return;
    }
  }
  lab.delete(id);
  ctx.out(`deleted experiment ${id}`);
}

export async function exportExperiments(ctx: Context): Promise<void> {
  if (!ctx.values.out) throw new InputError('export: needs --out FILE, e.g. --out my.lab.json');
  const ids = ctx.args.map((a) => experimentId('export', a));
  const lab = ctx.lab();
  checkOut(ctx.values.out, ctx.values.force ?? false);
  await lab.exportFile(ids, ctx.values.out);
  ctx.out(`exported ${ids.length} experiment${ids.length === 1 ? '' : 's'} to ${ctx.values.out}`);
}

export async function importExperiments(ctx: Context): Promise<void> {
  const imported = await ctx.lab().importFile(ctx.args[0]);
  ctx.out(imported.map((r) => `imported as experiment ${r.id}${r.renamed ? ' (already present: kept as a copy)' : ''}`).join('\n'));
}

export async function importData(ctx: Context): Promise<void> {
  const path = ctx.args[0];
  const text = readText(path, 'CSV');
  const config = ctx.lab().csvConfig(text, path);
  const { out } = ctx.values;
  ctx.emit(() => config, () => out ? `wrote a config for the ${config.data.n} points of ${path} to ${out}; train it: landscape-lab run ${out}` : stringify(config, true));
}

export async function exportModel(ctx: Context): Promise<void> {
  const id = experimentId('export-model', ctx.args[0]);
  const dir = ctx.values.out;
  if (!dir) throw new InputError('export-model: needs --out DIR, the folder for model.json and weights.bin, e.g. --out my-model');
  const lab = ctx.lab();
  // A taken folder is refused before the store is read, as other commands refuse a taken --out file.
  fromFile('--out', () => lab.checkModelFolder(dir));
  const run = integer('run', ctx.values.run, 0, 0, MAX_SWEEP_RUNS - 1);
  const at: MarkerName = choice('at', ctx.values.at, MARKERS) ?? 'trained';
  const paths = await lab.exportModel(id, run, at, dir, ctx.call);
  ctx.out(`exported the ${at} network of experiment ${id} run ${run} to ${paths.model} and ${paths.weights}`);
}

/** `devices`: what can compute on this machine. */
export async function devices(ctx: Context): Promise<void> {
  const d = await ctx.lab().devices();
  ctx.emit(() => d, () => devicesText(d));
}
