import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCsvFile, loadIdxFile, loadImageDataset } from '../../src/io/datasets.js';
import { writeIdx } from '../../src/data/idx.js';
import { DataError } from '../../src/tensor/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-datasets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// 3 images of 2×2 pixels, labels 2, 0, 1
const PIXELS = new Uint8Array([0, 255, 51, 102, 255, 255, 0, 0, 10, 20, 30, 40]);
const LABELS = new Uint8Array([2, 0, 1]);
function writePair(gz: boolean, images = writeIdx([3, 2, 2], PIXELS), labels = writeIdx([3], LABELS)): [string, string] {
  const ext = gz ? '.gz' : '';
  const ip = join(dir, `images-${Math.random().toString(36).slice(2)}${ext}`);
  const lp = join(dir, `labels-${Math.random().toString(36).slice(2)}${ext}`);
  writeFileSync(ip, gz ? gzipSync(images) : images);
  writeFileSync(lp, gz ? gzipSync(labels) : labels);
  return [ip, lp];
}

function dataError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a generated IDX pair loads the same raw and gzipped, pixels scaled to [0, 1]', () => {
  for (const gz of [false, true]) {
    const d = loadImageDataset(...writePair(gz));
    assert.equal(d.n, 3);
    assert.equal(d.features, 4);
    assert.deepEqual(d.imageShape, [2, 2]);
    assert.equal(d.classes, 3);
    assert.deepEqual([...d.labels], [2, 0, 1]);
    assert.deepEqual([...d.inputs], [...PIXELS].map((p) => Math.fround(p / 255)));
    assert.equal(d.inputs[1], 1);
  }
  const [ip] = writePair(true);
  assert.deepEqual(loadIdxFile(ip).dims, [3, 2, 2]);
});

test('mismatched, swapped, missing and corrupt files are DataErrors naming the path', () => {
  const [ip, lp] = writePair(false, undefined, writeIdx([4], new Uint8Array([0, 1, 2, 3])));
  dataError(() => loadImageDataset(ip, lp), /labels-.*: 4 labels but .*images-.* has 3 images/);
  const [ip2, lp2] = writePair(true);
  dataError(() => loadImageDataset(lp2, ip2), /images must have at least 2 dimensions.*swap/);
  dataError(() => loadImageDataset(join(dir, 'nope.gz'), lp2), /nope\.gz: cannot read the IDX file \(no such file\)/);
  dataError(() => loadIdxFile(dir), /cannot read the IDX file \(it is a folder\)/);
  const broken = join(dir, 'broken.gz');
  writeFileSync(broken, gzipSync(writeIdx([3, 2, 2], PIXELS)).subarray(0, 20));
  dataError(() => loadIdxFile(broken), /broken\.gz: starts like a gzip file but does not unpack/);
  const truncated = join(dir, 'truncated.gz');
  writeFileSync(truncated, gzipSync(writeIdx([3, 2, 2], PIXELS).subarray(0, 20)));
  dataError(() => loadIdxFile(truncated), /truncated\.gz: truncated: the header says 3×2×2 unsigned bytes = 12 bytes of data, but only 4 follow/);
  const [ip3, lp3] = writePair(false, undefined, writeIdx([3], new Int32Array([0, -1, 2])));
  dataError(() => loadImageDataset(ip3, lp3), /label 1 is -1; labels must be class numbers/);
  const [ip4, lp4] = writePair(false, writeIdx([3, 4], new Int16Array(12)));
  dataError(() => loadImageDataset(ip4, lp4), /images must be unsigned bytes/);
});

test('loadCsvFile names the file in messages', () => {
  const p = join(dir, 'data.csv');
  writeFileSync(p, 'a,b\n1,2\n3\n');
  dataError(() => loadCsvFile(p), new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3: 1 field, expected 2`));
  writeFileSync(p, 'a;b\n1;2\n');
  assert.deepEqual(loadCsvFile(p, { delimiter: ';' }).rows, [['1', '2']]);
  dataError(() => loadCsvFile(join(dir, 'missing.csv')), /missing\.csv: cannot read the CSV file \(no such file\)/);
  writeFileSync(p, gzipSync('a,b\n1,2\n'));
  dataError(() => loadCsvFile(p), /gzip file, not CSV text/);
});

const FASHION = '/usr/share/datasets/fashion-mnist';
test("Debian's Fashion-MNIST test set", { skip: !existsSync(`${FASHION}/t10k-images-idx3-ubyte.gz`) && 'dataset-fashion-mnist is not installed' }, () => {
  const d = loadImageDataset(`${FASHION}/t10k-images-idx3-ubyte.gz`, `${FASHION}/t10k-labels-idx1-ubyte.gz`);
  assert.equal(d.n, 10000);
  assert.equal(d.features, 784);
  assert.deepEqual(d.imageShape, [28, 28]);
  assert.equal(d.classes, 10);
  assert.deepEqual([...d.labels.subarray(0, 10)], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]); // the published first test labels
  const counts = new Array(10).fill(0);
  for (const l of d.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  let min = Infinity, max = -Infinity;
  for (const v of d.inputs) { if (v < min) min = v; if (v > max) max = v; }
  assert.deepEqual([min, max], [0, 1]);
});
