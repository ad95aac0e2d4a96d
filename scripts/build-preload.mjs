// Bundles the preloads (the app window's, main/electron/preload.ts, and the compute window's,
// computePreload.ts) into one CommonJS file each: sandboxed preloads cannot load ES modules or
// anything but Electron. (zod comes along with the channel map; it is small.)
import { build } from 'esbuild';

await build({
  entryPoints: ['main/electron/preload.ts'],
  outfile: 'dist/main/electron/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});

await build({
  entryPoints: ['main/electron/computePreload.ts'],
  outfile: 'dist/main/electron/computePreload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning',
});
