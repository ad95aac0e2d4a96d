// Measured data in: a CSV of x, y rows becomes a points target that trains like any other, and the
// lab's own CSV exports read back (RFC 4180 quoting).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError, LIMITS, parseConfig } from '../../shared/config.js';
import { hasFormula, makeDataset, targetFunction } from '../../main/engine/data.js';
import { exactOptimumBlocker } from '../../main/engine/optimum.js';
import { csvConfig, parseCsvData } from '../../main/lab/csvData.js';
import { toCsv } from '../../renderer/src/lib/csv.js';
import { train } from '../support/helpers.js';

describe('parseCsvData', () => {
  it('reads x, y rows with or without a header', () => {
    expect(parseCsvData('x,y\n0,1\n0.5,-2.25\n1,3e-2\n')).toEqual({ x: [0, 0.5, 1], y: [1, -2.25, 0.03] });
    expect(parseCsvData('0,1\n0.5,-2.25\n1,3e-2')).toEqual({ x: [0, 0.5, 1], y: [1, -2.25, 0.03] });
    expect(parseCsvData('"time (s)", "height"\n"1", "2"\n')).toEqual({ x: [1], y: [2] });
  });

  it('takes comma, semicolon or tab separators, CRLF, blank lines and spaces around cells', () => {
    const expected = { x: [-1, 2], y: [0.5, 4] };
    expect(parseCsvData('x;y\r\n-1;0.5\r\n2;4\r\n')).toEqual(expected);
    expect(parseCsvData('x\ty\n-1\t0.5\n\n2\t4\n\n')).toEqual(expected);
    expect(parseCsvData('\n -1 , 0.5 \r\n\r\n2,4')).toEqual(expected);
    expect(parseCsvData('\uFEFFx,y\n-1,.5\n+2,4.\n')).toEqual(expected);
  });

  it('reads a decimal comma where the separator is not a comma', () => {
    expect(parseCsvData('x;y\n-1,5;0,25\n2;4\n')).toEqual({ x: [-1.5, 2], y: [0.25, 4] });
    expect(parseCsvData('-1,5\t2\n')).toEqual({ x: [-1.5], y: [2] });
  });

  it('reads quoted cells as RFC 4180 writes them: separators, doubled quotes and line breaks inside', () => {
    expect(parseCsvData('"step","loss, run ""a"""\n0,1\n')).toEqual({ x: [0], y: [1] });
    expect(parseCsvData('step,"lr=0.1,\r\nrun 2"\r\n"1","2"\r\n')).toEqual({ x: [1], y: [2] });
    // A quoted header holding another separator does not change the file's.
    expect(parseCsvData('"x; in s","y\tin m"\n1,2\n')).toEqual({ x: [1], y: [2] });
    expect(parseCsvData('"x, s";"y, m"\n"1,5";2\n')).toEqual({ x: [1.5], y: [2] });
  });

  it('counts lines as an editor does: a quoted line break and blank lines included', () => {
    expect(() => parseCsvData('"a\nb",y\n  \n\n1,oops\n', 'q.csv')).toThrow(new InputError('q.csv line 5: y is not a number ("oops")'));
    expect(() => parseCsvData('x,y\n1,2\n"3\n",x\n', 'q.csv')).toThrow(new InputError('q.csv line 3: x is not a number ("3\\n")'));
  });

  it('refuses malformed quoting in one line naming the file', () => {
    const bad: [string, string][] = [
      ['x,y\n1,"2\n3,4\n', 'q.csv: a quoted cell is never closed (a " without its closing ")'],
      ['x,y\n1,"2"x\n', `q.csv line 2: text after a quoted cell's closing quote; a quote inside a quoted cell is written ""`],
      ['x,y\n1,2"x\n', 'q.csv line 2: a quote inside an unquoted cell; quote the whole cell and write the quote as ""'],
    ];
    for (const [text, message] of bad) expect(() => parseCsvData(text, 'q.csv')).toThrow(new InputError(message));
  });

  it('reads back what the lab’s CSV export writes, whatever the column names hold', () => {
    const names = ['loss, run "a"', 'lr=0.1\nsecond line', 'a;b\tc', '"', ',', '', 'plain'];
    const x = [0, 10, 20, 1e-7, -3.5];
    const y = [0.30000000000000004, 1.5e300, -2, 5e-324, 0];
    for (const name of names) {
      const csv = toCsv(['step', name], [x, y]);
      expect(parseCsvData(csv, 'export.csv'), JSON.stringify(csv)).toEqual({ x, y });
    }
    // The export quotes a name with the separator; split by hand, that header was three columns.
    expect(toCsv(['t', 'W1[0,1]'], [[1], [2]])).toBe('t,"W1[0,1]"\n1,2\n');
  });

  it('says which line and which cell is wrong, in one line', () => {
    const bad: [string, string][] = [
      ['x,y\n1,2\n2,3\n3,4\n4,5\n5,6\n6,abc\n', 'data.csv line 7: y is not a number ("abc")'],
      ['x,y\n1,2\n1,2,3\n', 'data.csv line 3: expected 2 columns (x, y) as on the first line, got 3'],
      ['x,y\n\n1\n', 'data.csv line 3: expected 2 columns (x, y) as on the first line, got 1'],
      ['0,1\nten,2\n', 'data.csv line 2: x is not a number ("ten")'],
      ['0,1\n1,\n', 'data.csv line 2: y is not a number ("")'],
      ['0,1\n1,0x10\n', 'data.csv line 2: y is not a number ("0x10")'],
      ['0,1\n1,1e999\n', 'data.csv line 2: y is too large for a number ("1e999")'],
      ['x,y\n', 'data.csv: a header but no rows of x, y'],
      ['', 'data.csv: empty file; expected rows of x, y or of x1, x2, label'],
      ['\r\n\n  \n', 'data.csv: empty file; expected rows of x, y or of x1, x2, label'],
    ];
    for (const [text, message] of bad) expect(() => parseCsvData(text, 'data.csv')).toThrow(new InputError(message));
    expect(() => parseCsvData('1,x\n')).toThrow(new InputError('csv line 1: y is not a number ("x")'));
  });

  it(`refuses more than ${LIMITS.n} rows, naming the first row too many`, () => {
    const rows = Array.from({ length: LIMITS.n + 1 }, (_, i) => `${i},${i % 7}`);
    expect(parseCsvData(rows.slice(0, LIMITS.n).join('\n')).x).toHaveLength(LIMITS.n);
    expect(() => parseCsvData(`x,y\n${rows.join('\n')}`, 'big.csv')).toThrow(
      new InputError(`big.csv line ${LIMITS.n + 2}: more than ${LIMITS.n} rows; a dataset has at most ${LIMITS.n} points`),
    );
  });
});

