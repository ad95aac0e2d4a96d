// What a command's handler gets: its arguments, the lab (opened on first use, closed when the command
// ends), the progress bar of a terminal, and the ways to print and to write --out.
import { accessSync, constants, lstatSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { BACKENDS, KERNELS, type BackendChoice, type KernelChoice } from '../../shared/configRules.js';
import { InputError } from '../../shared/errors.js';
import { printableLines } from '../../shared/printable.js';
import { Lab, type CallOptions, type LabOptions } from '../lab/lab.js';
import { defaultDatabasePath } from '../platform/paths.js';
import { stringify } from './json.js';
import { progressLine } from './text/numbers.js';
import { choice, type Values } from './options.js';

export interface Context {
  values: Values;
  args: string[];
  /** The database the command uses: --db, else the default. */
  database: string;
  /** The kernel, cancellation (Ctrl+C) and progress for the lab's calls. */
  call: CallOptions;
  /** The lab, opened on first use; `options` (the worker count) count only on that first call. */
  lab: (options?: Partial<Pick<LabOptions, 'workers' | 'db'>>) => Lab;
  out: (s: string) => void;
  /** A line on stderr, for what is not the result (where a result was saved, waiting, …). */
  note: (s: string) => void;
  /** Prints the JSON or the text, and writes the JSON to --out when asked; each is made only when wanted. */
  emit: (json: () => unknown, text: () => string) => void;
  /** Writes a progress bar in a terminal (nothing elsewhere). */
  progress: (phase: string, step: number, steps: number, bestLoss: number | null) => void;
  clearProgress: () => void;
  confirm: (question: string) => Promise<boolean>;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Refuses an --out the command could not write. Called before any work (so nothing is trained or
 * saved for a result that cannot be written) and again when writing.
 */
export function checkOut(path: string, force: boolean): void {
  if (path === '') throw new InputError('--out: must name a file (got "")');
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new InputError(`--out: ${p} cannot be used (${(e as NodeJS.ErrnoException).code})`);
    }
  };
  const target = stat(path);
  if (!target && isLink(path)) throw new InputError(`--out: ${path} is a symbolic link that leads nowhere; give a file name (remove the link, or choose another name)`);
  if (target?.isDirectory()) throw new InputError(`--out: ${path} is a folder; give a file name, e.g. ${join(path, 'result.json')}`);
  if (target && !force) throw new InputError(`--out: ${path} already exists; choose another name or add --force`);
  // Replacing a device or a pipe by renaming a file over it is never what was meant.
  if (target && !target.isFile()) throw new InputError(`--out: ${path} is not a regular file`);
  const folder = dirname(path);
  const parent = stat(folder);
  if (!parent) throw new InputError(`--out: the folder ${folder} does not exist`);
  if (!parent.isDirectory()) throw new InputError(`--out: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new InputError(`--out: the folder ${folder} is not writable`);
  }
}

/** Writes beside the target, then renames: a crash never leaves a half-written file under its name. */
export function writeOut(path: string, text: string, force: boolean): void {
  checkOut(path, force);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`--out: ${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function progressBar(): { progress: Context['progress']; clear: () => void } {
  const tty = process.stderr.isTTY;
  let phase = '';
  let phaseStart = performance.now();
  return {
    progress: (p, step, steps, bestLoss) => {
      if (!tty) return;
      if (p !== phase) [phase, phaseStart] = [p, performance.now()];
      process.stderr.write(`\r${progressLine(p, step, steps, performance.now() - phaseStart, bestLoss)}\x1b[K`);
    },
    clear: () => {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The context of one command; `close` ends what it opened (the database, the workers). */
/** `mustExist`: the command changes stored experiments, so a missing database is refused, not created. */
export function createContext(access: 'read' | 'write', values: Values, args: string[], out: (s: string) => void, signal: AbortSignal, mustExist = false): { ctx: Context; close: () => Promise<void> } {
  const database = values.db ?? defaultDatabasePath();
  let lab: Lab | null = null;
  const bar = progressBar();
  const ctx: Context = {
    values,
    args,
    database,
    call: {
      kernel: choice('kernel', values.kernel, KERNELS) as KernelChoice | undefined,
      backend: choice('backend', values.backend, BACKENDS) as BackendChoice | undefined,
      signal,
      onProgress: process.stderr.isTTY ? (p) => bar.progress(p.phase, p.step, p.steps, p.bestLoss) : undefined,
    },
    lab: (options = {}) => {
      lab ??= Lab.open({ db: options.db ?? database, readonly: access === 'read', mustExist, init: values.init, workers: options.workers, startWorkers: 'when-needed' });
      return lab;
    },
    out,
    note: (s) => process.stderr.write(`${printableLines(s)}\n`),
    emit: (json, text) => {
      bar.clear();
      let made: { value: unknown } | undefined;
      const value = () => (made ??= { value: json() }).value;
      if (values.out !== undefined) writeOut(values.out, stringify(value(), true), values.force ?? false);
      out(values.json ? stringify(value()) : text());
    },
    progress: bar.progress,
    clearProgress: bar.clear,
    confirm,
  };
  return { ctx, close: async () => void (await lab?.close()) };
}
