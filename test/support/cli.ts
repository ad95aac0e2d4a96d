// The built command as a user runs it, in a child process, and what a refusal must look like.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'landscape-lab.js');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `landscape-lab ARGS` in `dir`, with its own data folder there (so the default database is too), and `env` besides. */
export function runCli(dir: string, args: string[], timeout = 120_000, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, timeout, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data'), ...env }, maxBuffer: 2 ** 30 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Exit 2, one line on stderr matching `message`, nothing on stdout. */
export function expectRefused(r: CliResult, message: RegExp): void {
  expect(r.err).toMatch(/^landscape-lab: [^\n]*\n$/);
  expect(r.err.slice('landscape-lab: '.length, -1)).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
}
