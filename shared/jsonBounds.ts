// Bounds on the shape of JSON from outside (an import, a config or sweep file, a bridge message):
// how deep it nests and how many fields an object has. Walked with an explicit stack before any
// schema looks at it, since schemas, structuredClone and JSON.stringify recurse (and overflow the stack
// on thousands of levels), and a schema's free-form field would take any number of keys.
import { z } from 'zod';

/** Deeper or wider than any document of ours: an export nests 9 levels, a config object has 12 fields. */
export const JSON_BOUNDS = { depth: 24, keys: 64 } as const;

/**
 * JSON.parse makes "__proto__" an own key, but every copy (a schema's record, a spread) drops it or
 * sets the prototype instead, so `{"__proto__": 1}` would be stored as `{}`: refused instead.
 */
const PROTO_MESSAGE = 'is a key no document of ours has ("__proto__" is not a field name; it would be dropped silently)';

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
      if (Object.hasOwn(node, '__proto__')) return { path: [...pathTo(key), '__proto__'], message: PROTO_MESSAGE };
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

/**
 * The same bounds, and a budget of parsed values, checked on the raw text before JSON.parse builds
 * anything: what JSON.parse makes of hostile text can be far larger than the text ("[{},{},…]" is 3
 * bytes an object, each tens of bytes parsed; a 2,000,000-key object is a dictionary of that many
 * entries). Depth and fields per object are refused with jsonShapeProblem's messages and paths. In the
 * budget every scalar costs 1, every object member MEMBER_COST more, every object or array
 * CONTAINER_COST, and the total may not exceed FLOOR plus the text's length / BYTES_PER_VALUE: about
 * 8 parsed bytes per 4 bytes of text. Our exports are mostly base64 strings, far below that.
 * Syntax errors are left to JSON.parse.
 */
export const TEXT_BUDGET = { bytesPerValue: 4, memberCost: 2, containerCost: 8, floor: 1_000_000 } as const;

/** Whether the key text[from, to) is "__proto__", also when written with escapes. */
function isProtoKey(text: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 9) return text.startsWith('__proto__', from);
  // At most 9 characters, each written as \uXXXX.
  if (length < 9 || length > 54) return false;
  const key = text.slice(from, to);
  if (!key.includes('\\')) return false;
  try {
    return JSON.parse(`"${key}"`) === '__proto__';
  } catch {
    return false;
  }
}

export function jsonTextProblem(text: string, bounds: { depth: number; keys: number } = JSON_BOUNDS, valueBudget: { bytesPerValue: number; floor: number } = TEXT_BUDGET): ShapeProblem | null {
  const { memberCost, containerCost } = TEXT_BUDGET;
  const { bytesPerValue, floor } = valueBudget;
  const budget = floor + text.length / bytesPerValue;
  // Open containers, with each one's current member (an object's key as text offsets, an array's index).
  const frames: { object: boolean; keyFrom: number; keyTo: number; index: number; members: number }[] = [];
  const pathOf = (count: number) => frames.slice(0, count).map((f) => (f.object ? text.slice(f.keyFrom, f.keyTo) : f.index));
  let stringFrom = 0;
  let stringTo = 0;
  let spent = 0;
  let pendingValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote (escapes included).
      stringFrom = i + 1;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      stringTo = i;
      pendingValue = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (frames.length >= bounds.depth) return { path: pathOf(frames.length), message: `nests deeper than ${bounds.depth} levels` };
      frames.push({ object: c === 0x7b, keyFrom: 0, keyTo: 0, index: 0, members: 0 });
      spent += containerCost;
      pendingValue = false;
    } else if (c === 0x3a) {
      const top = frames[frames.length - 1];
      if (top) {
        [top.keyFrom, top.keyTo] = [stringFrom, stringTo];
        if (++top.members > bounds.keys) return { path: pathOf(frames.length - 1), message: `has more than ${bounds.keys} fields` };
        if (isProtoKey(text, stringFrom, stringTo)) return { path: [...pathOf(frames.length - 1), '__proto__'], message: PROTO_MESSAGE };
      }
      spent += memberCost;
      pendingValue = false;
    } else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top && !top.object) top.index++;
      pendingValue = false;
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
      pendingValue = true;
    } else if (c > 0x20 && !pendingValue) {
      // The first character of a number, true, false or null.
      spent++;
      pendingValue = true;
    }
    if (spent > budget) {
      return { path: pathOf(frames.length - 1), message: `holds more values than a file of its size may (at most ${Math.floor(budget).toLocaleString('en-US')}; an export's arrays are base64 strings)` };
    }
  }
  return null;
}
