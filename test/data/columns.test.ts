/**
 * Issue 14 in the data layer: the column checks fitPreprocessor makes (mostly numbers, decimal
 * commas, identifiers, control characters, float32 range), impute and its saved fill values,
 * the unknown-category policy, and decodeText's refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';
import { applyPreprocessor, fitPreprocessor, parsePreprocessor } from '../../src/data/tabular.js';
import { decodeText } from '../../src/data/text.js';
import { DataError, ValueError } from '../../src/tensor/errors.js';
import fc from 'fast-check';

const isData = (pattern: RegExp) => (e: unknown) => e instanceof DataError && pattern.test((e as Error).message);

function table(rows: string[][], header = ['a', 'b', 'y']) {
  return parseCsv([header, ...rows].map((r) => r.join(',')).join('\n'), { source: 't.csv' });
}

test('mostly-numeric, ID-like and control-character columns name the column, the line and the option', () => {
  const mostly = table(Array.from({ length: 20 }, (_, i) => [String(i), i % 4 === 1 ? 'n/a?' : String(i * 2), i % 2 ? 'p' : 'q']));
  assert.throws(() => fitPreprocessor(mostly, { target: 'y' }), isData(/t\.csv line 3, column "b": "n\/a\?" is not a number, but the column holds numbers \(15 of 20 cells\)/));
  assert.equal(fitPreprocessor(mostly, { target: 'y', categorical: ['b'] }).features[1].kind, 'categorical');
  const ids = table(Array.from({ length: 30 }, (_, i) => [String(i % 3), `id${i}`, i % 2 ? 'p' : 'q']));
  assert.throws(() => fitPreprocessor(ids, { target: 'y' }), isData(/t\.csv: column "b" looks like an identifier \(30 distinct values in 30 rows\)/));
  assert.deepEqual(fitPreprocessor(ids, { target: 'y', exclude: ['b'] }).features.map((f) => f.name), ['a']);
  // 20 distinct values or fewer is not an identifier however few the rows
  assert.equal(fitPreprocessor(table(Array.from({ length: 20 }, (_, i) => [String(i), `id${i}`, i % 2 ? 'p' : 'q'])), { target: 'y' }).features[1].kind, 'categorical');
  const ctl = table([['1', 'x', 'p'], ['2', 'y\u0007', 'q']]);
  assert.throws(() => fitPreprocessor(ctl, { target: 'y' }), isData(/t\.csv line 3, column "b": the cell holds a control character \(U\+0007\)/));
  const ctlTarget = table([['1', 'x', 'p'], ['2', 'y', 'q\u0000']]);
  assert.throws(() => fitPreprocessor(ctlTarget, { target: 'y', task: 'classify' }), isData(/t\.csv line 3, column "y": the cell holds a control character \(U\+0000 NUL\); fix the file/));
});

test('decimal commas are reported, not one-hot encoded', () => {
  const t = parseCsv('a;b;y\n1,5;2;p\n2,25;3;q\n-0,5;1;p\n1.234,5;2;q\n', { source: 'eu.csv', delimiter: ';' });
  assert.throws(() => fitPreprocessor(t, { target: 'y' }), isData(/eu\.csv line 2, column "a": "1,5" is a number with a decimal comma \(4 of 4 cells are\)/));
});

test('cells outside float32 are errors at fit and at apply, with the file line', () => {
  const t = parseCsv('a,y\n1,p\n"2",q\n-4e38,p\n', { source: 'r.csv' });
  assert.throws(() => fitPreprocessor(t, { target: 'y' }), isData(/r\.csv line 4, column "a": "-4e38" is outside float32's range/));
  const pre = fitPreprocessor(parseCsv('a,y\n1,p\n2,q\n', { source: 'ok.csv' }), { target: 'y' });
  assert.throws(() => applyPreprocessor(pre, parseCsv('a,y\n1,p\n1e300,q\n', { source: 'new.csv' })), isData(/new\.csv line 3, column "a": "1e300" is outside float32's range/));
  const reg = fitPreprocessor(parseCsv('a,y\n1,1.5\n2,2.5\n3,3.5\n4,1.25\n5,8\n6,9.5\n7,3.25\n8,2\n9,1\n10,0.5\n11,1.75\n', { source: 'reg.csv' }), { target: 'y' });
  assert.throws(() => applyPreprocessor(reg, parseCsv('a,y\n1,5e38\n', { source: 'ry.csv' })), isData(/ry\.csv line 2, column "y": "5e38" is outside float32's range/));
});

test('impute: fill values from the training rows, saved, validated on load, applied to new rows', () => {
  const t = parseCsv('a,c,y\n1,red,p\n,blue,q\n3,,p\n10,blue,q\nNA,blue,p\n', { source: 'g.csv' });
  assert.throws(() => fitPreprocessor(t, { target: 'y' }), isData(/g\.csv line 3, column "a": missing value .*--impute mean\|median\|most-frequent \(option impute\)/));
  const mean = fitPreprocessor(t, { target: 'y', impute: 'mean' });
  assert.equal(mean.impute, 'mean');
  assert.deepEqual(mean.features.map((f) => f.fill), [14 / 3, 'blue']);
  assert.equal(fitPreprocessor(t, { target: 'y', impute: 'median' }).features[0].fill, 3);
  assert.equal(fitPreprocessor(t, { target: 'y', impute: 'most-frequent' }).features[0].fill, 1);
  // statistics are of the filled column: 1, 14/3, 3, 10, 14/3
  const f0 = mean.features[0] as { mean: number; std: number };
  assert.ok(Math.abs(f0.mean - 14 / 3) < 1e-12);
  const enc = applyPreprocessor(mean, parseCsv('a,c,y\n,,p\n', { source: 'n.csv' }));
  assert.deepEqual(Array.from(enc.inputs), [0, 1, 0]);
  assert.deepEqual(parsePreprocessor(JSON.parse(JSON.stringify(mean)), 'm.json'), mean);
  assert.throws(() => parsePreprocessor({ ...mean, impute: 'zero' }, 'm.json'), isData(/m\.json: preprocessing\.impute must be one of mean, median, most-frequent, got "zero"/));
  const badFill = structuredClone(mean) as typeof mean;
  (badFill.features[1] as { fill: string }).fill = 'green';
  assert.throws(() => parsePreprocessor(badFill, 'm.json'), isData(/m\.json: preprocessing\.features\[1\]\.fill must be one of the categories, got "green"/));
  assert.throws(() => fitPreprocessor(parseCsv('a,y\n,p\nNA,q\n', { source: 'e.csv' }), { target: 'y', impute: 'mean' }), isData(/e\.csv: column "a" has no values, only missing cells, so there is nothing to impute from/));
  assert.throws(() => fitPreprocessor(t, { target: 'y', impute: 'zero' as 'mean' }), (e: unknown) => e instanceof ValueError && /impute must be one of mean, median, most-frequent/.test((e as Error).message));
  // a missing target still stops
  assert.throws(() => fitPreprocessor(parseCsv('a,y\n1,p\n2,\n', { source: 'mt.csv' }), { target: 'y', impute: 'mean' }), isData(/mt\.csv line 3, column "y": missing value/));
});

test('unknown categories: an error by default, all zeros with unknown: ignore', () => {
  const pre = fitPreprocessor(parseCsv('a,c,y\n1,red,p\n2,blue,q\n', { source: 'k.csv' }), { target: 'y' });
  const rows = parseCsv('a,c,y\n1,purple,p\n', { source: 'u.csv' });
  assert.throws(() => applyPreprocessor(pre, rows), isData(/u\.csv line 2, column "c": unknown category "purple"; the model knows "blue", "red" \(--unknown ignore/));
  const enc = applyPreprocessor(pre, rows, { unknown: 'ignore' });
  assert.deepEqual(Array.from(enc.inputs).slice(1), [0, 0]);
  assert.throws(() => applyPreprocessor(pre, rows, { unknown: 'drop' as 'ignore' }), /applyPreprocessor: unknown must be 'error' or 'ignore', got "drop"/);
});

test('decodeText: UTF-8 (BOM dropped), Latin-1 refused with line and byte or read when asked, UTF-16 and binary named', () => {
  const enc = new TextEncoder();
  assert.equal(decodeText(enc.encode('\uFEFFa,b\n'), 'x'), 'a,b\n');
  const latin = Uint8Array.from([0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]);
  assert.throws(() => decodeText(latin, 'l.csv'), isData(/^l\.csv line 2: byte 0xE9 \(offset 5\) is not UTF-8 text; if the file is Latin-1/));
  assert.equal(decodeText(latin, 'l.csv', { encoding: 'latin1' }), 'a\ncafé\n');
  assert.equal(decodeText(Uint8Array.from([0x80]), 'w', { encoding: 'latin1' }), '€', 'Windows-1252');
  assert.throws(() => decodeText(Uint8Array.from([0x61, 0xc3]), 't.csv'), isData(/t\.csv line 1: byte 0xC3 \(offset 1\) is not UTF-8/), 'a truncated sequence');
  assert.throws(() => decodeText(Uint8Array.from([0xed, 0xa0, 0x80]), 's.csv'), isData(/byte 0xED/), 'an encoded surrogate');
  assert.throws(() => decodeText(Uint8Array.from([0xc0, 0xaf]), 'o.csv'), isData(/byte 0xC0/), 'an overlong encoding');
  assert.throws(() => decodeText(Uint8Array.from([0xff, 0xfe, 0x61, 0]), 'u.csv'), isData(/u\.csv: the file is UTF-16 text/));
  assert.throws(() => decodeText(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 'p.csv'), isData(/p\.csv line 1: a NUL byte \(offset 4\); this is a binary file/));
  // one stray NUL in a later line is left to the column checks
  assert.equal(decodeText(enc.encode(`a,b\n${'1,2\n'.repeat(200)}x\u0000,1\n`), 'n.csv').length, 4 + 800 + 5);
  assert.equal(decodeText(enc.encode('ünïcödé ✓ 𝄞'), 'ok'), 'ünïcödé ✓ 𝄞');
});

test('decodeText decodes every valid UTF-8 text exactly as Node does', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
    const bytes = Buffer.from(s, 'utf8');
    const expected = bytes.toString('utf8');
    assert.equal(decodeText(bytes, 'p'), expected.charCodeAt(0) === 0xfeff ? expected.slice(1) : expected);
  }), { numRuns: 300 });
});
