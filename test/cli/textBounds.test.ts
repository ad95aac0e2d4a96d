// A terminal gets a summary, --json the whole: a listing longer than a screen (a network's
// parameters, a sweep's runs) prints its first lines and one line saying how many more there are.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;

function cli(...args: string[]) {
  const r = runCli(dir, args);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-text-bounds-'));
});

describe('text output is bounded', () => {
  it("a 1→256→256→1 run prints 50 of its 66,561 parameters and says where the rest are; --json has them all", () => {
    writeFileSync(join(dir, 'wide.json'), JSON.stringify({ data: { target: { kind: 'hinge' }, n: 20 }, model: { hidden: [256, 256] }, steps: 2 }));
    const text = cli('run', 'wide.json', '--db', 'lab.sqlite');
    const rows = text.split('\n').filter((l) => /^W|^b/.test(l));
    expect(rows).toHaveLength(50);
    expect(text).toContain('… and 66,511 more parameters (--json lists all 66,561)');
    expect(text.length).toBeLessThan(20_000);
    const json = JSON.parse(cli('show', '1', '--db', 'lab.sqlite', '--json')) as { layout: string[] };
    expect(json.layout).toHaveLength(66_561);
  });

  it('a sweep of 60 runs shows 50 of them, and --json all 60', () => {
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ base: { data: { target: { kind: 'hinge' }, n: 20 }, steps: 5 }, grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: 30 }));
    cli('sweep', 'sweep.json', '--db', 'sweep.sqlite');
    const text = cli('show', '1', '--db', 'sweep.sqlite');
    const lines = text.split('\n').filter((l) => /^\s+\d+\s+(done|diverged)/.test(l));
    // The first 50 in order, each labelled by its cell's value and seed: the page the text reads.
    expect(lines.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(Array.from({ length: 50 }, (_, k) => k));
    expect(lines[49]).toMatch(/ optimizer\.lr=0\.1 · seed=20$/);
    expect(text).toContain('… and 10 more runs (--json lists all 60)');
    const json = JSON.parse(cli('show', '1', '--db', 'sweep.sqlite', '--json')) as { runs: unknown[] };
    expect(json.runs).toHaveLength(60);
  });
});
