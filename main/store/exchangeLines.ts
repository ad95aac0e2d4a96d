// Export and import as a stream of lines (format version 2, `.lab.json` still): what `export` writes,
// and what `import` reads with memory bounded whatever the file's size.
//
// The file is JSON Lines, ASCII only (other characters as \u escapes):
//   {"format":"landscape-lab","version":2,"appVersion":…,"schema":…,"exportedAt":…}
//   {"experiment":{…its fields…,"runs":R,"surfaces":S,"interpolations":I}}
//   {"run":{…its fields…,"arrays":{"lossSteps":201,…,"optimum":null,…}}}     (R times, then S surfaces, I interpolations)
//   "AAAA…"                                                                   (the record's bytes, in chunks)
//   …
//   {"end":{"experiments":E}}
// A record's line holds its fields and its arrays' lengths; its arrays follow as their little-endian
// bytes, concatenated in RECORD_ARRAYS order, in base64 lines of CHUNK_BYTES each (the last shorter).
// Why this and not one line per record with its arrays inside: a line is then small (its fields;
// MAX_LINE_BYTES), a chunk line is 1 MiB, and the lengths come before the bytes, so every length is
// checked against the record's own network and the record's size against MAX_RECORD_BYTES before
// anything is allocated for it. Why not a SQLite file: JSON lines are checked field by field with the
// same schemas as ever (exchange.ts), and stay readable and diffable. The counts in each experiment's
// line and the end line make a file cut short at a line boundary a refusal, not a partial import.
//
// Memory: the reader holds one line (at most MAX_LINE_BYTES, and what JSON.parse makes of it) or one
// record's arrays (at most MAX_RECORD_BYTES) at a time. An import reads the file twice: once to check it
// whole, without a database (a refused file neither writes nor creates one), then again to write it,
// each record as it is read, in one transaction that rolls back on any problem (the file changed).
// Each pass reports how far it has come through a `Watch`, which may throw to stop it (a cancel); the
// doors run them off main's thread (exchangeThread.ts).
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { formatIssue, InputError } from '../../shared/config.js';
import { jsonTextProblem } from '../../shared/jsonBounds.js';
import { RunSet } from '../../shared/runSet.js';
import { MAX_SWEEP_RUNS } from '../../shared/sweep.js';
import { openInputFile } from '../platform/files.js';
import { APP_VERSION } from '../platform/version.js';
import { adoptBlob, toBlob, type ArrayOf, type DType, type TypedArray } from './blobs.js';
import {
  BYTES,
  checkLength,
  DOCUMENT_VERSION,
  experimentHead,
  ExperimentFields,
  FORMAT,
  HeaderFields,
  interpolationRow,
  MAX_COUNTS,
  MAX_LINE_BYTES,
  pathText,
  readDocumentFile,
  RECORD_ARRAYS,
  RECORD_LINES,
  runRow,
  surfaceRow,
  type TakeArray,
} from './exchange.js';
import type { ExperimentStore, ImportSink } from './experiments.js';
import { SCHEMA_VERSION } from './migrations.js';
import { MAX_RECORD_BYTES } from '../engine/memory.js';

export const FORMAT_VERSION = 2;
/** Bytes of a record's arrays per chunk line: 1 MiB of base64 (a multiple of 3, so chunks join without padding). */
export const CHUNK_BYTES = 3 * 2 ** 18;
/**
 * The most bytes one record's arrays may take (a run, a surface or an interpolation): the engine
 * refuses configs whose runs or surfaces would not fit (main/engine/memory.ts), so every export
 * imports. The import holds a record's arrays whole to write its row, and SQLite copies them as it
 * binds: twice this, 128 MiB, beside a line's 128 MiB at most (never both at once).
 */
export { MAX_RECORD_BYTES };

/**
 * The values a line may hold: a million, plus one per 16 bytes. A line's many values are a config's
 * points (a 100,000-point target is 200,000 numbers in about 4 MB, 20 bytes each), repeated in its
 * hyper; its arrays are base64 text, one value per chunk. What JSON.parse makes of a value is tens of
 * bytes, so a 16 MiB line of "0.5," (4 million numbers, 14× its size parsed) is refused unparsed.
 */
const LINE_VALUES = { bytesPerValue: 16, floor: 1_000_000 } as const;