describe('a points target', () => {
  const points = { kind: 'points' as const, x: [0.3, -1, 2], y: [1, 0.1, -0.7] };

  it('fills n, xRange and spacing from the points, and parses again unchanged', () => {
    const c = parseConfig({ data: { target: points } });
    expect(c.data).toEqual({ target: points, n: 3, xRange: [-1, 2], spacing: 'given', noise: 0 });
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(hasFormula(c.data.target)).toBe(false);
    expect(targetFunction(c.data.target)).toBeNull();
    expect(exactOptimumBlocker(c)).toBe('given points have no closed-form optimum');
  });

  it('names the field when the data settings contradict the points', () => {
    const bad: [unknown, string][] = [
      [{ target: points, n: 500 }, 'data.n: a points target has 3 points; omit n or give 3 (got 500)'],
      [{ target: points, xRange: [-1, 1] }, 'data.xRange: a points target spans its own x, [-1, 2]; omit xRange (got [-1,1])'],
      [{ target: points, spacing: 'even' }, 'data.spacing: a points target keeps its x as given; omit spacing (got "even")'],
      [{ target: points, noise: 0.1 }, 'data.noise: must be 0 for a points target (its points are used as they are) (got 0.1)'],
      [{ target: { ...points, y: [1, 2] } }, 'data.target.y: must have as many values as x (got [1,2])'],
      [{ target: { ...points, x: [] , y: [] } }, 'data.target.x: must have at least 1 items (got 0)'],
      [{ target: { ...points, x: [0, '1', 2] } }, 'data.target.x[1]: must be a number (got "1")'],
      [{ target: { kind: 'hinge' }, spacing: 'given' }, 'data.spacing: "given" is for a points target; a hinge target is sampled even or uniform (got "given")'],
    ];
    for (const [data, message] of bad) expect(() => parseConfig({ data })).toThrow(new InputError(message));
    expect(() => parseConfig({ data: { target: points } , batchSize: 4 })).toThrow(new InputError('batchSize: must be at most data.n (3) (got 4)'));
  });

  it('makes the dataset of the points themselves, in float32, ordered by x', () => {
    const d = makeDataset(parseConfig({ data: { target: points }, batchSize: 1 }));
    expect(d.n).toBe(3);
    expect(Array.from(d.x)).toEqual([-1, 0.3, 2].map(Math.fround));
    expect(Array.from(d.y)).toEqual([0.1, 1, -0.7].map(Math.fround));
  });
});

