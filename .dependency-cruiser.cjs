// The architecture rules of DESIGN.md (section Architecture), checked by dependency-cruiser.
// `npm test` runs them (test/architecture.test.ts, which also breaks each rule on purpose in
// test/fixtures/architecture/); `npm run arch` prints the same report by hand.
//
// Paths in the rules are relative to the directory the cruise starts from (the repository root, or a
// fixture tree in the test), and are regular expressions, not globs. "Ours" means a dependency of type
// 'local' (a relative import that resolved to a file of ours); npm packages and node: builtins are
// never 'local'. Type-only imports are edges like any other (tsPreCompilationDeps below): a type
// import ties two modules together for the compiler and the reader just as a value import does.

/** The doors: they parse, validate, call the façade and print or send. */
const DOORS = '^main/(cli|electron|bridge)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Modules that import each other (directly or round a longer loop, type-only imports included) ' +
        'cannot be understood, tested or moved one at a time, and at run time the loop can meet a ' +
        'half-initialised module. Break the loop: move the shared part down a layer (often to shared/).',
      severity: 'error',
      from: { path: '^(main|shared|renderer)/' },
      to: { circular: true },
    },
    {
      name: 'engine-imports-only-shared',
      comment:
        'engine/ is pure numerics: deterministic, and free of Electron, SQLite, IPC and the file ' +
        'system, so it runs the same in the pool, the CLI and the tests. Of our code it may use only ' +
        'shared/ (npm packages and node: builtins are fine).',
      severity: 'error',
      from: { path: '^main/engine/' },
      to: { dependencyTypes: ['local'], pathNot: ['^main/engine/', '^shared/'] },
    },
    {
      name: 'engine-no-io',
      comment:
        'engine/ reads no file, starts no process and loads no native GPU module itself: what it needs ' +
        'of the system (a GPU device source) is set by whoever starts the process (platform/dawn.ts ' +
        'through lab/gpuHost.ts, or the worker), so the engine runs the same wherever it is given one.',
      severity: 'error',
      from: { path: '^main/engine/' },
      to: { path: ['^(node:)?(fs|fs/promises|child_process)$', '^webgpu$', '(^|/)node_modules/webgpu/'] },
    },
    {
      name: 'store-not-lab',
      comment:
        'store/ is the bottom layer that keeps results; the façade (lab/), the worker pool and the ' +
        'doors sit above it and call into it. Reaching up would make store and lab import each other.',
      severity: 'error',
      from: { path: '^main/store/' },
      to: { path: ['^main/lab/', '^main/workers/', DOORS] },
    },
    {
      name: 'workers-below-lab',
      comment:
        'workers/ (the worker_threads pool, its protocol and the worker) runs engine code off the ' +
        'main thread and sits below the façade: of our code it imports only engine/, platform/ (how a ' +
        'thread starts, where its GPU device comes from) and shared/, never lab/, store/ or a door.',
      severity: 'error',
      from: { path: '^main/workers/' },
      to: { dependencyTypes: ['local'], pathNot: ['^main/workers/', '^main/engine/', '^main/platform/', '^shared/'] },
    },
    {
      name: 'doors-through-facade',
      comment:
        'The doors (cli/, electron/, bridge/) parse, validate, call lab/ and print or send. They never ' +
        'reach around the façade into engine/, store/ or workers/: every operation the product has is ' +
        'in lab/, so every door offers the same operations with the same checks.',
      severity: 'error',
      from: { path: DOORS },
      to: { path: '^main/(engine|store|workers)/' },
    },
    {
      name: 'electron-only-in-electron-door',
      comment:
        'Only the Electron door imports electron: everything else runs under plain Node (the CLI, the ' +
        'browser bridge, the tests on machines without a display).',
      severity: 'error',
      from: { pathNot: '^main/electron/' },
      // Resolved, electron is node_modules/electron/…; unresolved, it is the bare name.
      to: { path: ['(^|/)node_modules/electron/', '^electron(/|$)'] },
    },
    {
      name: 'renderer-not-main',
      comment:
        'The renderer is untrusted UI: it reaches main only through LabApi (the channel map and types ' +
        'in shared/), never by importing main/, whose code would end up in the page bundle.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^main/' },
    },
    {
      name: 'shared-imports-neither',
      comment:
        'shared/ (types, zod schemas, the channel map, presets) is imported by both main and the ' +
        'renderer, so it imports neither: otherwise each side would pull in the other.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(main|renderer)/' },
    },
    {
      name: 'no-unresolvable-local-import',
      comment:
        'A relative import the tool cannot resolve is an edge it cannot see, so the rules above could ' +
        'pass by blindness (a typo, a file moved without its importers, a .js that maps to no .ts).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.{1,2}/' },
    },
  ],
  options: {
    // Parse TypeScript with tsc, keeping imports that vanish on compilation (type-only ones, and
    // imports of which nothing is used), so the rules see what the reader and the compiler see.
    // Not so in .svelte files: the tool reads them through svelte's compiler, which drops type-only
    // imports first (test/architecture.test.ts checks a component's imports separately).
    tsPreCompilationDeps: true,
    // The tool takes `paths`/`baseUrl` from here (none today). Imports are written './x.js' for files
    // named x.ts (nodenext): dependency-cruiser retries a .js that does not exist as .ts/.tsx/.d.ts,
    // as tsc does. The renderer's extensionless imports ('../lib/api') resolve by extension.
    tsConfig: { fileName: 'tsconfig.json' },
    // Record imports of npm packages and builtins (the rules name some), but never parse them.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Resolve npm packages as Node does (package.json "exports"), so that subpath imports such as
    // 'three/examples/jsm/…' and svelte's compiled 'svelte/internal/client' resolve.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    // Only the analyses the rules use (cycles here); orphans and dependents are skipped.
    skipAnalysisNotInRules: true,
    // A cruise parses ~180 files with tsc and svelte's compiler (5-10 s on our 2 cores); the cache
    // answers an unchanged tree in a second or two. Strategy 'content' hashes every file the tool could
    // parse under the working directory (git-ignored ones aside), this config file included, so an
    // edited source, rule, fixture or test invalidates it; 'metadata' would ask git, which is slower
    // from npm scripts. Not covered: tsconfig.json and node_modules (no bearing on these rules while
    // tsconfig has no `paths`); delete node_modules/.cache/dependency-cruiser after changing those.
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
    progress: { type: 'none' },
    reporterOptions: {
      // Show npm packages as written ('electron'), not as resolved (node_modules/electron/index.js).
      err: { showExternalModulesUnresolved: true },
      'err-long': { showExternalModulesUnresolved: true },
    },
  },
};