/** A pass of an import or an export: checking a file, writing it into a database, or writing an export. */
export type Pass = 'checking' | 'importing' | 'exporting';
/**
 * Told how far a pass has come, often (each MiB read; each record written): `done` of `total` bytes
 * of the file read, or records written. It may throw to stop the pass: an import's transaction then
 * rolls back, an export's file is removed.
 */
export type Watch = (pass: Pass, done: number, total: number) => void;

type RecordKind = keyof typeof RECORD_ARRAYS;
type ArraysOf<K extends RecordKind> = { [N in keyof (typeof RECORD_ARRAYS)[K]]: TypedArray | null };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** JSON in ASCII: non-ASCII characters as \u escapes (which JSON reads back as the same text), so a line's length is its bytes. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes one record: its line, then its arrays' bytes in chunk lines. `what` names it in refusals. */
function writeRecord<K extends RecordKind>(write: (text: string) => void, what: string, kind: K, fields: object, arrays: ArraysOf<K>): void {
  const names = Object.keys(RECORD_ARRAYS[kind]) as (keyof ArraysOf<K>)[];
  const total = names.reduce((sum, n) => sum + (arrays[n]?.byteLength ?? 0), 0);
  if (total > MAX_RECORD_BYTES) throw new InputError(`export: ${what} holds ${mib(total)} of arrays; an export's record holds at most ${mib(MAX_RECORD_BYTES)} (what an import reads at once)`);
  const line = asciiJson({ [kind]: { ...fields, arrays: Object.fromEntries(names.map((n) => [n, arrays[n]?.length ?? null])) } });
  if (line.length > MAX_LINE_BYTES) throw new InputError(`export: ${what} is ${mib(line.length)} of text (its config, label and sweep values); an export's line holds at most ${mib(MAX_LINE_BYTES)}`);
  write(`${line}\n`);
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const n of names) {
    const a = arrays[n];
    if (!a) continue;
    const bytes = toBlob(a);
    for (let at = 0; at < bytes.length; ) {
      const k = bytes.copy(chunk, used, at);
      at += k;
      used += k;
      if (used === CHUNK_BYTES) {
        write(`"${chunk.toString('base64')}"\n`);
        used = 0;
      }
    }
  }
  if (used > 0) write(`"${chunk.subarray(0, used).toString('base64')}"\n`);
}

/**
 * Writes the export of the given experiments through `write`, one record at a time: never more than
 * one run, surface or interpolation in memory. Throws InputError (before or while writing) for an
 * unknown id or a record too large for an import; the caller writes to a temporary file and keeps it
 * only when this returns.
 */
