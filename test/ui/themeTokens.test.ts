// The renderer's colours come from one place, app.css, in both themes: every CSS variable a component
// reads is declared there (or by the renderer itself, for sizes and swatches), each theme token has a
// dark value, and none is read with a fallback — a fallback hid two missing tokens (--panel gave the
// cluster dialog's commands a light grey block under light text in dark mode; --ok a dark green).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../renderer/src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(svelte|ts|css)$/.test(e.name) ? [join(dir, e.name)] : []));
}

const css = readFileSync(join(root, 'app.css'), 'utf8');
const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
const declared = (text: string) => new Set(Array.from(text.matchAll(/(?:^|[\s;{])(--[a-z][a-z0-9-]*)\s*:/g), (m) => m[1]));
const light = declared(css.slice(css.indexOf(':root'), darkAt));
const dark = declared(css.slice(darkAt, css.indexOf('}', css.indexOf('}', darkAt) + 1)));
const sources = files(root).map((f) => ({ file: f.slice(root.length), text: readFileSync(f, 'utf8') }));
// Custom properties the renderer sets itself (sizes, a legend swatch): declared in a rule or inline.
const own = new Set(sources.flatMap(({ text }) => [...declared(text), ...Array.from(text.matchAll(/style:(--[a-z][a-z0-9-]*)/g), (m) => m[1])]).filter((v) => !light.has(v)));

describe('theme tokens', () => {
  it('app.css gives every light token a dark value', () => {
    expect(light.size).toBeGreaterThan(10);
    expect([...light].filter((t) => !dark.has(t))).toEqual([]);
  });

  it('every var() in the renderer names a declared variable', () => {
    const missing = sources.flatMap(({ file, text }) => Array.from(text.matchAll(/var\((--[a-z][a-z0-9-]*)/g), (m) => m[1]).filter((v) => !light.has(v) && !own.has(v)).map((v) => `${file}: ${v}`));
    expect(missing).toEqual([]);
  });

  it('no theme token is read with a fallback, which would hide a missing one behind a light colour', () => {
    const withFallback = sources.flatMap(({ file, text }) =>
      Array.from(text.matchAll(/var\((--[a-z][a-z0-9-]*)\s*,/g), (m) => m[1])
        .filter((v) => light.has(v))
        .map((v) => `${file}: ${v}`),
    );
    expect(withFallback).toEqual([]);
  });
});
