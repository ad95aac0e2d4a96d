// This install: the folder holding the lab's package.json (the repository, or the packaged app), and
// the app's version from it. Found by walking up from this module, so the sources and the build agree.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The install that holds folder `from`: the nearest folder up with our package.json, and its version. */
export function installOf(from: string): { root: string; version: string } {
  let dir = from;
  for (;;) {
    // In the packaged app this code is unpacked beside the archive (app.asar.unpacked) while
    // package.json and the renderer stay inside it (app.asar, which Electron's fs reads).
    for (const candidate of [dir, dir.replace(/app\.asar\.unpacked$/, 'app.asar')]) {
      try {
        const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'landscape-lab' && pkg.version) return { root: candidate, version: pkg.version };
      } catch {
        // No package.json of ours here: look one folder up.
      }
    }
    const up = dirname(dir);
    if (up === dir) return { root: from, version: '0.0.0' };
    dir = up;
  }
}

const install = installOf(dirname(fileURLToPath(import.meta.url)));

/** The folder with the lab's package.json: bin/, dist/ and assets/ are inside it. */
export const INSTALL_ROOT = install.root;
export const APP_VERSION = install.version;