export function writeExport(store: ExperimentStore, ids: number[], write: (text: string) => void, watch?: Watch): void {
  if (ids.length === 0) throw new InputError('export: name at least one experiment id');
  if (ids.length > MAX_COUNTS.experiments) throw new InputError(`export: at most ${MAX_COUNTS.experiments} experiments at a time (got ${ids.length})`);
  for (const id of ids) store.summary(id); // an unknown id fails here, naming the database
  // Every experiment's list of records first (ids only): the progress counts records of them all.
  const heads = ids.map((id) => store.exchangeHead(id));
  const total = heads.reduce((sum, h) => sum + h.runs.length + h.surfaces.length + h.interpolations.length, 0);
  let done = 0;
  const written = () => watch?.('exporting', ++done, total);
  watch?.('exporting', 0, total);
  write(`${asciiJson({ format: FORMAT, version: FORMAT_VERSION, appVersion: APP_VERSION, schema: SCHEMA_VERSION, exportedAt: new Date().toISOString() })}\n`);
  for (const [k, id] of ids.entries()) {
    const head = heads[k];
    const e = head.experiment;
    const fields = {
      uid: e.uid,
      name: e.name,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      status: e.status,
      notes: e.notes,
      tags: e.tags,
      kernel: e.kernel,
      backend: e.backend,
      appVersion: e.appVersion,
      config: e.config,
      sweep: e.sweep,
      runs: head.runs.length,
      surfaces: head.surfaces.length,
      interpolations: head.interpolations.length,
    };
    const line = asciiJson({ experiment: fields });
    if (line.length > MAX_LINE_BYTES) throw new InputError(`export: experiment ${id} is ${mib(line.length)} of text (its config and sweep spec); an export's line holds at most ${mib(MAX_LINE_BYTES)}`);
    write(`${line}\n`);
    for (const index of head.runs) {
      const [r] = store.runs(id, index);
      const fields = { index: r.index, label: r.label, hyper: r.hyper, cell: r.cell, seedIndex: r.seedIndex, config: r.config, status: r.status, stepsDone: r.stepsDone, finalLoss: r.finalLoss, seconds: r.seconds, kernel: r.kernel, backend: r.backend, optimum: r.optimum ?? null, diagnostics: r.diagnostics };
      const arrays = { lossSteps: r.loss.steps, lossValues: r.loss.values, snapshotSteps: r.snapshots.steps, snapshots: r.snapshots.params, init: r.params.init, final: r.params.final, optimum: r.params.optimum ?? null, dataX: r.data.x, dataY: r.data.y };
      writeRecord(write, `experiment ${id} run ${index}`, 'run', fields, arrays);
      written();
    }
    for (const surfaceId of head.surfaces) {
      const [s] = store.surfaces(id, surfaceId);
      const fields = { runIndex: s.runIndex, createdAt: s.createdAt, center: s.center, axes: s.axes, axisLabels: s.axisLabels, res: s.alphas.length, span: s.span, kernel: s.kernel, backend: s.backend, optimumKind: s.optimumKind, markers: s.markers, explained: s.explained ?? null };
      const arrays = { centerParams: s.centerParams, d1: s.d1, d2: s.d2, loss: s.loss, trajAlpha: s.trajectory.alpha, trajBeta: s.trajectory.beta, trajLoss: s.trajectory.loss };
      writeRecord(write, `experiment ${id} surface ${surfaceId}`, 'surface', fields, arrays);
      written();
    }
    for (const interpolationId of head.interpolations) {
      const [i] = store.interpolations(id, interpolationId);
      writeRecord(write, `experiment ${id} interpolation ${interpolationId}`, 'interpolation', { runIndex: i.runIndex, createdAt: i.createdAt, from: i.from, to: i.to, optimumKind: i.optimumKind }, { t: i.t, loss: i.loss });
      written();
    }
  }
  write(`${asciiJson({ end: { experiments: ids.length } })}\n`);
}

/** A file's lines, read from its descriptor through a fixed buffer; a line longer than its limit is refused unread. */
class Lines {
  private readonly buf = Buffer.allocUnsafe(2 ** 20);
  private start = 0;
  private end = 0;
  private eof = false;
  /** The number of the line last returned (1-based). */
  number = 0;
  /** Bytes read from the file so far. */
  private read = 0;

  constructor(
    private readonly fd: number,
    private readonly file: string,
    /** Called after each read from the file with the bytes read so far. */
    private readonly onRead: (bytes: number) => void = () => {},
  ) {}

  /** The next line without its newline; null at the end of the file. */
  next(limit: number, what: string): Buffer | null {
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      if (this.start === this.end) {
        if (this.eof) break;
        this.start = 0;
        this.end = readSync(this.fd, this.buf, 0, this.buf.length, null);
        if (this.end === 0) {
          this.eof = true;
          break;
        }
        this.read += this.end;
        this.onRead(this.read);
      }
      const nl = this.buf.indexOf(0x0a, this.start);
      const stop = nl < 0 || nl >= this.end ? this.end : nl;
      length += stop - this.start;
      if (length > limit) throw new InputError(`${this.file}: line ${this.number + 1}: is longer than ${limit.toLocaleString('en-US')} bytes, the most ${what} can take`);
      parts.push(Buffer.from(this.buf.subarray(this.start, stop)));
      this.start = stop;
      if (stop < this.end) {
        this.start++;
        this.number++;
        return Buffer.concat(parts, length);
      }
    }
    if (parts.length === 0) return null;
    this.number++;
    return Buffer.concat(parts, length);
  }
}

