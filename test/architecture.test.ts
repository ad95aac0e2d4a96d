// The architecture rules (DESIGN.md, section Architecture), checked by dependency-cruiser with the
// rules in .dependency-cruiser.cjs: first on the repository, then on small fixture trees that each
// break one rule on purpose (test/fixtures/architecture/<case>/, laid out like the repository and
// cruised with the case's folder as base directory), so a rule that stopped matching would show.
// The fixtures are only parsed, never run or imported.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ICruiseResult, IModule, IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { cruiseArchitecture, root } from '../scripts/architecture.mjs';

const fixtures = join(root, 'test/fixtures/architecture');

async function cruised(baseDir = root): Promise<ICruiseResult> {
  const { output } = await cruiseArchitecture({ baseDir });
  return output as ICruiseResult;
}

let repository: Promise<ICruiseResult> | undefined;
/** The repository's cruise, done once for the tests that read it. */
const cruisedRepository = () => (repository ??= cruised());

/** One line per violation, `rule: from → to`, with the loop for a cycle. */
function lines(result: ICruiseResult): string[] {
  return result.summary.violations.map((v: IViolation) => {
    const loop = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((step) => step.name)].join(' → ')})` : '';
    return `${v.rule.name}: ${v.from} → ${v.to}${loop}`;
  });
}

function dependenciesOf(result: ICruiseResult, source: string): IModule['dependencies'] {
  const module = result.modules.find((m) => m.source === source);
  if (!module) throw new Error(`${source} was not cruised`);
  return module.dependencies;
}

/**
 * Svelte's compiler, through which dependency-cruiser reads .svelte files, drops `import type` and
 * `type X` specifiers before the tool looks, so a component could import a type from main/ unseen.
 * This closes that gap: every relative import written in a component stays in renderer/ or shared/.
 */
function svelteImportsOutsideRenderer(result: ICruiseResult, baseDir = root): string[] {
  const components = result.modules.map((m) => m.source).filter((source) => source.endsWith('.svelte'));
  expect(components.length).toBeGreaterThan(0);
  return components.flatMap((file) =>
    [...readFileSync(join(baseDir, file), 'utf8').matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)]
      .map((m) => relative(baseDir, resolve(baseDir, dirname(file), m[1])))
      .filter((target) => !/^(renderer|shared)\//.test(target))
      .map((target) => `renderer-not-main (svelte): ${file} → ${target}`),
  );
}

describe('architecture rules', () => {
  it('hold on main/, shared/ and renderer/', async () => {
    const result = await cruisedRepository();
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    expect(lines(result)).toEqual([]);
  });

  it('cover the type-only imports of .svelte files, which the tool cannot see', async () => {
    expect(svelteImportsOutsideRenderer(await cruisedRepository())).toEqual([]);
  });
});

describe('the rules catch what they are for (fixture trees)', () => {
  it('a clean tree passes, and the tool sees every kind of edge in it', async () => {
    const result = await cruised(join(fixtures, 'clean'));
    expect(lines(result)).toEqual([]);
    const to = (source: string) => dependenciesOf(result, source).map((d) => `${d.resolved} [${d.dependencyTypes.join(',')}]`);
    // './x.js' written, x.ts on disk (nodenext); npm packages and builtins recorded, not followed.
    expect(to('main/workers/pool.ts')).toEqual(['main/engine/surface.ts [local,import]', 'worker_threads [core,import]']);
    // Type-only imports are edges too.
    expect(to('main/store/db.ts')).toEqual(['shared/types.ts [local,type-only,import]']);
    // .svelte files are parsed: a component import, and extensionless imports (bundler resolution).
    expect(to('renderer/src/App.svelte')).toEqual(
      expect.arrayContaining(['renderer/src/Child.svelte [local,import]', 'renderer/src/lib/api.ts [local,import]', 'shared/types.ts [local,import]']),
    );
    expect(to('main/electron/app.ts')).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/electron\/index\.js \[npm[a-z-]*,import\]$/)]));
  });

  const cases: [string, string[]][] = [
    ['circular', ['no-circular: main/lab/boundary.ts → main/lab/runs.ts (cycle: main/lab/boundary.ts → main/lab/runs.ts → main/lab/boundary.ts)']],
    ['engine-imports-store', ['engine-imports-only-shared: main/engine/surface.ts → main/store/db.ts']],
    // Dawn resolves into node_modules (a relative path from the fixture, which sorts first).
    ['engine-does-io', [expect.stringMatching(/^engine-no-io: main\/engine\/device\.ts → .*node_modules\/webgpu\//), 'engine-no-io: main/engine/device.ts → child_process', 'engine-no-io: main/engine/device.ts → fs']],
    ['store-imports-lab', ['store-not-lab: main/store/db.ts → main/lab/experiments.ts']],
    ['workers-import-lab', ['workers-below-lab: main/workers/pool.ts → main/lab/runs.ts', 'workers-below-lab: main/workers/pool.ts → main/store/db.ts']],
    [
      'door-imports-engine',
      [
        'doors-through-facade: main/bridge/server.ts → main/store/db.ts',
        'doors-through-facade: main/cli/cli.ts → main/engine/surface.ts',
        'doors-through-facade: main/electron/app.ts → main/workers/pool.ts',
      ],
    ],
    [
      'electron-outside-door',
      [
        expect.stringMatching(/^electron-only-in-electron-door: main\/lab\/menu\.ts → .*node_modules\/electron\/index\.js$/),
        expect.stringMatching(/^electron-only-in-electron-door: shared\/ipc\.ts → .*node_modules\/electron\/index\.js$/),
      ],
    ],
    ['renderer-imports-main', ['renderer-not-main: renderer/src/App.svelte → main/lab/runs.ts', 'renderer-not-main: renderer/src/lib/api.ts → main/lab/runs.ts']],
    ['shared-imports-main', ['shared-imports-neither: shared/api.ts → main/lab/runs.ts', 'shared-imports-neither: shared/api.ts → renderer/src/lib/theme.ts']],
    ['unresolvable', ['no-unresolvable-local-import: main/lab/lab.ts → ./runs.js']],
  ];

  it.each(cases)('%s is reported under its rule', async (name, expected) => {
    expect(lines(await cruised(join(fixtures, name))).sort()).toEqual(expected);
  });

  it("a component's type-only import of main/ is caught by the svelte check, not by the tool", async () => {
    const base = join(fixtures, 'renderer-imports-main');
    const result = await cruised(base);
    expect(lines(result).filter((line) => line.includes('RunCard.svelte'))).toEqual([]);
    expect(svelteImportsOutsideRenderer(result, base)).toEqual([
      'renderer-not-main (svelte): renderer/src/App.svelte → main/lab/runs',
      'renderer-not-main (svelte): renderer/src/RunCard.svelte → main/lab/runs',
    ]);
  });
});