describe('csvConfig', () => {
  const csv = 'x,y\n' + Array.from({ length: 40 }, (_, i) => `${(i / 13 - 1.5).toFixed(4)},${Math.abs(i / 13 - 1.5).toFixed(4)}`).join('\n');

  it('trains the default network on the CSV through the façade, on exactly the CSV numbers', async () => {
    const c = csvConfig(csv, 'v.csv');
    expect(c.model).toEqual({ hidden: [2], activation: 'relu', output: 'linear', outputs: 1 });
    expect(c.data.n).toBe(40);
    const r = await train({ ...c, steps: 300, kernel: 'js' });
    const { x, y } = parseCsvData(csv);
    expect(Array.from(r.data.x)).toEqual(x.map(Math.fround));
    expect(Array.from(r.data.y)).toEqual(y.map(Math.fround));
    expect(r.status).toBe('done');
    expect(r.loss.values.at(-1)).toBeLessThan(r.loss.values[0]);
    expect(r.optimum).toBeUndefined();
  });

  it('uses every point as the minibatch when there are fewer than 3', () => {
    expect(csvConfig('1,2\n3,4\n').batchSize).toBe(2);
    expect(csvConfig(csv).batchSize).toBe(3);
  });
});

describe('x1, x2, label CSVs: 2-D classes', () => {
  // Two noisy clusters of class 0 and 1 around (−0.5, −0.5) and (0.5, 0.5), and a ring of class 2.
  const rows = Array.from({ length: 60 }, (_, i) => {
    const angle = (2 * Math.PI * i) / 60;
    const label = i % 3;
    const r = label === 2 ? 1.5 : 0.25 + 0.1 * Math.sin(7 * i);
    const [cx, cy] = label === 0 ? [-0.5, -0.5] : label === 1 ? [0.5, 0.5] : [0, 0];
    return [cx + r * Math.cos(angle), cy + r * Math.sin(angle), label];
  });
  const text = `x1,x2,label\n${rows.map((r) => r.join(',')).join('\n')}\n`;

  it('reads x1, x2 and integer labels, with or without a header, any separator', () => {
    expect(parseCsvData('x1;x2;label\n0;1;0\n0,5;-1;1\n')).toEqual({ x: [0, 0.5], x2: [1, -1], y: [0, 1] });
    expect(parseCsvData('0\t1\t1\n2\t3\t0')).toEqual({ x: [0, 2], x2: [1, 3], y: [1, 0] });
  });

  it('refuses a label that is not a class number, a row of the wrong width, and a single class', () => {
    const cases: [string, string][] = [
      ['x1,x2,label\n0,1,0\n1,1,cat\n', 'data.csv line 3: label is not a number ("cat")'],
      ['x1,x2,label\n0,1,0\n1,1,1.5\n', 'data.csv line 3: label must be a class number 0, 1, … up to 63 (got "1.5")'],
      ['x1,x2,label\n0,1,0\n1,1,-1\n', 'data.csv line 3: label must be a class number 0, 1, … up to 63 (got "-1")'],
      ['0,1,0\n1,1\n', 'data.csv line 2: expected 3 columns (x1, x2, label) as on the first line, got 2'],
      ['0,1,0,4\n', 'data.csv line 1: expected 2 columns (x, y) or 3 (x1, x2, label), got 4'],
      ['x1,x2,label\n0,1,0\n1,1,0\n', 'data.csv: every label is 0; classification needs 2 or more classes (labels 0 and 1 at least)'],
      ['x1,x2,label\n', 'data.csv: a header but no rows of x1, x2, label'],
    ];
    for (const [csv, message] of cases) expect(() => parseCsvData(csv, 'data.csv'), csv).toThrow(new InputError(message));
  });

  it('becomes a labeled target with a 2→8→8→k tanh classifier, whose config parses again unchanged', () => {
    const c = csvConfig(text, 'blobs.csv');
    expect(c.data.target.kind).toBe('labeled');
    expect([c.data.n, c.data.spacing, c.data.testFraction]).toEqual([60, 'given', 0.2]);
    expect(c.data.xRange).toEqual([Math.min(...rows.map((r) => r[0])), Math.max(...rows.map((r) => r[0]))]);
    expect(c.model).toMatchObject({ hidden: [8, 8], activation: 'tanh', output: 'softmax', outputs: 3 });
    expect(c.loss).toBe('nll');
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    // The dataset is the CSV's points, 2 inputs each, in float32 (the test split held out).
    const all = makeDataset({ ...c, data: { ...c.data, testFraction: 0 } });
    expect([all.n, all.dIn]).toEqual([60, 2]);
    expect(Array.from(all.x.subarray(0, 4))).toEqual(Array.from(Float32Array.from(rows.slice(0, 2).flatMap((r) => [r[0], r[1]]))));
    expect(Array.from(all.y)).toEqual(rows.map((r) => r[2]));
  });

  it('names the field when the data settings contradict the labeled points', () => {
    const target = { kind: 'labeled', x1: [0, 1, 2], x2: [0, 1, 0], label: [0, 1, 1] };
    const model = { hidden: [4], output: 'sigmoid' };
    expect(() => parseConfig({ data: { target, n: 5 }, model, loss: 'nll', batchSize: 1 })).toThrow('data.n: a labeled target has 3 points; omit n or give 3');
    expect(() => parseConfig({ data: { target, noise: 0.1 }, model, loss: 'nll', batchSize: 1 })).toThrow('data.noise: must be 0 for a labeled target');
    expect(() => parseConfig({ data: { target: { ...target, x2: [0, 1] } }, model, loss: 'nll', batchSize: 1 })).toThrow('data.target.x2: must have as many values as x1');
    expect(() => parseConfig({ data: { target }, batchSize: 1 })).toThrow(/model\.output/);
  });

  it('trains to separate the classes through the façade', async () => {
    const c = csvConfig(text, 'blobs.csv');
    const result = await train({ ...c, steps: 3000, batchSize: 16, optimizer: { ...c.optimizer, lr: 0.01 } });
    expect(result.status).toBe('done');
    // Chance is ln 3 ≈ 1.1 for three balanced classes.
    expect(result.finalLoss).toBeLessThan(0.2);
  });
});

