// Security checks of the desktop shell: electronegativity over our Electron code and page, the
// rule that only app.ts and preload.ts import electron, and the packaging config against
// electron-builder's own schema.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|svelte|mjs)$/.test(name) ? [path] : [];
  });
}

describe('electron boundary', () => {
  it('only the Electron door imports electron: app.ts, preload.ts and the compute window', () => {
    const importers = ['main', 'shared', 'renderer'].flatMap((d) => sources(join(root, d))).filter((f) => /from ['"]electron['"]|require\(['"]electron['"]\)/.test(readFileSync(f, 'utf8')));
    expect(importers.map((f) => relative(root, f)).sort()).toEqual(['main/electron/app.ts', 'main/electron/computePreload.ts', 'main/electron/computeWindow.ts', 'main/electron/preload.ts']);
  });

  it('the window is isolated, sandboxed and without Node; navigation and new windows are refused', () => {
    const app = readFileSync(join(root, 'main', 'electron', 'app.ts'), 'utf8');
    expect(app).toMatch(/contextIsolation: true/);
    expect(app).toMatch(/sandbox: true/);
    expect(app).toMatch(/nodeIntegration: false/);
    expect(app).toMatch(/will-navigate', \(event\) => event\.preventDefault\(\)/);
    expect(app).toMatch(/setWindowOpenHandler\([\s\S]*?action: 'deny'/);
    expect(app).toMatch(/requestSingleInstanceLock/);
  });

  it('the compute window is hidden, isolated, sandboxed, without Node, in a session that loads only our compute page', () => {
    const compute = readFileSync(join(root, 'main', 'electron', 'computeWindow.ts'), 'utf8');
    expect(compute).toMatch(/show: false/);
    expect(compute).toMatch(/contextIsolation: true/);
    expect(compute).toMatch(/sandbox: true/);
    expect(compute).toMatch(/nodeIntegration: false/);
    expect(compute).toMatch(/session\.fromPartition\('lab-compute'/);
    expect(compute).toMatch(/onBeforeRequest\(\(details, callback\) => callback\(\{ cancel: !ours\(details\.url\) \}\)\)/);
    expect(compute).toMatch(/return fold\(url\)\.startsWith\(fold\(computeFolder\)\);/);
    expect(compute).toMatch(/setPermissionRequestHandler\([^)]*\) => callback\(false\)\)/);
    expect(compute).toMatch(/will-navigate', \(event\) => event\.preventDefault\(\)/);
    expect(compute).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    // The page itself fetches nothing: its policy allows our own script and nothing else.
    const page = readFileSync(join(root, 'main', 'engine', 'gpu', 'page', 'compute.html'), 'utf8');
    expect(page).toMatch(/content="default-src 'none'; script-src 'self';/);
    const app = readFileSync(join(root, 'main', 'electron', 'app.ts'), 'utf8');
    expect(app).toMatch(/appendSwitch\('enable-unsafe-webgpu'\)/);
  });
});

/** Runs electronegativity over a copy of main/ and renderer/ (after `edit`); returns its high and medium findings. */
function seriousFindings(edit: (scan: string) => void = () => undefined): string[] {
  const scan = mkdtempSync(join(tmpdir(), 'lab-eng-'));
  try {
    cpSync(join(root, 'main'), join(scan, 'main'), { recursive: true });
    cpSync(join(root, 'renderer'), join(scan, 'renderer'), { recursive: true, filter: (src) => !src.includes('public') });
    cpSync(join(root, 'package.json'), join(scan, 'package.json'));
    edit(scan);
    const electron = (require('electron/package.json') as { version: string }).version;
    const report = join(scan, 'report.csv');
    const bin = join(root, 'node_modules', '.bin', 'electronegativity');
    const r = spawnSync(bin, ['-i', scan, '-e', electron, '-r', '-v', 'false', '-o', report], { encoding: 'utf8', timeout: 240_000 });
    if (!existsSync(report)) throw new Error(`electronegativity wrote no report: ${r.stderr}`);
    return readFileSync(report, 'utf8').trim().split('\n').slice(1).filter((line) => /,"(HIGH|MEDIUM)",/.test(line));
  } finally {
    rmSync(scan, { recursive: true, force: true });
  }
}

describe('electronegativity', () => {
  it('finds nothing of high or medium severity in main/ and renderer/', () => {
    expect(seriousFindings()).toEqual([]);
  });

  it('does find it when the window loses its isolation (the check can fail)', () => {
    const found = seriousFindings((scan) => {
      const app = join(scan, 'main', 'electron', 'app.ts');
      writeFileSync(app, readFileSync(app, 'utf8').replace('contextIsolation: true', 'contextIsolation: false'));
    });
    expect(found.some((f) => f.startsWith('CONTEXT_ISOLATION_JS_CHECK'))).toBe(true);
  });
});

describe('packaging', () => {
  it('the build writes the compute page where the compute window loads it from', async () => {
    const { default: config } = (await import('../../vite.compute.config.js')) as { default: { root: string; build: { outDir: string; rollupOptions: { input: string } } } };
    expect(join(root, config.root, config.build.outDir)).toBe(join(root, 'dist', 'compute'));
    expect(config.build.rollupOptions.input).toBe(join(config.root, 'compute.html'));
    expect(existsSync(join(root, config.build.rollupOptions.input))).toBe(true);
    expect(readFileSync(join(root, 'main', 'electron', 'computeWindow.ts'), 'utf8')).toContain("join(INSTALL_ROOT, 'dist', 'compute', 'compute.html')");
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toContain('vite build --config vite.compute.config.ts');
    expect(scripts.build).toContain('node scripts/bundle.mjs');
    // The build (npm test runs it first) wrote the compute window's preload where the window loads it.
    expect(readFileSync(join(root, 'main', 'electron', 'computeWindow.ts'), 'utf8')).toContain('computePreload.cjs');
    expect(existsSync(join(root, 'dist', 'main', 'electron', 'computePreload.cjs'))).toBe(true);
  });

  it('electron-builder.yml passes electron-builder’s own schema and builds what the issue asks', async () => {
    const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, linux: { target: 'AppImage', bogus: 1 } }, new DebugLogger(false))).rejects.toThrow(/does not match the API schema/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.directories.output).toBe('release');
    expect(config.asarUnpack).toContain('**/*.node');
    for (const platform of ['linux', 'mac', 'win']) expect(existsSync(join(root, config[platform].icon))).toBe(true);
  });
});