const Header = z.strictObject({ ...HeaderFields, version: z.literal(FORMAT_VERSION) });
const ExperimentLine = ExperimentFields.extend({
  runs: z.number().int().min(0).max(MAX_COUNTS.runs),
  surfaces: z.number().int().min(0).max(MAX_COUNTS.surfaces),
  interpolations: z.number().int().min(0).max(MAX_COUNTS.interpolations),
});
const End = z.strictObject({ experiments: z.number().int().min(1).max(MAX_COUNTS.experiments) });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads a record's arrays: their lengths were given on its line; their bytes are the chunk lines after it. */
function readArrays(lines: Lines, file: string, where: string, kind: RecordKind, lengths: Record<string, number | null>): TakeArray {
  const dtypes = RECORD_ARRAYS[kind] as Record<string, DType>;
  const names = Object.keys(dtypes);
  const total = names.reduce((sum, n) => sum + (lengths[n] ?? 0) * BYTES[dtypes[n]], 0);
  if (total > MAX_RECORD_BYTES) throw new InputError(`${file}: line ${lines.number}: ${where}.arrays: take ${mib(total)}; a record holds at most ${mib(MAX_RECORD_BYTES)}`);
  // Each array in memory of its own, so that it is adopted, not copied, and let go with its record.
  const bytes = names.map((n) => new Uint8Array((lengths[n] ?? 0) * BYTES[dtypes[n]]));
  let array = 0;
  let offset = 0;
  for (let left = total; left > 0; ) {
    const line = lines.next(CHUNK_BYTES / 3 * 4 + 2, 'a chunk of a record\'s bytes');
    const at = `${file}: line ${lines.number}: ${where}.arrays`;
    if (line === null) throw new InputError(`${at}: the file ends before the record's bytes do (it is cut short)`);
    const text = line.toString('latin1');
    if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"' || (text.length - 2) % 4 !== 0 || !BASE64.test(text.slice(1, -1))) {
      throw new InputError(`${at}: expected a chunk of the record's bytes, a quoted base64 string`);
    }
    const chunk = Buffer.from(text.slice(1, -1), 'base64');
    const expected = Math.min(CHUNK_BYTES, left);
    if (chunk.length !== expected) throw new InputError(`${at}: a chunk of ${chunk.length} bytes; this one must be ${expected} (the lengths on the record's line add up to ${total} bytes)`);
    for (let from = 0; from < chunk.length; ) {
      while (offset === bytes[array].length) [array, offset] = [array + 1, 0];
      const n = Math.min(chunk.length - from, bytes[array].length - offset);
      bytes[array].set(chunk.subarray(from, from + n), offset);
      [from, offset] = [from + n, offset + n];
    }
    left -= chunk.length;
  }
  const taken = new Map(names.map((n, k) => [n, bytes[k]]));
  return <D extends DType>(name: string, dtype: D, length?: number, max?: number): ArrayOf<D> => {
    if (lengths[name] === null) return null as unknown as ArrayOf<D>;
    const out = adoptBlob(dtype, Buffer.from((taken.get(name) as Uint8Array).buffer));
    taken.delete(name);
    checkLength(`${where}.arrays.${name}`, out.length, length, max);
    return out;
  };
}

/**
 * Parses one line as JSON, bounded (see parseBoundedJson); messages name the file, the line and the
 * field, as the record's place in the export (`recordPath` maps a record's kind to it).
 */
function parseLine(lines: Lines, file: string, line: Buffer, recordPath: (kind: string) => string | null = () => null): unknown {
  const text = line.toString('utf8');
  const problem = jsonTextProblem(text, undefined, LINE_VALUES);
  if (problem) {
    const [kind, ...rest] = problem.path;
    const base = typeof kind === 'string' ? recordPath(kind) : null;
    throw new InputError(`${file}: line ${lines.number}: ${base === null ? pathText(problem.path, 'line') : `${base}${pathText(rest, '').replace(/^(?=[^[])/, rest.length ? '.' : '')}`}: ${problem.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: line ${lines.number}: not valid JSON: ${(e as Error).message}`);
  }
}

function parsed<T extends z.ZodType>(schema: T, value: unknown, at: string, root: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const message = formatIssue(r.error, value, root);
    // Paths are the record's own: prefixed with its place in the export.
    throw new InputError(`${at}: ${message.startsWith(root) ? message : `${root}${message.startsWith('[') ? '' : '.'}${message}`}`);
  }
  return r.data;
}

/**
 * Reads and checks a streamed export from its descriptor, record by record; each checked record goes
 * to `sink` when there is one. Throws InputError naming the file, the line and the field.
 */
