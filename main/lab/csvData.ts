// Measured data from a CSV file: two columns, x and y, turned into a points target. Errors are one line
// naming the file and the line, so a user can find the cell in an editor.
import { InputError, LIMITS, parseConfig, type ExperimentConfig } from '../../shared/config.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The separator of the file, read from its first non-blank line: tab, else semicolon, else comma. */
function separatorOf(line: string): string {
  if (line.includes('\t')) return '\t';
  if (line.includes(';')) return ';';
  return ',';
}

function cellsOf(line: string, separator: string): string[] {
  return line.split(separator).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
}

/** A number as written in a cell, or null. Where the separator is not a comma, 1,5 means 1.5. */
function numberOf(cell: string, separator: string): number | null {
  const text = separator === ',' ? cell : cell.replace(/^([+-]?\d*),(\d)/, '$1.$2');
  return NUMBER.test(text) ? Number(text) : null;
}

/**
 * Parses `x, y` rows. A first row whose cells are not numbers is a header; blank lines are skipped;
 * comma, semicolon or tab separators and CRLF line ends are accepted. Throws InputError naming
 * `source` and the line.
 */
export function parseCsvData(text: string, source = 'csv'): { x: number[]; y: number[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const x: number[] = [];
  const y: number[] = [];
  let separator: string | null = null;
  let header = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const where = `${source} line ${i + 1}`;
    const first = separator === null;
    const sep = (separator ??= separatorOf(line));
    const cells = cellsOf(line, sep);
    if (cells.length !== 2) throw new InputError(`${where}: expected 2 columns (x, y), got ${cells.length}`);
    const values = cells.map((c) => numberOf(c, sep));
    if (first && values.every((v) => v === null)) {
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
