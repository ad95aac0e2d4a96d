// The `landscape-lab` command: headless, a thin door into the lab façade. Bad input exits with code 2
// and one line on stderr naming the field and what is allowed; never a stack trace.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKENDS, InputError, KERNELS, LIMITS, parseConfig, type BackendChoice, type ExperimentConfig, type KernelChoice } from '../shared/config.js';
import { interpolationText, landscapeText, optimumText, progressLine, runText } from './cliText.js';
import { AXES_HELP } from './engine/directions.js';
import { MARKERS, type MarkerName } from './engine/surface.js';
import { interpolationToJson, landscapeToJson, optimumToJson, runToJson, stringify } from './lab/json.js';
import { interpolation, landscape, optimum, run, type JobOptions } from './lab/lab.js';

const HELP = `landscape-lab — train small networks and explore their cost surfaces (headless)

Usage:
  landscape-lab run <config.json> [--json] [--out FILE] [--force] [--kernel K] [--backend B]
  landscape-lab landscape <config.json> [--center C] [--axes SPEC] [--res N] [--span S] [--json] [--out FILE]
  landscape-lab optimum <config.json> [--restarts N] [--json]
  landscape-lab interpolate <config.json> [--from C] [--to C] [--points N] [--json]

Options:
  --json            print the result as JSON on stdout
  --out FILE        also write the JSON result to FILE (never overwrites unless --force)
  --kernel K        ${KERNELS.join(' | ')} (default: the config's kernel, auto)
  --backend B       tfjs backend: ${BACKENDS.join(' | ')} (default auto: tensorflow, else wasm, else cpu)
  --center C        ${MARKERS.join(' | ')} (default trained)
  --axes SPEC       ${AXES_HELP} (default plane)
  --res N           grid points per side, 2..${LIMITS.surfaceRes} (default 65)
  --span S          half-width of the grid, or auto to fit the markers (default auto; 1 for random)
  --from/--to C     interpolation end points (default init → trained)
  --points N        interpolation points (default 101)
  --restarts N      restarts when the optimum has no closed form (default 8)
  -h, --help        this help;  -v, --version  the version

The config is one JSON document; every field but data.target has a default. See README.md.
Exit codes: 0 ok, 1 internal error, 2 bad input, 130 interrupted.`;

const OPTIONS = {
  json: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  kernel: { type: 'string' },
  backend: { type: 'string' },
  center: { type: 'string' },
  axes: { type: 'string' },
  res: { type: 'string' },
  span: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  points: { type: 'string' },
  restarts: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies ParseArgsConfig['options'];

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const COMMAND_OPTIONS: Record<string, (keyof typeof OPTIONS)[]> = {
  run: ['json', 'out', 'force', 'kernel', 'backend'],
  landscape: ['json', 'out', 'force', 'kernel', 'backend', 'center', 'axes', 'res', 'span'],
  optimum: ['json', 'out', 'force', 'kernel', 'backend', 'restarts'],
  interpolate: ['json', 'out', 'force', 'kernel', 'backend', 'from', 'to', 'points'],
};

export function readConfig(path: string): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a config file' : `cannot be read (${code})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  try {
    return parseConfig(json);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}

function choice<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new InputError(`--${field}: must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function integer(field: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${field}: must be an integer from ${min} to ${max} (got "${value}")`);
  return v;
}

