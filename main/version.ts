// The app's version, from package.json (found from the sources and from the build alike).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function read(): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'landscape-lab' && pkg.version) return pkg.version;
    } catch {
      // Not at this depth: try the next.
    }
  }
  return '0.0.0';
}

export const APP_VERSION = read();
