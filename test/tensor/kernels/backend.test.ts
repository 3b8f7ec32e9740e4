/**
 * The backend contract, run against every registered backend: matmul in all four transpositions
 * against a naive triple loop, over sizes that hit every unrolled tail, in both dtypes, with IEEE
 * NaN/Infinity propagation; plus switching backends by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, ValueError, backend, listBackends, setBackend } from '../../../src/index.js';
import type { TypedArray } from '../../../src/tensor/dtype.js';

/** C = op(A)·op(B) the obvious way; A is m×k (stored k×m when transA), B is k×n (stored n×k when transB). */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, transA: boolean, transB: boolean): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

function fill(arr: TypedArray, rng: Random): TypedArray {
  for (let i = 0; i < arr.length; i++) arr[i] = rng.range(-1, 1);
  return arr;
}

const variants = [[false, false], [false, true], [true, false], [true, true]] as const;

for (const name of listBackends()) {
  test(`${name}: matmul in every transposition matches the naive product (float64 and float32)`, () => {
    const prev = setBackend(name);
    try {
      const rng = new Random(7);
      for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [7, 9, 6], [4, 8, 4], [2, 13, 11], [17, 3, 1], [1, 33, 19], [5, 0, 3]]) {
        for (const [ta, tb] of variants) {
          for (const dtype of ['float64', 'float32'] as const) {
            const Arr = dtype === 'float64' ? Float64Array : Float32Array;
            const a = fill(new Arr(m * k), rng), b = fill(new Arr(k * n), rng);
            // Stale values in `out` must not leak into the result.
            const out = new Arr(m * n).fill(123);
            backend().matmul(a, b, out, m, k, n, ta, tb);
            const want = naive(a, b, m, k, n, ta, tb);
            const tol = dtype === 'float64' ? 1e-12 : 1e-5;
            for (let i = 0; i < want.length; i++) {
              assert.ok(Math.abs(out[i] - want[i]) <= tol * Math.max(1, k), `${dtype} ${m}×${k}×${n} transA=${ta} transB=${tb}: element ${i} is ${out[i]}, want ${want[i]}`);
            }
          }
        }
      }
    } finally {
      setBackend(prev);
    }
  });

  test(`${name}: matmul propagates NaN and Infinity like IEEE arithmetic, whatever k is`, () => {
    // Regression: the js backend skipped zero entries of A in its tail loop, so 0·∞ gave 0 (not NaN)
    // for some inner sizes and NaN for others, which could hide a diverged weight.
    const prev = setBackend(name);
    try {
      for (const k of [1, 2, 3, 4, 5, 8, 9]) {
        for (const [ta, tb] of variants) {
          const a = new Float64Array(k); // all zeros: 1×k (or k×1 stored transposed, the same bytes)
          const b = new Float64Array(k).fill(1);
          b[k - 1] = Infinity; // k×1 (or 1×k stored transposed)
          const out = new Float64Array(1);
          backend().matmul(a, b, out, 1, k, 1, ta, tb);
          assert.ok(Number.isNaN(out[0]), `k=${k} transA=${ta} transB=${tb}: 0·∞ summed to ${out[0]}, want NaN`);
          b[k - 1] = NaN;
          a.fill(2);
          backend().matmul(a, b, out, 1, k, 1, ta, tb);
          assert.ok(Number.isNaN(out[0]), `k=${k}: NaN did not propagate`);
        }
      }
    } finally {
      setBackend(prev);
    }
  });
}

test('the js reference backend is registered and active by default; unknown names are errors', () => {
  assert.ok(listBackends().includes('js'));
  assert.ok(listBackends().includes(backend().name));
  const prev = setBackend('js');
  assert.equal(backend().name, 'js');
  setBackend(prev);
  assert.throws(() => setBackend('cuda'), (e: Error) => e instanceof ValueError && /^setBackend: unknown backend 'cuda'; registered: .*js/.test(e.message));
});