function readStream(fd: number, file: string, sink: ImportSink | null, onRead?: (bytes: number) => void): { id: number; renamed: boolean }[] {
  const lines = new Lines(fd, file, onRead);
  const first = lines.next(MAX_LINE_BYTES, 'a line');
  parsed(Header, first && parseLine(lines, file, first), `${file}: line 1`, 'header');
  const made: { id: number; renamed: boolean }[] = [];
  let k = -1;
  /** The experiment being read: how many of each record it still has to come, and its runs' indices. */
  let open: { id: number; P: number; left: Record<'runs' | 'surfaces' | 'interpolations', number>; seen: Record<'runs' | 'surfaces' | 'interpolations', number>; indices: RunSet } | null = null;
  const missing = () => open && (['runs', 'surfaces', 'interpolations'] as const).find((n) => open!.left[n] > 0);
  for (;;) {
    const line = lines.next(MAX_LINE_BYTES, 'a line');
    const here = `${file}: line ${lines.number}`;
    if (line === null) throw new InputError(`${file}: ends before its end line (the file is cut short)`);
    const value = parseLine(lines, file, line, (kind) => {
      if (kind === 'experiment') return `experiments[${k + 1}]`;
      const plural = `${kind}s`;
      return open && (plural === 'runs' || plural === 'surfaces' || plural === 'interpolations') ? `experiments[${k}].${plural}[${open.seen[plural]}]` : null;
    }) as Record<string, unknown>;
    const keys = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
    const kind = keys.length === 1 ? keys[0] : '';
    const lacking = missing();
    if (kind === 'experiment' || kind === 'end') {
      if (open && lacking) throw new InputError(`${here}: experiments[${k}] has ${open.left[lacking]} ${lacking} more than the file holds`);
    }
    if (kind === 'end') {
      const end = parsed(End, value.end, here, 'end');
      if (end.experiments !== k + 1) throw new InputError(`${here}: end.experiments: is ${end.experiments}, but the file holds ${k + 1}`);
      if (lines.next(MAX_LINE_BYTES, 'a line') !== null) throw new InputError(`${file}: line ${lines.number}: comes after the end line`);
      return made;
    }
    if (kind === 'experiment') {
      k++;
      if (k >= MAX_COUNTS.experiments) throw new InputError(`${here}: more than ${MAX_COUNTS.experiments} experiments`);
      const at = `experiments[${k}]`;
      const e = parsed(ExperimentLine, value.experiment, here, at);
      const head = (() => {
        try {
          return experimentHead(at, e);
        } catch (err) {
          throw err instanceof InputError ? new InputError(`${here}: ${err.message}`) : err;
        }
      })();
      const one = sink ? sink.experiment(head.item) : { id: 0, renamed: false };
      made.push(one);
      open = { id: one.id, P: head.P, left: { runs: e.runs, surfaces: e.surfaces, interpolations: e.interpolations }, seen: { runs: 0, surfaces: 0, interpolations: 0 }, indices: new RunSet(MAX_SWEEP_RUNS) };
      continue;
    }
    if (kind !== 'run' && kind !== 'surface' && kind !== 'interpolation') {
      throw new InputError(`${here}: expected one of {"experiment": …}, {"run": …}, {"surface": …}, {"interpolation": …}, {"end": …}${k < 0 ? '' : ` (in experiments[${k}])`}`);
    }
    const plural = `${kind}s` as 'runs' | 'surfaces' | 'interpolations';
    if (!open) throw new InputError(`${here}: a ${kind} before any experiment`);
    // Runs come first, then surfaces, then interpolations, each as many as the experiment's line says.
    const order = ['runs', 'surfaces', 'interpolations'] as const;
    const earlier = order.slice(0, order.indexOf(plural)).find((n) => open!.left[n] > 0);
    if (earlier) throw new InputError(`${here}: a ${kind} where experiments[${k}] still has ${open.left[earlier]} ${earlier} to come`);
    if (open.left[plural] === 0) throw new InputError(`${here}: experiments[${k}] has more ${plural} than its line says`);
    const where = `experiments[${k}].${plural}[${open.seen[plural]}]`;
    const fields = parsed(RECORD_LINES[kind], value[kind], here, where);
    const take = readArrays(lines, file, where, kind, fields.arrays as Record<string, number | null>);
    try {
      if (kind === 'run') {
        const run = runRow(where, fields as z.output<typeof RECORD_LINES.run>, take);
        if (open.indices.has(run.index)) throw new InputError(`${where}.index: two runs share index ${run.index}`);
        open.indices.add(run.index);
        sink?.run(open.id, run);
      } else if (kind === 'surface') {
        const surface = fields as z.output<typeof RECORD_LINES.surface>;
        sink?.surface(open.id, { ...surfaceRow(where, surface, open.P, open.indices, take), createdAt: surface.createdAt });
      } else {
        const interpolation = fields as z.output<typeof RECORD_LINES.interpolation>;
        sink?.interpolation(open.id, { ...interpolationRow(where, interpolation, open.indices, take), createdAt: interpolation.createdAt });
      }
    } catch (err) {
      throw err instanceof InputError ? new InputError(`${file}: ${err.message}`) : err;
    }
    open.left[plural]--;
    open.seen[plural]++;
  }
}

