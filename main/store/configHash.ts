// A config's identity: the SHA-256 of its canonical JSON (keys sorted at every level, undefined
// fields dropped), so the same parsed config — seed included — always hashes alike.
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The hash of a config (a parsed one, or its stored JSON read back). */
export function configHash(config: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(config));
  return createHash('sha256').update(JSON.stringify(canonical(plain))).digest('hex');
}

/**
 * The identity of a sweep spec (a parsed one, or its stored JSON): the shards of one sweep share it.
 * The grid's order is kept — it numbers the cells — and every other object's keys are sorted.
 */
export function sweepSpecHash(spec: unknown): string {
  const plain = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  const grid = plain.grid && typeof plain.grid === 'object' ? Object.entries(plain.grid).map(([k, v]) => [k, canonical(v)]) : plain.grid;
  return createHash('sha256').update(JSON.stringify(canonical({ ...plain, grid: null }))).update(JSON.stringify(grid ?? null)).digest('hex');
}