function writeOut(path: string, text: string, force: boolean): void {
  if (existsSync(path) && !force) throw new InputError(`--out: ${path} already exists; choose another name or add --force`);
  if (!existsSync(dirname(path) || '.')) throw new InputError(`--out: the folder ${dirname(path)} does not exist`);
  // Write beside the target, then rename: a crash never leaves a half-written file under its name.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function progressReporter(): JobOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  const started = performance.now();
  let phase = '';
  let phaseStart = started;
  return (p) => {
    if (p.phase !== phase) {
      phase = p.phase;
      phaseStart = performance.now();
    }
    process.stderr.write(`\r${progressLine(p.phase, p.step, p.steps, performance.now() - phaseStart, p.bestLoss)}\x1b[K`);
  };
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

async function execute(argv: string[], out: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const m = /'(--?[\w-]+)'/.exec((e as Error).message);
    throw new InputError(m ? `${m[1]}: unknown option or missing value; see landscape-lab --help` : (e as Error).message.split('\n')[0]);
  }
  const values = parsed.values as Values;
  const [command, file, ...extra] = parsed.positionals;
  if (values.version) {
    out(await version());
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    out(HELP);
    return 0;
  }
  const allowed = COMMAND_OPTIONS[command];
  if (!allowed) throw new InputError(`command: must be one of ${Object.keys(COMMAND_OPTIONS).join(', ')} (got "${command}"); see landscape-lab --help`);
  for (const key of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (!allowed.includes(key)) throw new InputError(`--${key}: not an option of ${command}; see landscape-lab --help`);
  }
  if (!file) throw new InputError(`${command}: needs a config file, e.g. landscape-lab ${command} hinge.json`);
  if (extra.length) throw new InputError(`${command}: takes one config file (also got "${extra[0]}")`);

  const config = readConfig(file);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const job: JobOptions = {
    kernel: choice('kernel', values.kernel, KERNELS) as KernelChoice | undefined,
    backend: choice('backend', values.backend, BACKENDS) as BackendChoice | undefined,
    onProgress: progressReporter(),
    signal: controller.signal,
  };
  try {
    let json: unknown;
    let text: string;
    switch (command) {
      case 'run': {
        const r = await run(config, job);
        json = runToJson(r);
        text = runText(r);
        break;
      }
      case 'landscape': {
        const spanText = values.span ?? 'auto';
        const span = spanText === 'auto' ? 'auto' : Number(spanText);
        if (span !== 'auto' && !(Number.isFinite(span) && span > 0)) throw new InputError(`--span: must be a number > 0 or auto (got "${spanText}")`);
        const axes = values.axes ?? 'plane';
        const l = await landscape(
          config,
          {
            center: choice('center', values.center, MARKERS) ?? 'trained',
            axes,
            res: integer('res', values.res, 65, 2, LIMITS.surfaceRes),
            span: span === 'auto' && axes.trim() === 'random' ? 1 : span,
          },
          job,
        );
        json = landscapeToJson(l);
        text = landscapeText(l);
        break;
      }
      case 'optimum': {
        const o = await optimum(config, { ...job, restarts: integer('restarts', values.restarts, 8, 1, 256) });
        json = optimumToJson(o);
        text = optimumText(o);
        break;
      }
      default: {
        const from: MarkerName = choice('from', values.from, MARKERS) ?? 'init';
        const to: MarkerName = choice('to', values.to, MARKERS) ?? 'trained';
        const i = await interpolation(config, { from, to, points: integer('points', values.points, 101, 2, 10_000) }, job);
        json = interpolationToJson(i);
        text = interpolationText(i);
      }
    }
    clearProgress();
    if (values.out) writeOut(values.out, stringify(json, true), values.force ?? false);
    out(values.json ? stringify(json) : text);
    return controller.signal.aborted ? 130 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function version(): Promise<string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `landscape-lab ${pkg.version}`;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await execute(argv, (s) => process.stdout.write(`${s}\n`));
  } catch (e) {
    clearProgress();
    if (e instanceof InputError) {
      process.stderr.write(`landscape-lab: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'AbortError') {
      process.stderr.write('landscape-lab: interrupted\n');
      return 130;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`landscape-lab: internal error: ${message.split('\n')[0]}${process.env.LANDSCAPE_LAB_DEBUG ? `\n${(e as Error).stack}` : ' (set LANDSCAPE_LAB_DEBUG=1 for details)'}\n`);
    return 1;
  }
}
