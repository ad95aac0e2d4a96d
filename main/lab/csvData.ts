// Measured data from a CSV file: two columns, x and y, turned into a points target, or three, x1, x2 and
// a class label, turned into a labeled 2-D classification target. Errors are one line naming the file
// and the line, so a user can find the cell in an editor.
//
// Cells are read by csv-parse (RFC 4180): a quoted cell may hold the separator, doubled quotes and
// line breaks, as the lab's own CSV exports write them.
import { CsvError, parse } from 'csv-parse/sync';
import { classCount, InputError, LIMITS, parseConfig, type ExperimentConfig } from '../../shared/config.js';
import { quoted } from '../../shared/printable.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The separator of the file, read from its first non-blank line outside quoted cells (a quoted
 * header such as "loss; run 2" says nothing about the separator): tab, else semicolon, else comma.
 */
function separatorOf(text: string): string {
  let line = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c !== '\n' && c !== '\r') line += c;
    else if (line.trim() !== '') break;
    else line = '';
  }
  if (line.includes('\t')) return '\t';
  if (line.includes(';')) return ';';
  return ',';
}

/** csv-parse's refusals as one line naming the file and the line. */
function csvMessage(e: CsvError, source: string): string {
  const where = `${source} line ${e.lines}`;
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') return `${source}: a quoted cell is never closed (a " without its closing ")`;
  if (e.code === 'CSV_INVALID_CLOSING_QUOTE') return `${where}: text after a quoted cell's closing quote; a quote inside a quoted cell is written ""`;
  if (String(e.code).endsWith('OPENING_QUOTE')) return `${where}: a quote inside an unquoted cell; quote the whole cell and write the quote as ""`;
  return `${where}: ${e.message.split('\n')[0]}`;
}

/** A number as written in a cell, or null. Where the separator is not a comma, 1,5 means 1.5. */
function numberOf(cell: string, separator: string): number | null {
  const text = separator === ',' ? cell : cell.replace(/^([+-]?\d*),(\d)/, '$1.$2');
  return NUMBER.test(text) ? Number(text) : null;
}

/** A CSV's points: x and y, or (three columns) x1 in x, x2 and the class label in y. */
export interface CsvData {
  x: number[];
  y: number[];
  x2?: number[];
}

const COLUMNS: Record<number, string[]> = { 2: ['x', 'y'], 3: ['x1', 'x2', 'label'] };

/**
 * Parses `x, y` rows, or `x1, x2, label` rows (labels are class numbers 0, 1, …). A first row whose
 * cells are not numbers is a header; blank lines are skipped; comma, semicolon or tab separators,
 * quoted cells (RFC 4180) and CRLF line ends are accepted. Every row has the columns of the first.
 * Throws InputError naming `source` and the line (a quoted cell's first line).
 */
export function parseCsvData(text: string, source = 'csv'): CsvData {
  const separator = separatorOf(text);
  // The line each record ends on, for messages (csv-parse's typings do not carry `info: true`).
  const endLines: number[] = [];
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: separator,
      bom: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // A line of blanks is blank, not a row of one empty cell.
      skip_records_with_empty_values: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (record, context) => {
        endLines.push(context.lines);
        return record;
      },
    });
  } catch (e) {
    if (e instanceof CsvError) throw new InputError(csvMessage(e, source));
    throw e;
  }
  const columns: number[][] = [];
  // The first row says how many columns every row has: 2 (x, y) or 3 (x1, x2, label).
  const width = records[0]?.length ?? 2;
  const names = COLUMNS[width];
  let header = false;
  for (const [r, cells] of records.entries()) {
    // A record with line breaks in quoted cells started that many lines before the one it ends on.
    const line = endLines[r] - cells.reduce((n, c) => n + (c.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
    const where = `${source} line ${line}`;
    if (!names) throw new InputError(`${where}: expected 2 columns (x, y) or 3 (x1, x2, label), got ${cells.length}`);
    if (cells.length !== width) throw new InputError(`${where}: expected ${width} columns (${names.join(', ')}) as on the first line, got ${cells.length}`);
    const values = cells.map((c) => numberOf(c, separator));
    if (r === 0 && values.every((v) => v === null)) {
      header = true;
      continue;
    }
    values.forEach((v, k) => {
      if (v === null) throw new InputError(`${where}: ${names[k]} is not a number (${quoted(cells[k])})`);
      if (!Number.isFinite(v)) throw new InputError(`${where}: ${names[k]} is too large for a number (${quoted(cells[k])})`);
    });
    if (width === 3 && !(Number.isInteger(values[2]) && (values[2] as number) >= 0 && (values[2] as number) < LIMITS.outputs)) {
      throw new InputError(`${where}: label must be a class number 0, 1, … up to ${LIMITS.outputs - 1} (got ${quoted(cells[2])})`);
    }
    if (columns.length === LIMITS.n) throw new InputError(`${where}: more than ${LIMITS.n} rows; a dataset has at most ${LIMITS.n} points`);
    columns.push(values as number[]);
  }
  if (columns.length === 0) throw new InputError(header ? `${source}: a header but no rows of ${names.join(', ')}` : `${source}: empty file; expected rows of x, y or of x1, x2, label`);
  const column = (k: number) => columns.map((row) => row[k]);
  if (width === 2) return { x: column(0), y: column(1) };
  const y = column(2);
  if (!y.some((l) => l > 0)) throw new InputError(`${source}: every label is 0; classification needs 2 or more classes (labels 0 and 1 at least)`);
  return { x: column(0), x2: column(1), y };
}

/** The 2-D classifier a labeled CSV trains: two layers of 8 tanh units, a sigmoid or softmax output, NLL. */
export function classifierFor(classes: number) {
  return { model: { hidden: [8, 8], activation: 'tanh' as const, output: classes === 2 ? ('sigmoid' as const) : ('softmax' as const), outputs: classes === 2 ? 1 : classes }, loss: 'nll' as const };
}

/**
 * A full experiment config (every default filled) for the CSV's points: the default network on x, y
 * points; a 2→8→8→k tanh classifier on x1, x2, label points.
 */
export function csvConfig(text: string, source = 'csv'): ExperimentConfig {
  const { x, y, x2 } = parseCsvData(text, source);
  // The default minibatch of 3, or every point when there are fewer.
  const batchSize = Math.min(3, x.length);
  if (!x2) return parseConfig({ data: { target: { kind: 'points', x, y } }, batchSize });
  const target = { kind: 'labeled' as const, x1: x, x2, label: y };
  // Every point trains when there are too few to hold a test split out.
  const testFraction = x.length >= 5 ? undefined : 0;
  return parseConfig({ data: { target, ...(testFraction === undefined ? {} : { testFraction }) }, ...classifierFor(classCount(target) ?? 2), batchSize });
}
