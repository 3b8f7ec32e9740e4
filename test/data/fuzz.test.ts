/**
 * Property-based fuzzing of everything that reads user files: thousands of generated malformed
 * CSV texts, IDX byte arrays and model-file preprocessors. Each must either work (and then give
 * finite numbers of the right size) or throw a BackpropError; any other exception is a bug.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCsv } from '../../src/data/csv.js';
import { applyPreprocessor, featureWidth, fitPreprocessor, parsePreprocessor } from '../../src/data/tabular.js';
import { readIdx, writeIdx } from '../../src/data/idx.js';
import { numericDataset } from '../../src/data/builtin.js';
import { BackpropError } from '../../src/tensor/errors.js';

const RUNS = 2000;

/** Runs fn; an exception that is not a BackpropError fails the property. Returns the result or null. */
function ours<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BackpropError) {
      assert.ok(!e.message.includes('\n'), `multi-line message: ${e.message}`);
      return null;
    }
    throw e;
  }
}

// Characters that matter to CSV parsing and to number/category/missing detection.
const csvChar = fc.constantFrom(',', ',', ',', '"', '\n', '\n', '\r', ' ', '\t', ';', 'a', 'b', 'x', '1', '2', '0', '.', '-', 'e', '?', 'N', 'A', '9');
const rawCsv = fc.string({ unit: csvChar, maxLength: 60 });

const cell = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: -5, max: 5 }).map(String) },
  { weight: 30, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((v) => v.toPrecision(3)) },
  { weight: 40, arbitrary: fc.constantFrom('', 'NA', '?', 'red', 'blue', ' green ', 'blue', '"q,uoted"', '"a ""b"""', '1e400', 'x"y', '""', ' ') },
  { weight: 1, arbitrary: fc.constantFrom('"open', '"x"y') },
);
/** Mostly well-formed tables with occasional ragged rows, bad names and broken quotes, so fit/apply get exercised. */
const gridCsv = fc
  .integer({ min: 2, max: 4 })
  .chain((width) =>
    fc.record({
      header: fc.oneof(
        { weight: 9, arbitrary: fc.constant(['a', 'b', 'c', 'y'].slice(4 - width)) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom('a', 'y', ''), { minLength: width, maxLength: width }) },
      ),
      rows: fc.array(
        fc.oneof(
          { weight: 19, arbitrary: fc.array(cell, { minLength: width, maxLength: width }) },
          { weight: 1, arbitrary: fc.array(cell, { maxLength: 5 }) },
        ),
        { maxLength: 10, minLength: 1 },
      ),
      eol: fc.constantFrom('\n', '\r\n'),
    }),
  )
  .map(({ header, rows, eol }) => [header.join(','), ...rows.map((r) => r.join(','))].join(eol));
const csvText = fc.oneof(rawCsv, gridCsv, gridCsv);

const fitOptions = fc.record({
  target: fc.nat({ max: 3 }),
  task: fc.constantFrom(undefined, 'classify', 'regress'),
  dropMissing: fc.boolean(),
  exclude: fc.nat({ max: 3 }),
});

function checkEncoded(enc: ReturnType<typeof applyPreprocessor>, d: number, classes: number | null): void {
  const [n, width] = enc.inputShape;
  assert.equal(width, d);
  assert.equal(enc.inputs.length, n * d);
  assert.equal(enc.rows.length, n);
  for (const v of enc.inputs) assert.ok(Number.isFinite(v), `input ${v}`);
  if (enc.targets) {
    assert.equal(enc.targets.length, n);
    for (const v of enc.targets) {
      assert.ok(Number.isFinite(v));
      if (classes !== null) assert.ok(Number.isInteger(v) && v >= 0 && v < classes);
    }
  }
}

