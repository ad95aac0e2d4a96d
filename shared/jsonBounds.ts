// Bounds on the shape of JSON from outside (an import, a config or sweep file, a bridge message):
// how deep it nests and how many fields an object has. Walked with an explicit stack before any
// schema looks at it, since schemas, structuredClone and JSON.stringify recurse: 5,000-deep nesting
// in a free-form field once ended in an internal error, and a 2,000,000-key object was accepted.
import { z } from 'zod';

/** Deeper or wider than any document of ours: an export nests 9 levels, a config object has 12 fields. */
export const JSON_BOUNDS = { depth: 24, keys: 64 } as const;

export interface ShapeProblem {
  path: (string | number)[];
  message: string;
}

/** The first place where `value` nests deeper, or an object holds more fields, than allowed; null when it fits. */
export function jsonShapeProblem(value: unknown, bounds: { depth: number; keys: number } = JSON_BOUNDS): ShapeProblem | null {
  interface Frame {
    node: Record<string, unknown> | unknown[];
    keys: string[] | null;
    next: number;
    key: string | number | undefined;
  }
  const frames: Frame[] = [];
  // The root frame has no key; every frame under it has one.
  const pathTo = (key: string | number | undefined) => [...frames.slice(1).map((f) => f.key as string | number), ...(key === undefined ? [] : [key])];
  const enter = (node: unknown, key: string | number | undefined): ShapeProblem | null => {
    if (node === null || typeof node !== 'object') return null;
    if (frames.length >= bounds.depth) return { path: pathTo(key), message: `nests deeper than ${bounds.depth} levels` };
    let keys: string[] | null = null;
    if (!Array.isArray(node)) {
      // Counted without listing them all: a 2,000,000-key object is refused at key 65.
      let count = 0;
      for (const k in node) if (Object.hasOwn(node, k) && ++count > bounds.keys) return { path: pathTo(key), message: `has more than ${bounds.keys} fields` };
      keys = Object.keys(node);
    }
    frames.push({ node: node as Frame['node'], keys, next: 0, key });
    return null;
  };
  let problem = enter(value, undefined);
  while (!problem && frames.length) {
    const top = frames[frames.length - 1];
    const size = top.keys ? top.keys.length : (top.node as unknown[]).length;
    if (top.next >= size) {
      frames.pop();
      continue;
    }
    const key = top.keys ? top.keys[top.next] : top.next;
    top.next++;
    problem = enter((top.node as Record<string | number, unknown>)[key], key);
  }
  return problem;
}

/**
 * A JSON object of bounded shape whose fields a later schema checks (a config before parseConfig).
 * Typed as taking an object, as the unbounded z.record it replaces did.
 */
export function boundedObject(bounds: { depth: number; keys: number } = JSON_BOUNDS): z.ZodType<Record<string, unknown>, Record<string, unknown>> {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      const problem = jsonShapeProblem(v, bounds);
      if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    })
    .pipe(z.record(z.string(), z.unknown())) as unknown as z.ZodType<Record<string, unknown>, Record<string, unknown>>;
}
