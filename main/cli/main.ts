// The `landscape-lab` command: a door into the lab. It parses the command line against the command
// table, loads only the command's own module, and turns every failure into one line and an exit code:
// 2 for bad input (naming the field and what is allowed), never a stack trace.
import { parseArgs } from 'node:util';
import { InputError } from '../../shared/errors.js';
import { APP_VERSION } from '../platform/version.js';
import { COMMANDS, type Command } from './commands.js';
import { OPTIONS, type Option, type Values } from './options.js';
import { messageLine, printableLines, quoted } from '../../shared/printable.js';

function parse(argv: string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (e) {
    const m = /'(--?[\w-]+)'/.exec((e as Error).message);
    throw new InputError(m ? `${m[1]}: unknown option or missing value; see landscape-lab --help` : (e as Error).message.split('\n')[0]);
  }
}

/** Refuses options the command does not take and arguments it does not get, before anything is opened. */
function checkArguments(name: string, spec: Command, values: Values, args: string[]): void {
  for (const key of Object.keys(values) as Option[]) {
    if (!spec.options.includes(key)) throw new InputError(`--${key}: not an option of ${name}; see landscape-lab --help`);
  }
  const wanted = spec.args.split(' ').filter(Boolean);
  const stoodIn = spec.instead?.some((o) => values[o] !== undefined) ?? false;
  if (wanted.length > 0 && !stoodIn && args.length === 0) {
    throw new InputError(`${name}: needs ${spec.args}, e.g. landscape-lab ${name} ${wanted[0] === 'ID' ? '3' : wanted[0].replace(/[<>]/g, '')}`);
  }
  const variadic = spec.args.endsWith('...') || spec.variadic;
  if (!variadic && args.length > wanted.length) throw new InputError(`${name}: takes ${spec.args || 'no arguments'} (also got "${args[wanted.length]}")`);
  // SQLite takes "" for a temporary database that vanishes on close: a save there would be a lie.
  if (values.db !== undefined && values.db.trim() === '') throw new InputError('--db: must name a database file (got "")');
}

async function execute(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(argv);
  const [name, ...args] = positionals;
  if (values.version) {
    out(`landscape-lab ${APP_VERSION}`);
    return 0;
  }
  if (values.help || name === undefined || name === 'help') {
    out((await import('./help.js')).helpText());
    return 0;
  }
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) throw new InputError(`command: must be one of ${Object.keys(COMMANDS).join(', ')} (got ${quoted(name)}); see landscape-lab --help`);
  checkArguments(name, spec, values, args);
  const { checkOut, createContext } = await import('./context.js');
  // An --out that would be refused at the end is refused before any work is done (and saved).
  if (values.out !== undefined && name !== 'export-model') checkOut(values.out, values.force ?? false);

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const mustExist = spec.existing === true || (spec.existing?.some((o) => values[o] !== undefined) ?? false);
  const { ctx, close } = createContext(spec.db, values, args, out, controller.signal, mustExist);
  try {
    const code = await (await spec.handler())(ctx);
    // Ctrl+C is how `serve` stops: that is success, not an interruption.
    return controller.signal.aborted && name !== 'serve' ? 130 : (code ?? 0);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await close();
  }
}

/**
 * A reader that stops early (`| head`) closes the pipe. On stdout it has what it wanted, so that ends
 * the command quietly, not with a stack trace from the unhandled EPIPE; on stderr the work goes on
 * (a sweep keeps training), with nowhere left to report progress.
 */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') process.stderr.write(`landscape-lab: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 1);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', () => undefined);
  try {
    return await execute(argv, (s) => process.stdout.write(`${printableLines(s)}\n`));
  } catch (e) {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (e instanceof InputError) {
      process.stderr.write(`landscape-lab: ${messageLine(e.message)}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'AbortError') {
      process.stderr.write('landscape-lab: interrupted\n');
      return 130;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`landscape-lab: internal error: ${messageLine(message.split('\n')[0])}${process.env.LANDSCAPE_LAB_DEBUG ? `\n${(e as Error).stack}` : ' (set LANDSCAPE_LAB_DEBUG=1 for details)'}\n`);
    return 1;
  }
}
