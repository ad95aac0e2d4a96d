// Builds better-sqlite3 for Electron's ABI into node_modules/better-sqlite3/build-electron/, beside
// the Node build that tests and the CLI use, so `npm start` and `npm test` both work in any order.
// main/store/db.ts loads this build (better-sqlite3's nativeBinding option) when running in Electron.
// Needs the internet the first time (a prebuilt binary, or Electron's headers to compile).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electron = require('electron/package.json').version;
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const outDir = join(sqliteDir, 'build-electron', 'Release');
const stamp = join(outDir, 'electron-version');

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === electron) process.exit(0);

console.log(`Building better-sqlite3 for Electron ${electron} (once)…`);
const work = mkdtempSync(join(tmpdir(), 'lab-sqlite-electron-'));
try {
  cpSync(sqliteDir, work, { recursive: true, filter: (src) => !src.includes(`${join(sqliteDir, 'build')}`) });
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electron, npm_config_disturl: 'https://electronjs.org/headers' };
  try {
    execFileSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electron], { cwd: work, stdio: 'inherit', env });
  } catch {
    console.log('No prebuilt binary; compiling against Electron headers…');
    execFileSync('npx', ['--yes', 'node-gyp', 'rebuild', `--target=${electron}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'], { cwd: work, stdio: 'inherit', env });
  }
  mkdirSync(outDir, { recursive: true });
  cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), join(outDir, 'better_sqlite3.node'));
  writeFileSync(stamp, electron);
} finally {
  rmSync(work, { recursive: true, force: true });
}
