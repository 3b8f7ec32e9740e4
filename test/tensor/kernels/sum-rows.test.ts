/**
 * Leading- and middle-axis sums (reduce with inner > 1: a dense layer's bias gradient) on the wasm
 * backend's sumRows kernel against the JS reference, bit for bit: the reference adds whole rows into
 * a Float32Array, so each sum is float32 from +0 in row order, which is what the kernel computes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../../../src/ops/index.js';
import { Random, Tensor, backend, listBackends, setBackend } from '../../../src/index.js';
import { jsBackend } from '../../../src/tensor/kernels/js.js';
import { enableWasmThreads, shutdownWasmThreads } from '../../../src/tensor/kernels/wasm-threads.js';

const HAS_WASM = listBackends().includes('wasm');

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** Values of very different sizes (so the order of the adds shows in the bits), −0, and a few subnormals. */
function values(n: number, rng: Random): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.int(20);
    x[i] = r === 0 ? -0 : r === 1 ? 1e-40 * rng.range(-1, 1) : rng.range(-1, 1) * 10 ** rng.int(7);
  }
  return x;
}

const shapes: [number, number, number][] = [
  // outer, len, inner: bias gradients (outer 1), odd column counts around the 8- and 4-wide SIMD bodies, middle axes
  [1, 64, 128], [1, 64, 10], [1, 3, 1000], [1, 257, 13], [1, 100, 7], [1, 40, 9], [1, 33, 4], [1, 50, 5], [3, 20, 12], [7, 9, 31], [2, 300, 2],
];

test('wasm: reduce(sum) over a leading or middle axis equals the JS reference bit for bit', { skip: !HAS_WASM }, () => {
  const prev = setBackend('wasm');
  try {
    const be = backend();
    const rng = new Random(41);
    for (const [outer, len, inner] of shapes) {
      const x = values(outer * len * inner, rng);
      const want = new Float32Array(outer * inner);
      jsBackend.reduce('sum', x, want, outer, len, inner);
      const got = new Float32Array(outer * inner).fill(7); // stale output must be overwritten
      be.reduce!('sum', x, got, outer, len, inner);
      sameBits(got, want, `sum ${outer}×${len}×${inner}`);
    }
    // Through the op: a [64, 128] bias gradient and a middle axis.
    const t = new Tensor(values(64 * 128, rng), [64, 128]);
    sameBits(ops.sum(t, [0]).data, (() => { setBackend('js'); try { return ops.sum(t, [0]).data; } finally { setBackend('wasm'); } })(), 'ops.sum axis 0');
    const u = new Tensor(values(4 * 50 * 6, rng), [4, 50, 6]);
    sameBits(ops.sum(u, [1]).data, (() => { setBackend('js'); try { return ops.sum(u, [1]).data; } finally { setBackend('wasm'); } })(), 'ops.sum axis 1');
  } finally {
    setBackend(prev);
  }
});

test('wasm-threads: the same sums on arrays resident in shared memory, read and written in place', { skip: !HAS_WASM }, async () => {
  const kernels = await enableWasmThreads({ threads: 2 });
  const prev = kernels ? setBackend('wasm-threads') : null;
  try {
    if (!kernels) return; // no shared memory here
    const be = backend();
    assert.equal(be.name, 'wasm-threads');
    const rng = new Random(43);
    for (const [outer, len, inner] of shapes) {
      const n = outer * len * inner;
      const x = be.resident!(Math.max(n, 256))!.subarray(0, n);
      x.set(values(n, rng));
      const want = new Float32Array(outer * inner);
      jsBackend.reduce('sum', x, want, outer, len, inner);
      const out = be.resident!(Math.max(outer * inner, 256))!.subarray(0, outer * inner);
      be.reduce!('sum', x, out, outer, len, inner);
      sameBits(out, want, `resident sum ${outer}×${len}×${inner}`);
    }
  } finally {
    if (prev !== null) setBackend(prev);
    shutdownWasmThreads();
  }
});
