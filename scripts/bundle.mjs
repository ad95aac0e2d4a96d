// The bundles `npm run build` makes with esbuild, beside tsc's one-file-per-module output in dist/:
// - the preloads (the app window's, main/electron/preload.ts, and the compute window's,
//   computePreload.ts), one CommonJS file each: sandboxed preloads cannot load ES modules or anything
//   but Electron (zod comes along with the channel map; it is small);
// - the command line and its worker threads, one ES module each plus shared chunks, in dist/cli/:
//   a command that loads 100-odd small modules spends more on finding and compiling them than on a
//   shard's work, so it loads a few big ones. Dynamic imports stay lazy (their own chunks). Native
//   addons and the packages that find their own files (tfjs, webgpu) stay outside.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

for (const preload of ['preload', 'computePreload']) {
  await build({
    entryPoints: [`main/electron/${preload}.ts`],
    outfile: `dist/main/electron/${preload}.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });
}

// Chunk names change with their content: last build's chunks go first.
rmSync('dist/cli', { recursive: true, force: true });
await build({
  // The threads' entries sit beside the chunks, where their starters look for them (platform/threads.ts).
  entryPoints: { main: 'main/cli/main.ts', worker: 'main/workers/worker.ts', exchangeWorker: 'main/store/exchangeWorker.ts', clusterWorker: 'main/lab/cluster/clusterWorker.ts' },
  outdir: 'dist/cli',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'webgpu', '@tensorflow/*', 'ws', 'electron'],
  logLevel: 'warning',
});
