// Measured data from a CSV file: two columns, x and y, turned into a points target. Errors are one line
// naming the file and the line, so a user can find the cell in an editor.
//
// Cells are read by csv-parse (RFC 4180): a quoted cell may hold the separator, doubled quotes and
// line breaks, as the lab's own CSV exports write them.
import { CsvError, parse } from 'csv-parse/sync';
import { InputError, LIMITS, parseConfig, type ExperimentConfig } from '../../shared/config.js';

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

/**
 * Parses `x, y` rows. A first row whose cells are not numbers is a header; blank lines are skipped;
 * comma, semicolon or tab separators, quoted cells (RFC 4180) and CRLF line ends are accepted.
 * Throws InputError naming `source` and the line (a quoted cell's first line).
 */
export function parseCsvData(text: string, source = 'csv'): { x: number[]; y: number[] } {
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
  const x: number[] = [];
  const y: number[] = [];
  let header = false;
  for (const [r, cells] of records.entries()) {
    // A record with line breaks in quoted cells started that many lines before the one it ends on.
    const line = endLines[r] - cells.reduce((n, c) => n + (c.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
    const where = `${source} line ${line}`;
    if (cells.length !== 2) throw new InputError(`${where}: expected 2 columns (x, y), got ${cells.length}`);
    const values = cells.map((c) => numberOf(c, separator));
    if (r === 0 && values.every((v) => v === null)) {
      header = true;
      continue;
    }
    values.forEach((v, k) => {
      if (v === null) throw new InputError(`${where}: ${k === 0 ? 'x' : 'y'} is not a number (${JSON.stringify(cells[k])})`);
      if (!Number.isFinite(v)) throw new InputError(`${where}: ${k === 0 ? 'x' : 'y'} is too large for a number (${JSON.stringify(cells[k])})`);
    });
    if (x.length === LIMITS.n) throw new InputError(`${where}: more than ${LIMITS.n} rows; a dataset has at most ${LIMITS.n} points`);
    x.push(values[0] as number);
    y.push(values[1] as number);
  }
  if (x.length === 0) throw new InputError(header ? `${source}: a header but no rows of x, y` : `${source}: empty file; expected rows of x, y`);
  return { x, y };
}

/** A full experiment config (every default filled) that trains the default network on the CSV's points. */
export function csvConfig(text: string, source = 'csv'): ExperimentConfig {
  const { x, y } = parseCsvData(text, source);
  // The default minibatch of 3, or every point when there are fewer.
  return parseConfig({ data: { target: { kind: 'points', x, y } }, batchSize: Math.min(3, x.length) });
}
