// This install: the folder holding the lab's package.json (the repository, or the packaged app), and
// the app's version from it. Found by walking up from this module, so the sources and the build agree.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findInstall(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'landscape-lab' && pkg.version) return { root: dir, version: pkg.version };
    } catch {
      // No package.json of ours here: look one folder up.
    }
    const up = dirname(dir);
    if (up === dir) return { root: dirname(fileURLToPath(import.meta.url)), version: '0.0.0' };
    dir = up;
  }
}

const install = findInstall();

/** The folder with the lab's package.json: bin/, dist/ and assets/ are inside it. */
export const INSTALL_ROOT = install.root;
export const APP_VERSION = install.version;
