// npm run screenshots: the README's screenshots (docs/default-run-*, diverged-run-*, classification-*,
// sweep-*, race-*, job-centre-* at 1600×1000 and 1280×800 from the views test; docs/curvature.png and
// docs/race.png from the curvature test), taken in Chromium on a fresh database once the test's
// assertions up to each one pass. A plain test run writes them to
// test-artifacts/ instead, so running the tests leaves the tree clean. Run after `npm run build` (the
// script does).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--no-file-parallelism', 'test/ui/views.test.ts', 'test/ui/curvatureUi.test.ts'], { stdio: 'inherit', env: { ...process.env, LAB_SCREENSHOTS: 'docs' } });
process.exit(run.status ?? 1);
