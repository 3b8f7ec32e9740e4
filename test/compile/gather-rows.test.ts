/**
 * The kernel-replay loop's batch gather (jit's gatherBatchRows): rows copied through a staging array
 * into shared memory land exactly where the direct copies put them, for wide and narrow rows; and a
 * wide-row float32 training loop through rows() gives the numbers of one call per hand-gathered batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatherBatchRows, stagesRows } from '../../src/compile/jit.js';
import { Random, Tensor, backend, jit, mse, optim, tensor, Dense, Sequential } from '../../src/index.js';

function source(rows: number, w: number, seed: number): Float32Array {
  const r = new Random(seed);
  const a = new Float32Array(rows * w);
  for (let i = 0; i < a.length; i++) a[i] = r.range(-2, 2);
  a[3] = -0;
  return a;
}

test('gatherBatchRows: staged copies into a SharedArrayBuffer equal direct copies, bit for bit (wide and narrow rows)', () => {
  const rows = 50;
  const r = new Random(3);
  for (const w of [1, 7, 15, 16, 17, 784]) {
    const src = source(rows, w, w);
    for (const size of [1, 5, 64]) {
      const order = Array.from({ length: 2 * size + 3 }, () => Math.floor(r.range(0, rows)));
      const first = 3;
      const want = new Float32Array(size * w);
      for (let k = 0; k < size; k++) want.set(src.subarray(order[first + k] * w, (order[first + k] + 1) * w), k * w);
      const shared = new Float32Array(new SharedArrayBuffer(4 * size * w)).fill(NaN);
      assert.equal(stagesRows(shared), true);
      const stage = new Float32Array(size * w).fill(NaN);
      gatherBatchRows(shared, stage, src, w, order, first, size);
      assert.deepEqual(new Uint32Array(shared.buffer), new Uint32Array(want.buffer), `w ${w} size ${size} staged`);
      const plain = new Float32Array(size * w).fill(NaN);
      assert.equal(stagesRows(plain), false);
      gatherBatchRows(plain, null, src, w, order, first, size);
      assert.deepEqual(new Uint32Array(plain.buffer), new Uint32Array(want.buffer), `w ${w} size ${size} direct`);
    }
  }
});

test('rows() with wide float32 rows (the kernel-replay gather) matches one eager call per hand-gathered batch', () => {
  const n = 48, w = 784, size = 8;
  const x = new Tensor(source(n, w, 9), [n, w]);
  const y = new Tensor(source(n, 3, 10), [n, 3]);
  const make = () => {
    const model = new Sequential(new Dense(w, 8, { seed: 1 }), new Dense(8, 3, { seed: 2 }));
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const f = (xb: Tensor, yb: Tensor) => { opt.zeroGrad(); const l = mse(model.forward(xb).relu(), yb); l.backward(); opt.step(); return l; };
    return { model, f };
  };
  const a = make(), b = make();
  const order = Array.from({ length: n }, (_, i) => (i * 7) % n);
  const ja = jit(a.f, { mode: 'kernels' });
  // On the threaded wasm backend the batch buffers live in shared memory: the staged gather runs.
  const resident = backend().resident?.(size * w);
  if (resident) assert.equal(stagesRows(resident), typeof SharedArrayBuffer !== 'undefined' && resident.buffer instanceof SharedArrayBuffer);
  const losses: number[] = [];
  assert.equal(ja.rows([x, y], order, 0, n / size, size, (l) => { losses.push((l as Tensor).item()); }), n / size);
  for (let k = 0; k < n / size; k++) {
    const idx = order.slice(k * size, (k + 1) * size);
    const xb = tensor(idx.map((i) => Array.from(x.data.subarray(i * w, (i + 1) * w))));
    const yb = tensor(idx.map((i) => Array.from(y.data.subarray(i * 3, (i + 1) * 3))));
    const l = b.f(xb, yb).item();
    assert.ok(Math.abs(l - losses[k]) <= 1e-5 * Math.max(1, Math.abs(l)), `batch ${k}: ${losses[k]} vs ${l}`);
  }
  a.model.parameters().forEach((p, i) => {
    const q = b.model.parameters()[i].data;
    for (let j = 0; j < p.size; j++) assert.ok(Math.abs(p.data[j] - q[j]) <= 1e-5, `param ${i}[${j}]: ${p.data[j]} vs ${q[j]}`);
  });
});
