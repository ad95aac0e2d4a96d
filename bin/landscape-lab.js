#!/usr/bin/env node
// Entry point of the `landscape-lab` command: runs the bundled CLI (npm install builds it: scripts/bundle.mjs).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('landscape-lab: not built yet; run `npm run build` in the project folder\n');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
