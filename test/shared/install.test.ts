// Where the lab finds its install (package.json, dist/, bin/, assets/): walking up from its own code,
// in the repository and in the packaged app, whose code is unpacked beside the archive that holds
// package.json and the renderer (app.asar.unpacked beside app.asar).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_VERSION, INSTALL_ROOT, installOf } from '../../main/platform/version.js';

const pkg = (version: string) => JSON.stringify({ name: 'landscape-lab', version });

describe('the install', () => {
  it('is the repository for the sources, with its version', () => {
    expect(INSTALL_ROOT).toBe(fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''));
    expect(APP_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('is the archive beside the unpacked code of a packaged app, and 0.0.0 where there is none', () => {
    const resources = mkdtempSync(join(tmpdir(), 'lab-install-'));
    mkdirSync(join(resources, 'app.asar'));
    writeFileSync(join(resources, 'app.asar', 'package.json'), pkg('9.8.7'));
    const code = join(resources, 'app.asar.unpacked', 'dist', 'main', 'platform');
    mkdirSync(code, { recursive: true });
    expect(installOf(code)).toEqual({ root: join(resources, 'app.asar'), version: '9.8.7' });
    // Another program's package.json on the way up is not ours.
    const elsewhere = mkdtempSync(join(tmpdir(), 'lab-no-install-'));
    writeFileSync(join(elsewhere, 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
    const deep = join(elsewhere, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    expect(installOf(deep).version).toBe('0.0.0');
  });
});
