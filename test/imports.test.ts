// The layers import one way: store/ never reaches lab/ through its imports (types included), so
// store and lab cannot import each other again.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The repository-relative .ts files a module imports (static imports and re-exports, types too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]);
  return specs.map((s) => relative(root, resolve(dirname(join(root, file)), s.replace(/\.js$/, '.ts'))));
}

/** Every module reachable from `start`, with the path that reaches it. */
function reachable(start: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  while (queue.length) {
    const file = queue.shift() as string;
    for (const next of importsOf(file)) {
      if (seen.has(next)) continue;
      seen.set(next, [...(seen.get(file) as string[]), next]);
      queue.push(next);
    }
  }
  return seen;
}

describe('import layers', () => {
  const storeModules = readdirSync(join(root, 'main/store')).filter((f) => f.endsWith('.ts')).map((f) => `main/store/${f}`);

  it('no module of store/ reaches lab/ (so store and lab cannot import each other)', () => {
    expect(storeModules.length).toBeGreaterThan(3);
    const intoLab = storeModules.flatMap((m) => [...reachable(m).entries()].filter(([f]) => f.startsWith('main/lab/')).map(([, p]) => p.join(' → ')));
    expect(intoLab).toEqual([]);
  });

  it('the result types import neither lab/, store/ nor jobs/', () => {
    expect([...reachable('main/results.ts').keys()].filter((f) => /^main\/(lab|store|jobs)\//.test(f))).toEqual([]);
  });

  it('finds an import where there is one (the check can fail)', () => {
    expect(reachable('main/lab/experiments.ts').has('main/store/experiments.ts')).toBe(true);
  });
});