describe('landscape-lab import-data (the built command)', () => {
  const bin = fileURLToPath(new URL('../../bin/landscape-lab.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'lab-csv-'));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('prints a config ready for run, or writes it to --out and never overwrites it', () => {
    if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) throw new Error('build first: npm run build (npm test does)');
    writeFileSync(join(dir, 'v.csv'), 'x;y\r\n-1;1\r\n0;0\r\n1;1\r\n');
    const printed = cli('import-data', 'v.csv');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.out)).toEqual(JSON.parse(JSON.stringify(csvConfig('-1,1\n0,0\n1,1'))));
    expect(cli('import-data', 'v.csv', '--out', 'v.json').out).toBe('wrote a config for the 3 points of v.csv to v.json; train it: landscape-lab run v.json\n');
    expect(parseConfig(JSON.parse(readFileSync(join(dir, 'v.json'), 'utf8'))).data.target).toEqual({ kind: 'points', x: [-1, 0, 1], y: [1, 0, 1] });
    const again = cli('import-data', 'v.csv', '--out', 'v.json');
    expect([again.code, again.err]).toEqual([2, 'landscape-lab: --out: v.json already exists; choose another name or add --force\n']);
  });

  it('exits 2 with one line naming the file and line of a bad cell', () => {
    writeFileSync(join(dir, 'bad.csv'), 'x,y\n1,2\n3,abc\n');
    expect(cli('import-data', 'bad.csv')).toEqual({ code: 2, out: '', err: 'landscape-lab: bad.csv line 3: y is not a number ("abc")\n' });
    expect(cli('import-data', 'missing.csv')).toEqual({ code: 2, out: '', err: 'landscape-lab: missing.csv: no such file\n' });
  });
});
