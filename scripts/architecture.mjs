// Checks the architecture rules (.dependency-cruiser.cjs) with dependency-cruiser's JavaScript API:
// `npm run arch` prints the report (`npm run arch -- err-long` adds each rule's reason; any of the
// tool's output types works, e.g. dot or mermaid), and test/architecture.test.ts runs the same cruise.
//
// Why not the `depcruise` command: dependency-cruiser 18 refuses to start on Node 20 (its engines
// say ^22), which this project still supports; its API runs fine there. On Node >= 22 the command
// `npx depcruise main shared renderer --config .dependency-cruiser.cjs` gives the same report.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const LAYERS = ['main', 'shared', 'renderer'];

/**
 * Cruises `LAYERS` under `baseDir` (the repository, or a fixture tree laid out like it) with the
 * repository's rules and tsconfig. The cache (see the config) is used only for the repository cruised
 * from its root: the tool keys it on the arguments and hashes files relative to the working
 * directory, so any other base directory could be answered with another tree's result.
 */
export async function cruiseArchitecture({ baseDir = root, outputType } = {}) {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const tsConfigFile = join(root, 'tsconfig.json');
  options.tsConfig = { fileName: tsConfigFile };
  options.baseDir = baseDir;
  if (resolve(baseDir) !== root || process.cwd() !== root) delete options.cache;
  if (outputType) options.outputType = outputType;
  const dirs = LAYERS.filter((dir) => existsSync(join(baseDir, dir)));
  return cruise(dirs, options, {}, { tsConfig: extractTSConfig(tsConfigFile) });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { output, exitCode } = await cruiseArchitecture({ outputType: process.argv[2] ?? 'err' });
  process.stdout.write(typeof output === 'string' ? output : JSON.stringify(output, null, 2));
  process.exitCode = exitCode;
}