test('fuzz: CSV text → parseCsv → fitPreprocessor → applyPreprocessor throws only BackpropErrors', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(csvText, csvText, fitOptions, (text, other, opt) => {
      const table = ours(() => parseCsv(text, { source: 'fuzz.csv' }));
      if (table === null) return;
      assert.ok(table.rows.every((r) => r.length === table.columns.length));
      assert.equal(table.lines.length, table.rows.length);
      const target = table.columns[opt.target % table.columns.length];
      const exclude = opt.exclude < table.columns.length ? [table.columns[opt.exclude]] : [];
      ours(() => numericDataset(table, { target }));
      const pre = ours(() => fitPreprocessor(table, { target, task: opt.task as never, dropMissing: opt.dropMissing, exclude }));
      if (pre === null) return;
      const again = parsePreprocessor(JSON.parse(JSON.stringify(pre)), 'fuzz.json');
      assert.deepEqual(again, pre);
      const classes = pre.target.kind === 'classify' ? pre.target.labels.length : null;
      const enc = ours(() => applyPreprocessor(pre, table, { dropMissing: opt.dropMissing }));
      if (opt.dropMissing) assert.ok(enc !== null, 'a fitted table must encode with the same dropMissing');
      if (enc) checkEncoded(enc, featureWidth(pre), classes);
      const otherTable = ours(() => parseCsv(other, { source: 'other.csv' }));
      if (otherTable === null) return;
      for (const requireTarget of [true, false]) {
        const e2 = ours(() => applyPreprocessor(pre, otherTable, { requireTarget, dropMissing: opt.dropMissing }));
        if (e2) checkEncoded(e2, featureWidth(pre), classes);
      }
    }),
    { numRuns: RUNS, seed: 20240601 },
  );
});

/** Valid IDX files of every type, to truncate and corrupt. */
const idxFile = fc
  .record({
    dims: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
    type: fc.constantFrom(Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array, Float64Array),
  })
  .map(({ dims, type }) => writeIdx(dims, new type(dims.reduce((a, b) => a * b, 1)).map((_, i) => i % 100)));

test('fuzz: random, truncated and corrupted IDX bytes throw only BackpropErrors', { timeout: 60_000 }, () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 48 }),
    fc.tuple(idxFile, fc.nat()).map(([b, cut]) => b.subarray(0, cut % (b.length + 1))),
    fc.tuple(idxFile, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
      const c = b.slice();
      if (c.length > 0) c[at % Math.min(c.length, 16)] = v; // corrupt the header
      return c;
    }),
    fc.tuple(idxFile, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([b, extra]) => Uint8Array.from([...b, ...extra])),
  );
  fc.assert(
    fc.property(bytes, (b) => {
      const r = ours(() => readIdx(b, 'fuzz.idx'));
      if (r) assert.equal(r.data.length, r.dims.reduce((a, x) => a * x, 1));
    }),
    { numRuns: RUNS, seed: 20240602 },
  );
});

test('fuzz: arbitrary JSON as a model file preprocessor throws only DataErrors', { timeout: 60_000 }, () => {
  const valid = {
    version: 1,
    features: [{ name: 'a', kind: 'numeric', mean: 0, std: 1 }, { name: 'c', kind: 'categorical', categories: ['x', 'y'] }],
    target: { name: 't', kind: 'classify', labels: ['0', '1'] },
  };
  const mutated = fc.tuple(fc.constantFrom('version', 'features', 'target', 'features.0', 'features.1.categories', 'target.labels', 'target.kind', 'features.0.std'), fc.jsonValue())
    .map(([path, v]) => {
      const copy = JSON.parse(JSON.stringify(valid));
      const keys = path.split('.');
      let o = copy;
      for (const k of keys.slice(0, -1)) o = o[k];
      o[keys[keys.length - 1]] = v;
      return copy;
    });
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.jsonValue(), mutated), (value) => {
      const pre = ours(() => parsePreprocessor(value, 'model.json'));
      if (pre) assert.ok(featureWidth(pre) >= 1);
    }),
    { numRuns: RUNS, seed: 20240603 },
  );
});
