import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/data/csv.js';
import { DataError, ValueError } from '../../src/tensor/errors.js';

function csvError(text: string, pattern: RegExp, options = {}): void {
  assert.throws(() => parseCsv(text, { source: 'data.csv', ...options }), (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

test('parses a header, quoted fields with delimiters, doubled quotes and newlines, and skips blank lines', () => {
  const t = parseCsv('x, label \n1.5,"a, b"\n\n"say ""hi""","two\nlines"\n   \n2,c', { source: 'data.csv' });
  assert.deepEqual(t.columns, ['x', 'label']);
  assert.deepEqual(t.rows, [['1.5', 'a, b'], ['say "hi"', 'two\nlines'], ['2', 'c']]);
  assert.deepEqual(t.lines, [2, 4, 7]);
  assert.equal(t.source, 'data.csv');
});

test('CRLF line endings, a byte-order mark and a trailing newline', () => {
  const t = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4\r\n');
  assert.deepEqual(t.columns, ['a', 'b']);
  assert.deepEqual(t.rows, [['1', '2'], ['3', '4']]);
  assert.deepEqual(t.lines, [2, 4]);
  assert.equal(t.source, 'CSV');
});

test('the delimiter option: tab and semicolon', () => {
  assert.deepEqual(parseCsv('a\tb\n1,5\t2\n', { delimiter: '\t' }).rows, [['1,5', '2']]);
  assert.deepEqual(parseCsv('a;b\n1;2\n', { delimiter: ';' }).rows, [['1', '2']]);
});

test('empty file and header-only file', () => {
  csvError('', /^data\.csv: the file is empty/);
  csvError('\n  \n\n', /^data\.csv: the file is empty/);
  csvError('a,b,c\n\n', /^data\.csv: only a header row, no data rows/);
});

test('a ragged row names the line and both counts', () => {
  csvError('a,b,c,d,e\n1,2,3,4,5\n\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n', /^data\.csv line 7: 4 fields, expected 5 \(header has 5 columns\)/);
  csvError('a,b\n1,2,3\n', /^data\.csv line 2: 3 fields, expected 2 .*extra ','/);
});

test('line numbers count line breaks inside quoted fields', () => {
  csvError('a,b\n"multi\nline\nfield",2\n1\n', /^data\.csv line 5: 1 field, expected 2/);
});

test('duplicate and empty column names', () => {
  csvError('a,b,a\n1,2,3\n', /^data\.csv line 1: column name "a" appears twice in the header \(columns 1 and 3\)/);
  csvError('\n\na, ,c\n1,2,3\n', /^data\.csv line 3: column 2 of the header has no name/);
});

test('an unterminated quote names the line where the quote opens', () => {
  csvError('a,b\n1,2\n3,"4\n5,6\n', /^data\.csv line 3: a quoted field is never closed/);
  csvError('a,b\n1,"2"x\n', /^data\.csv line 2: (malformed quotes|a quoted field is never closed)/);
});

test('bad options are ValueErrors', () => {
  assert.throws(() => parseCsv('a\n1', { delimiter: ',,' }), ValueError);
  assert.throws(() => parseCsv('a\n1', { delimiter: '"' }), ValueError);
  assert.throws(() => parseCsv('a\n1', { delim: ';' } as never), /unknown option 'delim'/);
});