/** Which format a file is in, from its first bytes: a v1 document begins as its writer wrote it. */
function formatOf(file: string): 'lines' | 'document' {
  const fd = openInputFile(file, 'an export file');
  try {
    const head = Buffer.alloc(4096);
    const text = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('latin1');
    const line = text.split('\n', 1)[0];
    const squeezed = text.replace(/\s+/g, '');
    if (squeezed.startsWith(`{"format":"${FORMAT}","version":${DOCUMENT_VERSION},`)) return 'document';
    const version = /^\{"format":"landscape-lab","version":(\d+)[,}]/.exec(line)?.[1];
    if (version !== undefined && Number(version) > FORMAT_VERSION) {
      throw new InputError(`${file}: written by a newer Landscape Lab (export version ${version}; this one reads ${DOCUMENT_VERSION} and ${FORMAT_VERSION}); update the app`);
    }
    if (version === undefined) throw new InputError(`${file}: not a Landscape Lab export (its first line must be {"format":"${FORMAT}","version":${FORMAT_VERSION},…})`);
    return 'lines';
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a streamed export from the file, through the guard, telling `watch` of the bytes read as pass
 * `pass`; the descriptor is closed however it ends.
 */
function readFile(file: string, sink: ImportSink | null, pass: Pass, watch?: Watch): { id: number; renamed: boolean }[] {
  const fd = openInputFile(file, 'an export file');
  try {
    const size = fstatSync(fd).size;
    watch?.(pass, 0, size);
    return readStream(fd, file, sink, watch && ((bytes) => watch(pass, bytes, size)));
  } finally {
    closeSync(fd);
  }
}

/** Checks an export file whole without importing it (either format); throws InputError on the first problem. */
export function checkExportFile(file: string, watch?: Watch): void {
  if (formatOf(file) === 'document') readDocumentFile(file);
  else readFile(file, null, 'checking', watch);
}

/**
 * Writes an export file that checkExportFile accepted into the store: a streamed file record by record
 * as it is read again, in one transaction, rolled back on any problem (the file changed since, or
 * `watch` threw).
 */
export function writeExportFile(store: ExperimentStore, file: string, watch?: Watch): { id: number; renamed: boolean }[] {
  if (formatOf(file) === 'document') return store.importExperiments(readDocumentFile(file));
  return store.importRecords((sink) => readFile(file, sink, 'importing', watch));
}

/**
 * Reads, checks and imports an export file (either format): all of it or nothing. The store may be
 * given as the function that opens it: then a file that is refused never opens (nor creates) a
 * database. A streamed file is checked whole first, then written record by record in one transaction.
 */
export function importExportFile(store: ExperimentStore | (() => ExperimentStore), file: string, watch?: Watch): { id: number; renamed: boolean }[] {
  const open = () => (typeof store === 'function' ? store() : store);
  // A document is read once, checked whole as it is parsed: a second parse would hold two at once.
  if (formatOf(file) === 'document') return open().importExperiments(readDocumentFile(file));
  checkExportFile(file, watch);
  return writeExportFile(open(), file, watch);
}

/**
 * Writes the export of the given experiments to `path`: beside it first, then renamed, so a refused or
 * failed export leaves no file, and a crash never leaves half a file under its name.
 */
export function exportToFile(store: ExperimentStore, ids: number[], path: string, watch?: Watch): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    const out = fd;
    writeExport(store, ids, (text) => void writeSync(out, text), watch);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof InputError || (e as Error).name === 'AbortError') throw e;
    throw new InputError(`${path}: cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
