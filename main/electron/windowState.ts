// Remembers the window's size and position between launches (a small JSON file in userData).
import { writeFileSync } from 'node:fs';
import { readInputFile } from '../platform/files.js';
import { join } from 'node:path';

export interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

const DEFAULT: Bounds = { width: 1400, height: 900 };

export function loadBounds(dir: string): Bounds {
  try {
    const b = JSON.parse(readInputFile(join(dir, 'window-state.json'), 64 * 1024, 'a window state file').toString('utf8')) as Bounds;
    const ok = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
    if (ok(b.x) && ok(b.y) && b.width >= 400 && b.height >= 300) return b;
  } catch {
    // First launch, or an unreadable file: start from the default.
  }
  return DEFAULT;
}

export function saveBounds(dir: string, bounds: Bounds): void {
  try {
    writeFileSync(join(dir, 'window-state.json'), JSON.stringify(bounds));
  } catch {
    // Not remembering the window is no reason to fail quitting.
  }
}
