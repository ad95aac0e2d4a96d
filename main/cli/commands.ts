// The command table: every command's arguments, options, database access and handler, which is
// loaded only when its command runs (so `--version`, `--help` and a refusal of bad arguments load
// neither the lab nor zod).
import type { Context } from './context.js';
import type { Option } from './options.js';

/** The command's result: an exit code, or nothing for 0. */
export type Handler = (ctx: Context) => Promise<number | void>;

export interface Command {
  /** The positional arguments, as the help writes them; `...` takes any number. */
  args: string;
  options: readonly Option[];
  /** Takes more arguments than `args` names (the last one's words). */
  variadic?: boolean;
  /** Options that stand in for the arguments (`--experiment ID` for a config file, `--preset NAME`, `--status DIR`). */
  instead?: readonly Option[];
  /** How the command uses the database: only reads it, or writes it (migrating an older schema). */
  db: 'read' | 'write';
  /**
   * The command changes experiments already stored (by id), so its database must exist: a missing
   * one is refused rather than created empty. True, or the options that make it so (`--experiment`).
   */
  existing?: true | readonly Option[];
  handler: () => Promise<Handler>;
}

const KERNEL: Option[] = ['kernel', 'backend'];
const CLUSTER: Option[] = ['shard', 'slurm', 'k8s', 'dir', 'shards', 'partition', 'time', 'cpus-per-task', 'node-local', 'submit', 'status'];

const training = () => import('./commands/training.js');
const views = () => import('./commands/views.js');
const sweeps = () => import('./commands/sweeps.js');
const library = () => import('./commands/library.js');

export const COMMANDS: Record<string, Command> = {
  run: { args: '<config.json>', instead: ['preset'], db: 'write', options: ['db', 'init', 'json', 'out', 'force', 'name', 'no-save', 'preset', 'steps', ...KERNEL], handler: async () => (await training()).run },
  landscape: { args: '<config.json>', instead: ['experiment'], db: 'write', existing: ['experiment'], options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'center', 'axes', 'res', 'span', 'curvature', ...KERNEL], handler: async () => (await views()).landscape },
  optimum: { args: '<config.json>', db: 'write', options: ['json', 'out', 'force', 'restarts', 'search-steps', ...KERNEL], handler: async () => (await training()).optimum },
  interpolate: { args: '<config.json>', instead: ['experiment'], db: 'write', existing: ['experiment'], options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'from', 'to', 'points', ...KERNEL], handler: async () => (await views()).interpolate },
  sweep: { args: '<spec.json>', instead: ['preset', 'status'], db: 'write', options: ['db', 'init', 'json', 'resume', 'wait', 'preset', 'steps', ...KERNEL, ...CLUSTER], handler: async () => (await sweeps()).sweep },
  merge: { args: 'SHARD.sqlite...', db: 'write', options: ['into', 'json'], handler: async () => (await sweeps()).merge },
  presets: { args: '', db: 'read', options: ['json'], handler: async () => (await library()).presets },
  list: { args: '', db: 'read', options: ['db', 'json'], handler: async () => (await library()).list },
  show: { args: 'ID', db: 'read', options: ['db', 'json'], handler: async () => (await library()).show },
  rename: { args: 'ID NAME', variadic: true, db: 'write', existing: true, options: ['db', 'init'], handler: async () => (await library()).rename },
  delete: { args: 'ID', db: 'write', existing: true, options: ['db', 'init', 'yes'], handler: async () => (await library()).deleteExperiment },
  export: { args: 'ID...', db: 'read', options: ['db', 'out', 'force'], handler: async () => (await library()).exportExperiments },
  import: { args: 'FILE', db: 'write', options: ['db', 'init'], handler: async () => (await library()).importExperiments },
  'import-data': { args: 'FILE.csv', db: 'read', options: ['json', 'out', 'force'], handler: async () => (await library()).importData },
  'export-model': { args: 'ID', db: 'read', options: ['db', 'out', 'run', 'at'], handler: async () => (await library()).exportModel },
  hessian: { args: '<config.json>', instead: ['experiment'], db: 'write', existing: ['experiment'], options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'run', 'at', ...KERNEL], handler: async () => (await views()).hessian },
  race: { args: '<config.json>', instead: ['preset'], db: 'write', options: ['db', 'init', 'json', 'out', 'force', 'name', 'no-save', 'preset', 'steps', 'optimizers', ...KERNEL], handler: async () => (await training()).race },
  reproduce: { args: 'ID', db: 'write', existing: true, options: ['db', 'init', 'json', ...KERNEL], handler: async () => (await training()).reproduce },
  devices: { args: '', db: 'read', options: ['json'], handler: async () => (await library()).devices },
  serve: { args: '', db: 'write', options: ['db', 'init', 'port', 'open'], handler: async () => (await import('./commands/serve.js')).serve },
  upgrade: { args: '', db: 'write', existing: true, options: ['db'], handler: async () => (await library()).upgrade },
};
