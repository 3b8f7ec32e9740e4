import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readIdx, writeIdx } from '../../src/data/idx.js';
import { DataError } from '../../src/tensor/errors.js';

test('reads a hand-written 2×3 unsigned-byte file', () => {
  const bytes = new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
  const { dims, data } = readIdx(bytes);
  assert.deepEqual(dims, [2, 3]);
  assert.ok(data instanceof Uint8Array);
  assert.deepEqual([...data], [1, 2, 3, 4, 5, 255]);
});

test('big-endian multi-byte types round-trip through writeIdx', () => {
  const cases = [
    new Int8Array([-128, -1, 0, 127]),
    new Int16Array([-32768, -2, 258, 32767]),
    new Int32Array([-2147483648, -3, 16909060, 2147483647]),
    new Float32Array([-1.5, 0, 3.25, 1e30]),
    new Float64Array([-Math.PI, 0, Math.E, 1e300]),
  ];
  for (const data of cases) {
    const back = readIdx(writeIdx([2, 2], data));
    assert.deepEqual(back.dims, [2, 2]);
    assert.equal(back.data.constructor, data.constructor);
    assert.deepEqual([...back.data], [...data]);
  }
  // int16 258 is stored as bytes 01 02 (big-endian)
  const raw = writeIdx([1], new Int16Array([258]));
  assert.deepEqual([...raw], [0, 0, 0x0b, 1, 0, 0, 0, 1, 1, 2]);
});

test('reads a view into a larger buffer (byteOffset respected)', () => {
  const inner = writeIdx([3], new Int32Array([1, -2, 3]));
  const outer = new Uint8Array(inner.length + 5);
  outer.set(inner, 5);
  assert.deepEqual([...readIdx(outer.subarray(5)).data], [1, -2, 3]);
});

function idxError(bytes: number[] | Uint8Array, pattern: RegExp): void {
  assert.throws(() => readIdx(Uint8Array.from(bytes), 'images.idx'), (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('malformed files: too short, bad magic, unknown type, zero dims, truncated header, truncated data, extra bytes', () => {
  idxError([0, 0], /^images\.idx: 2 bytes, too short for an IDX header/);
  idxError([0x1f, 0x8b, 8, 0], /^images\.idx: bad magic number \(first bytes 0x1F 0x8B, expected 0x00 0x00\).*gunzipped/);
  idxError([0, 0, 0x07, 1, 0, 0, 0, 0], /^images\.idx: unknown IDX type code 0x07/);
  idxError([0, 0, 8, 0], /0 dimensions/);
  idxError([0, 0, 8, 3, 0, 0, 0, 1], /^images\.idx: truncated header: 3 dimensions need 16 bytes, the file has 8/);
  const full = writeIdx([10, 28, 28], new Uint8Array(7840));
  idxError(full.subarray(0, 1000), /^images\.idx: truncated: the header says 10×28×28 unsigned bytes = 7840 bytes of data, but only 984 follow/);
  idxError([...writeIdx([2], new Uint8Array([1, 2])), 9], /^images\.idx: 1 unexpected bytes after the 2 unsigned bytes/);
  // dims whose product overflows any real file
  idxError([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1], /truncated/);
});
